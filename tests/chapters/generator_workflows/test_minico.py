"""Chapter 03's mini-co: does it drive a generator the way co does?"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest

from course.chapters.generator_workflows.minico import co, to_future


def test_values_come_back_from_yield_and_the_return_value_ends_up_in_the_future() -> None:
    def steps() -> Generator[Any, Any, Any]:
        a = yield asyncio.sleep(0.01, 2)
        b = yield [asyncio.sleep(0.01, 3), asyncio.sleep(0.01, 4)]
        return a * sum(b)

    async def main() -> Any:
        future = co(steps())
        assert isinstance(future, asyncio.Future) and not future.done()
        return await future

    assert asyncio.run(main()) == 14


def test_an_error_is_thrown_in_at_the_yield_and_an_uncaught_one_fails_the_future() -> None:
    async def fail() -> None:
        raise ConnectionError("down")

    def careful() -> Generator[Any, Any, Any]:
        try:
            yield fail()
        except ConnectionError as error:
            return f"caught {error}"

    def careless() -> Generator[Any, Any, Any]:
        yield fail()

    async def main() -> Any:
        with pytest.raises(ConnectionError, match="down"):
            await co(careless())
        return await co(careful())

    assert asyncio.run(main()) == "caught down"


def test_something_not_awaitable_is_thrown_in_as_a_type_error() -> None:
    def yields_a_number() -> Generator[Any, Any, Any]:
        try:
            yield 42
        except TypeError as error:
            return str(error)

    assert "awaitable is required" in asyncio.run(_await(co, yields_a_number()))


def test_a_list_runs_its_items_concurrently() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await co(_one_list_of(asyncio.sleep(0.1) for _ in range(5)))
        return loop.time() - start

    assert asyncio.run(main()) < 0.3  # one after another would take 0.5 s


def test_a_cancelled_result_closes_the_generator() -> None:
    closed = []

    def endless() -> Generator[Any, Any, Any]:
        try:
            while True:
                yield asyncio.sleep(0.01)
        finally:
            closed.append(True)

    async def main() -> None:
        future = co(endless())
        await asyncio.sleep(0.03)
        future.cancel()
        await asyncio.sleep(0.03)

    asyncio.run(main())
    assert closed == [True]


def test_co_needs_a_running_event_loop() -> None:
    generator = _one_list_of([])
    with pytest.raises(RuntimeError, match="no running event loop"):
        co(generator)


def test_to_future_gathers_a_list_and_passes_a_future_through() -> None:
    async def main() -> Any:
        ready = asyncio.get_running_loop().create_future()
        ready.set_result("as is")
        assert to_future(ready) is ready
        return await to_future([asyncio.sleep(0, 1), ready])

    assert asyncio.run(main()) == [1, "as is"]


def _one_list_of(items: Any) -> Generator[Any, Any, Any]:
    yield list(items)


async def _await(runner: Any, generator: Generator[Any, Any, Any]) -> Any:
    return await runner(generator)
