"""The feedback pages: their file names, which cells are an answer, and what a page holds (and does not)."""

import nbformat
import pytest

from course import ROOT
from course.chapters import chapters, find
from course.feedback import answer_cells, given_cells, page_names, render, write_feedback
from course.grade import Report, Verdict
from course.solutions import has_block, solutions_in, without_markers

EXERCISE = ROOT / "exercises" / "01-metaclasses.ipynb"


def answered(answers: dict[str, str]) -> nbformat.NotebookNode:
    """The metaclasses exercise with the placeholder cell of each question in ``answers`` replaced by its code."""
    notebook = nbformat.read(EXERCISE, as_version=4)
    checks = {name: i for i, cell in enumerate(notebook.cells) for name in answers if f"{name}.check()" in cell.source}
    for name, code in answers.items():
        notebook.cells[checks[name] - 1].source = code  # the placeholder cell sits right above its check
    return notebook


def sources(cells) -> list[str]:
    return [cell.source for cell in cells]


@pytest.mark.parametrize(
    "notebooks, expected",
    [
        (["ada/01-metaclasses.ipynb", "linus/01-metaclasses.ipynb"], ["ada--01-metaclasses", "linus--01-metaclasses"]),
        (["class/ada.ipynb", "class/linus.ipynb"], ["ada", "linus"]),
        (["only/one.ipynb"], ["one"]),
        (["a/Ada.ipynb", "a/ada.ipynb"], ["Ada", "ada-2"]),
        (["x/same.ipynb", "x/same.ipynb"], ["same", "same-2"]),
        (["x/Émile Zola <3>.ipynb", "x/../x/..ipynb"], ["Emile_Zola_3", "notebook"]),
        (["x/a b.ipynb", "x/a_b.ipynb"], ["a_b", "a_b-2"]),
    ],
)
def test_page_names_are_safe_and_distinct(notebooks, expected):
    """Do two submissions named alike in different folders, or names that differ in case, get pages of their own?"""
    assert page_names(notebooks) == [f"{name}.html" for name in expected]


def test_a_long_name_is_cut_to_a_file_name_any_system_takes():
    (name,) = page_names(["x/" + "a" * 300 + ".ipynb"])
    assert name == "a" * 100 + ".html"


@pytest.mark.parametrize("chapter", chapters(), ids=lambda chapter: chapter.slug)
def test_the_answer_in_a_solution_notebook_is_its_solution_block(chapter):
    """Is each question's code, found by headings and checks alone, exactly the answer the solution notebook marks?"""
    notebook = nbformat.read(chapter.notebook("solutions"), as_version=4)
    reference = solutions_in(notebook)
    for question in chapter.questions():
        cells = answer_cells(notebook, question.name, question.answer_names, given_cells(chapter.slug))
        assert all(has_block(cell.source) for cell in cells), f"{question.name}: cells that hold no answer"
        found = "\n\n".join(without_markers(cell.source)[1] for cell in cells)
        assert found == reference[question.name].source, question.name


@pytest.mark.parametrize("chapter", chapters(), ids=lambda chapter: chapter.slug)
def test_the_answer_in_an_untouched_exercise_is_the_placeholder_without_the_given_code(chapter):
    notebook = nbformat.read(chapter.notebook("exercises"), as_version=4)
    given = given_cells(chapter.slug)
    for question in chapter.questions():
        cells = answer_cells(notebook, question.name, question.answer_names, given)
        assert cells and all("YOUR CODE HERE" in source for source in sources(cells)), question.name
        assert not set(sources(cells)) & given, question.name
        assert not any(f"{question.name}.check()" in source for source in sources(cells)), question.name


def test_code_written_in_the_check_cell_counts_and_the_check_call_does_not():
    notebook = answered({})
    check = next(i for i, cell in enumerate(notebook.cells) if cell.source == "q3.check()")
    notebook.cells[check].source = "make_class = lambda *args: None  # a second try\nq3.check()\nq3.hint()"
    cells = answer_cells(notebook, "q3", ("make_class",), given_cells("metaclasses"))
    assert sources(cells)[-1] == "make_class = lambda *args: None  # a second try"
    assert [cell.number for cell in cells] == [check, check + 1]  # the placeholder cell above, then this one


def test_an_answer_moved_to_the_end_of_the_notebook_is_found():
    """Is the cell that last defines the answer's name shown, though the learner put it after another question?"""
    notebook = answered({"q2": ""})  # the learner emptied the cell under the heading …
    notebook.cells.append(nbformat.v4.new_code_cell("class EnforceFinal:\n    pass  # moved"))  # … and wrote it here
    notebook.cells.append(nbformat.v4.new_code_cell("q2.check()"))
    (cell,) = answer_cells(notebook, "q2", ("EnforceFinal",), given_cells("metaclasses"))
    assert cell.source == "class EnforceFinal:\n    pass  # moved"
    assert cell.elsewhere and cell.number == len(notebook.cells) - 1


def test_without_headings_the_answer_is_what_lies_between_the_checks():
    notebook = answered({"q1": "class RequireMethods(type):\n    pass", "q2": "class EnforceFinal:\n    pass"})
    notebook.cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    after_q1 = next(index for index, cell in enumerate(notebook.cells) if cell.source == "q1.check()") + 1
    notebook.cells.insert(after_q1, nbformat.v4.new_code_cell("print('scratch work for q2')"))
    found = answer_cells(notebook, "q2", ("EnforceFinal",), given_cells("metaclasses"))
    assert sources(found) == ["print('scratch work for q2')", "class EnforceFinal:\n    pass"]
    assert sources(answer_cells(notebook, "q1", ("RequireMethods",), given_cells("metaclasses"))) == [
        "class RequireMethods(type):\n    pass"
    ]


def write_learner(folder, notebook, name="01-metaclasses.ipynb") -> str:
    folder.mkdir()
    path = folder / name
    nbformat.write(notebook, path)
    return str(path)


def test_each_page_holds_its_own_learner_only(tmp_path):
    """Two learners, each with a distinctive answer, message and name: does each page show only its own?"""
    names = [question.name for question in find("metaclasses").questions()]
    reports = []
    for who in ("ada", "linus"):
        notebook = answered({"q1": f"class RequireMethods(type):\n    pass  # {who.upper()}_ANSWER"})
        path = write_learner(tmp_path / f"{who}_folder", notebook)
        verdicts = {name: Verdict("not_attempted", "replace the placeholder") for name in names}
        verdicts["q1"] = Verdict("incorrect", f"{who.upper()}_MESSAGE: expected TypeError")
        reports.append(Report(path, "metaclasses", verdicts, [f"cell 9 raised {who.upper()}_PROBLEM"], seconds=4.0))
    pages = write_feedback(reports, tmp_path / "feedback")
    assert [page.name for page in pages] == ["ada_folder--01-metaclasses.html", "linus_folder--01-metaclasses.html"]
    for page, (me, other) in zip(pages, [("ada", "linus"), ("linus", "ada")], strict=True):
        text = page.read_text(encoding="utf-8")
        for mark in ("ANSWER", "MESSAGE", "PROBLEM"):
            assert f"{me.upper()}_{mark}" in text and f"{other.upper()}_{mark}" not in text, (page.name, mark)
        assert f"{other}_folder" not in text, page.name
        assert "Feedback: 01 · Metaclasses" in text and "0 of 4 correct" in text
        hint = find("metaclasses").questions()[0].hints[0].split()[:6]
        assert " ".join(hint) in " ".join(text.split()), "the first hint of the wrong answer"


def test_learner_code_messages_and_names_are_escaped(tmp_path):
    notebook = answered({"q1": "class RequireMethods(type):\n    '</code></pre><script>alert(1)</script>'"})
    path = write_learner(tmp_path / "mallory", notebook, "<b onclick=alert(3)>mallory.ipynb")
    verdicts = {"q1": Verdict("incorrect", "got <img src=x onerror=alert(2)> & more"), "q2": Verdict("correct")}
    text = render(Report(path, "metaclasses", verdicts, stopped="<i>limit</i>", modified=["<u>q1</u>"]))
    for raw in ("<script>", "<img", "<b onclick", "<i>limit", "<u>q1"):
        assert raw not in text
    assert "&lt;img src=x onerror=alert(2)&gt; &amp; more" in text
    assert "no score: checks were modified" in text and "&lt;i&gt;limit&lt;/i&gt;" in text


def test_a_notebook_that_was_not_graded_gets_a_page_that_says_why(tmp_path):
    text = render(Report(str(tmp_path / "homework.ipynb"), "", {}, ["not graded: cannot tell which chapter this is"]))
    assert "not graded" in text and "cannot tell which chapter this is" in text and 'class="question"' not in text


def test_a_question_not_run_says_its_own_reason_when_it_has_one(tmp_path):
    """A notebook whose checks were modified was not stopped: its page must not say that it was."""
    path = write_learner(tmp_path / "eve", answered({}))
    modified = Verdict("not_run", "not graded: the checks were modified")
    text = render(Report(path, "metaclasses", {"q1": modified}, modified=["course.checks.Question.evaluate"]))
    assert "not graded: the checks were modified" in text and "stopped before" not in text
    stopped = render(Report(path, "metaclasses", {"q1": Verdict("not_run")}, stopped="stopped in cell 3: memory"))
    assert "stopped before this question could be checked" in stopped
