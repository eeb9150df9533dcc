"""A mini-co: runs a generator that yields awaitables, as co runs one yielding promises.

The chapter shows this file and takes it apart; exercise 1 builds ``wrap`` on
its ``co``, and exercise 3 asks for a ``co`` that also accepts a dict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any


def to_future(yielded: Any) -> asyncio.Future[Any]:
    """One future for what the generator yielded; a list's items run concurrently."""
    if isinstance(yielded, list):
        return asyncio.gather(*yielded)
    return asyncio.ensure_future(yielded)  # a future, a task or a coroutine


def co(generator: Generator[Any, Any, Any]) -> asyncio.Future[Any]:
    """Drive ``generator`` to its end; the returned future gets its result or error."""
    result = asyncio.get_running_loop().create_future()

    def step(value: Any = None, error: BaseException | None = None) -> None:
        if result.cancelled():  # nobody wants the result any more
            generator.close()
            return
        try:
            if error is None:
                yielded = generator.send(value)  # value: what `yield` returns
            else:
                yielded = generator.throw(error)  # raised where it paused
        except StopIteration as stop:  # the generator returned
            result.set_result(stop.value)
        except BaseException as problem:  # the generator raised
            result.set_exception(problem)
        else:
            try:
                to_future(yielded).add_done_callback(settled)
            except TypeError as problem:  # not awaitable: tell the generator
                step(error=problem)

    def settled(future: asyncio.Future[Any]) -> None:
        try:
            value = future.result()  # raises the future's error, if any
        except BaseException as problem:
            step(error=problem)
        else:
            step(value)

    step()
    return result
