"""Grade learners' exercise notebooks: ``python -m course.grade NOTEBOOK...``.

Each notebook is executed from top to bottom in a fresh kernel (in its own
folder, errors allowed so that one broken cell does not hide the answers after
it), with ``COURSE_OUTCOMES`` pointing at a file where every ``qN.check()``
call records its verdict. The last verdict of each question counts; a question
whose check never ran scores nothing and is reported as "not run"; a question
whose check hit a setup problem (a missing program, a server that would not
start) is listed as a setup problem with its reason, never as wrong. A notebook
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
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from course import chapters
from course.checks import OUTCOMES_ENV
from course.errors import CourseError
from course.execute import KERNEL
from course.processes import run

NOTEBOOK_FACTOR = 5
SYMBOLS = {"correct": "✓", "incorrect": "✗", "not_attempted": "–", "not_run": "·", "setup_problem": "!"}
LEGEND = "✓ correct   ✗ incorrect   – not attempted   · not run   ! setup problem (not graded)"


class GradingError(CourseError):
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

    @property
    def setup_problems(self) -> list[str]:
        """Questions whose check met a setup problem: to grade again once the machine is fixed."""
        return [name for name, verdict in self.questions.items() if verdict.status == "setup_problem"]

    @property
    def graded(self) -> int:
        """Questions that got a verdict on the answer: the total less the setup problems."""
        return self.total - len(self.setup_problems)

    @property
    def shown_score(self) -> str:
        """``3/4``, with the setup problems named, since they are not a score of 0."""
        if not self.questions:
            return "not graded"
        problems = len(self.setup_problems)
        return f"{self.score}/{self.total}" + (f" ({problems} setup problem{'s' * (problems > 1)})" if problems else "")


def chapter_of(path: Path, notebook: nbformat.NotebookNode) -> str:
    """The chapter slug of ``notebook``: from its metadata, else from the name it was generated from or has."""
    recorded = str(notebook.metadata.get("course", {}).get("chapter", ""))
    if recorded:
        try:
            return chapters.find(recorded).slug
        except chapters.UnknownChapter:
            pass
    source = str(notebook.metadata.get("course", {}).get("generated_from", ""))
    for candidate in (Path(source).name, path.name):
        chapter = chapters.from_file_name(candidate) if candidate else None
        if chapter is not None:
            return chapter.slug
    stems = ", ".join(f"{chapter.code}-" for chapter in chapters.chapters())
    raise GradingError(
        f"{path}: cannot tell which chapter this is (no course metadata, and the file name "
        f"does not start with one of {stems}). Pass --chapter NAME."
    )


def _kernelspec(folder: Path) -> Path:
    """A kernelspec for this very interpreter, so a user's own ``python3`` kernel is never picked."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "course grader", "language": "python"})
    )
    return folder


def _execute(path: Path, chapter: str, outcomes: Path, cell_timeout: float) -> list[str]:
    """Run the notebook with :mod:`course.execute` in a child process; return the problems seen.

    A cell running past ``cell_timeout`` is interrupted and the rest still
    runs; a notebook still running after ``NOTEBOOK_FACTOR`` times that is
    killed together with its kernel and everything it started.
    """
    jupyter_path = os.pathsep.join(filter(None, [str(_kernelspec(outcomes.parent)), os.environ.get("JUPYTER_PATH")]))
    folder = str(path.parent.resolve())
    done = run(
        [sys.executable, "-m", "course.execute", str(path), folder, str(cell_timeout), chapter],
        timeout=cell_timeout * NOTEBOOK_FACTOR,
        env={OUTCOMES_ENV: str(outcomes), "JUPYTER_PATH": jupyter_path},
    )  # afterwards nothing the notebook started is left running
    if done.timed_out:
        last = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("started ")][-1:]
        where = f" in cell {last[0]}" if last else " before the first cell ran"
        return [
            f"stopped after {cell_timeout * NOTEBOOK_FACTOR:g} s{where}: it kept running even after being interrupted"
        ]
    problems = [line for line in done.stdout.splitlines() if line.strip() and not line.startswith("started ")]
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        problems.append(f"could not be executed: {last_line}")
    return problems


def identify(path: Path, chapter: str | None = None) -> str:
    """The chapter of the notebook at ``path``; :class:`GradingError` if unreadable or unknown."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise GradingError(f"{path}: not a readable notebook ({error})") from error
    if chapter:
        try:
            return chapters.find(chapter).slug
        except chapters.UnknownChapter as error:
            raise GradingError(str(error)) from error
    return chapter_of(path, notebook)


def grade(path: Path, *, timeout: float = 120.0, chapter: str | None = None) -> Report:
    """Execute one learner notebook and collect its verdicts."""
    chapter = identify(path, chapter)
    names = [question.name for question in chapters.find(chapter).questions()]
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
        lines.append(f"{report.notebook:<{width}}  " + "  ".join(f"{c:>3}" for c in cells) + f"  {report.shown_score}")
    lines.append(LEGEND)
    for report in reports:
        for name, verdict in report.questions.items():
            message = " ".join(verdict.message.split("\n"))  # one line per verdict
            if verdict.status == "incorrect":
                lines.append(f"{report.notebook} {name}: {message}")
            elif verdict.status == "setup_problem":
                lines.append(f"{report.notebook} {name}: setup problem, not graded: {message}")
        lines.extend(f"{report.notebook}: {problem}" for problem in report.problems)
    return "\n".join(lines)


def write_json(reports: list[Report], path: Path) -> None:
    """Every report with its verdicts and messages, as a JSON list."""
    data = [
        {
            **asdict(report),
            "score": report.score,
            "total": report.total,
            "graded": report.graded,
            "setup_problems": report.setup_problems,
        }
        for report in reports
    ]
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

    Exit status 1 when some file or question could not be graded (an unreadable or unknown
    notebook, a setup problem: the others still are), 2 on a usage error.
    """
    parser = argparse.ArgumentParser(prog="python -m course.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="learners' exercise notebooks")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds a cell may run before it is interrupted (default 120); a notebook gets 5 times that",
    )
    parser.add_argument(
        "--chapter",
        choices=[chapter.slug for chapter in chapters.chapters()],
        help="override the chapter read from the notebook's metadata or file name",
    )
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
    unfinished = [report.notebook for report in reports if report.setup_problems]
    if unfinished:
        print(
            f"{len(unfinished)} notebook(s) met a setup problem on this machine: fix it and grade them again.",
            file=sys.stderr,
        )
    return 1 if refused or unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
