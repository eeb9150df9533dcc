"""Grading notebooks that try to fake their grade: each is caught, and an honest one beside them is not."""

import nbformat
import pytest

from course import ROOT
from course.chapters import chapters, find
from course.grade import grade_all

pytestmark = [pytest.mark.slow, pytest.mark.node]  # whole notebooks, with %%node cells, in fresh kernels

EXERCISE = ROOT / "exercises" / "00-polyglot.ipynb"
SOLUTION = ROOT / "solutions" / "00-polyglot.ipynb"
TOTAL = len(find("polyglot").questions())

FORGE = (
    "import json, os\n"
    "with open(os.environ['COURSE_OUTCOMES'], 'a') as f:\n"
    "    for n in (1, 2, 3):\n"
    "        f.write(json.dumps({{'chapter': 'polyglot', 'question': f'q{{n}}', 'status': 'correct'{extra}}}) + '\\n')"
)
CHEATS = {
    "the issue's one line": (
        "import course.checks\n"
        "course.checks.Question.evaluate = lambda self, *a: course.checks.Outcome(self.chapter, self.name, 'correct')",
        "course.checks.Question.evaluate was replaced",
    ),
    "records forged as the re-check's": (
        FORGE.format(extra=", 'nonce': 'guess'"),
        "records of the outcomes file claim to be the final re-check's and are not",
    ),
    "a thread that copies the re-check's nonce into forged records": (
        "import json, os, threading, time\n"
        "def forge():\n"
        "    path = os.environ['COURSE_OUTCOMES']\n"
        "    while True:\n"
        "        for line in open(path).read().splitlines():\n"
        "            nonce = json.loads(line).get('nonce')\n"
        "            if nonce:\n"
        "                with open(path, 'a') as f:\n"
        "                    for n in (1, 2, 3):\n"
        "                        record = {'chapter': 'polyglot', 'question': f'q{n}', 'status': 'correct'}\n"
        "                        f.write(json.dumps({**record, 'nonce': nonce}) + '\\n')\n"
        "                return\n"
        "        time.sleep(0.001)\n"
        "threading.Thread(target=forge, daemon=True).start()",
        "records of the outcomes file claim to be the final re-check's and are not",
    ),
    "a hook around every cell": (
        "get_ipython().events.register('pre_run_cell', lambda info: None)",
        "an IPython 'pre_run_cell' hook was registered by the notebook",
    ),
}


def submission(tmp_path, name, source, first_cell=""):
    """A copy of ``source`` with ``first_cell`` run after its first code cell (the course's imports)."""
    notebook = nbformat.read(source, as_version=4)
    if first_cell:
        first = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
        notebook.cells.insert(first + 1, nbformat.v4.new_code_cell(first_cell))
    path = tmp_path / f"00-polyglot-{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def test_each_cheat_is_reported_as_modified_checks_and_the_honest_notebook_is_not(tmp_path):
    cheats = [submission(tmp_path, f"cheat{n}", EXERCISE, CHEATS[name][0]) for n, name in enumerate(CHEATS)]
    honest = submission(tmp_path, "honest", SOLUTION)
    reports = grade_all([*cheats, honest], jobs=2)
    for name, report in zip(CHEATS, reports, strict=False):
        assert CHEATS[name][1] in report.modified, (name, report.modified)
        assert report.score == 0 and report.shown_score == "checks were modified"
    assert reports[-1].modified == [] and reports[-1].score == TOTAL


def test_records_written_without_the_nonce_are_overruled_by_the_final_recheck(tmp_path):
    path = submission(tmp_path, "forged", EXERCISE, FORGE.format(extra=""))
    [report] = grade_all([path])
    assert report.modified == []
    assert {verdict.status for verdict in report.questions.values()} == {"not_attempted"}


@pytest.mark.docker  # chapter 06's solution runs containers
@pytest.mark.redis  # chapter 08's runs a channel layer on redis
def test_every_solution_gets_full_marks_and_no_chapter_is_taken_for_modified(tmp_path):
    """The re-check's verification must never blame an honest notebook, whatever its chapter starts or loads."""
    paths = []
    for chapter in chapters():
        paths.append(tmp_path / f"{chapter.stem}.ipynb")
        paths[-1].write_bytes(chapter.notebook("solutions").read_bytes())
    reports = grade_all(paths, jobs=2)
    assert [(r.chapter, r.modified, r.shown_score) for r in reports] == [
        (chapter.slug, [], f"{len(chapter.summary())}/{len(chapter.summary())}") for chapter in chapters()
    ]
