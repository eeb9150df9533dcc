"""Preface chapter: its checks judge Python and JavaScript answers; the answers come from the solution notebook."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

import pytest
from checking import incorrect

from course.chapters.polyglot.questions import Leaderboard, leaderboard_reference, q1, q2, q3, why_not_first
from course.checks import MISSING, Question
from course.solutions import define, reference

# q2 and q3 are answered in JavaScript and run by Node.js
pytestmark = pytest.mark.node

JS_STUB = '  // YOUR CODE HERE\n  throw new Error("NotImplementedError: replace this line with your code");\n'


# --- q1: running_total, a Python generator ---------------------------------------------------


def running_total_right(numbers: Iterable[int]) -> Iterator[int]:
    total = 0
    for number in numbers:
        total += number
        yield total


def running_total_eager(numbers: Iterable[int]) -> list[int]:
    totals, total = [], 0
    for number in numbers:
        total += number
        totals.append(total)
    return totals


def running_total_yields_before_adding(numbers: Iterable[int]) -> Iterator[int]:
    total = 0
    for number in numbers:
        yield total
        total += number


def running_total_forgets_return(numbers: Iterable[int]) -> None:
    sum(numbers)


def running_total_by_slicing(numbers: Any) -> Iterator[int]:
    for end in range(1, len(numbers) + 1):
        yield sum(numbers[:end])


def running_total_never_stops(numbers: Iterable[int]) -> Iterator[int]:
    total, source = 0, iter(numbers)
    while True:
        total += next(source, 0)  # forgets to stop when the numbers run out
        yield total


def running_total_copies_its_input(numbers: Iterable[int]) -> Iterator[int]:
    total = 0
    for number in list(numbers):
        total += number
        yield total


def running_total_stub(numbers: Iterable[int]) -> Iterator[int]:
    raise NotImplementedError()


class RunningTotalIterator:
    """An unusual correct answer: an iterator class instead of a generator function."""

    def __init__(self, numbers: Iterable[int]) -> None:
        self.numbers = iter(numbers)
        self.total = 0

    def __iter__(self) -> RunningTotalIterator:
        return self

    def __next__(self) -> int:
        self.total += next(self.numbers)
        return self.total


@pytest.mark.parametrize(
    "answer",
    [running_total_right, accumulate, RunningTotalIterator],
    ids=["generator", "itertools.accumulate", "iterator class"],
)
def test_q1_accepts_any_lazy_running_total(answer: Any) -> None:
    assert q1.evaluate(answer).status == "correct"


def test_q1_solution_passes() -> None:
    assert q1.evaluate(define(q1)["running_total"]).status == "correct"


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (running_total_eager, ["already read 1000 numbers", "yield each total"]),
        (running_total_yields_before_adding, ["list(running_total([3, 1, 4, 1, 5]))", "got [0, 3, 4, 8, 9]"]),
        (running_total_forgets_return, ["returned None, which cannot be iterated"]),
        (running_total_by_slicing, ["TypeError", "has no len()"]),
        ("3, 4, 8", ["expected a function, got str"]),
        (running_total_never_stops, ["got [3, 4, 8, 9, 14, 14, 14, 14] and still more", "run out"]),
        (running_total_copies_its_input, ["read 1000 numbers", "should read only 3"]),
    ],
    ids=[
        "eager list",
        "yields before adding",
        "no return",
        "slices its input",
        "not a function",
        "never stops",
        "copies its input",
    ],
)
def test_q1_explains_wrong_answers(answer: Any, fragments: list[str]) -> None:
    incorrect(q1.evaluate(answer), *fragments)


def test_q1_stub_and_missing_answer_are_not_attempted() -> None:
    assert q1.evaluate(running_total_stub).status == "not_attempted"
    assert q1.evaluate(MISSING).status == "not_attempted"


# --- q2: leaderboard, JavaScript translating a Python sort exactly --------------------------

LEADERBOARD_RIGHT = reference(q2).source

LEADERBOARD_SPREAD_COPY = """
function leaderboard(results, n) {
  const byRank = (a, b) => (a.score !== b.score ? b.score - a.score : a.name < b.name ? -1 : 1);
  return [...results].sort(byRank).slice(0, n).map((r) => r.name + ": " + r.score);
}
"""

LEADERBOARD_BY_CODE_POINTS = """
function leaderboard(results, n) {
  const points = (text) => Array.from(text, (c) => c.codePointAt(0));
  const compareNames = (a, b) => {
    const [x, y] = [points(a), points(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const ranked = Array.from(results).sort((a, b) => b.score - a.score || compareNames(a.name, b.name));
  const top = [];
  for (const { name, score } of ranked) {
    if (top.length >= n) break;
    top.push(`${name}: ${score}`);
  }
  return top;
}
"""

LEADERBOARD_GROUPED_BY_SCORE = """
function leaderboard(results, n) {
  const byScore = new Map();
  for (const { name, score } of results) {
    if (!byScore.has(score)) byScore.set(score, []);
    byScore.get(score).push(name);
  }
  const scores = [...byScore.keys()].toSorted((a, b) => b - a);
  return scores
    .flatMap((score) => byScore.get(score).toSorted().map((name) => `${name}: ${score}`))
    .slice(0, n);
}
"""

LEADERBOARD_LOCALE_COMPARE = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_COLLATOR = """
function leaderboard(results, n) {
  const collator = new Intl.Collator("en");
  return results
    .toSorted((a, b) => b.score - a.score || collator.compare(a.name, b.name))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_LOWER_CASE = """
function leaderboard(results, n) {
  const key = (r) => r.name.toLowerCase();
  return results
    .toSorted((a, b) => b.score - a.score || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_IN_PLACE = """
function leaderboard(results, n) {
  return results
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_NO_TIE_BREAK = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score)
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_ASCENDING = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_NO_RETURN = """
function leaderboard(results, n) {
  results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_BOOLEAN_COMPARATOR = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || a.name > b.name)
    .slice(0, n)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_CUTS_BEFORE_SORTING = """
function leaderboard(results, n) {
  return results.slice(0, n).toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1))
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_AS_STRINGS = """
function leaderboard(results, n) {
  return results.map(({ name, score }) => `${score}|${name}`).toSorted().toReversed().slice(0, n)
    .map((row) => { const [score, name] = row.split("|"); return `${name}: ${score}`; });
}
"""

LEADERBOARD_OBJECTS = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}
"""

LEADERBOARD_OTHER_FORMAT = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n)
    .map(({ name, score }) => `${name} - ${score}`);
}
"""

CODE_POINT_REASON = [
    "leaderboard([{name: 'alice', score: 7}",
    'expected ["Bob: 7", "Zoe: 7", "alice: 7", "Émile: 7"]',
    "Python puts 'Bob' before 'alice', because sorted() compares code points",
    "'B' (U+0042) comes before 'a' (U+0061)",
    "accented letters come after both",
    "compare the names with < and >",
]


@pytest.mark.parametrize(
    "source",
    [LEADERBOARD_RIGHT, LEADERBOARD_SPREAD_COPY, LEADERBOARD_BY_CODE_POINTS, LEADERBOARD_GROUPED_BY_SCORE],
    ids=["solution", "spread copy and sort", "code points by hand", "grouped by score in a Map"],
)
def test_q2_accepts_correct_translations(source: str) -> None:
    """Is every exact translation accepted, whatever its structure?"""
    assert q2.evaluate(source).status == "correct", q2.evaluate(source)


@pytest.mark.parametrize(
    "source, fragments",
    [
        (
            LEADERBOARD_LOCALE_COMPARE,
            [*CODE_POINT_REASON, "localeCompare and Intl.Collator order names like a dictionary"],
        ),
        (LEADERBOARD_COLLATOR, CODE_POINT_REASON),
        (LEADERBOARD_LOWER_CASE, ['got ["alice: 7", "Bob: 7", "Zoe: 7", "Émile: 7"]', *CODE_POINT_REASON]),
        (LEADERBOARD_IN_PLACE, ["reordered the caller's array", "Python's sorted() never does", "toSorted"]),
        (
            LEADERBOARD_NO_TIE_BREAK,
            [
                'expected ["Ada: 5", "Linus: 5"], got ["Margaret: 5", "Ada: 5"]',
                "Python puts 'Ada' before 'Margaret': with equal scores, the names decide",
            ],
        ),
        (
            LEADERBOARD_ASCENDING,
            [
                'expected ["Grace: 10", "Ada: 9"], got ["Linus: 7", "Ada: 9"]',
                "'Grace: 10' is missing, though it is among the 2 best, and 'Linus: 7' is not",
                "Python's order backwards. The highest score comes first: b.score - a.score",
            ],
        ),
        (LEADERBOARD_NO_RETURN, ["got undefined", "forget `return`"]),
        (
            LEADERBOARD_AS_STRINGS,
            [
                'expected ["Grace: 10", "Ada: 9"], got ["Ada: 9", "Linus: 7"]',
                "'Grace: 10' is missing",
                'Asked for all 3 results, it returns ["Ada: 9", "Linus: 7", "Grace: 10"]',
                "'Linus: 7' came before 'Grace: 10', but the higher score comes first",
                "compare the scores as numbers",
            ],
        ),
        (
            LEADERBOARD_BOOLEAN_COMPARATOR,
            [
                'expected ["Ada: 5", "Linus: 5"], got ["Margaret: 5", "Ada: 5"]',
                "with equal scores, the names decide",
            ],
        ),
        (
            LEADERBOARD_CUTS_BEFORE_SORTING,
            [
                'expected ["Ada: 5", "Linus: 5"], got ["Ada: 5", "Margaret: 5"]',
                "'Linus: 5' is missing, though it is among the 2 best, and 'Margaret: 5' is not",
                'it returns ["Ada: 5", "Linus: 5", "Margaret: 5"], which is right, so the cut is wrong',
                "sort first, then keep the first n",
            ],
        ),
        (LEADERBOARD_OBJECTS, ['got [{"name": "Grace", "score": 10}', 'an array of strings such as "Ada: 9"']),
        (LEADERBOARD_OTHER_FORMAT, ["'Grace - 10' is not one of the results", "${name}: ${score}"]),
    ],
    ids=[
        "localeCompare",
        "Intl.Collator",
        "ignores case",
        "sorts in place",
        "no tie break",
        "ascending",
        "no return",
        "sorts numbers as strings",
        "comparator returns a boolean",
        "cuts before sorting",
        "returns the objects",
        "another format",
    ],
)
def test_q2_explains_wrong_answers(source: str, fragments: list[str]) -> None:
    """Is each plausible mistranslation Incorrect, with a message saying in words what went wrong?"""
    incorrect(q2.evaluate(source), *fragments)


def test_q2_stub_is_not_attempted() -> None:
    assert q2.evaluate("function leaderboard(results, n) {\n" + JS_STUB + "}\n").status == "not_attempted"


def test_q2_reference_is_the_python_the_exercise_shows() -> None:
    players = [{"name": "ada", "score": 9}, {"name": "Grace", "score": 10}, {"name": "Linus", "score": 9}]
    assert leaderboard_reference(players, 3) == ["Grace: 10", "Linus: 9", "ada: 9"]
    assert players[0]["name"] == "ada"  # the input is left alone


def test_q2_cases_include_mixed_case_and_accents() -> None:
    """Do the cases tell Python's order from a dictionary's (the answer the issue found passing)?"""
    names = [result["name"] for results, _ in Leaderboard.CASES for result in results]
    assert any(name[0].islower() for name in names) and any(name[0].isupper() for name in names)
    assert any(not name.isascii() for name in names)
    issue_case = [{"name": name, "score": 7} for name in ["alice", "Bob", "Émile", "Zoe"]]
    assert (issue_case, 4) in Leaderboard.CASES
    assert leaderboard_reference(issue_case, 4) == ["Bob: 7", "Zoe: 7", "alice: 7", "Émile: 7"]


@pytest.mark.parametrize(
    "first, instead, fragment",
    [
        ("Ann", "Anna", "a name comes before a longer one that starts with it"),
        ("Zoe", "alice", "'Z' (U+005A) comes before 'a' (U+0061)"),
        ("eve", "Élodie", "'e' (U+0065) comes before 'É' (U+00C9)"),
        ("Ada", "Grace", "with equal scores, the names decide"),
    ],
)
def test_why_not_first_says_why_in_words(first: str, instead: str, fragment: str) -> None:
    assert sorted([instead, first]) == [first, instead]  # the helper is only asked about Python's order
    assert fragment in why_not_first(first, instead)


# --- q3: chunk, a JavaScript generator -------------------------------------------------------

CHUNK_RIGHT = reference(q3).source

CHUNK_WITH_AN_ITERATOR = """
function* chunk(items, size) {
  const iterator = items[Symbol.iterator]();
  for (;;) {
    const batch = [];
    let step;
    while (batch.length < size && !(step = iterator.next()).done) batch.push(step.value);
    if (batch.length > 0) yield batch;
    if (batch.length < size) return;
  }
}
"""

CHUNK_LOOKS_AHEAD = """
function* chunk(items, size) {
  let batch = [];
  for (const item of items) {
    if (batch.length === size) { yield batch; batch = []; }
    batch.push(item);
  }
  if (batch.length > 0) yield batch;
}
"""

CHUNK_NEVER_STOPS = """
function* chunk(items, size) {
  const iterator = items[Symbol.iterator]();
  for (;;) {
    const batch = [];
    for (let step; batch.length < size && !(step = iterator.next()).done; ) batch.push(step.value);
    yield batch;
  }
}
"""

CHUNK_COPIES_ITS_INPUT = """
function* chunk(items, size) {
  const all = Array.from(items);
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}
"""

CHUNK_SHARED_BATCH = """
function* chunk(items, size) {
  const batch = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) { yield batch; batch.length = 0; }
  }
  if (batch.length) yield batch;
}
"""

CHUNK_DROPS_LAST = """
function* chunk(items, size) {
  let batch = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) { yield batch; batch = []; }
  }
}
"""

CHUNK_EMPTY_TAIL = """
function* chunk(items, size) {
  let batch = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) { yield batch; batch = []; }
  }
  yield batch;
}
"""

CHUNK_EAGER = """
function chunk(items, size) {
  const all = [...items];
  const batches = [];
  for (let i = 0; i < all.length; i += size) batches.push(all.slice(i, i + size));
  return batches;
}
"""

CHUNK_ARRAYS_ONLY = """
function* chunk(items, size) {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
"""


@pytest.mark.parametrize(
    "source",
    [CHUNK_RIGHT, CHUNK_WITH_AN_ITERATOR, CHUNK_LOOKS_AHEAD],
    ids=["solution", "manual iterator", "looks ahead"],
)
def test_q3_accepts_correct_generators(source: str) -> None:
    assert q3.evaluate(source).status == "correct", q3.evaluate(source)


@pytest.mark.parametrize(
    "source, fragments",
    [
        (CHUNK_SHARED_BATCH, ["[...chunk([1, 2, 3, 4, 5], 2)]", "got [[5], [5], [5]]"]),
        (CHUNK_DROPS_LAST, ["expected [[1, 2], [3, 4], [5]]", "got [[1, 2], [3, 4]]"]),
        (CHUNK_EMPTY_TAIL, ["[...chunk([1, 2, 3, 4, 5, 6], 3)]", "got [[1, 2, 3], [4, 5, 6], []]"]),
        (CHUNK_EAGER, ["already read 1000 items", "function*"]),
        (CHUNK_ARRAYS_ONLY, ["new Set", 'expected [["a", "b"], ["c"]], got []']),
        ("function* chunk(items, size) {\n  for (const item of items {\n}", ["SyntaxError", "line 2 of your cell"]),
        ("function* batches(items, size) { yield [...items]; }", ["does not define a function named `chunk`"]),
        ("process.exit(0);", ["does it call process.exit()"]),
        ("function* chunk(items, size) {}\nreturn;", ["`return` outside a function"]),
        (42, ["JavaScript source saved by `%%node --save`"]),
        (CHUNK_NEVER_STOPS, ["[...chunk([1, 2, 3, 4, 5], 2)]", "[[1, 2], [3, 4], [5], [], []", "still more"]),
        (CHUNK_COPIES_ITS_INPUT, ["chunk read 1000 items", "should read only what those batches need"]),
    ],
    ids=[
        "shared batch",
        "drops last",
        "empty tail",
        "eager",
        "arrays only",
        "syntax",
        "renamed",
        "exits",
        "returns at top level",
        "not source",
        "never stops",
        "copies its input",
    ],
)
def test_q3_explains_wrong_answers(source: Any, fragments: list[str]) -> None:
    incorrect(q3.evaluate(source), *fragments)


def test_q3_stub_is_not_attempted() -> None:
    stub = "function* chunk(items, size) {\n" + JS_STUB + "}\n"
    outcome = q3.evaluate(stub)
    assert outcome.status == "not_attempted", outcome
    assert "NotImplementedError" in outcome.message


def test_q3_stub_thrown_at_top_level_is_not_attempted() -> None:
    assert q3.evaluate(JS_STUB).status == "not_attempted"


# --- every question: hints are a ladder that never gives the answer away --------------------


@pytest.mark.parametrize("question", [q1, q2, q3], ids=["q1", "q2", "q3"])
def test_hints_are_a_ladder_without_the_answer(question: Question, capsys: pytest.CaptureFixture[str]) -> None:
    """Does each hint() call give the next rung (nudge, method, shape with blanks), none of them the answer?"""
    assert len(question.hints) >= 3
    answer_lines = {line.strip() for line in reference(question).source.splitlines() if len(line.strip()) > 3}
    question.hints_given = 0
    try:
        for rung in range(1, len(question.hints) + 1):
            question.hint()
            shown = capsys.readouterr().out
            assert f"Hint {rung} of {len(question.hints)}" in shown
            # the shape may show the signature and a loop header; most of the answer stays blank
            leaked = [line for line in answer_lines if line in shown]
            assert len(leaked) <= len(answer_lines) // 2, leaked
    finally:
        question.hints_given = 0
    assert "shape" in question.hints[-1] and "<" in question.hints[-1]
    assert "shape" not in question.hints[0]


# --- answers found by an adversarial review ---------------------------------------------------
# Each answer below once got a wrong verdict or a misleading message.


def running_total_continues_at_the_end(numbers: Iterable[int]) -> Iterator[int]:
    """`continue` where `break` was meant: at the end of the numbers it loops for ever."""
    source, total = iter(numbers), 0
    while True:
        try:
            number = next(source)
        except StopIteration:
            continue
        total += number
        yield total


def test_q1_an_endless_loop_is_stopped_by_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Is an answer that never stops told so, instead of hanging the check?"""
    monkeypatch.setattr(type(q1), "time_limit", 0.5)
    incorrect(q1.evaluate(running_total_continues_at_the_end), "after 0.5 s", "a loop that never ends")


def test_q1_time_limit_is_set_with_room_for_a_slow_machine() -> None:
    """Is an endless answer stopped, at a limit far above the solution's check (well under 1 ms)?

    Only the limit is asserted here: timing the check in a test would flake on a busy machine.
    """
    assert q1.time_limit is not None and q1.time_limit >= 5


def running_total_next_first(numbers: Iterable[int]) -> Iterator[int]:
    source = iter(numbers)
    total = next(source)  # StopIteration on an empty input, which the generator turns into RuntimeError
    yield total
    for number in source:
        total += number
        yield total


def running_total_pops(numbers: Any) -> Iterator[int]:
    total = 0
    while numbers:
        total += numbers.pop(0)
        yield total


def running_total_refuses_negatives(numbers: Iterable[int]) -> Iterator[int]:
    total = 0
    for number in numbers:
        if number < 0:
            raise NotImplementedError("negative numbers are not supported")
        total += number
        yield total


class RunningTotalPrimed:
    """Reads the first number as soon as it is made: one number before any total was asked for."""

    def __init__(self, numbers: Iterable[int]) -> None:
        self.numbers = iter(numbers)
        self.ahead = next(self.numbers, None)
        self.total = 0

    def __iter__(self) -> RunningTotalPrimed:
        return self

    def __next__(self) -> int:
        if self.ahead is None:
            raise StopIteration
        self.total += self.ahead
        self.ahead = next(self.numbers, None)
        return self.total


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (
            running_total_next_first,
            [
                "list(running_total([])) raised RuntimeError: generator raised StopIteration",
                "give next() a default",
            ],
        ),
        (
            running_total_pops,
            [
                "running_total(a generator of 1, 2, 3 …) raised AttributeError",
                "numbers may be any iterable, a generator too",
            ],
        ),
        (
            running_total_refuses_negatives,
            ["list(running_total([-2, 2, 7])) raised NotImplementedError: negative numbers are not supported"],
        ),
        (RunningTotalPrimed, ["already read 1 number before any total was asked for"]),
    ],
    ids=["next() on an empty input", "pops from a generator", "own NotImplementedError", "reads one on call"],
)
def test_q1_names_the_call_that_failed(answer: Any, fragments: list[str]) -> None:
    """Does a failure inside the learner's generator name the input it was given, in words?"""
    incorrect(q1.evaluate(answer), *fragments)


LEADERBOARD_WRITES_TO_OBJECTS = """
function leaderboard(results, n) {
  for (const r of results) r.line = `${r.name}: ${r.score}`;
  return results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n)
    .map((r) => r.line);
}
"""

LEADERBOARD_CUTS_THE_CALLERS_ARRAY = """
function leaderboard(results, n) {
  results.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  results.splice(n);
  return results.map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_SKIPS_THE_FIRST = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(1, n + 1)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_ONE_SHORT = """
function leaderboard(results, n) {
  return results
    .toSorted((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n - 1)
    .map(({ name, score }) => `${name}: ${score}`);
}
"""

LEADERBOARD_SORTS_IN_PLACE_AND_PUTS_BACK = """
function leaderboard(results, n) {
  const before = [...results];
  results.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const top = results.slice(0, n).map(({ name, score }) => `${name}: ${score}`);
  results.splice(0, results.length, ...before);
  return top;
}
"""


def test_q2_an_array_sorted_in_place_and_put_back_is_left_as_it_was() -> None:
    """Is an unusual answer that restores the caller's array before returning judged Correct?"""
    outcome = q2.evaluate(LEADERBOARD_SORTS_IN_PLACE_AND_PUTS_BACK)
    assert outcome.status == "correct", outcome


@pytest.mark.parametrize(
    "source, fragments, absent",
    [
        (
            LEADERBOARD_WRITES_TO_OBJECTS,
            [
                "changed the caller's objects",
                '{"name":"Ada","score":9} became {"name":"Ada","score":9,"line":"Ada: 9"}',
                "without writing to the objects",
            ],
            ["reordered", "toSorted"],
        ),
        (
            LEADERBOARD_CUTS_THE_CALLERS_ARRAY,
            ["changed the caller's array: it held 3 results, and 2 after the call", "work on a copy"],
            [],
        ),
        (
            LEADERBOARD_SKIPS_THE_FIRST,
            [
                'expected ["Grace: 10", "Ada: 9"], got ["Ada: 9", "Linus: 7"]',
                "'Grace: 10' is missing, though it is among the 2 best, and 'Linus: 7' is not",
                "the order is right, but entries are left out",
                "slice(0, n)",
            ],
            ["came before", "compare the scores"],
        ),
        (
            LEADERBOARD_ONE_SHORT,
            ["it returned 1 entry where n = 2 and there are 3 results"],
            ["1 entries"],
        ),
        (
            "function leaderboard(results, n) { process.exit(1); }",
            ["stopped with exit code 1 and no error message", "process.exit()"],
            ["could not be run"],
        ),
    ],
    ids=["writes to the objects", "cuts the caller's array", "skips the first", "one short", "process.exit(1)"],
)
def test_q2_says_what_happened(source: str, fragments: list[str], absent: list[str]) -> None:
    """Does the message name the real mistake, and not a neighbouring one?"""
    outcome = q2.evaluate(source)
    incorrect(outcome, *fragments)
    for words in absent:
        assert words not in outcome.message, outcome.message


CHUNK_PRIMED = """
function chunk(items, size) {
  const iterator = items[Symbol.iterator]();
  let step = iterator.next(); // looks one item ahead, from the start
  return {
    [Symbol.iterator]() { return this; },
    next() {
      if (step.done) return { done: true, value: undefined };
      const batch = [];
      while (!step.done && batch.length < size) { batch.push(step.value); step = iterator.next(); }
      return { done: false, value: batch };
    },
  };
}
"""

CHUNK_FIRST_BATCH_ON_CALL = """
function chunk(items, size) {
  const iterator = items[Symbol.iterator]();
  const take = () => {
    const batch = [];
    for (let step; batch.length < size && !(step = iterator.next()).done; ) batch.push(step.value);
    return batch;
  };
  let ready = take();
  return {
    [Symbol.iterator]() { return this; },
    next() {
      if (ready.length === 0) return { done: true, value: undefined };
      const batch = ready;
      ready = take();
      return { done: false, value: batch };
    },
  };
}
"""

CHUNK_ASYNC = """
async function* chunk(items, size) {
  let batch = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) { yield batch; batch = []; }
  }
  if (batch.length) yield batch;
}
"""


def test_q3_a_look_ahead_of_one_item_from_the_call_is_lazy_enough() -> None:
    """Is an iterator that reads one item ahead as soon as it is made judged Correct?"""
    outcome = q3.evaluate(CHUNK_PRIMED)
    assert outcome.status == "correct", outcome


@pytest.mark.parametrize(
    "source, fragments",
    [
        (
            "function chunk(items, size) { }",
            ["chunk returned undefined, which for…of and [...] cannot iterate", "function*"],
        ),
        (CHUNK_ASYNC, ["chunk returned an async generator", "not async function*"]),
        (CHUNK_FIRST_BATCH_ON_CALL, ["already read 3 items before any batch was asked for"]),
    ],
    ids=["returns nothing", "async generator", "reads a batch on call"],
)
def test_q3_explains_answers_for_of_cannot_use(source: str, fragments: list[str]) -> None:
    """Is a chunk that returns something for…of cannot iterate told so, without the check's own names?"""
    outcome = q3.evaluate(source)
    incorrect(outcome, *fragments)
    assert "is not iterable" not in outcome.message, outcome.message


def test_q1_hints_leave_every_line_of_the_answer_to_the_learner() -> None:
    """Do rung 2 (the method in words) and rung 3 (the shape) together leave each line of the body blank?"""
    body = [line.strip() for line in reference(q1).source.splitlines()[1:] if line.strip()]
    body = [line for line in body if not line.startswith(("#", '"""'))]
    assert len(body) >= 4
    hints = "\n".join(q1.hints)
    assert [line for line in body if line in hints] == []
