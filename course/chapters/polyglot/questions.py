"""Exercises of the preface (00-polyglot): one lazy sequence in Python, two answers in JavaScript.

- ``q1`` — ``running_total(numbers)``, a Python generator of running sums.
- ``q2`` — ``chunk(items, size)``, a JavaScript generator of fixed-size groups.
- ``q3`` — ``leaderboard(results, n)``, JavaScript translating a Python sort.

The JavaScript answers come from ``%%node --save NAME`` cells and are run with
Node.js against several cases by :mod:`course.checks.javascript`. The answers
themselves are in ``solutions/00-polyglot.ipynb``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from course.chapters.polyglot import CHAPTER
from course.checks import Question, bind
from course.checks.expect import Incorrect, call, expect_equal
from course.checks.javascript import JsCase, expect_js, run_cases


def _iterate(what: str, result: Any) -> Iterator[Any]:
    """An iterator over ``result``, or Incorrect if it cannot be iterated.

    Only ``iter()`` is guarded: a TypeError raised later, inside the learner's
    generator, is their bug and is reported as such.
    """
    try:
        return iter(result)
    except TypeError:
        raise Incorrect(f"{what} returned {result!r}, which cannot be iterated") from None


class RunningTotal(Question):
    """``running_total(numbers)``: right totals on several inputs, and lazy (reads one number per total)."""

    answer_names = ("running_total",)
    hint_text = """
        Keep a `total` that starts at 0. For each number: add it to `total`, then `yield total`.
        A function containing `yield` returns a generator, which reads its input only as it is asked for values.
    """

    CASES = (([3, 1, 4, 1, 5], [3, 4, 8, 9, 14]), ([], []), ([-2, 2, 7], [-2, 0, 7]), ([10], [10]))

    def judge(self, running_total: Any) -> None:
        for numbers, expected in self.CASES:
            what = f"running_total({numbers})"
            # read a few values past the expected end, never all: a generator that does not stop must not hang
            limit = len(expected) + 3
            got = list(islice(_iterate(what, call(running_total, list(numbers))), limit))
            if len(got) == limit:
                raise Incorrect(
                    f"list({what}): expected {expected!r}, got {got!r} and still more: "
                    "it must stop when the numbers run out"
                )
            expect_equal(f"list({what})", expected, got)
        self._judge_laziness(running_total)

    def _judge_laziness(self, running_total: Any) -> None:
        read = 0

        def one_to_a_thousand() -> Iterator[int]:
            nonlocal read
            for number in range(1, 1001):
                read += 1
                yield number

        totals = call(running_total, one_to_a_thousand())
        if read:
            raise Incorrect(
                f"calling running_total(...) already read {read} numbers before any total was asked for: "
                "yield each total instead of building a list"
            )
        first = list(islice(_iterate("running_total(...)", totals), 3))
        expect_equal("the first 3 totals of 1, 2, 3 …", [1, 3, 6], first)
        if read > 3:
            raise Incorrect(f"to give the first 3 totals, running_total read {read} numbers: it should read only 3")


class Chunk(Question):
    """``chunk(items, size)`` in JavaScript: right batches from arrays and Sets, fresh arrays, lazy on generators."""

    answer_names = ("chunk_js",)
    hint_text = """
        Collect items into a fresh array `batch`; when `batch.length === size`, `yield batch` and start a NEW
        array (`batch = []`; emptying the old one would also empty what you already yielded). After the loop,
        yield the last batch if it is not empty. Use `for (const item of items)` so that any iterable works.
    """

    MAX_BATCHES = 8
    """Batches read per case: enough for every expected answer, and a chunk that never stops cannot hang."""

    CASES_JS = f"""
        const __upTo = (iterable, limit) => {{
          const got = [];
          for (const item of iterable) if (got.push(item) >= limit) break;
          return got;
        }};
        __case("[...chunk([1, 2, 3, 4, 5], 2)]", () => __upTo(chunk([1, 2, 3, 4, 5], 2), {MAX_BATCHES}));
        __case("[...chunk([1, 2, 3, 4, 5, 6], 3)]", () => __upTo(chunk([1, 2, 3, 4, 5, 6], 3), {MAX_BATCHES}));
        __case("[...chunk([], 4)]", () => __upTo(chunk([], 4), {MAX_BATCHES}));
        __case("[...chunk(new Set(['a', 'b', 'c']), 2)]", () =>
          __upTo(chunk(new Set(["a", "b", "c"]), 2), {MAX_BATCHES}));
        __case("laziness", () => {{
          let read = 0;
          function* upTo1000() {{ for (let i = 0; i < 1000; i++) {{ read++; yield i; }} }}
          const batches = chunk(upTo1000(), 3);
          const readOnCall = read;
          const firstTwo = __upTo(batches, 2);
          return {{ readOnCall, firstTwo, read }};
        }});
    """

    EXPECTED = {
        "[...chunk([1, 2, 3, 4, 5], 2)]": [[1, 2], [3, 4], [5]],
        "[...chunk([1, 2, 3, 4, 5, 6], 3)]": [[1, 2, 3], [4, 5, 6]],
        "[...chunk([], 4)]": [],
        "[...chunk(new Set(['a', 'b', 'c']), 2)]": [["a", "b"], ["c"]],
    }

    def judge(self, chunk_js: Any) -> None:
        cases = {case.label: case for case in run_cases(chunk_js, "chunk", self.CASES_JS)}
        for label, expected in self.EXPECTED.items():
            got = cases[label]
            if isinstance(got.value, list) and len(got.value) >= self.MAX_BATCHES:
                raise Incorrect(
                    f"{label}: expected {json.dumps(expected)}, got {got.shown()} and still more: "
                    "chunk must stop when the items run out"
                )
            expect_js(label, expected, got)
        lazy = cases["laziness"]
        if lazy.error is not None or not isinstance(lazy.value, dict):
            raise Incorrect(f"chunk(aGenerator, 3) gave {lazy.shown()}: it must accept any iterable")
        if lazy.value["readOnCall"]:
            raise Incorrect(
                f"calling chunk(generator, 3) already read {lazy.value['readOnCall']} items before any batch "
                "was asked for: make chunk a generator function (function*) that yields each batch"
            )
        expect_equal("the first two batches of 0, 1, 2 … in threes", [[0, 1, 2], [3, 4, 5]], lazy.value["firstTwo"])
        if lazy.value["read"] > 7:  # 6 items, plus one if the answer looks ahead before yielding a full batch
            raise Incorrect(
                f"to give the first two batches of 3, chunk read {lazy.value['read']} items: "
                "it should read only what those batches need (6, or 7 if it looks one item ahead)"
            )


def leaderboard_reference(results: list[dict[str, Any]], n: int) -> list[str]:
    """The Python original that q3 asks to translate: the ``n`` best, highest score first, ties by name."""
    ranked = sorted(results, key=lambda result: (-result["score"], result["name"]))
    return [f"{result['name']}: {result['score']}" for result in ranked[:n]]


class Leaderboard(Question):
    """``leaderboard(results, n)`` in JavaScript: same answers as the Python original, caller's array untouched."""

    answer_names = ("leaderboard_js",)
    hint_text = """
        Sort a COPY (`results.toSorted(...)` or `[...results].sort(...)`): `sort` reorders the caller's array,
        unlike Python's `sorted`. The comparator returns a number: `b.score - a.score` puts high scores first, and
        `|| a.name.localeCompare(b.name)` breaks ties. Then `.slice(0, n)` and `.map(({ name, score }) => ...)`.
    """

    CASES = (
        ([{"name": "Ada", "score": 9}, {"name": "Grace", "score": 10}, {"name": "Linus", "score": 7}], 2),
        ([{"name": "Margaret", "score": 5}, {"name": "Ada", "score": 5}, {"name": "Linus", "score": 5}], 2),
        ([{"name": "Guido", "score": 100}, {"name": "Brendan", "score": 25}, {"name": "Grace", "score": 3}], 3),
        ([{"name": "Brendan", "score": 3}], 5),
        ([{"name": "Ada", "score": 1}, {"name": "Grace", "score": 2}], 0),
        ([], 2),
    )

    def judge(self, leaderboard_js: Any) -> None:
        body = "\n".join(
            f"__case({json.dumps(self._label(results, n))}, () => {{\n"
            f"  const results = {json.dumps(results)};\n"
            "  const before = JSON.stringify(results);\n"
            f"  const value = leaderboard(results, {n});\n"
            "  return { value, changed: JSON.stringify(results) !== before };\n"
            "});"
            for results, n in self.CASES
        )
        cases = run_cases(leaderboard_js, "leaderboard", body)
        for (results, n), case in zip(self.CASES, cases, strict=True):
            if case.error is None and isinstance(case.value, dict) and case.value.get("changed"):
                raise Incorrect(
                    f"{case.label} reordered the caller's array: sort a copy (toSorted, or [...results].sort)"
                )
            got = JsCase(case.label, case.value.get("value"), "value" not in case.value) if case.error is None else case
            expect_js(case.label, leaderboard_reference(results, n), got)

    @staticmethod
    def _label(results: list[dict[str, Any]], n: int) -> str:
        people = ", ".join(f"{{name: {r['name']!r}, score: {r['score']}}}" for r in results)
        return f"leaderboard([{people}], {n})"


QUESTIONS = bind(CHAPTER, [RunningTotal, Chunk, Leaderboard], globals())
