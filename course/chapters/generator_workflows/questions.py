"""Exercises of chapter 03: generator workflows in Python and JavaScript, easiest first.

- ``q1`` — ``wrap(generator_function)`` in Python: co.wrap for the chapter's mini-co.
- ``q2`` — ``loadProfile(api, userId)`` in JavaScript: a co-based function rewritten with async/await.
- ``q3`` — ``co_with_dicts(generator)`` in Python: the mini-co, extended to dicts of awaitables.
- ``q4`` — ``run(generatorFunction)`` in JavaScript: a tiny co of your own.

The Python answers run in an event loop of their own, on a thread of the
check (the kernel's loop is busy running the cell that called ``check()``).
Parallel work is recognised by counting the jobs in flight, which a busy
machine cannot fool: work started one after another never has two in flight.
The JavaScript answers run with Node.js through :mod:`course.checks.javascript`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

from course.chapters.generator_workflows import CHAPTER
from course.checks import Question, bind
from course.checks.expect import (
    Incorrect,
    attempt,
    call,
    describe_error,
    expect_exception,
)
from course.checks.javascript import JsCase, run_cases, run_report

T = TypeVar("T")


# --- Python answers: a loop of their own, and jobs that count how many run at once ---------------


def run_fresh(
    main: Callable[[], Coroutine[Any, Any, T]], what: str, *, timeout: float = 3.0
) -> T:
    """Run ``main()`` in a new event loop on its own thread; return its result or raise its error.

    A case that has not finished after ``timeout`` seconds is Incorrect (the
    learner's future was never resolved), and so is one that holds the loop's
    thread (a blocking call such as ``time.sleep``).
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        async def bounded() -> T:
            return await asyncio.wait_for(main(), timeout)

        try:
            outcome["value"] = asyncio.run(bounded())
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name=f"check: {what}", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        raise Incorrect(
            f"{what} held the event loop for over {timeout + 5:g} s: inside async code, wait with "
            "`await asyncio.sleep(...)` or a future, never with time.sleep or a busy loop"
        )
    error = outcome.get("error")
    if isinstance(error, TimeoutError):
        raise Incorrect(
            f"{what} did not finish within {timeout:g} s: is the future resolved when the generator "
            "returns or raises, and is every step resumed when its awaitable is done?"
        )
    if error is not None:
        raise error
    return outcome["value"]


class Jobs:
    """Coroutines for the checks to hand out: each sleeps a little, and all count how many run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.log: list[str] = []

    async def job(
        self, value: Any, delay: float = 0.05, error: Exception | None = None
    ) -> Any:
        """Return ``value`` (or raise ``error``) after ``delay`` seconds."""
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(delay)
            if error is not None:
                raise error
            return value
        finally:
            self.running -= 1


async def settle(awaitable: Any) -> tuple[str, Any]:
    """``("value", result)`` or ``("error", exception)``, once ``awaitable`` is done."""
    try:
        return "value", await awaitable
    except NotImplementedError:
        raise
    except Exception as error:
        return "error", error


def shown(result: tuple[str, Any]) -> str:
    """A settled result in words, for messages."""
    kind, value = result
    return (
        f"the error {describe_error(value)}"
        if kind == "error"
        else f"the value {value!r}"
    )


def expect_value(
    what: str, expected: Any, result: tuple[str, Any], advice: str = ""
) -> None:
    """Incorrect unless ``result`` is the value ``expected``; ``advice`` says what to look at."""
    if result != ("value", expected):
        if result == ("value", None) and expected is not None:
            advice = "does the future get the generator's return value (StopIteration.value)?"
        extra = f" — {advice}" if advice else ""
        raise Incorrect(
            f"{what}: expected the value {expected!r}, got {shown(result)}{extra}"
        )


def expect_error(what: str, expected: Exception, result: tuple[str, Any]) -> None:
    """Incorrect unless ``result`` is an error of ``expected``'s type and message."""
    kind, value = result
    if (
        kind != "error"
        or type(value) is not type(expected)
        or str(value) != str(expected)
    ):
        swallowed = (
            " (was the error swallowed? let it reach the awaiting code)"
            if kind == "value"
            else ""
        )
        raise Incorrect(
            f"{what}: expected the error {describe_error(expected)}, got {shown(result)}{swallowed}"
        )


# --- q1: wrap --------------------------------------------------------------------------------------


class Wrap(Question):
    """``wrap(generator_function)``: rejects other functions at once, keeps name and docstring, starts work when called."""

    answer_names = ("wrap",)
    hints = (
        """
        `wrap` takes a generator function and returns a new function. Calling that new function
        makes a generator (with the arguments it was given) and hands it to `co`.
        """,
        """
        Check the argument first: `inspect.isgeneratorfunction(f)` is True only for a `def` with
        `yield`; otherwise raise TypeError with a message saying what was expected. Inside, define
        `start(*args, **kwargs)` and decorate it with `@functools.wraps(generator_function)`, which
        copies the name and docstring. Return `co(...)`'s future as it is: a coroutine (`async
        def`) would not start until someone awaits it.
        """,
        """
        def wrap(generator_function):
            if not ____:
                raise TypeError(f"... got {generator_function!r}")

            @functools.wraps(____)
            def start(*args, **kwargs):
                return ____

            return ____
        """,
    )

    def judge(self, wrap: Any) -> None:
        self._rejects_other_functions(wrap)
        jobs = Jobs()

        def order_total(user_id: int, *, discount: int = 0) -> Generator[Any, Any, int]:
            """Add up a user's two orders."""
            jobs.log.append(f"started {user_id}")
            prices = yield [jobs.job(10 * user_id), jobs.job(user_id)]
            return sum(prices) - discount

        total = call(wrap, order_total)
        if not callable(total):
            raise Incorrect(
                f"wrap(order_total) returned {total!r}; it should return a function"
            )
        for attribute in ("__name__", "__doc__"):
            got = getattr(total, attribute, None)
            if got != getattr(order_total, attribute):
                raise Incorrect(
                    f"wrap(order_total).{attribute} is {got!r}, expected {getattr(order_total, attribute)!r}: "
                    "keep the wrapped function's name and docstring (functools.wraps does it)"
                )
        run_fresh(lambda: self._runs(total, jobs), "calling wrap(order_total)")
        self._errors_reach_the_caller(wrap)
        self._works_on_methods(wrap)

    @staticmethod
    def _rejects_other_functions(wrap: Any) -> None:
        def plain(user_id: int) -> int:
            return user_id

        async def native(user_id: int) -> int:
            return user_id

        async def native_generator(user_id: int) -> Any:
            yield user_id

        for function, described in (
            (plain, "a plain function"),
            (native, "an `async def` function"),
            (
                native_generator,
                "an async generator function (`async def` with `yield`)",
            ),
        ):
            error = expect_exception(
                f"wrap() given {described}",
                lambda function=function: call(wrap, function),
                TypeError,
                succeeded=lambda _, described=described: (
                    f"wrap() accepted {described}; it should raise TypeError at once, saying it needs a "
                    "generator function (inspect.isgeneratorfunction tells them apart)"
                ),
            )
            if not str(error).strip():
                raise Incorrect(
                    f"wrap() given {described} raised TypeError with no message: say what was expected"
                )

    @staticmethod
    async def _runs(total: Any, jobs: Jobs) -> None:
        future = attempt(
            "calling order_total(2, discount=5)", lambda: total(2, discount=5)
        )
        await asyncio.sleep(
            0.01
        )  # a task would have started by now; a coroutine waits to be awaited
        if not inspect.isawaitable(future):
            raise Incorrect(
                f"order_total(2, discount=5) returned {future!r}; expected a future to await"
            )
        if (
            not jobs.log
            and isinstance(future, asyncio.Future)
            and future.done()
            and future.exception()
        ):
            raise Incorrect(
                f"order_total(2, discount=5) failed before its generator ran: {describe_error(future.exception())} "
                "— give co a generator, made by calling the generator function with the arguments"
            )
        if not jobs.log:
            if inspect.iscoroutine(future):
                future.close()
            raise Incorrect(
                "order_total(2, discount=5) had not started: like co.wrap, the wrapped function must start "
                "the generator when called (return co(...)'s future; an `async def` wrapper returns a "
                "coroutine, which does nothing until awaited)"
            )
        if not asyncio.isfuture(future):
            if inspect.iscoroutine(future):
                future.close()
            raise Incorrect(
                f"order_total(2, discount=5) returned {future!r}; return co's future itself (a future can be "
                "awaited by several callers, a coroutine only once)"
            )
        expect_value("await order_total(2, discount=5)", 17, await settle(future))
        both = await settle(asyncio.gather(total(1), total(3)))
        expect_value(
            "two calls at once, order_total(1) and order_total(3)", [11, 33], both
        )
        if jobs.log != ["started 2", "started 1", "started 3"]:
            raise Incorrect(
                f"each call should run the generator once with its own arguments; it ran: {jobs.log}"
            )

    @staticmethod
    def _errors_reach_the_caller(wrap: Any) -> None:
        jobs = Jobs()

        def lookup(name: str) -> Generator[Any, Any, str]:
            """Fail after the first step."""
            yield jobs.job(name)
            raise LookupError(f"no user named {name}")

        def early(name: str) -> Generator[Any, Any, str]:
            """Fail before the first step."""
            if not name.isalpha():
                raise ValueError(f"not a name: {name!r}")
            yield jobs.job(name)
            return name

        failing = call(wrap, lookup)
        failing_early = call(wrap, early)

        async def main() -> list[tuple[str, Any]]:
            results = []
            for what, start in (
                ("lookup('Ada')", lambda: failing("Ada")),
                ("early('x1')", lambda: failing_early("x1")),
            ):
                try:
                    future = start()
                except Exception as error:
                    raise Incorrect(
                        f"calling {what} raised {describe_error(error)} at once; co hands errors over in its "
                        "future instead, for the caller to meet when it awaits"
                    ) from None
                results.append(await settle(future))
            return results

        late, first = run_fresh(main, "a wrapped generator that raises")
        expect_error("await lookup('Ada')", LookupError("no user named Ada"), late)
        expect_error("await early('x1')", ValueError("not a name: 'x1'"), first)

    @staticmethod
    def _works_on_methods(wrap: Any) -> None:
        jobs = Jobs()

        def price(shop: Any, item: str) -> Generator[Any, Any, str]:
            """Look an item up in the shop's list."""
            cost = yield jobs.job(shop.prices[item])
            return f"{item}: {cost}"

        class Shop:
            prices = {"lamp": 30}
            get = call(wrap, price)

        got = run_fresh(
            lambda: settle(Shop().get("lamp")), "a wrapped method, Shop().get('lamp')"
        )
        expect_value("a wrapped method, await Shop().get('lamp')", "lamp: 30", got)


# --- q2: loadProfile with async/await ------------------------------------------------------------

_JS_FAKE_API = """
const __api = (plan = {}) => {
  const t0 = Date.now();
  const calls = [];
  let running = 0;
  let most = 0;
  const fake = (name, ms, value) => (id) => {
    running += 1;
    most = Math.max(most, running);
    const call = { name, id, start: Date.now() - t0 };
    calls.push(call);
    const fails = plan[name];
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        running -= 1;
        call.end = Date.now() - t0;
        if (fails) reject(new Error(fails));
        else resolve(typeof value === "function" ? value(id) : value);
      }, plan[`${name}Ms`] ?? ms),
    );
  };
  const api = {
    user: fake("user", 120, (id) => ({ id, name: id === 1 ? "Ada" : "Grace" })),
    posts: fake("posts", 120, (id) => (id === 1 ? [{ id: 10 }, { id: 11 }, { id: 12 }] : [])),
    badges: fake("badges", 30, (id) => (id === 1 ? ["early bird"] : [])),
  };
  return { api, stats: () => ({ most, calls }) };
};
"""
"""JavaScript for q2's cases: a fake ``api`` whose methods answer later and record when each ran."""

_JS_OUTCOME = """
const __outcome = async (make) => {
  let promise;
  try {
    promise = make();
  } catch (error) {
    return { threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  if (promise === null || typeof promise !== "object" || typeof promise.then !== "function") {
    return { notPromise: promise === undefined ? "undefined" : JSON.stringify(promise) ?? typeof promise };
  }
  try {
    const value = await promise;
    return value === undefined ? { undefined: true } : { value };
  } catch (error) {
    return { rejected: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
};
"""
"""JavaScript for the cases: ``__outcome(() => f())`` says how the promise ``f()`` returned settled."""


def outcome_shown(outcome: Any) -> str:
    """What ``__outcome`` reported, in words."""
    if not isinstance(outcome, dict):
        return repr(outcome)
    if "threw" in outcome:
        return f"it threw {outcome['threw']} at once instead of returning a promise"
    if "notPromise" in outcome:
        return f"it returned {outcome['notPromise']}, not a promise"
    if "rejected" in outcome:
        return f"its promise rejected with {outcome['rejected']}"
    if outcome.get("undefined"):
        return "its promise resolved to undefined"
    return f"its promise resolved to {json.dumps(outcome.get('value'))}"


def expect_resolved(label: str, expected: Any, case: JsCase) -> Any:
    """The outcome of a JavaScript case; Incorrect unless its promise resolved to ``expected``."""
    if case.error is not None:
        raise Incorrect(f"{label}: {case.error}")
    outcome = case.value
    if not (
        isinstance(outcome, dict)
        and "value" in outcome
        and outcome["value"] == expected
    ):
        raise Incorrect(
            f"{label}: expected a promise of {json.dumps(expected)}, but {outcome_shown(outcome)}"
        )
    return outcome


def expect_rejected(label: str, error: str, case: JsCase, advice: str) -> None:
    """Incorrect unless the JavaScript case's promise rejected with the very error ``error`` (``"Name: message"``)."""
    if case.error is not None:
        raise Incorrect(f"{label}: {case.error}")
    outcome = case.value
    if isinstance(outcome, dict) and outcome.get("rejected") == error:
        return
    raise Incorrect(
        f"{label}: expected the promise to reject with {error}, but {outcome_shown(outcome)} — {advice}"
    )


class LoadProfile(Question):
    """``loadProfile(api, userId)`` with async/await: same results as the co version, user and posts in parallel, errors propagated."""

    answer_names = ("load_profile_js",)
    hints = (
        """
        An `async function` plays the part of `co.wrap(function* ...)`: every `yield promise`
        becomes `await promise`, and the function returns a promise of its `return` value.
        """,
        """
        `yield [a, b]` waited for both promises at once; `await` takes one promise, so combine them
        first with `Promise.all([a, b])`. Awaiting `api.user(...)` and then `api.posts(...)` would
        start the second request only after the first had finished. Keep the `try`/`catch` around
        the badges: their failure is the only one the function hides.
        """,
        """
        async function loadProfile(api, userId) {
          const [user, posts] = await Promise.all([____, ____]);
          let badges;
          try {
            badges = await ____;
          } catch (error) {
            badges = ____;
          }
          return { name: ____, posts: ____, badges };
        }
        """,
    )

    CASES_JS = (
        _JS_OUTCOME
        + _JS_FAKE_API
        + """
__case("profile of user 1", async () => {
  const { api, stats } = __api();
  const outcome = await __outcome(() => loadProfile(api, 1));
  return { ...outcome, ...stats() };
});
__case("profile of user 2", async () => {
  const { api } = __api();
  return __outcome(() => loadProfile(api, 2));
});
__case("badges service down", async () => {
  const { api } = __api({ badges: "badges service down" });
  return __outcome(() => loadProfile(api, 1));
});
__case("user service down", async () => {
  const { api } = __api({ user: "user service down", userMs: 60 });
  return __outcome(() => loadProfile(api, 1));
});
__case("posts service down", async () => {
  const { api } = __api({ posts: "posts service down", postsMs: 10 });
  return __outcome(() => loadProfile(api, 1));
});
"""
    )

    PROFILE_1 = {"name": "Ada", "posts": 3, "badges": ["early bird"]}
    PROFILE_2 = {"name": "Grace", "posts": 0, "badges": []}

    def judge(self, load_profile_js: Any) -> None:
        cases = {
            case.label: case
            for case in run_cases(load_profile_js, "loadProfile", self.CASES_JS)
        }
        code = _without_comments(load_profile_js)
        if not re.search(r"\bawait\b", code):
            raise Incorrect(
                "the exercise is to rewrite loadProfile with `async`/`await`; your code has no `await`"
            )
        if re.search(r"\bco\s*(\.\s*wrap\s*)?\(", code) or re.search(
            r"\byield\b", code
        ):
            raise Incorrect(
                "the exercise is to do without co: replace each `yield` with `await` in an async function"
            )
        first = expect_resolved(
            "loadProfile(api, 1)", self.PROFILE_1, cases["profile of user 1"]
        )
        calls = {call["name"]: call for call in first["calls"]}
        user, posts = calls.get("user", {}), calls.get("posts", {})
        overlapped = posts.get("start", 0) < user.get("end", 0) and user.get(
            "start", 0
        ) < posts.get("end", 0)
        if not overlapped:
            timeline = ", ".join(
                f"api.{call['name']} {call['start']}–{call.get('end', '?')} ms"
                for call in first["calls"]
            )
            raise Incorrect(
                f"loadProfile(api, 1) did not ask for the user and the posts at the same time ({timeline}): "
                "start both requests, then wait for both with Promise.all, as `yield [a, b]` did"
            )
        expect_resolved(
            "loadProfile(api, 2)", self.PROFILE_2, cases["profile of user 2"]
        )
        expect_resolved(
            "loadProfile(api, 1) while api.badges rejects",
            {**self.PROFILE_1, "badges": []},
            cases["badges service down"],
        )
        for service in ("user", "posts"):
            expect_rejected(
                f"loadProfile(api, 1) while api.{service} rejects",
                f"Error: {service} service down",
                cases[f"{service} service down"],
                "only the badges may fall back; let other errors reach the caller as they are",
            )


def _without_comments(source: str) -> str:
    """JavaScript ``source`` with its ``//`` and ``/* */`` comments removed (roughly: enough to look for keywords)."""
    strings_or_comments = r"(\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|/\*.*?\*/|//[^\n]*"
    return re.sub(
        strings_or_comments, lambda found: found.group(1) or "", source, flags=re.DOTALL
    )


# --- q3: co with dicts -----------------------------------------------------------------------------


class CoWithDicts(Question):
    """``co_with_dicts(generator)``: the mini-co, also taking a dict of awaitables (results by key, run concurrently)."""

    answer_names = ("co_with_dicts",)
    hints = (
        """
        Only what the runner does with a *yielded* value changes: a dict must become one future whose
        result is a dict with the same keys. Everything else — send, throw, the returned future —
        stays as in the chapter's `co`.
        """,
        """
        `asyncio.gather(*d.values())` runs the values concurrently and gives their results in the
        same order as `d.keys()`; `zip` them back together. `gather` returns a future, but the
        rebuilt dict must be the result of a future too — an `async def` helper that awaits the
        gather and returns the dict, passed to `asyncio.ensure_future`, does it. Awaiting the values
        one by one would run them one after another.
        """,
        """
        async def gather_dict(awaitables):
            values = await asyncio.gather(*____)
            return dict(zip(____, values, strict=True))

        def to_future_with_dicts(yielded):
            if isinstance(yielded, dict):
                return asyncio.ensure_future(____)
            return to_future(yielded)  # the chapter's: lists and single awaitables

        def co_with_dicts(generator):
            ...  # the chapter's co, calling to_future_with_dicts
        """,
    )

    def judge(self, co_with_dicts: Any) -> None:
        if not callable(co_with_dicts):
            raise Incorrect(
                f"expected a function `co_with_dicts`, got {type(co_with_dicts).__name__} {co_with_dicts!r}"
            )
        for what, case in self.cases():
            run_fresh(lambda case=case: case(co_with_dicts), what)

    @classmethod
    def cases(cls) -> list[tuple[str, Callable[[Any], Coroutine[Any, Any, None]]]]:
        """Each case's name and coroutine function; each raises Incorrect itself."""
        return [
            ("a generator that takes three steps", cls._resolves_at_the_end),
            ("yielding a coroutine, a future and a list", cls._still_the_old_kinds),
            ("a generator that yields a dict", cls._dict_concurrently),
            ("a dict holding a future and a task", cls._dict_of_futures),
            ("yielding a dict with a failing value", cls._dict_error_thrown_in),
            ("a dict whose failure is not caught", cls._dict_error_uncaught),
            ("yielding an empty dict", cls._empty_dict),
            ("a generator that raises before its first yield", cls._early_error),
        ]

    @staticmethod
    async def _start(co: Any, generator: Generator[Any, Any, Any]) -> Any:
        future = co(generator)
        if not inspect.isawaitable(future):
            raise Incorrect(
                f"co(generator) returned {future!r}; expected a future (something to await)"
            )
        return future

    @classmethod
    async def _dict_concurrently(cls, co: Any) -> None:
        jobs = Jobs()

        def profile() -> Generator[Any, Any, Any]:
            found = yield {
                "user": jobs.job("Ada"),
                "orders": jobs.job([12, 30]),
                "badges": jobs.job([]),
            }
            return found

        got = await settle(await cls._start(co, profile()))
        expected = {"user": "Ada", "orders": [12, 30], "badges": []}
        advice = "the yield should give a dict with the same keys, each holding its awaitable's result"
        expect_value(
            "yield {'user': ..., 'orders': ..., 'badges': ...}", expected, got, advice
        )
        if jobs.most < 3:
            raise Incorrect(
                f"the dict's three coroutines ran one after another (at most {jobs.most} at a time): start them "
                "all before waiting, e.g. with asyncio.gather"
            )

    @classmethod
    async def _dict_error_thrown_in(cls, co: Any) -> None:
        jobs = Jobs()

        def careful() -> Generator[Any, Any, Any]:
            try:
                yield {
                    "user": jobs.job("Ada"),
                    "orders": jobs.job(None, error=ConnectionError("orders down")),
                }
            except ConnectionError as error:
                return f"recovered from {error}"
            return "no error reached the generator"

        got = await settle(await cls._start(co, careful()))
        expect_value(
            "a generator that catches the failure of one value of its dict",
            "recovered from orders down",
            got,
            "the error must be thrown into the generator at its yield (generator.throw)",
        )

    @classmethod
    async def _dict_error_uncaught(cls, co: Any) -> None:
        jobs = Jobs()

        def careless() -> Generator[Any, Any, Any]:
            yield {"orders": jobs.job(None, error=KeyError("orders"))}
            return "unreachable"

        got = await settle(await cls._start(co, careless()))
        expect_error(
            "awaiting co() of a generator whose dict fails", KeyError("orders"), got
        )

    @classmethod
    async def _empty_dict(cls, co: Any) -> None:
        def nothing() -> Generator[Any, Any, Any]:
            found = yield {}
            return found

        got = await settle(await cls._start(co, nothing()))
        expect_value("yield {}", {}, got)

    @classmethod
    async def _still_the_old_kinds(cls, co: Any) -> None:
        jobs = Jobs()
        loop = asyncio.get_running_loop()

        def mixed() -> Generator[Any, Any, Any]:
            one = yield jobs.job(1)
            ready = loop.create_future()
            loop.call_later(0.02, ready.set_result, 2)
            two = yield ready
            rest = yield [jobs.job(3), jobs.job(4)]
            caught = []
            try:
                yield jobs.job(None, error=LookupError("one failed"))
            except LookupError as error:
                caught.append(str(error))
            try:
                yield [
                    jobs.job(5),
                    jobs.job(None, error=LookupError("one of a list failed")),
                ]
            except LookupError as error:
                caught.append(str(error))
            return [one, two, *rest, *caught]

        got = await settle(await cls._start(co, mixed()))
        expect_value(
            "yielding a coroutine, a future, a list, then a failing coroutine and a failing list, both caught",
            [1, 2, 3, 4, "one failed", "one of a list failed"],
            got,
            "what worked in the chapter's co must still work, errors thrown in included",
        )

    @classmethod
    async def _dict_of_futures(cls, co: Any) -> None:
        jobs = Jobs()
        loop = asyncio.get_running_loop()

        def mixed() -> Generator[Any, Any, Any]:
            ready = loop.create_future()
            loop.call_later(0.02, ready.set_result, "from a future")
            found = yield {
                "future": ready,
                "task": asyncio.ensure_future(jobs.job("from a task")),
                "coroutine": jobs.job("from a coroutine"),
            }
            return found

        got = await settle(await cls._start(co, mixed()))
        expected = {
            "future": "from a future",
            "task": "from a task",
            "coroutine": "from a coroutine",
        }
        advice = "a dict's values may be futures and tasks as well as coroutines (asyncio.gather takes all three)"
        expect_value(
            "yield {'future': ..., 'task': ..., 'coroutine': ...}",
            expected,
            got,
            advice,
        )

    @classmethod
    async def _resolves_at_the_end(cls, co: Any) -> None:
        jobs = Jobs()
        steps: list[int] = []

        def three_steps() -> Generator[Any, Any, Any]:
            for number in (1, 2, 3):
                steps.append((yield jobs.job(number, delay=0.02)))
            return sum(steps)

        future = await cls._start(co, three_steps())
        await asyncio.sleep(0)
        if isinstance(future, asyncio.Future) and future.done():
            raise Incorrect(
                f"co()'s future was already done (with {shown(await settle(future))}) while the generator was "
                "still waiting at its first yield: resolve it only when the generator returns"
            )
        got = await settle(future)
        if got != ("value", 6):
            early = f" after {len(steps)} of its 3 steps" if len(steps) < 3 else ""
            raise Incorrect(
                f"a generator that returns 1 + 2 + 3: expected the value 6, got {shown(got)}{early} — "
                "the future's result is the generator's return value (StopIteration.value)"
            )

    @classmethod
    async def _early_error(cls, co: Any) -> None:
        def broken() -> Generator[Any, Any, Any]:
            raise ValueError("bad input")
            yield  # unreachable: makes this function a generator

        try:
            future = co(broken())
        except ValueError:
            raise Incorrect(
                "co(generator) raised the generator's ValueError at once; put it in the returned future "
                "instead, so that whoever awaits it meets the error"
            ) from None
        expect_error(
            "awaiting co() of a generator that raises at once",
            ValueError("bad input"),
            await settle(future),
        )


# --- q4: a tiny co in JavaScript -----------------------------------------------------------------


class TinyCo(Question):
    """``run(generatorFunction)`` in JavaScript: values in, rejections thrown in, arrays in parallel, result out."""

    answer_names = ("run_js",)
    hints = (
        """
        `run` returns `new Promise((resolve, reject) => ...)`. Inside, call the generator function to
        get a generator, then write a `step` function that resumes it and looks at what it yielded.
        """,
        """
        `generator.next(value)` resumes with `value` as the result of `yield`; `generator.throw(error)`
        resumes by throwing `error` at the `yield`. Both return `{ value, done }`: when `done`, resolve
        with `value`; otherwise wait for `value` (`Promise.all` if it is an array, `Promise.resolve`
        otherwise) and call `step` again with the result or the error. Wrap the `next`/`throw` calls in
        `try`/`catch`: an error the generator does not catch must reject run's promise.
        """,
        """
        function run(generatorFunction) {
          return new Promise((resolve, reject) => {
            const generator = generatorFunction();
            // resume: () => generator.next(value), or () => generator.throw(error)
            const step = (resume) => {
              // 1. call resume() inside try/catch: an error escaping here must ____
              // 2. if the result is done: ____
              // 3. otherwise: one promise for result.value (an array needs ____),
              //    then step again on success and on failure: ____
            };
            step(() => generator.next());
          });
        }
        """,
    )

    CASES_JS = (
        _JS_OUTCOME
        + """
const __later = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));
const __fail = (ms, message) =>
  new Promise((_, reject) => setTimeout(reject, ms, new Error(message)));
__case("values", () => __outcome(() => run(function* () {
  const a = yield __later(20, 1);
  const b = yield __later(20, a + 1);
  return a + b;
})));
__case("no yield", () => __outcome(() => run(function* () {
  return "done";
})));
__case("caught rejection", () => __outcome(() => run(function* () {
  try {
    yield __fail(10, "nope");
    return "the rejection never reached the generator";
  } catch (error) {
    return `caught ${error.message}`;
  }
})));
__case("after a caught rejection", () => __outcome(() => run(function* () {
  let answer = 0;
  try {
    yield __fail(5, "first try failed");
  } catch (error) {
    answer = yield __later(5, 41);
  }
  return answer + 1;
})));
__case("uncaught rejection", () => __outcome(() => run(function* () {
  yield __fail(10, "database down");
  return "unreachable";
})));
__case("generator throws", () => __outcome(() => run(function* () {
  yield __later(5);
  throw new RangeError("bad page");
})));
__case("throws at once", () => __outcome(() => run(function* () {
  throw new TypeError("too early");
})));
__case("array", () => __outcome(() => run(function* () {
  return yield [__later(60, "a"), __later(40, "b"), __later(20, "c")];
})));
__case("array with a failure", () => __outcome(() => run(function* () {
  try {
    yield [__later(80, 1), __fail(5, "one of them failed")];
    return "the rejection never reached the generator";
  } catch (error) {
    return `caught ${error.message}`;
  }
})));
__case("finished first", async () => {
  const steps = [];
  const outcome = await __outcome(() => run(function* () {
    steps.push("start");
    yield __later(10);
    steps.push("middle");
    yield __later(10);
    steps.push("end");
    return steps.length;
  }));
  return { ...outcome, steps: [...steps] };
});
"""
    )

    def judge(self, run_js: Any) -> None:
        report = run_report(run_js, "run", self.CASES_JS)
        if re.search(r"\brequire\s*\(\s*[\"']co[\"']", _without_comments(run_js)):
            raise Incorrect(
                "the exercise is to write a co of your own: do not require the co package"
            )
        cases = report.by_label()
        stuck = next(
            (
                case
                for case in report.cases
                if (case.error or "").startswith("never settled")
            ),
            None,
        )
        if stuck is not None:
            raise Incorrect(
                f"the case “{stuck.label}”: run's promise never settled (no result after 2 s) — does every "
                "path resolve or reject it, including errors thrown while resuming the generator?"
            )
        finished = cases["finished first"]
        if (
            finished.error is None
            and isinstance(finished.value, dict)
            and finished.value.get("steps") != ["start", "middle", "end"]
        ):
            raise Incorrect(
                f"run()'s promise settled ({outcome_shown(finished.value)}) when the generator had only done "
                f"{finished.value.get('steps')}: settle it only once the generator is done"
            )
        expect_resolved(
            "a generator of three steps that returns how many it took", 3, finished
        )
        expect_resolved(
            "run(function* () { a = yield …; b = yield …; return a + b })",
            3,
            cases["values"],
        )
        expect_resolved(
            'run(function* () { return "done" })', "done", cases["no yield"]
        )
        expect_resolved(
            "a generator that catches a rejected promise with try/catch",
            "caught nope",
            cases["caught rejection"],
        )
        expect_resolved(
            "a generator that catches a rejection, then yields again",
            42,
            cases["after a caught rejection"],
        )
        expect_rejected(
            "a generator that does not catch a rejection",
            "Error: database down",
            cases["uncaught rejection"],
            "an error the generator does not catch must reject run's promise",
        )
        expect_rejected(
            "a generator that throws after a yield",
            "RangeError: bad page",
            cases["generator throws"],
            "an error thrown by the generator must reject run's promise",
        )
        expect_rejected(
            "a generator that throws before its first yield",
            "TypeError: too early",
            cases["throws at once"],
            "run must return a promise even then, and reject it",
        )
        array = cases["array"]
        if (
            array.error is None
            and isinstance(array.value, dict)
            and array.value.get("value") == [{}, {}, {}]
        ):
            raise Incorrect(
                "yielding an array of three promises gave the generator the promises themselves, shown as "
                "[{}, {}, {}]: wait for all of them with Promise.all and send back their values"
            )
        expect_resolved(
            'yield [later(60, "a"), later(40, "b"), later(20, "c")]',
            ["a", "b", "c"],
            array,
        )
        report.raise_unhandled()  # after the cases above, whose messages say more
        expect_resolved(
            "a generator that catches the rejection of one promise in an array",
            "caught one of them failed",
            cases["array with a failure"],
        )


QUESTIONS = bind(CHAPTER, [Wrap, LoadProfile, CoWithDicts, TinyCo], globals())

__all__ = ["QUESTIONS", "Jobs", "run_fresh", "settle"]
