"""course.exercises: solution blocks stripped, exercises/ in sync with solutions/."""

import nbformat
import pytest

from course import ROOT, standalone
from course.exercises import SolutionBlockError, exercise_from_solution, generate, strip_solutions

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_python_block_becomes_a_placeholder_at_its_indentation():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nprint('kept')"
    stripped, found = strip_solutions(source)
    assert found
    assert stripped == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint('kept')"


def test_javascript_block_becomes_a_throwing_placeholder():
    source = "%%node\nfunction f(x) {\n  // ### BEGIN SOLUTION\n  return x + 1;\n  // ### END SOLUTION\n}"
    stripped, found = strip_solutions(source)
    assert found
    assert "return x + 1" not in stripped
    assert '  throw new Error("NotImplementedError: replace this line with your code");' in stripped


def test_cell_without_markers_is_unchanged():
    assert strip_solutions("x = 1\nprint(x)") == ("x = 1\nprint(x)", False)


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_reported_with_their_place(source, problem):
    with pytest.raises(SolutionBlockError, match=problem):
        strip_solutions(source, "demo.ipynb cell 3")


def test_generated_exercise_has_no_outputs_and_no_hide_tag():
    solution = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
    cell.metadata["tags"] = ["hide-input"]
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cell.execution_count = 4
    solution.cells.append(cell)
    exercise = exercise_from_solution(solution, "99-demo.ipynb")
    generated = exercise.cells[0]
    assert generated.outputs == [] and generated.execution_count is None
    assert "tags" not in generated.metadata
    assert exercise.metadata["course"]["generated_from"] == "solutions/99-demo.ipynb"
    assert solution.cells[0].outputs  # the solution itself is untouched


def test_exercises_are_in_sync_with_solutions():
    assert SOLUTIONS, "no solution notebooks found"
    assert generate(check=True) == [], "run `python -m course.exercises` and commit the result"


@pytest.mark.parametrize("solution_path", SOLUTIONS, ids=lambda p: p.name)
def test_exercise_holds_no_solution_line(solution_path):
    solution = nbformat.read(solution_path, as_version=4)
    exercise_text = (ROOT / "exercises" / solution_path.name).read_text(encoding="utf-8")
    exercise = nbformat.reads(exercise_text, as_version=4)
    exercise_sources = "\n".join(cell.source for cell in exercise.cells)
    blocks = 0
    for cell in solution.cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside, blocks = True, blocks + 1
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                assert line not in exercise_sources.splitlines(), f"solution line leaked: {line!r}"
    assert blocks >= 3, "each chapter has at least three questions with solution blocks"
    assert all(not cell.get("outputs") for cell in exercise.cells if cell.cell_type == "code")


@pytest.mark.parametrize("solution_path", SOLUTIONS, ids=lambda p: p.name)
def test_every_check_in_the_solution_says_correct(solution_path):
    """Committed outputs (which nbval proves equal a fresh run) say Correct for every question."""
    from course.chapters import from_file_name

    questions = from_file_name(solution_path.name).questions()
    notebook = nbformat.read(solution_path, as_version=4)
    verdicts = {}
    for cell in notebook.cells:
        for question in questions:
            if cell.cell_type == "code" and f"{question.name}.check()" in cell.source:
                text = "".join(out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream")
                verdicts[question.name] = text.strip()
    assert set(verdicts) == {q.name for q in questions}, "every question is checked"
    assert all(text == "✅ Correct" for text in verdicts.values()), verdicts


def test_solution_only_cells_and_title_do_not_reach_the_exercise():
    solution = nbformat.v4.new_notebook()
    title = nbformat.v4.new_markdown_cell("# Solutions: demo\n\nTasks below.")
    note = nbformat.v4.new_markdown_cell("Worked answers, folded.")
    note.metadata["tags"] = ["solutions-only"]
    solution.cells = [title, note, nbformat.v4.new_code_cell("x = 1")]
    exercise = exercise_from_solution(solution, "99-demo.ipynb")
    assert [cell.source for cell in exercise.cells] == ["# Exercises: demo\n\nTasks below.", "x = 1"]


FOLDERS = ("notebooks", "solutions", "exercises")
NOTEBOOKS = sorted(path for folder in FOLDERS for path in (ROOT / folder).glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_starts_with_its_generated_first_cell(path):
    """Is the first cell exactly what course.standalone renders from _config.yml, hidden from the book?"""
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "code" and first.metadata.get("tags") == ["remove-cell"]
    expected = standalone.first_cell(str(path.relative_to(ROOT)), notebook)
    assert first.source == expected, "run `python -m course.exercises` to regenerate the first cells"


def fork(tmp_path, url="https://github.com/someone/fork", branch="dev"):
    """A clone's root with its own _config.yml and one data file."""
    (tmp_path / "notebooks" / "data").mkdir(parents=True)
    (tmp_path / "_config.yml").write_text(f"repository:\n  url: {url}\n  branch: {branch}\n")
    (tmp_path / "notebooks" / "data" / "prices.csv").write_text("a,b\n")
    return tmp_path


def test_the_first_cell_takes_the_repository_from_the_config_and_the_needs_from_the_code(tmp_path):
    root = fork(tmp_path)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext course.node\nrows = open('data/prices.csv').read()"),
        nbformat.v4.new_code_cell('requires("redis-server")\nprint(1)'),
        nbformat.v4.new_code_cell('requires("docker", "redis-server")\nprint(2)'),
    ]
    source = standalone.first_cell("notebooks/99-demo.ipynb", notebook, root)
    assert source.startswith(standalone.MARKER)
    assert 'REPOSITORY = "https://github.com/someone/fork"' in source and "{REPOSITORY}@dev" in source
    assert source.endswith(
        'standalone.prepare(\n    "notebooks/99-demo.ipynb",\n    node=True,\n    files=["data/prices.csv"],\n'
        '    needs=["redis-server", "docker"],\n)'
    )
    comment = " ".join(line.removeprefix("# ") for line in source.splitlines() if line.startswith("#"))
    assert "Colab cannot run a Docker engine." in comment
    assert "In Colab, `!apt-get install -y redis-server` installs it." in comment
    assert max(len(line) for line in source.splitlines()) <= 88, "the book's code box is 88 columns wide"
    compile(source, "first cell", "exec")


def test_a_notebook_without_needs_gets_the_short_call(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
    source = standalone.first_cell("solutions/99-demo.ipynb", notebook, fork(tmp_path))
    assert source.splitlines()[-1] == 'standalone.prepare("solutions/99-demo.ipynb")'


def test_the_first_cell_is_inserted_once_then_kept_up_to_date(tmp_path):
    root = fork(tmp_path)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Demo"), nbformat.v4.new_code_cell("x = 1")]
    assert standalone.set_first_cell(notebook, "notebooks/99-demo.ipynb", root)
    assert not standalone.set_first_cell(notebook, "notebooks/99-demo.ipynb", root)
    assert [cell.cell_type for cell in notebook.cells] == ["code", "markdown", "code"]
    fork_moved = tmp_path / "moved"
    fork(fork_moved, url="https://github.com/someone/elsewhere")
    assert standalone.set_first_cell(notebook, "notebooks/99-demo.ipynb", fork_moved)
    assert len(notebook.cells) == 3 and "someone/elsewhere" in notebook.cells[0].source
