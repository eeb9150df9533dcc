"""Chapter 03's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Generator
from typing import Any

import pytest
from checking import incorrect

from course.chapters.generator_workflows.minico import co, to_future
from course.chapters.generator_workflows.questions import q1, q2, q3, q4
from course.checks import MISSING
from course.solutions import define, reference

JS_STUB = '  // YOUR CODE HERE\n  throw new Error("NotImplementedError: replace this line with your code");\n'


def chapter_namespace() -> dict[str, Any]:
    """What the exercise notebook's setup cell imports, for the Python answers to use."""
    return {"asyncio": asyncio, "functools": functools, "inspect": inspect, "co": co, "to_future": to_future}


# --- q1: wrap --------------------------------------------------------------------------------------


def test_q1_solution_passes() -> None:
    assert q1.evaluate(define(q1, chapter_namespace())["wrap"]).status == "correct"


def wrap_as_a_class(generator_function: Any) -> Any:
    """An unusual right answer: a callable object, started as a task rather than at once."""
    if not inspect.isgeneratorfunction(generator_function):
        raise TypeError(f"need a generator function, not {generator_function!r}")

    class Started:
        def __init__(self) -> None:
            functools.update_wrapper(self, generator_function)

        def __get__(self, instance: Any, owner: Any) -> Any:
            return self if instance is None else functools.partial(self, instance)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            async def drive() -> Any:
                return await co(generator_function(*args, **kwargs))

            return asyncio.ensure_future(drive())

    return Started()


def test_q1_accepts_a_callable_object_that_starts_a_task() -> None:
    assert q1.evaluate(wrap_as_a_class).status == "correct"


def _checked(generator_function: Any) -> None:
    if not inspect.isgeneratorfunction(generator_function):
        raise TypeError("a generator function is needed")


def wrap_loses_the_name(generator_function: Any) -> Any:
    _checked(generator_function)

    def start(*args: Any, **kwargs: Any) -> Any:
        return co(generator_function(*args, **kwargs))

    return start


def wrap_returns_a_coroutine(generator_function: Any) -> Any:
    _checked(generator_function)

    @functools.wraps(generator_function)
    async def start(*args: Any, **kwargs: Any) -> Any:
        return await co(generator_function(*args, **kwargs))

    return start


def wrap_checks_nothing(generator_function: Any) -> Any:
    @functools.wraps(generator_function)
    def start(*args: Any, **kwargs: Any) -> Any:
        return co(generator_function(*args, **kwargs))

    return start


def wrap_raises_value_error(generator_function: Any) -> Any:
    if not inspect.isgeneratorfunction(generator_function):
        raise ValueError("a generator function is needed")
    return wrap_checks_nothing(generator_function)


def wrap_forgets_keywords(generator_function: Any) -> Any:
    _checked(generator_function)

    @functools.wraps(generator_function)
    def start(*args: Any) -> Any:
        return co(generator_function(*args))

    return start


def wrap_passes_the_function(generator_function: Any) -> Any:
    _checked(generator_function)

    @functools.wraps(generator_function)
    def start(*args: Any, **kwargs: Any) -> Any:
        return co(generator_function)

    return start


def wrap_drives_the_first_step_itself(generator_function: Any) -> Any:
    _checked(generator_function)

    @functools.wraps(generator_function)
    def start(*args: Any, **kwargs: Any) -> Any:
        generator = generator_function(*args, **kwargs)
        first = next(generator)  # runs the first step here, so an early error escapes
        return co(_after_first(generator, first))

    return start


def _resume(
    generator: Generator[Any, Any, Any], value: Any, error: Exception | None = None
) -> Generator[Any, Any, Any]:
    """Go on driving ``generator`` from inside another generator, passing values and errors through."""
    while True:
        try:
            yielded = generator.send(value) if error is None else generator.throw(error)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = (yield yielded), None
        except Exception as problem:
            value, error = None, problem


def _after_first(generator: Generator[Any, Any, Any], first: Any) -> Generator[Any, Any, Any]:
    """A generator that yields ``first`` (taken from ``generator`` by hand), then carries on with ``generator``."""
    try:
        value = yield first
    except Exception as problem:
        return (yield from _resume(generator, None, problem))
    return (yield from _resume(generator, value))


def wrap_accepts_async_generators(generator_function: Any) -> Any:
    if not (inspect.isgeneratorfunction(generator_function) or inspect.isasyncgenfunction(generator_function)):
        raise TypeError("a generator function is needed")
    return wrap_checks_nothing(generator_function)


def wrap_returns_a_waiter(generator_function: Any) -> Any:
    _checked(generator_function)

    @functools.wraps(generator_function)
    def start(*args: Any, **kwargs: Any) -> Any:
        future = co(generator_function(*args, **kwargs))

        async def waiter() -> Any:
            return await future

        return waiter()

    return start


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (wrap_loses_the_name, ["__name__ is 'start'", "functools.wraps"]),
        (wrap_returns_a_coroutine, ["had not started", "coroutine"]),
        (wrap_checks_nothing, ["accepted a plain function", "TypeError"]),
        (wrap_raises_value_error, ["should raise TypeError, but it raised ValueError"]),
        (wrap_forgets_keywords, ["unexpected keyword argument 'discount'"]),
        (wrap_passes_the_function, ["failed before its generator ran", "AttributeError", "give co a generator"]),
        (wrap_drives_the_first_step_itself, ["calling early('x1') raised ValueError", "at once"]),
        (wrap_accepts_async_generators, ["accepted an async generator function"]),
        (wrap_returns_a_waiter, ["returned <coroutine", "return co's future itself"]),
        (42, ["expected a function"]),
    ],
    ids=[
        "no wraps",
        "async def",
        "no type check",
        "ValueError",
        "no kwargs",
        "function not generator",
        "eager",
        "async generators",
        "coroutine waiter",
        "number",
    ],
)
def test_q1_explains_wrong_answers(answer: Any, fragments: list[str]) -> None:
    incorrect(q1.evaluate(answer), *fragments)


def test_q1_stub_and_missing_answer_are_not_attempted() -> None:
    def stub(generator_function: Any) -> Any:
        raise NotImplementedError()

    assert q1.evaluate(stub).status == "not_attempted"
    assert q1.evaluate(MISSING).status == "not_attempted"


# --- q2: loadProfile with async/await ------------------------------------------------------------

LOAD_PROFILE_ALL_AT_ONCE = """
const loadProfile = async (api, userId) => {
  const [user, posts, badges] = await Promise.all([
    api.user(userId),
    api.posts(userId),
    api.badges(userId).catch(() => []),
  ]);
  return { badges, posts: posts.length, name: user.name };
};
"""

LOAD_PROFILE_ALL_SETTLED = """
async function loadProfile(api, userId) {
  const results = await Promise.allSettled([api.user(userId), api.posts(userId)]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  const [user, posts] = results.map((result) => result.value);
  const badges = await api.badges(userId).then((found) => found, () => []);
  return { name: user.name, posts: posts.length, badges };
}
"""

LOAD_PROFILE_IN_TURN = """
async function loadProfile(api, userId) {
  const user = await api.user(userId);
  const posts = await api.posts(userId);
  let badges;
  try { badges = await api.badges(userId); } catch (error) { badges = []; }
  return { name: user.name, posts: posts.length, badges };
}
"""

LOAD_PROFILE_SWALLOWS = """
async function loadProfile(api, userId) {
  try {
    const [user, posts] = await Promise.all([api.user(userId), api.posts(userId)]);
    let badges;
    try { badges = await api.badges(userId); } catch (error) { badges = []; }
    return { name: user.name, posts: posts.length, badges };
  } catch (error) {
    return null;
  }
}
"""

LOAD_PROFILE_NO_FALLBACK = """
async function loadProfile(api, userId) {
  const [user, posts] = await Promise.all([api.user(userId), api.posts(userId)]);
  const badges = await api.badges(userId);
  return { name: user.name, posts: posts.length, badges };
}
"""

LOAD_PROFILE_STARTS_BOTH_AWAITS_EACH = """
async function loadProfile(api, userId) {
  const userRequest = api.user(userId);
  const postsRequest = api.posts(userId);
  const user = await userRequest;
  const posts = await postsRequest;
  let badges;
  try { badges = await api.badges(userId); } catch (error) { badges = []; }
  return { name: user.name, posts: posts.length, badges };
}
"""

LOAD_PROFILE_STILL_CO = """
const co = require("co");
const loadProfile = co.wrap(function* (api, userId) {
  const [user, posts] = yield [api.user(userId), api.posts(userId)];
  let badges;
  try { badges = yield api.badges(userId); } catch (error) { badges = []; }
  return { name: user.name, posts: posts.length, badges };
});
async function unused() { await null; }
"""

LOAD_PROFILE_POSTS_NOT_COUNTED = """
async function loadProfile(api, userId) {
  const [user, posts] = await Promise.all([api.user(userId), api.posts(userId)]);
  let badges = [];
  try { badges = await api.badges(userId); } catch (error) {}
  return { name: user.name, posts, badges };
}
"""

LOAD_PROFILE_BADGES_ALONGSIDE = """
async function loadProfile(api, userId) {
  const badgesRequest = api.badges(userId).catch(() => []);
  const user = await api.user(userId);
  const posts = await api.posts(userId);
  return { name: user.name, posts: posts.length, badges: await badgesRequest };
}
"""

LOAD_PROFILE_WRAPS_ERRORS = """
async function loadProfile(api, userId) {
  let user, posts;
  try {
    [user, posts] = await Promise.all([api.user(userId), api.posts(userId)]);
  } catch (error) {
    throw new Error(`profile failed: ${error.message}`);
  }
  const badges = await api.badges(userId).catch(() => []);
  return { name: user.name, posts: posts.length, badges };
}
"""

LOAD_PROFILE_URL_IN_A_STRING = """
async function loadProfile(api, userId) {
  const u = "https://x"; const [user, posts] = await Promise.all([api.user(userId), api.posts(userId)]);
  const profile = (badges) => ({ name: user.name, posts: posts.length, badges });
  return api.badges(userId).catch(() => []).then(profile);
}
"""

LOAD_PROFILE_THEN_CHAIN = """
function loadProfile(api, userId) {
  return Promise.all([api.user(userId), api.posts(userId)]).then(([user, posts]) =>
    api.badges(userId).catch(() => []).then((badges) => ({ name: user.name, posts: posts.length, badges })));
}
"""


@pytest.mark.node
@pytest.mark.parametrize(
    "answer",
    [reference(q2).source, LOAD_PROFILE_ALL_AT_ONCE, LOAD_PROFILE_ALL_SETTLED, LOAD_PROFILE_URL_IN_A_STRING],
    ids=["published", "all three at once", "allSettled", "// in a string"],
)
def test_q2_accepts_right_answers(answer: str) -> None:
    assert q2.evaluate(answer).status == "correct", q2.evaluate(answer)


@pytest.mark.node
@pytest.mark.parametrize(
    "answer, fragments",
    [
        (
            LOAD_PROFILE_IN_TURN,
            ["did not ask for the user and the posts at the same time", "api.user ", "Promise.all"],
        ),
        (LOAD_PROFILE_SWALLOWS, ["api.user rejects", "resolved to null", "let other errors reach the caller"]),
        (LOAD_PROFILE_NO_FALLBACK, ["api.badges rejects", "rejected with Error: badges service down"]),
        (LOAD_PROFILE_STARTS_BOTH_AWAITS_EACH, ["posts service down", "nothing was waiting for it", "Promise.all"]),
        (LOAD_PROFILE_STILL_CO, ["do without co"]),
        (LOAD_PROFILE_POSTS_NOT_COUNTED, ['"posts": 3', '"posts": [{"id": 10}']),
        (LOAD_PROFILE_THEN_CHAIN, ["no `await`"]),
        (LOAD_PROFILE_BADGES_ALONGSIDE, ["did not ask for the user and the posts at the same time"]),
        (LOAD_PROFILE_WRAPS_ERRORS, ["reject with Error: user service down", "profile failed"]),
        ("async function loadProfil(api, userId) { await null; }", ["does not define a function named `loadProfile`"]),
    ],
    ids=[
        "in turn",
        "swallows",
        "no fallback",
        "unhandled",
        "co",
        "posts not counted",
        "then chain",
        "misspelt",
        "badges alongside",
        "wraps errors",
    ],
)
def test_q2_explains_wrong_answers(answer: str, fragments: list[str]) -> None:
    incorrect(q2.evaluate(answer), *fragments)


@pytest.mark.node
def test_q2_stub_is_not_attempted() -> None:
    stub = "async function loadProfile(api, userId) {\n" + JS_STUB + "}"
    assert q2.evaluate(stub).status == "not_attempted"


# --- q3: co_with_dicts -----------------------------------------------------------------------------


def test_q3_solution_passes() -> None:
    assert q3.evaluate(define(q3, chapter_namespace())["co_with_dicts"]).status == "correct"


async def _gather_dict(awaitables: dict[str, Any]) -> dict[str, Any]:
    values = await asyncio.gather(*awaitables.values())
    return dict(zip(awaitables, values, strict=True))


def co_by_translating(generator: Generator[Any, Any, Any]) -> Any:
    """An unusual right answer: the chapter's co, fed a generator that turns dicts into coroutines."""

    def translated() -> Generator[Any, Any, Any]:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = generator.send(value) if error is None else generator.throw(error)
            except StopIteration as stop:
                return stop.value
            if isinstance(yielded, dict):
                yielded = _gather_dict(yielded)
            try:
                value, error = (yield yielded), None
            except Exception as problem:
                value, error = None, problem

    return co(translated())


async def co_as_a_coroutine(generator: Generator[Any, Any, Any]) -> Any:
    """Another: a coroutine (it starts when awaited), with a TaskGroup for dicts."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = generator.send(value) if error is None else generator.throw(error)
        except StopIteration as stop:
            return stop.value
        try:
            if isinstance(yielded, dict):
                async with asyncio.TaskGroup() as group:
                    tasks = {key: group.create_task(_as_coroutine(item)) for key, item in yielded.items()}
                value, error = {key: task.result() for key, task in tasks.items()}, None
            else:
                value, error = await to_future(yielded), None
        except* Exception as group_error:
            value, error = None, group_error.exceptions[0]


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


@pytest.mark.parametrize("answer", [co_by_translating, co_as_a_coroutine], ids=["adapter generator", "coroutine"])
def test_q3_accepts_unusual_right_answers(answer: Callable[..., Any]) -> None:
    assert q3.evaluate(answer).status == "correct", q3.evaluate(answer)


def make_co(handle_dict: Callable[[dict[str, Any]], Any], *, on_return: str = "value", on_error: str = "throw") -> Any:
    """A co of the chapter's shape with one thing changed: how dicts, returns or errors are handled."""

    def runner(generator: Generator[Any, Any, Any]) -> Any:
        result = asyncio.get_running_loop().create_future()

        def step(value: Any = None, error: BaseException | None = None) -> None:
            try:
                yielded = generator.send(value) if error is None else generator.throw(error)
            except StopIteration as stop:
                result.set_result(stop.value if on_return == "value" else None)
                return
            except Exception as problem:
                if on_error == "swallow":
                    result.set_result(None)
                else:
                    result.set_exception(problem)
                return
            if on_return == "early" and not result.done():
                result.set_result(None)
            future = handle_dict(yielded) if isinstance(yielded, dict) else to_future(yielded)
            future.add_done_callback(settled)

        def settled(future: Any) -> None:
            if future.exception() is None:
                step(future.result())
            elif on_error == "reject" and not result.done():
                result.set_exception(future.exception())
            else:
                step(error=future.exception())

        step()
        return result

    return runner


def dict_right(awaitables: dict[str, Any]) -> Any:
    return asyncio.ensure_future(_gather_dict(awaitables))


async def _one_by_one(awaitables: dict[str, Any]) -> dict[str, Any]:
    return {key: await item for key, item in awaitables.items()}


def co_steps_first_by_hand(generator: Generator[Any, Any, Any]) -> Any:
    first = next(generator)  # outside the future: an early error escapes at once
    return co_by_translating(_after_first(generator, first))


def dict_as_list(awaitables: dict[str, Any]) -> Any:
    return asyncio.gather(*awaitables.values())


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (
            co,
            [
                "yield {'user': ...",
                "got the error TypeError: An asyncio.Future, a coroutine or an awaitable is required",
            ],
        ),
        (make_co(lambda d: asyncio.ensure_future(_one_by_one(d))), ["one after another", "at most 1 at a time"]),
        (make_co(dict_as_list), ["expected the value {'user': 'Ada'", "got the value ['Ada', [12, 30], []]"]),
        (make_co(dict_right, on_return="none"), ["expected the value 6, got the value None", "StopIteration.value"]),
        (make_co(dict_right, on_return="early"), ["already done", "still waiting at its first yield"]),
        (
            make_co(dict_right, on_error="swallow"),
            ["expected the error KeyError: 'orders'", "got the value None", "swallowed"],
        ),
        (
            make_co(dict_right, on_error="reject"),
            ["a failing coroutine", "got the error LookupError: one failed"],
        ),
        (co_steps_first_by_hand, ["raised the generator's ValueError at once"]),
    ],
    ids=[
        "chapter's co",
        "one by one",
        "list not dict",
        "drops the return value",
        "resolves early",
        "swallows",
        "no throw",
        "steps by hand",
    ],
)
def test_q3_explains_wrong_answers(answer: Any, fragments: list[str]) -> None:
    incorrect(q3.evaluate(answer), *fragments)


async def _tasks_for_coroutines_only(awaitables: dict[str, Any]) -> dict[str, Any]:
    tasks = {key: asyncio.create_task(item) for key, item in awaitables.items()}  # fails on a future
    return {key: await task for key, task in tasks.items()}


def test_q3_a_dict_of_futures_is_needed_not_only_coroutines() -> None:
    answer = make_co(lambda d: asyncio.ensure_future(_tasks_for_coroutines_only(d)))
    incorrect(q3.evaluate(answer), "yield {'future': ...", "a coroutine was expected")


def test_q3_a_future_never_resolved_is_reported_not_waited_for() -> None:
    def never(generator: Generator[Any, Any, Any]) -> Any:
        return asyncio.get_running_loop().create_future()

    incorrect(q3.evaluate(never), "did not finish within 3 s")


def test_q3_stub_and_missing_answer_are_not_attempted() -> None:
    def stub(generator: Generator[Any, Any, Any]) -> Any:
        raise NotImplementedError()

    assert q3.evaluate(stub).status == "not_attempted"
    assert q3.evaluate(MISSING).status == "not_attempted"


# --- q4: a tiny co in JavaScript -----------------------------------------------------------------

RUN_AS_ASYNC_LOOP = """
async function run(generatorFunction) {
  const generator = generatorFunction();
  let step = generator.next();
  while (!step.done) {
    let value, failed = false, error;
    try {
      value = Array.isArray(step.value) ? await Promise.all(step.value) : await step.value;
    } catch (problem) {
      failed = true;
      error = problem;
    }
    step = failed ? generator.throw(error) : generator.next(value);
  }
  return step.value;
}
"""

RUN_AS_THEN_CHAIN = """
const run = (generatorFunction) =>
  Promise.resolve().then(() => {
    const generator = generatorFunction();
    const handle = (result) =>
      result.done
        ? result.value
        : (Array.isArray(result.value) ? Promise.all(result.value) : Promise.resolve(result.value)).then(
            (value) => handle(generator.next(value)),
            (error) => handle(generator.throw(error)),
          );
    return handle(generator.next());
  });
"""


def _run_variant(
    *,
    done: str = "resolve(result.value)",
    rejected: str = "step(() => generator.throw(error))",
    waiting: str = "Array.isArray(result.value) ? Promise.all(result.value) : Promise.resolve(result.value)",
    caught: str = "reject(error)",
    after_first: str = "",
) -> str:
    """The published shape of ``run`` with one part replaced by a plausible mistake."""
    return f"""
function run(generatorFunction) {{
  return new Promise((resolve, reject) => {{
    const generator = generatorFunction();
    const step = (resume) => {{
      let result;
      try {{
        result = resume();
      }} catch (error) {{
        {caught};
        return;
      }}
      if (result.done) {{
        {done};
        return;
      }}
      {after_first}
      const waiting = {waiting};
      waiting.then(
        (value) => step(() => generator.next(value)),
        (error) => {rejected},
      );
    }};
    step(() => generator.next());
  }});
}}
"""


RUN_SEQUENTIAL_ARRAY = """
function run(generatorFunction) {
  return new Promise((resolve, reject) => {
    const generator = generatorFunction();
    const waitFor = async (value) => {
      if (!Array.isArray(value)) return value;
      const values = [];
      for (const item of value) values.push(await item);
      return values;
    };
    const step = (resume) => {
      let result;
      try { result = resume(); } catch (error) { reject(error); return; }
      if (result.done) { resolve(result.value); return; }
      waitFor(result.value).then(
        (value) => step(() => generator.next(value)),
        (error) => step(() => generator.throw(error)),
      );
    };
    step(() => generator.next());
  });
}
"""

RUN_THROWS_AT_ONCE = """
function run(generatorFunction) {
  const generator = generatorFunction();
  let first = generator.next();
  return new Promise((resolve, reject) => {
    const handle = (result) => {
      if (result.done) return resolve(result.value);
      const waiting = Array.isArray(result.value) ? Promise.all(result.value) : Promise.resolve(result.value);
      waiting.then((value) => {
        try { handle(generator.next(value)); } catch (error) { reject(error); }
      }, (error) => {
        try { handle(generator.throw(error)); } catch (problem) { reject(problem); }
      });
    };
    handle(first);
  });
}
"""


RUN_THROW_NOT_GUARDED = """
function run(generatorFunction) {
  return new Promise((resolve, reject) => {
    const generator = generatorFunction();
    const step = (resume) => {
      const result = resume(); // an error thrown here is lost inside a .then callback
      if (result.done) return resolve(result.value);
      const waiting = Array.isArray(result.value) ? Promise.all(result.value) : Promise.resolve(result.value);
      waiting.then((value) => step(() => generator.next(value)), (error) => step(() => generator.throw(error)));
    };
    try {
      step(() => generator.next());
    } catch (error) {
      reject(error);
    }
  });
}
"""

RUN_THE_CO_PACKAGE = """
const co = require("co");
function run(generatorFunction) { return co(generatorFunction); }
"""


@pytest.mark.node
@pytest.mark.parametrize(
    "answer",
    [reference(q4).source, RUN_AS_ASYNC_LOOP, RUN_AS_THEN_CHAIN],
    ids=["published", "async loop", "then chain"],
)
def test_q4_accepts_right_answers(answer: str) -> None:
    assert q4.evaluate(answer).status == "correct", q4.evaluate(answer)


@pytest.mark.node
@pytest.mark.parametrize(
    "answer, fragments",
    [
        (_run_variant(done="resolve()"), ["expected a promise of 3", "resolved to undefined"]),
        (
            _run_variant(after_first="resolve(result.value);"),
            ["settled", "when the generator had only done", "settle it only once the generator is done"],
        ),
        (_run_variant(caught="resolve(undefined)"), ["does not catch a rejection", "resolved to undefined"]),
        (_run_variant(rejected="reject(error)"), ["catches a rejected promise", "rejected with Error: nope"]),
        (_run_variant(waiting="Promise.resolve(result.value)"), ["the promises themselves", "Promise.all"]),
        (RUN_SEQUENTIAL_ARRAY, ["array with a failure", "nothing was waiting for it"]),
        (RUN_THROWS_AT_ONCE, ["throws before its first yield", "threw TypeError: too early at once"]),
        (_run_variant(done="void 0"), ["never settled"]),
        (RUN_THE_CO_PACKAGE, ["do not require"]),
        (
            _run_variant(caught="reject(new Error(`run failed: ${error.message}`))"),
            ["reject with Error: database down", "run failed: database down"],
        ),
        (RUN_THROW_NOT_GUARDED, ["never settled", "every path"]),
    ],
    ids=[
        "drops the return value",
        "resolves early",
        "swallows",
        "no throw into",
        "no arrays",
        "array in turn",
        "throws at once",
        "never resolves",
        "the co package",
        "wrapped error",
        "throw not guarded",
    ],
)
def test_q4_explains_wrong_answers(answer: str, fragments: list[str]) -> None:
    incorrect(q4.evaluate(answer), *fragments)


@pytest.mark.node
def test_q4_stub_is_not_attempted() -> None:
    stub = "function run(generatorFunction) {\n" + JS_STUB + "}"
    assert q4.evaluate(stub).status == "not_attempted"


@pytest.mark.parametrize("question", [q2, q4], ids=["q2", "q4"])
def test_a_missing_node_is_a_setup_problem_not_a_wrong_answer(question: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    outcome = question.evaluate(reference(question).source)
    assert outcome.status == "setup_problem" and "Node.js was not found" in outcome.message, outcome
