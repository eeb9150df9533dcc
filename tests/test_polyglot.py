"""Preface chapter: its checks (Python and JavaScript answers) and the ``%%node`` machinery they rely on."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

import pytest

from course import jscheck, node
from course.checks import MISSING, Incorrect, NotAttempted, Outcome
from course.checks.polyglot import leaderboard_reference, q1, q2, q3

JS_STUB = '  // YOUR CODE HERE\n  throw new Error("NotImplementedError: replace this line with your code");\n'


def incorrect(outcome: Outcome, *fragments: str) -> None:
    """Assert the outcome is Incorrect and its message contains every fragment."""
    assert outcome.status == "incorrect", outcome
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message


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


@pytest.mark.parametrize("answer", [running_total_right, accumulate], ids=["generator", "itertools.accumulate"])
def test_q1_accepts_any_lazy_running_total(answer: Any) -> None:
    assert q1.evaluate(answer).status == "correct"


def test_q1_solution_passes() -> None:
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent(q1.solution_code), namespace)
    assert q1.evaluate(namespace["running_total"]).status == "correct"


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


# --- q2: chunk, a JavaScript generator -------------------------------------------------------

CHUNK_RIGHT = textwrap.dedent(q2.solution_code)

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
def test_q2_accepts_correct_generators(source: str) -> None:
    assert q2.evaluate(source).status == "correct", q2.evaluate(source)


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
def test_q2_explains_wrong_answers(source: Any, fragments: list[str]) -> None:
    incorrect(q2.evaluate(source), *fragments)


def test_q2_stub_is_not_attempted() -> None:
    stub = "function* chunk(items, size) {\n" + JS_STUB + "}\n"
    outcome = q2.evaluate(stub)
    assert outcome.status == "not_attempted", outcome
    assert "NotImplementedError" in outcome.message


def test_q2_stub_thrown_at_top_level_is_not_attempted() -> None:
    assert q2.evaluate(JS_STUB).status == "not_attempted"


# --- q3: leaderboard, JavaScript translating a Python sort -----------------------------------

LEADERBOARD_RIGHT = textwrap.dedent(q3.solution_code)

LEADERBOARD_SPREAD_COPY = """
function leaderboard(results, n) {
  const byRank = (a, b) => (a.score !== b.score ? b.score - a.score : a.name < b.name ? -1 : 1);
  return [...results].sort(byRank).slice(0, n).map((r) => r.name + ": " + r.score);
}
"""

LEADERBOARD_IN_PLACE = LEADERBOARD_RIGHT.replace("toSorted", "sort")
LEADERBOARD_NO_TIE_BREAK = LEADERBOARD_RIGHT.replace(" || a.name.localeCompare(b.name)", "")
LEADERBOARD_ASCENDING = LEADERBOARD_RIGHT.replace("b.score - a.score", "a.score - b.score")
LEADERBOARD_NO_RETURN = LEADERBOARD_RIGHT.replace("return results", "results")
LEADERBOARD_BOOLEAN_COMPARATOR = LEADERBOARD_RIGHT.replace("a.name.localeCompare(b.name)", "a.name > b.name")
LEADERBOARD_CUTS_BEFORE_SORTING = """
function leaderboard(results, n) {
  return results.slice(0, n).toSorted((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .map(({ name, score }) => `${name}: ${score}`);
}
"""
LEADERBOARD_AS_STRINGS = """
function leaderboard(results, n) {
  return results.map(({ name, score }) => `${score}|${name}`).toSorted().toReversed().slice(0, n)
    .map((row) => { const [score, name] = row.split("|"); return `${name}: ${score}`; });
}
"""


@pytest.mark.parametrize("source", [LEADERBOARD_RIGHT, LEADERBOARD_SPREAD_COPY], ids=["toSorted", "spread copy"])
def test_q3_accepts_correct_translations(source: str) -> None:
    assert q3.evaluate(source).status == "correct", q3.evaluate(source)


@pytest.mark.parametrize(
    "source, fragments",
    [
        (LEADERBOARD_IN_PLACE, ["reordered the caller's array", "toSorted"]),
        (LEADERBOARD_NO_TIE_BREAK, ['expected ["Ada: 5", "Linus: 5"], got ["Margaret: 5", "Ada: 5"]']),
        (LEADERBOARD_ASCENDING, ['expected ["Grace: 10", "Ada: 9"], got ["Linus: 7", "Ada: 9"]']),
        (LEADERBOARD_NO_RETURN, ["got undefined", "forget `return`"]),
        (LEADERBOARD_AS_STRINGS, ['expected ["Grace: 10", "Ada: 9"], got ["Ada: 9", "Linus: 7"]']),
        (LEADERBOARD_BOOLEAN_COMPARATOR, ['expected ["Ada: 5", "Linus: 5"], got ["Margaret: 5", "Ada: 5"]']),
        (LEADERBOARD_CUTS_BEFORE_SORTING, ['expected ["Ada: 5", "Linus: 5"], got ["Ada: 5", "Margaret: 5"]']),
    ],
    ids=[
        "sorts in place",
        "no tie break",
        "ascending",
        "no return",
        "sorts numbers as strings",
        "comparator returns a boolean",
        "cuts before sorting",
    ],
)
def test_q3_explains_wrong_answers(source: str, fragments: list[str]) -> None:
    incorrect(q3.evaluate(source), *fragments)


def test_q3_stub_is_not_attempted() -> None:
    assert q3.evaluate("function leaderboard(results, n) {\n" + JS_STUB + "}\n").status == "not_attempted"


def test_q3_reference_is_the_python_the_exercise_shows() -> None:
    players = [{"name": "Ada", "score": 9}, {"name": "Grace", "score": 10}, {"name": "Linus", "score": 9}]
    assert leaderboard_reference(players, 3) == ["Grace: 10", "Ada: 9", "Linus: 9"]
    assert players[0]["name"] == "Ada"  # the input is left alone


# --- course.jscheck: running a JavaScript answer ---------------------------------------------


def test_run_cases_reports_values_undefined_and_errors() -> None:
    body = '__case("value", () => f(2));\n__case("nothing", () => undefined);\n__case("throws", () => g());'
    cases = jscheck.run_cases(
        "const f = (x) => ({ twice: x * 2 });\nfunction g() { throw new RangeError('no'); }", "f", body
    )
    assert [case.label for case in cases] == ["value", "nothing", "throws"]
    assert cases[0].value == {"twice": 4} and cases[0].shown() == '{"twice": 4}'
    assert cases[1].undefined and cases[1].shown() == "undefined"
    assert cases[2].error == "RangeError: no" and "an exception" in cases[2].shown()


def test_run_cases_ignores_what_the_learner_prints() -> None:
    cases = jscheck.run_cases('console.log("debugging");\nconst f = () => 1;', "f", '__case("one", () => f());')
    assert cases[0].value == 1


def test_run_cases_stops_an_endless_loop() -> None:
    with pytest.raises(Incorrect, match="did not finish within 1 s"):
        jscheck.run_cases("while (true) {}", "f", "", timeout=1)


def test_run_cases_reports_a_crash_with_nodes_error_line() -> None:
    with pytest.raises(Incorrect, match=r"could not be run: ReferenceError: nope is not defined \(line 2"):
        jscheck.run_cases("const f = 1;\nnope();", "f", "")


def test_run_cases_not_attempted_when_the_stub_throws_inside_a_case() -> None:
    with pytest.raises(NotAttempted):
        jscheck.run_cases("function f() {\n" + JS_STUB + "}", "f", '__case("call", () => f());')


def test_node_error_leaves_out_line_numbers_outside_the_learners_cell() -> None:
    stderr = "/tmp/cell-x.js:40\n}\n^\n\nSyntaxError: Unexpected end of input\n    at wrapSafe\n"
    assert jscheck.node_error(stderr, "line one\nline two") == "SyntaxError: Unexpected end of input"
    assert jscheck.node_error("", "x") == "no error message"


# --- course.node: run_node and the %%node magic ----------------------------------------------


def test_run_node_returns_output_and_status() -> None:
    done = node.run_node('console.log("héllo ✓"); console.error("warn"); process.exitCode = 3;')
    assert (done.returncode, done.stdout, done.stderr) == (3, "héllo ✓\n", "warn\n")


def test_run_node_passes_stdin_and_finds_the_course_packages() -> None:
    source = 'const co = require("co"); process.stdin.on("data", (d) => console.log(typeof co, String(d).trim()));'
    assert node.run_node(source, stdin="ping").stdout == "function ping\n"


def test_run_node_stops_a_script_at_its_timeout() -> None:
    done = node.run_node('console.log("started"); setInterval(() => {}, 1000);', timeout=1)
    assert done.returncode == -9
    assert "stopped after 1 s" in done.stderr


def test_node_missing_from_path_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(node.NodeMissing, match="Node.js was not found on PATH. Install Node.js 20"):
        node.run_node("1")


def test_node_missing_is_shown_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(node.NodeMissing) as caught:
        node.node_cell("", "console.log(1)", {})
    assert caught.value._render_traceback_() == [f"NodeMissing: {caught.value}"]


def test_node_cell_prints_output_and_saves_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    node.node_cell("--save answer", "console.log(6 * 7)", namespace)
    assert capsys.readouterr().out == "42\n"
    assert namespace == {"answer": "console.log(6 * 7)"}


def test_node_cell_fails_on_non_zero_exit(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    with pytest.raises(node.NodeFailed, match="status 1") as caught:
        node.node_cell("--save broken", 'throw new TypeError("bad cell")', namespace)
    assert "TypeError: bad cell" in capsys.readouterr().err
    assert caught.value._render_traceback_() == ["NodeFailed: node exited with status 1"]
    assert namespace["broken"] == 'throw new TypeError("bad cell")'  # saved even so, for the check to judge


@pytest.mark.parametrize(
    "line, message",
    [("--save", "usage: %%node --save NAME"), ("--save 1st", "usage"), ("--save a b", "usage"), ("--quiet", "unknown")],
)
def test_node_cell_rejects_bad_options(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        node.node_cell(line, "console.log(1)", {})


def test_load_ext_registers_the_node_cell_magic(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # leave the user's IPython history alone
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "course.node")
    shell.run_cell_magic("node", "--save source", "console.log([1, 2].map((n) => n * 10).join())")
    assert capsys.readouterr().out == "10,20\n"
    assert shell.user_ns["source"].startswith("console.log")


def test_missing_node_modules_gets_a_hint_to_run_npm_ci(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(node, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(node.NodeFailed, match="run `npm ci`"):
        node.node_cell("", 'require("co");')
    assert "Cannot find module" in capsys.readouterr().err
