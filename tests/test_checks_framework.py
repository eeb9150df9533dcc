"""course.checks: the three outcomes, lookup by name, recording for the grader."""

import json

import pytest

from course.checks import CHAPTERS, MISSING, OUTCOMES_ENV, Incorrect, Question, call, chapter_questions, expect_equal


class Double(Question):
    chapter = "demo"
    name = "q1"
    answer_names = ("double",)
    hint_text = "Multiply by two."
    solution_code = "def double(x):\n    return 2 * x"

    def judge(self, double):
        for x in (0, 1, -4):
            expect_equal(f"double({x})", 2 * x, call(double, x))


q1 = Double()


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


def test_hint_and_solution_print_their_text(capsys):
    q1.hint()
    q1.solution()
    out = capsys.readouterr().out
    assert "Multiply by two." in out
    assert "return 2 * x" in out


def test_incorrect_is_an_exception_with_its_message():
    assert str(Incorrect("why")) == "why"


def test_every_registered_chapter_has_numbered_questions():
    for module in CHAPTERS.values():
        found = chapter_questions(module)
        assert found, module
        assert [q.name for q in found] == [f"q{i}" for i in range(1, len(found) + 1)]
        for question in found:
            assert question.chapter == module
            assert question.hint_text.strip() and question.solution_code.strip()


def test_a_missing_tool_is_not_blamed_on_the_answer():
    from course import SetupProblem

    def needs_node(x):
        raise SetupProblem("Node.js was not found on PATH")

    with pytest.raises(SetupProblem, match="Node.js"):
        q1.evaluate(needs_node)
