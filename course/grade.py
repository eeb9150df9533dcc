"""Grade learners' exercise notebooks: ``python -m course.grade NOTEBOOK...``.

Each notebook is executed from top to bottom in a fresh kernel (in its own
folder, errors allowed so that one broken cell does not hide the answers after
it), with ``COURSE_OUTCOMES`` pointing at a file where every ``qN.check()``
call records its verdict. The last verdict of each question counts; a question
whose check never ran scores nothing and is reported as "not run". A notebook
cell that runs longer than ``--timeout`` seconds is interrupted (the rest of
the notebook still runs), and a notebook that still has not finished after five
times that is stopped; verdicts recorded before either are kept.

    python -m course.grade submissions/*.ipynb --json grades.json --csv grades.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from course.checks import CHAPTERS, OUTCOMES_ENV, chapter_questions

NOTEBOOK_FACTOR = 5
SYMBOLS = {"correct": "✓", "incorrect": "✗", "not_attempted": "–", "not_run": "·"}
LEGEND = "✓ correct   ✗ incorrect   – not attempted   · not run"


class GradingError(ValueError):
    """A notebook cannot be graded (not a notebook, unknown chapter …)."""


@dataclass
class Verdict:
    """What the last ``check()`` of one question said (or ``not_run``)."""

    status: str
    message: str = ""


@dataclass
class Report:
    """The grade of one notebook."""

    notebook: str
    chapter: str
    questions: dict[str, Verdict]
    problems: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        """Number of questions whose last verdict is Correct."""
        return sum(verdict.status == "correct" for verdict in self.questions.values())

    @property
    def total(self) -> int:
        """Number of questions in the chapter."""
        return len(self.questions)


def chapter_of(path: Path, notebook: nbformat.NotebookNode) -> str:
    """The chapter module for ``notebook``: from its metadata, else its file name."""
    recorded = notebook.metadata.get("course", {}).get("chapter")
    if recorded in CHAPTERS.values():
        return str(recorded)
    source = notebook.metadata.get("course", {}).get("generated_from", "")
    for candidate in (Path(source).name, path.name):
        match = re.match(r"(\d\d)-", candidate)
        if match and match.group(1) in CHAPTERS:
            return CHAPTERS[match.group(1)]
    raise GradingError(
        f"{path}: cannot tell which chapter this is (no course metadata, and the file name "
        f"does not start with one of {', '.join(sorted(CHAPTERS))}-). Pass --chapter NAME."
    )


_RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
path, folder, limit, chapter = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
nb = nbformat.read(path, as_version=4)
learner_cells = len(nb.cells)
nb.cells.append(nbformat.v4.new_code_cell(
    "from course.checks import chapter_questions as _grader_questions\\n"
    f"for _grader_question in _grader_questions({chapter!r}):\\n"
    "    _grader_question.check()"))

def started(cell, cell_index, **kwargs):
    print(f"started {cell_index + 1}", flush=True)

client = NotebookClient(nb, timeout=limit, interrupt_on_timeout=True, allow_errors=True,
                        kernel_name="course-grader", on_cell_execute=started,
                        resources={"metadata": {"path": folder}})
client.execute()
for number, cell in enumerate(nb.cells, start=1):
    where = f"cell {number}" if number <= learner_cells else "the grader's final re-check"
    for out in cell.get("outputs", []):
        if out.get("output_type") != "error":
            continue
        if out["ename"] == "KeyboardInterrupt":
            print(f"{where} ran longer than {limit:g} s and was interrupted")
        else:
            print(f"{where} raised {out['ename']}: {out['evalue']}"[:200])
"""


def _kernelspec(folder: Path) -> Path:
    """A kernelspec for this very interpreter, so a user's own ``python3`` kernel is never picked."""
    spec = folder / "kernels" / "course-grader"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "course grader", "language": "python"})
    )
    return folder


def _execute(path: Path, chapter: str, outcomes: Path, cell_timeout: float) -> list[str]:
    """Run the notebook in a child process; return the problems seen (errors, time-outs).

    A cell running past ``cell_timeout`` is interrupted and the rest still
    runs; a notebook still running after ``NOTEBOOK_FACTOR`` times that is
    killed together with its kernel. After the learner's cells, one more cell
    checks every question again, so a deleted or edited check cell does not
    change the grade.
    """
    jupyter_path = os.pathsep.join(filter(None, [str(_kernelspec(outcomes.parent)), os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, OUTCOMES_ENV: str(outcomes), "JUPYTER_PATH": jupyter_path}
    folder = str(path.parent.resolve())
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(path), folder, str(cell_timeout), chapter],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    limit = cell_timeout * NOTEBOOK_FACTOR
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_tree(process.pid)
        stdout, _ = process.communicate()
        last = [line.split()[1] for line in stdout.splitlines() if line.startswith("started ")][-1:]
        where = f" in cell {last[0]}" if last else " before the first cell ran"
        return [f"stopped after {limit:g} s{where}: it kept running even after being interrupted"]
    problems = [line for line in stdout.splitlines() if line.strip() and not line.startswith("started ")]
    if process.returncode != 0:
        last_line = (stderr.strip().splitlines() or ["(no message)"])[-1]
        problems.append(f"could not be executed: {last_line}")
    return problems


def _kill_tree(pid: int) -> None:
    """Kill a process and everything it started (the kernel runs in its own session)."""
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    family = [parent, *parent.children(recursive=True)]
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=5)


def identify(path: Path, chapter: str | None = None) -> str:
    """The chapter of the notebook at ``path``; :class:`GradingError` if unreadable or unknown."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise GradingError(f"{path}: not a readable notebook ({error})") from error
    return chapter or chapter_of(path, notebook)


def grade(path: Path, *, timeout: float = 120.0, chapter: str | None = None) -> Report:
    """Execute one learner notebook and collect its verdicts."""
    chapter = identify(path, chapter)
    names = [question.name for question in chapter_questions(chapter)]
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        outcomes = Path(tmp) / "outcomes.jsonl"
        outcomes.touch()
        problems = _execute(path, chapter, outcomes, timeout)
        verdicts = {name: Verdict("not_run") for name in names}
        for line in outcomes.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("chapter") == chapter and record.get("question") in verdicts:
                verdicts[record["question"]] = Verdict(record["status"], record.get("message", ""))
    return Report(str(path), chapter, verdicts, problems)


def table(reports: list[Report]) -> str:
    """A plain-text table: one row per notebook, one column per question."""
    names = sorted({name for report in reports for name in report.questions}, key=lambda n: (len(n), n))
    width = max([len("notebook")] + [len(report.notebook) for report in reports])
    lines = [f"{'notebook':<{width}}  " + "  ".join(f"{n:>3}" for n in names) + "  score"]
    for report in reports:
        cells = [SYMBOLS[report.questions[n].status] if n in report.questions else " " for n in names]
        score = f"{report.score}/{report.total}" if report.questions else "not graded"
        lines.append(f"{report.notebook:<{width}}  " + "  ".join(f"{c:>3}" for c in cells) + f"  {score}")
    lines.append(LEGEND)
    for report in reports:
        for name, verdict in report.questions.items():
            if verdict.status == "incorrect":
                lines.append(f"{report.notebook} {name}: {verdict.message}")
        lines.extend(f"{report.notebook}: {problem}" for problem in report.problems)
    return "\n".join(lines)


def write_json(reports: list[Report], path: Path) -> None:
    """Every report with its verdicts and messages, as a JSON list."""
    data = [{**asdict(report), "score": report.score, "total": report.total} for report in reports]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_csv(reports: list[Report], path: Path) -> None:
    """One row per notebook and question, for a spreadsheet or an LMS import."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["notebook", "chapter", "question", "status", "message"])
        for report in reports:
            for name, verdict in report.questions.items():
                writer.writerow([report.notebook, report.chapter, name, verdict.status, verdict.message])


def main(argv: list[str] | None = None) -> int:
    """The command line: grade, print the table, write JSON/CSV.

    Exit status 1 when some file could not be graded (the others still are), 2 on a usage error.
    """
    parser = argparse.ArgumentParser(prog="python -m course.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="learners' exercise notebooks")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds a cell may run before it is interrupted (default 120); a notebook gets 5 times that",
    )
    parser.add_argument("--chapter", choices=sorted(CHAPTERS.values()), help="override the detected chapter")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--csv", type=Path, help="also write one row per question as CSV to this file")
    args = parser.parse_args(argv)
    gradable: list[Path] = []
    refused: list[Report] = []
    for path in args.notebooks:  # look at every file before executing any
        try:
            identify(path, args.chapter)
            gradable.append(path)
        except GradingError as error:
            print(f"error: {error}", file=sys.stderr)
            refused.append(Report(str(path), "", {}, [f"not graded: {error}"]))
    reports = [grade(path, timeout=args.timeout, chapter=args.chapter) for path in gradable] + refused
    print(table(reports))
    if args.json:
        write_json(reports, args.json)
    if args.csv:
        write_csv(reports, args.csv)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
