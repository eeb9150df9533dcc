"""course.solutions: each answer is read from its solution notebook, the one place it is written."""

import inspect

import nbformat
import pytest

from course.chapters import chapters
from course.errors import SetupProblem
from course.solutions import SolutionBlockError, define, reference, solution, solutions_in, without_markers


def notebook(*sources: str) -> nbformat.NotebookNode:
    made = nbformat.v4.new_notebook()
    made.cells = [nbformat.v4.new_markdown_cell("# Solutions: demo")]
    made.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return made


def test_an_answer_belongs_to_the_check_that_follows_it():
    found = solutions_in(
        notebook(
            "from demo import q1, q2",
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
            "q1.check()",
            "%%node --save g_js\nfunction g() {\n  // ### BEGIN SOLUTION\n  return 2;\n  // ### END SOLUTION\n}",
            "print('a cell between')",
            "q2.check()\nq2.hint()",
        )
    )
    assert found["q1"].language == "python" and found["q1"].source == "def f():\n    return 1"
    assert found["q2"].language == "javascript" and found["q2"].source == "function g() {\n  return 2;\n}"


def test_an_answer_split_over_two_cells_is_shown_whole():
    found = solutions_in(
        notebook(
            "### BEGIN SOLUTION\nA = 1\n### END SOLUTION", "### BEGIN SOLUTION\nB = 2\n### END SOLUTION", "q1.check()"
        )
    )
    assert found["q1"].source == "A = 1\n\nB = 2"


def test_an_answer_without_a_check_after_it_is_an_error():
    with pytest.raises(SolutionBlockError, match="not followed by a `qN.check\\(\\)` cell"):
        solutions_in(notebook("q1.check()", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "demo.ipynb")


def test_markers_and_the_node_line_are_removed_and_nothing_else():
    assert without_markers(
        "%%node --save x\nconst a = 1; // ### not a marker\n// ### BEGIN SOLUTION\n// ### END SOLUTION"
    ) == (
        "javascript",
        "const a = 1; // ### not a marker",
    )


def test_a_missing_solutions_notebook_is_a_setup_problem(tmp_path):
    with pytest.raises(SetupProblem, match="99-demo.ipynb is missing") as error:
        solution(tmp_path / "99-demo.ipynb", "q1")
    assert "git checkout -- solutions/99-demo.ipynb" in error.value.fix


def test_a_question_without_a_solution_is_an_error(tmp_path):
    path = tmp_path / "99-demo.ipynb"
    nbformat.write(notebook("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "q1.check()"), path)
    assert solution(path, "q1").source == "x = 1"
    with pytest.raises(SolutionBlockError, match="no solution block followed by `q2.check\\(\\)`"):
        solution(path, "q2")


@pytest.mark.parametrize("chapter", chapters(), ids=lambda chapter: chapter.slug)
def test_every_question_has_exactly_its_published_answer(chapter, capsys):
    for question in chapter.questions():
        answer = reference(question)
        assert answer.question == question.name and answer.source.strip()
        assert "SOLUTION" not in answer.source
        question.solution()
        assert capsys.readouterr().out == f"Solution ({answer.language}):\n\n{answer.source}\n"


def test_no_question_keeps_a_second_copy_of_its_answer():
    """The only copy is the solution notebook: no question class carries solution code of its own."""
    for chapter in chapters():
        for question in chapter.questions():
            copies = [name for name in vars(type(question)) if "solution" in name.lower()]
            assert not copies, f"{chapter.slug} {question.name} keeps {copies}"


def test_define_runs_a_python_answer_whose_source_can_be_read_back():
    question = next(q for q in chapters()[1].questions() if q.answer_names == ("make_class",))
    namespace = define(question)
    source = inspect.getsource(namespace["make_class"])
    assert source.startswith("def make_class(name, bases, defaults):")
    assert source.strip() == reference(question).source.strip()
