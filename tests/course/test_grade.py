"""python -m course.grade end to end: full marks, zero, crashes and hangs."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from course import ROOT
from course.chapters import chapters, find
from course.grade import GradingError, grade

pytestmark = [pytest.mark.slow, pytest.mark.node]  # whole notebooks, with %%node cells, in fresh kernels

SOLUTION = ROOT / "solutions" / "00-polyglot.ipynb"
EXERCISE = ROOT / "exercises" / "00-polyglot.ipynb"
TOTAL = len(find("polyglot").questions())


def live_children() -> list[psutil.Process]:
    """Processes started from this test process that still run (zombies, already dead, excluded)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def learner_copy(tmp_path, name, insert_before_last_check=None):
    """A learner's copy of the solved notebook, optionally with a cell inserted before the last check."""
    notebook = nbformat.read(SOLUTION, as_version=4)
    if insert_before_last_check is not None:
        last = max(i for i, cell in enumerate(notebook.cells) if f"q{TOTAL}.check()" in cell.source)
        notebook.cells.insert(last, nbformat.v4.new_code_cell(insert_before_last_check))
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def test_command_line_grades_solution_full_and_every_untouched_exercise_zero(tmp_path):
    out_json, out_csv = tmp_path / "grades.json", tmp_path / "grades.csv"
    others = sorted(p for p in (ROOT / "exercises").glob("*.ipynb") if p != EXERCISE)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "course.grade",
            str(SOLUTION),
            str(EXERCISE),
            *map(str, others),
            "--json",
            str(out_json),
            "--csv",
            str(out_csv),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    solved, *untouched = json.loads(out_json.read_text())
    assert (solved["score"], solved["total"]) == (TOTAL, TOTAL)
    assert len(untouched) == 1 + len(others) and len(others) >= 2
    for report in untouched:
        assert report["score"] == 0 and report["total"] >= 3, report["notebook"]
        assert {v["status"] for v in report["questions"].values()} == {"not_attempted"}, report["notebook"]
    assert f"{TOTAL}/{TOTAL}" in done.stdout and f"0/{TOTAL}" in done.stdout
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "notebook,chapter,question,status,message"
    assert len(rows) == 1 + sum(report["total"] for report in [solved, *untouched])


def test_a_crashing_cell_does_not_hide_the_other_answers(tmp_path):
    path = learner_copy(tmp_path, "00-polyglot-crash.ipynb", 'raise RuntimeError("boom")')
    report = grade(path)
    assert report.score == TOTAL
    assert any("RuntimeError: boom" in problem for problem in report.problems)


def test_a_hanging_cell_is_interrupted_and_the_rest_still_graded(tmp_path):
    path = learner_copy(tmp_path, "00-polyglot-hang.ipynb", "while True:\n    pass")
    report = grade(path, timeout=5)
    assert report.score == TOTAL
    assert any("ran longer than 5 s and was interrupted" in problem for problem in report.problems)
    assert not live_children(), "grading left processes behind"


def test_a_wrong_answer_is_reported_with_its_message(tmp_path):
    notebook = nbformat.read(SOLUTION, as_version=4)
    first_check = next(i for i, cell in enumerate(notebook.cells) if "q1.check()" in cell.source)
    notebook.cells.insert(first_check, nbformat.v4.new_code_cell("def running_total(numbers):\n    return iter([])"))
    path = tmp_path / "00-polyglot-wrong.ipynb"
    nbformat.write(notebook, path)
    report = grade(path)
    assert report.questions["q1"].status == "incorrect"
    assert "expected" in report.questions["q1"].message
    assert report.score == TOTAL - 1


def test_deleting_the_check_cells_does_not_change_the_grade(tmp_path):
    notebook = nbformat.read(SOLUTION, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if ".check()" not in cell.source]
    path = tmp_path / "00-polyglot-no-checks.ipynb"
    nbformat.write(notebook, path)
    assert grade(path).score == TOTAL


def test_a_cell_that_ignores_interrupts_gets_the_notebook_stopped(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("print('warming up')"),
        nbformat.v4.new_code_cell("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(600)"),
    ]
    path = tmp_path / "00-polyglot-stuck.ipynb"
    nbformat.write(notebook, path)
    report = grade(path, timeout=2)
    assert report.score == 0
    assert set(v.status for v in report.questions.values()) == {"not_run"}
    assert report.stopped == "stopped after 10 s in cell 2: it kept running even after being interrupted"
    assert report.problems == []
    assert not live_children(), "grading left processes behind"


def test_an_unknown_file_is_reported_and_the_rest_still_graded(tmp_path):
    path = tmp_path / "homework.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    known = tmp_path / "00-polyglot-empty.ipynb"  # an empty copy: its chapter is in its name
    nbformat.write(nbformat.v4.new_notebook(), known)
    out_json = tmp_path / "grades.json"
    done = subprocess.run(
        [sys.executable, "-m", "course.grade", str(path), str(known), "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "cannot tell which chapter" in done.stderr and "--chapter" in done.stderr
    empty, refused = json.loads(out_json.read_text())
    assert empty["total"] == TOTAL and empty["score"] == 0
    assert {verdict["status"] for verdict in empty["questions"].values()} == {"not_attempted"}
    assert refused["notebook"] == str(path) and "not graded" in refused["problems"][0]
    assert "not graded" in done.stdout


def test_not_a_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "00-polyglot.ipynb"
    path.write_text("not json")
    with pytest.raises(GradingError, match="not a readable notebook"):
        grade(path)


def test_the_chapter_is_known_under_any_file_name():
    from course.grade import chapter_of

    for folder in ("exercises", "solutions"):
        for path in (ROOT / folder).glob("*.ipynb"):
            notebook = nbformat.read(path, as_version=4)
            assert chapter_of(Path("homework-of-ada.ipynb"), notebook) == find(path.name[:2]).slug


@pytest.mark.parametrize(
    "name, metadata, slug",
    [
        ("05-metaclasses.ipynb", {}, "metaclasses"),
        ("01-streaming-downloads-ada.ipynb", {}, "streaming-downloads"),
        ("homework.ipynb", {"chapter": "streaming"}, "streaming-downloads"),
        ("homework.ipynb", {"generated_from": "solutions/05-metaclasses.ipynb"}, "metaclasses"),
        ("04-mine.ipynb", {}, "streaming-downloads"),
    ],
)
def test_notebooks_named_before_the_renumbering_are_still_recognised(name, metadata, slug):
    """Is a copy handed out under the old numbers (01 streaming, 05 metaclasses) graded as its chapter?"""
    from course.grade import chapter_of

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["course"] = metadata
    assert chapter_of(Path(name), notebook) == slug


def test_every_chapter_is_a_choice_of_the_command_line(capsys):
    from course.grade import main

    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert all(chapter.slug in shown for chapter in chapters())


def test_a_check_whose_program_is_missing_is_listed_as_a_setup_problem(tmp_path, capsys):
    """Does the grader name a setup problem, with its reason, instead of counting the question wrong?

    The notebook's first cell makes the machine lack Node.js (an empty PATH),
    which question 2's check needs to run the answer; the answer itself is
    given. (Replacing the check's own helpers would be caught as modified checks.)
    """
    from course.grade import main

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(f"import os\nos.environ['PATH'] = {str(tmp_path)!r}  # no node here"),
        nbformat.v4.new_code_cell("leaderboard_js = 'function leaderboard(scores) { return []; }'"),
        nbformat.v4.new_code_cell("from course.chapters.polyglot.questions import q2\nq2.check()"),
    ]
    path = tmp_path / "00-polyglot-setup.ipynb"
    nbformat.write(notebook, path)
    out_json = tmp_path / "grades.json"
    status = main([str(path), "--json", str(out_json)])
    shown = capsys.readouterr()
    print(shown.out)
    assert status == 1 and "met a setup problem on this machine" in shown.err
    (report,) = json.loads(out_json.read_text())
    assert report["modified"] == []
    assert report["questions"]["q2"]["status"] == "setup_problem"
    assert "Node.js was not found on PATH" in report["questions"]["q2"]["message"]
    assert {report["questions"][name]["status"] for name in ("q1", "q3")} == {"not_attempted"}
    assert (report["score"], report["total"], report["graded"], report["setup_problems"]) == (0, 3, 2, ["q2"])
    assert "0/3 (1 setup problem)" in shown.out
    assert "q2: setup problem, not graded: Node.js was not found on PATH" in shown.out
    assert "To fix it: install Node.js 20 or newer" in shown.out
    assert "Incorrect" not in shown.out and "✗" not in shown.out.splitlines()[1]


def test_a_chapter_given_by_an_earlier_name_or_number_is_graded_as_that_chapter():
    from course.grade import identify

    assert identify(EXERCISE, "0") == "polyglot"
    assert identify(EXERCISE, "streaming") == "streaming-downloads"
    with pytest.raises(GradingError, match="no chapter is called 'nope'"):
        identify(EXERCISE, "nope")


def test_jobs_grade_each_notebook_in_a_fresh_kernel_and_keep_the_given_order(tmp_path):
    """Are results printed and written in the order given, whichever notebook finished first?"""
    from course.grade import main

    paths = []
    for number, source in enumerate([SOLUTION, EXERCISE, EXERCISE, SOLUTION, EXERCISE]):
        notebook = nbformat.read(source, as_version=4)
        record = tmp_path / f"kernel-{number}.pid"
        notebook.cells.insert(
            0, nbformat.v4.new_code_cell(f"import os\nopen({str(record)!r}, 'w').write(str(os.getpid()))")
        )
        paths.append(tmp_path / f"00-polyglot-{4 - number}.ipynb")  # names sort the other way round
        nbformat.write(notebook, paths[-1])
    out_json = tmp_path / "grades.json"
    assert main([*map(str, paths), "--jobs", "3", "--json", str(out_json)]) == 0
    reports = json.loads(out_json.read_text())
    assert [report["notebook"] for report in reports] == list(map(str, paths))
    assert [report["score"] for report in reports] == [TOTAL, 0, 0, TOTAL, 0]
    assert all(report["seconds"] > 0 and report["stopped"] == "" for report in reports)
    kernels = {(tmp_path / f"kernel-{number}.pid").read_text() for number in range(len(paths))}
    assert len(kernels) == len(paths), "two notebooks shared a kernel"


@pytest.mark.parametrize(
    "option, value, message",
    [("--memory", "lots", "not a size"), ("--jobs", "0", "1 or more"), ("--processes", "many", "whole number")],
)
def test_a_limit_that_is_not_a_number_is_a_usage_error(option, value, message, capsys):
    from course.grade import main

    with pytest.raises(SystemExit) as stop:
        main([str(EXERCISE), option, value])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_the_limits_and_their_defaults_are_in_the_help(capsys):
    from course.grade import main

    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for text in ("--jobs", "--memory", "(default 2 GiB)", "--cpu-time", "(default 300)", "--processes", "(default 64)"):
        assert text in shown
