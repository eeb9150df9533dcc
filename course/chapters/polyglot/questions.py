"""Exercises of the preface (00-polyglot), easiest first: one in Python, two in JavaScript.

- ``q1`` — ``running_total(numbers)``, a Python generator of running sums.
- ``q2`` — ``leaderboard(results, n)``, JavaScript translating a Python sort
  exactly, names in Python's code-point order.
- ``q3`` — ``chunk(items, size)``, a JavaScript generator of fixed-size groups.

The JavaScript answers come from ``%%node --save NAME`` cells and are run with
Node.js against several cases by :mod:`course.checks.javascript` (which stops a
script after 10 s); the Python check stops an answer that runs longer than its
``time_limit``. The answers themselves are in ``solutions/00-polyglot.ipynb``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice, pairwise
from typing import Any

from course.chapters.polyglot import CHAPTER
from course.checks import Question, bind
from course.checks.expect import Incorrect, describe_error, expect_equal, is_placeholder
from course.checks.javascript import JsCase, expect_js, run_cases

TIME_LIMIT = 10.0
"""Seconds the Python check may run before the answer is called endless; the solution's takes under 1 ms."""


def _count(number: int, one: str, many: str) -> str:
    """``1 entry``, ``2 entries``: a count with its noun in the right number."""
    return f"{number} {one if number == 1 else many}"


def _run(what: str, action: Callable[[], Any], why: str = "") -> Any:
    """Run ``action`` (the learner's code, named ``what`` in messages); an exception it raises is Incorrect.

    The message names the call that failed. The exercise's placeholder is let
    through (Not attempted; see :func:`~course.checks.expect.is_placeholder`).
    """
    try:
        return action()
    except Incorrect:
        raise
    except Exception as error:
        if is_placeholder(error):
            raise
        raise Incorrect(f"{what} raised {describe_error(error)}{_advice(error) or why}") from None


def _advice(error: Exception) -> str:
    """What an error commonly means in a running total, or nothing."""
    if isinstance(error, RuntimeError) and "generator raised StopIteration" in str(error):
        return (
            " — next() found no number left and raised StopIteration inside your generator, which Python turns"
            " into this RuntimeError: loop with `for`, or give next() a default"
        )
    return ""


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
    hints = (
        """
        Like the chapter's `fibonacci`, this is a generator function: a function with `yield` in it hands
        out one value each time it is asked, and does nothing in between. What must it remember from one
        total to the next?
        """,
        """
        Keep one running sum, which starts as the sum of no numbers. Take the numbers one at a time, in a
        way that works on any iterable (endless ones included). After adding each number, hand the new sum
        out straight away, before the next number is read: that pause is what makes the generator lazy.
        Never collect the sums in a list first, since that would read every number before the first total.
        """,
        """
        The shape, with the blanks yours to fill:
            def running_total(numbers):
                <the state carried from one number to the next>
                <a loop over numbers that works on any iterable>:
                    <update the state>
                    <hand out the new total>
        """,
    )

    time_limit = TIME_LIMIT

    CASES = (([3, 1, 4, 1, 5], [3, 4, 8, 9, 14]), ([], []), ([-2, 2, 7], [-2, 0, 7]), ([10], [10]))

    def judge(self, running_total: Any) -> None:
        if not callable(running_total):
            raise Incorrect(f"expected a function, got {type(running_total).__name__} {running_total!r}")
        for numbers, expected in self.CASES:
            what = f"running_total({numbers})"
            # read a few values past the expected end, never all: a generator that does not stop must not hang
            limit = len(expected) + 3
            got = self._first(running_total, list(numbers), what, limit)
            if len(got) == limit:
                raise Incorrect(
                    f"list({what}): expected {expected!r}, got {got!r} and still more: "
                    "it must stop when the numbers run out"
                )
            expect_equal(f"list({what})", expected, got)
        self._judge_laziness(running_total)

    @staticmethod
    def _first(running_total: Callable[..., Any], numbers: Any, what: str, limit: int) -> list[Any]:
        """At most ``limit`` totals of ``running_total(numbers)``; any failure is Incorrect, naming ``what``."""
        totals = _run(what, lambda: running_total(numbers))
        return _run(f"list({what})", lambda: list(islice(_iterate(what, totals), limit)))

    def _judge_laziness(self, running_total: Any) -> None:
        read = 0

        def one_to_a_thousand() -> Iterator[int]:
            nonlocal read
            for number in range(1, 1001):
                read += 1
                yield number

        what = "running_total(a generator of 1, 2, 3 …)"
        why = " — numbers may be any iterable, a generator too: go through it with a for loop"
        totals = _run(what, lambda: running_total(one_to_a_thousand()), why)
        if read:
            raise Incorrect(
                f"calling running_total(...) already read {_count(read, 'number', 'numbers')} before any total "
                "was asked for: yield each total instead of building a list"
            )
        first = _run(f"the first 3 totals of {what}", lambda: list(islice(_iterate(what, totals), 3)), why)
        expect_equal("the first 3 totals of 1, 2, 3 …", [1, 3, 6], first)
        if read > 3:
            raise Incorrect(f"to give the first 3 totals, running_total read {read} numbers: it should read only 3")


class Chunk(Question):
    """``chunk(items, size)`` in JavaScript: right batches from arrays and Sets, fresh arrays, lazy on generators."""

    answer_names = ("chunk_js",)
    hints = (
        """
        Think of the chapter's `take` and `filter`: a generator function (`function*`) that walks its input
        with `for (const item of items)` and yields as it goes. Here what it yields is a whole array at a time.
        """,
        """
        Collect items in a batch array. As soon as the batch holds `size` items, yield it and start a NEW
        empty array: emptying the old one (`batch.length = 0`) would also empty the batch you already handed
        out. When the loop ends, yield what is left, unless nothing is.
        """,
        """
        The shape, with the blanks yours to fill:
            function* chunk(items, size) {
              let batch = [];
              for (const item of items) {
                <add item to the batch>
                if (<the batch is full>) { <yield it>; <start a new batch> }
              }
              if (<anything is left>) <yield it>;
            }
        """,
    )

    MAX_BATCHES = 8
    """Batches read per case: enough for every expected answer, and a chunk that never stops cannot hang."""

    CASES_JS = f"""
        const __notIterable = (value) => {{
          if (value === undefined || value === null) return String(value);
          if (typeof value[Symbol.iterator] === "function") return null;
          if (typeof value[Symbol.asyncIterator] === "function") return "an async generator";
          if (typeof value.then === "function") return "a Promise";
          if (typeof value === "function") return "a function";
          if (typeof value === "object") return "an object without a [Symbol.iterator]() method";
          return `the ${{typeof value}} ${{String(value)}}`;
        }};
        const __upTo = (batches, limit) => {{
          const what = __notIterable(batches);
          if (what !== null) return {{ returned: what }};
          const got = [];
          for (const batch of batches) if (got.push(batch) >= limit) break;
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

    LOOK_AHEAD = 1
    """Items an answer may read beyond what the batches asked for need: one, to see whether more follow."""

    ADVICE = {
        "undefined": "did you forget the * of function*, or a `return`?",
        "an async generator": "for…of needs a plain generator: write function*, not async function*",
        "a Promise": "drop the async: chunk must hand out each batch when it is asked for",
    }

    def judge(self, chunk_js: Any) -> None:
        cases = {case.label: case for case in run_cases(chunk_js, "chunk", self.CASES_JS)}
        for label, expected in self.EXPECTED.items():
            got = cases[label]
            self._iterable(label, got.value)
            if isinstance(got.value, list) and len(got.value) >= self.MAX_BATCHES:
                raise Incorrect(
                    f"{label}: expected {json.dumps(expected)}, got {got.shown()} and still more: "
                    "chunk must stop when the items run out"
                )
            expect_js(label, expected, got)
        lazy = cases["laziness"]
        if lazy.error is not None or not isinstance(lazy.value, dict):
            raise Incorrect(f"chunk(aGenerator, 3) gave {lazy.shown()}: it must accept any iterable")
        self._iterable("chunk(aGenerator, 3)", lazy.value["firstTwo"])
        on_call = lazy.value["readOnCall"]
        if on_call > self.LOOK_AHEAD:
            raise Incorrect(
                f"calling chunk(generator, 3) already read {_count(on_call, 'item', 'items')} before any batch "
                "was asked for: make chunk a generator function (function*) that yields each batch"
            )
        expect_equal("the first two batches of 0, 1, 2 … in threes", [[0, 1, 2], [3, 4, 5]], lazy.value["firstTwo"])
        if lazy.value["read"] > 6 + self.LOOK_AHEAD:
            raise Incorrect(
                f"to give the first two batches of 3, chunk read {lazy.value['read']} items: "
                "it should read only what those batches need (6, or 7 if it looks one item ahead)"
            )

    def _iterable(self, label: str, value: Any) -> None:
        """Incorrect, in words, when what chunk returned could not be iterated with for…of."""
        if isinstance(value, dict) and isinstance(value.get("returned"), str):
            what = value["returned"]
            advice = self.ADVICE.get(what, "make chunk a generator function (function*) that yields each batch")
            raise Incorrect(f"{label}: chunk returned {what}, which for…of and [...] cannot iterate — {advice}")


def leaderboard_reference(results: list[dict[str, Any]], n: int) -> list[str]:
    """The Python original that q2 asks to translate: the ``n`` best, highest score first, ties by name."""
    ranked = sorted(results, key=lambda result: (-result["score"], result["name"]))
    return [f"{result['name']}: {result['score']}" for result in ranked[:n]]


def _people(*entries: tuple[str, int]) -> list[dict[str, Any]]:
    """Results as the exercise gives them, one ``{"name": …, "score": …}`` per ``(name, score)`` pair."""
    return [{"name": name, "score": score} for name, score in entries]


def _code(character: str) -> str:
    """``'B' (U+0042)``: a character with its code point, for messages about Python's order of strings."""
    return f"{character!r} (U+{ord(character):04X})"


def why_not_first(first: str, instead: str) -> str:
    """Words for why Python's ``sorted`` puts the name ``first`` before the name ``instead`` (first < instead)."""
    where = next((i for i, (a, b) in enumerate(zip(first, instead, strict=False)) if a != b), None)
    if where is None:
        return f"Python puts {first!r} before {instead!r}, because a name comes before a longer one that starts with it"
    a, b = first[where], instead[where]
    if a.isascii() and b.isascii() and a.isupper() == b.isupper():
        return f"Python puts {first!r} before {instead!r}: with equal scores, the names decide"
    return (
        f"Python puts {first!r} before {instead!r}, because sorted() compares code points: "
        f"{_code(a)} comes before {_code(b)}. So every capital letter comes before every small one, and accented "
        "letters come after both. localeCompare and Intl.Collator order names like a dictionary instead; "
        "compare the names with < and >"
    )


class Leaderboard(Question):
    """``leaderboard(results, n)`` in JavaScript: exactly the Python original's answers, caller's array untouched.

    "The same" includes the order of names: Python's ``sorted`` compares strings
    by code point, so the cases mix capitals, small letters and accents, where
    ``localeCompare`` (a dictionary's order) gives another answer.
    """

    answer_names = ("leaderboard_js",)
    hints = (
        """
        Three things in the Python need a JavaScript spelling: `sorted` makes a sorted copy, `key=` becomes a
        comparator, and Python's order of names is code-point order. The chapter's sections on sorting and on
        the order of strings show each one.
        """,
        """
        Sort a copy with a comparator that looks at the scores first: when they differ, the higher score comes
        first, compared as numbers. Only when the scores are equal compare the names, with `<` and `>` (not
        `localeCompare`, which puts "alice" before "Bob" where Python does not). Then keep the first `n`
        entries and turn each into "name: score".
        """,
        """
        The shape, with the blanks yours to fill:
            function leaderboard(results, n) {
              const byRank = (a, b) => {
                if (a.score !== b.score) return <negative when a should come first>;
                return <-1, 0 or 1 from comparing a.name and b.name with < and >>;
              };
              return results.<sorted copy>(byRank).slice(<...>).map(<...>);
            }
        """,
    )

    CASES = (
        (_people(("Ada", 9), ("Grace", 10), ("Linus", 7)), 2),
        (_people(("Margaret", 5), ("Ada", 5), ("Linus", 5)), 2),
        (_people(("Guido", 100), ("Brendan", 25), ("Grace", 3)), 3),
        (_people(("alice", 7), ("Bob", 7), ("Émile", 7), ("Zoe", 7)), 4),
        (_people(("émile", 8), ("Emile", 8), ("Zack", 3), ("Élodie", 8), ("eve", 8)), 4),
        (_people(("Annabel", 4), ("anna", 4), ("Anna", 4), ("Ann", 4), ("bo", 12)), 5),
        (_people(("Brendan", 3)), 5),
        (_people(("Ada", 1), ("Grace", 2)), 0),
        ([], 2),
    )
    """Each case: the results, and n. Mixed case and accents from the fourth on."""

    PREAMBLE_JS = """
        const __json = (value) => { try { return JSON.stringify(value); } catch (error) { return String(error); } };
        // how the call left the caller's array: null when as it was
        const __callerChange = (results, given, texts) => {
          if (results.length !== given.length) return { resized: results.length };
          if (results.some((result, i) => result !== given[i])) {
            return given.every((result) => results.includes(result)) ? { reordered: true } : { replaced: true };
          }
          const i = given.findIndex((result, k) => __json(result) !== texts[k]);
          return i < 0 ? null : { edited: [texts[i], __json(given[i])] };
        };
        // the answer's ranking of every result, only to explain a wrong answer
        const __whole = (results) => { try { return leaderboard(results, results.length); } catch { return null; } };
    """

    def judge(self, leaderboard_js: Any) -> None:
        body = self.PREAMBLE_JS + "\n".join(
            f"__case({json.dumps(self._label(results, n))}, () => {{\n"
            f"  const results = {json.dumps(results)};\n"
            "  const given = [...results];\n"
            "  const texts = given.map(__json);\n"
            f"  const value = leaderboard(results, {n});\n"
            "  const caller = __callerChange(results, given, texts);\n"
            f"  return {{ value, caller, whole: __whole({json.dumps(results)}) }};\n"
            "});"
            for results, n in self.CASES
        )
        cases = run_cases(leaderboard_js, "leaderboard", body)
        for (results, n), case in zip(self.CASES, cases, strict=True):
            if case.error is None and isinstance(case.value, dict) and case.value.get("caller"):
                raise Incorrect(self._caller_changed(case.label, results, case.value["caller"]))
            got = JsCase(case.label, case.value.get("value"), "value" not in case.value) if case.error is None else case
            expected = leaderboard_reference(results, n)
            if got.error is not None or got.undefined:
                expect_js(case.label, expected, got)
            if got.value != expected:
                why = self._why(results, n, expected, got.value, case.value.get("whole"))
                # names with accents are shown as they are, not as \u escapes
                raise Incorrect(
                    f"{case.label}: expected {json.dumps(expected, ensure_ascii=False)}, "
                    f"got {json.dumps(got.value, ensure_ascii=False)}{why}"
                )

    @staticmethod
    def _caller_changed(label: str, results: list[dict[str, Any]], change: dict[str, Any]) -> str:
        """Words for how the call changed the caller's array or its objects."""
        if "resized" in change:
            return (
                f"{label} changed the caller's array: it held {_count(len(results), 'result', 'results')}, "
                f"and {change['resized']} after the call. Python's sorted() leaves the list it is given as it was: "
                "work on a copy (toSorted, or [...results].sort)"
            )
        if change.get("reordered"):
            return (
                f"{label} reordered the caller's array, which Python's sorted() never does: "
                "sort a copy (toSorted, or [...results].sort)"
            )
        if change.get("replaced"):
            return (
                f"{label} put other objects into the caller's array: leave it as it was, "
                "and build the answer in a new array"
            )
        before, after = change["edited"]
        return (
            f"{label} changed the caller's objects: {before} became {after}. The Python function leaves them "
            'as they were: build each "name: score" string without writing to the objects'
        )

    @staticmethod
    def _why(results: list[dict[str, Any]], n: int, expected: list[str], got: Any, whole: Any) -> str:
        """What went wrong, in words: a wrong format or length, a missing entry, or two entries out of order.

        ``whole`` is what the answer returned when asked for every result; it
        tells a wrong ranking from a wrong choice of the first ``n``.
        """
        if not isinstance(got, list) or not all(isinstance(entry, str) for entry in got):
            return ' — it should return an array of strings such as "Ada: 9"'
        entries = {f"{result['name']}: {result['score']}": result for result in results}
        stranger = next((entry for entry in got if entry not in entries), None)
        if stranger is not None:
            return f" — {stranger!r} is not one of the results; write each as `${{name}}: ${{score}}`"
        if len(got) != len(expected):
            return (
                f" — it returned {_count(len(got), 'entry', 'entries')} where n = {n} and there are "
                f"{_count(len(results), 'result', 'results')}: it should return the n best, or all of them "
                "when there are fewer"
            )
        missing = [entry for entry in expected if entry not in got]
        if missing:
            kept = [entry for entry in got if entry not in expected]
            instead = f", and {kept[0]!r} is not" if kept else ""
            best = f"the {n} best" if n > 1 else "the best"
            ranking = Leaderboard._ranking(results, whole)
            return f" — {missing[0]!r} is missing, though it is among {best}{instead}{ranking}"
        for want, have in zip(expected, got, strict=True):
            if want != have:
                return f" — {Leaderboard._before(entries, want, have)}"
        return ""

    @staticmethod
    def _ranking(results: list[dict[str, Any]], whole: Any) -> str:
        """What the answer's ranking of every result shows: out of order, entries dropped, or right."""
        entries = {f"{result['name']}: {result['score']}": result for result in results}
        if not isinstance(whole, list) or not all(isinstance(entry, str) and entry in entries for entry in whole):
            return ""
        full = leaderboard_reference(results, len(results))
        everyone = f". Asked for all {len(results)} results, it returns {json.dumps(whole, ensure_ascii=False)}"
        if whole == full:
            return f"{everyone}, which is right, so the cut is wrong: sort first, then keep the first n"
        if whole == full[::-1] and len({result["score"] for result in results}) > 1:
            return f"{everyone}: Python's order backwards. The highest score comes first: b.score - a.score"
        place = {entry: i for i, entry in enumerate(full)}
        for have, want in pairwise(whole):
            if place[have] > place[want]:
                return f"{everyone}: {Leaderboard._before(entries, want, have)}"
        return f"{everyone}: the order is right, but entries are left out. Keep the first n, slice(0, n)"

    @staticmethod
    def _before(entries: dict[str, dict[str, Any]], want: str, have: str) -> str:
        """Why ``want`` comes before ``have``, which the answer put first."""
        first, instead = entries[want], entries[have]
        if first["score"] != instead["score"]:
            return (
                f"{have!r} came before {want!r}, but the higher score comes first: "
                "compare the scores as numbers, b's minus a's (b.score - a.score)"
            )
        return why_not_first(first["name"], instead["name"])

    @staticmethod
    def _label(results: list[dict[str, Any]], n: int) -> str:
        people = ", ".join(f"{{name: {r['name']!r}, score: {r['score']}}}" for r in results)
        return f"leaderboard([{people}], {n})"


QUESTIONS = bind(CHAPTER, [RunningTotal, Leaderboard, Chunk], globals())
