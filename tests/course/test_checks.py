"""course.checks: the outcomes, lookup by name, recording for the grader, numbering, setup problems."""

import json
from pathlib import Path

import nbformat

from course.chapters import Chapter
from course.checks import MISSING, OUTCOMES_ENV, Question, bind
from course.checks.expect import Incorrect, attempt, call, expect_equal, is_placeholder
from course.errors import ServerError, SetupProblem
from course.servers import start_process


class Double(Question):
    answer_names = ("double",)
    hint_text = "Multiply by two."

    def judge(self, double):
        for x in (0, 1, -4):
            expect_equal(f"double({x})", 2 * x, call(double, x))


class NeedsRedis(Question):
    """A check that starts a server first, as the redis and Channels chapters' checks will."""

    answer_names = ("answer",)

    def judge(self, answer):
        start_process(["no-such-redis-server", "--port", "1"], port=1, timeout=2)


DEMO = Chapter(99, "demo", "A demo chapter", part="Tests")
q1, q2 = bind(DEMO, [Double, NeedsRedis], {})


def test_correct_answer():
    outcome = q1.evaluate(lambda x: x + x)
    assert outcome.status == "correct"
    assert str(outcome) == "✅ Correct"


def test_wrong_answer_says_what_was_expected_and_what_came_back():
    outcome = q1.evaluate(lambda x: x * x)
    assert outcome.status == "incorrect"
    assert outcome.message == "double(1): expected 2, got 1"


def test_placeholder_is_not_attempted():
    def double(x):
        raise NotImplementedError()

    assert q1.evaluate(double).status == "not_attempted"


def test_undefined_name_is_not_attempted_and_names_it():
    outcome = q1.evaluate(MISSING)
    assert outcome.status == "not_attempted"
    assert "`double`" in outcome.message


def test_crash_in_learner_code_is_incorrect_without_traceback():
    outcome = q1.evaluate(lambda x: x / 0)
    assert outcome.status == "incorrect"
    assert outcome.message == "your code raised ZeroDivisionError: division by zero"


def test_non_callable_answer_is_incorrect():
    outcome = q1.evaluate(42)
    assert outcome.status == "incorrect"
    assert "expected a function, got int 42" in outcome.message


def test_check_looks_up_the_answer_in_the_callers_namespace(capsys):
    namespace = {"q1": q1}
    exec("def double(x):\n    return x * 2\nq1.check()", namespace)
    assert capsys.readouterr().out.strip() == "✅ Correct"
    exec("q1.check()", {"q1": q1})
    assert capsys.readouterr().out.startswith("✋ Not attempted: define `double`")


def test_check_records_outcomes_for_the_grader(tmp_path, monkeypatch, capsys):
    path = tmp_path / "outcomes.jsonl"
    monkeypatch.setenv(OUTCOMES_ENV, str(path))
    q1.check(lambda x: 2 * x)
    q1.check(lambda x: 3 * x)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["status"] for r in records] == ["correct", "incorrect"]
    assert records[1] == {"chapter": "demo", "question": "q1", "status": "incorrect", "message": records[1]["message"]}
    assert "expected 2, got 3" in records[1]["message"]


def demo_solutions(path: Path) -> Path:
    """A one-question solution notebook, as the chapters write them."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell("q1.check()"),
    ]
    nbformat.write(notebook, path)
    return path


def test_hint_and_solution_print_their_text(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(q1, "solutions_path", demo_solutions(tmp_path / "99-demo.ipynb"))
    q1.hint()
    q1.solution()
    out = capsys.readouterr().out
    assert "Multiply by two." in out
    assert "Solution (python):\n\ndef double(x):\n    return 2 * x\n" in out
    assert "BEGIN SOLUTION" not in out


class Laddered(Double):
    hints = ("A nudge.", "The method.", "The shape of the code.")


def test_hints_are_a_ladder_one_rung_per_call(capsys):
    """Does each hint() call give the next rung, and the last one again once all were given?"""
    (question,) = bind(DEMO, [Laddered], {})
    for _ in range(4):
        question.hint()
    shown = capsys.readouterr().out.split("💡 ")[1:]
    assert [text.split("\n")[0] for text in shown] == [
        "Hint 1 of 3: A nudge.",
        "Hint 2 of 3: The method.",
        "Hint 3 of 3: The shape of the code.",
        "Hint 3 of 3: The shape of the code.",
    ]
    assert "q1.hint() again" in shown[0] and "q1.solution()" in shown[2]


def test_incorrect_is_an_exception_with_its_message():
    assert str(Incorrect("why")) == "why"


def test_bind_numbers_questions_in_the_order_listed():
    namespace = {}
    first, second = bind(DEMO, [NeedsRedis, Double], namespace)
    assert (first.name, second.name) == ("q1", "q2")
    assert namespace == {"q1": first, "q2": second}
    assert isinstance(second, Double) and second.chapter == "demo"
    assert second.solutions_path.name == "99-demo.ipynb"


def test_a_missing_tool_is_not_blamed_on_the_answer():
    def needs_node(x):
        raise SetupProblem("Node.js was not found on PATH", fix="install Node.js 20 or newer")

    outcome = q1.evaluate(needs_node)
    assert outcome.status == "setup_problem"
    assert str(outcome) == (
        "🔧 Setup problem (not your code): Node.js was not found on PATH\nTo fix it: install Node.js 20 or newer"
    )


def test_a_check_whose_server_cannot_start_reports_a_setup_problem(capsys):
    """Is a check's own server failing to start shown as a setup problem, never as Incorrect?"""
    assert issubclass(ServerError, SetupProblem)
    q2.check(lambda: None)
    out = capsys.readouterr().out
    print(out)  # shown in the test log: the closing note quotes it
    assert out.startswith("🔧 Setup problem (not your code): cannot run 'no-such-redis-server'")
    assert "To fix it: install 'no-such-redis-server'" in out
    assert "Incorrect" not in out


class Limited(Double):
    time_limit = 0.3


def test_an_endless_answer_is_stopped_and_called_incorrect():
    """Is an answer that never returns, even one that swallows every Exception, stopped at the time limit?"""
    import signal
    import time

    (limited,) = bind(DEMO, [Limited], {})

    def forever(x):
        while True:
            try:
                time.sleep(0.05)
            except Exception:
                pass

    handler, (before, _) = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    outcome = limited.evaluate(forever)
    assert outcome.status == "incorrect" and "never ends" in outcome.message
    assert time.monotonic() - started < 2
    assert signal.getsignal(signal.SIGALRM) is handler  # pytest-timeout's, if it set one
    after, _ = signal.getitimer(signal.ITIMER_REAL)
    assert (after == 0.0) if before == 0.0 else (before - 2 < after <= before)
    assert limited.evaluate(lambda x: 2 * x).status == "correct"


def test_a_bare_except_in_a_retry_loop_with_a_pause_is_stopped_too():
    """The first TimeLimit lands in the ``try`` and a bare ``except:`` catches it; the next one,
    REPEAT s later, lands in the pause between retries, outside the ``try``, and gets out."""
    import time

    (limited,) = bind(DEMO, [Limited], {})

    def retries_forever(x):
        while True:
            try:
                time.sleep(1.0)  # a slow request that fails…
                raise ConnectionError("no answer")
            except:  # noqa: E722 - the learner's mistake under test
                time.sleep(0.6)  # … and a pause before the next try

    started = time.monotonic()
    outcome = limited.evaluate(retries_forever)
    assert outcome.status == "incorrect" and "never ends" in outcome.message
    assert time.monotonic() - started < 15
    assert limited.evaluate(lambda x: 2 * x).status == "correct"


def test_without_a_time_limit_no_timer_is_set():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    assert q1.evaluate(lambda x: 2 * x).status == "correct"
    assert signal.getsignal(signal.SIGALRM) is before


def test_a_timer_the_notebook_had_set_survives_a_timed_check():
    import signal

    (limited,) = bind(DEMO, [Limited], {})
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100)
        assert limited.evaluate(lambda x: 2 * x).status == "correct"
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < remaining <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_only_the_placeholder_not_implemented_error_means_not_attempted():
    """``raise NotImplementedError()`` is the exercise's placeholder; with a message it is the answer's own."""

    class Calls(Question):
        answer_names = ("f",)

        def judge(self, f):
            attempt("f()", f)

    (question,) = bind(DEMO, [Calls], {})

    def placeholder():
        raise NotImplementedError()

    def own_error():
        raise NotImplementedError("Half must implement save")

    assert question.evaluate(placeholder).status == "not_attempted"
    outcome = question.evaluate(own_error)
    assert outcome.status == "incorrect" and "Half must implement save" in outcome.message
    assert is_placeholder(NotImplementedError()) and not is_placeholder(NotImplementedError("x"))
    assert not is_placeholder(ValueError())
