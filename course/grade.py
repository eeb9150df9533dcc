"""Grade learners' exercise notebooks: ``python -m course.grade NOTEBOOK...``.

Each notebook is executed from top to bottom in a fresh kernel (in its own
folder, errors allowed so that one broken cell does not hide the answers after
it), with ``COURSE_OUTCOMES`` pointing at a file where every ``qN.check()``
call records its verdict. A last cell, added by the grader, first verifies that
the notebook left the checks as the course wrote them (:mod:`course.integrity`:
otherwise "checks were modified", and no score), then checks every question
again: its verdicts, marked with a one-time nonce, are the grade. Should the
notebook be stopped before that cell, the last verdict its own checks recorded
is kept and said to be unverified. A question
whose check never ran scores nothing and is reported as "not run"; a question
whose check hit a setup problem (a missing program, a server that would not
start) is listed as a setup problem with its reason, never as wrong. A notebook
cell that runs longer than ``--timeout`` seconds is interrupted (the rest of
the notebook still runs), and a notebook that still has not finished after five
times that is stopped; verdicts recorded before either are kept.

``--jobs`` notebooks are graded at the same time, each by a long-lived worker
(:mod:`course.execute`) that starts a fresh kernel per notebook; the results
keep the order the notebooks were given in. Each notebook runs in a
:class:`~course.sandbox.Sandbox`: an allow-listed environment, limits on its
memory, CPU time and processes (``--memory``, ``--cpu-time``, ``--processes``;
one that goes over is stopped and the limit named in :attr:`Report.stopped`),
and nothing it started left running once it is graded.

``--report`` writes a class report and ``--feedback`` one page per learner
(:mod:`course.report`, :mod:`course.feedback`).

    python -m course.grade submissions/*.ipynb --json grades.json --csv grades.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import queue
import secrets
import select
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from course import chapters
from course.errors import CourseError
from course.execute import KERNEL, RECHECK, RECHECKED, Job, Result
from course.processes import spawn
from course.sandbox import Cgroup, Limits, allowed, format_size, parse_size

NOTEBOOK_FACTOR = 5
MARGIN = 60.0
"""Seconds a worker may take beyond a notebook's deadline (kernel start, clean-up) before it is given up on."""
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
    seconds: float = 0.0
    """Wall-clock time the notebook took to grade."""
    stopped: str = ""
    """Why the notebook was stopped before its end (a limit it exceeded, by how much), or empty."""
    modified: list[str] = field(default_factory=list)
    """Check code found changed by the learner's notebook: then no score is given."""

    @property
    def score(self) -> int:
        """Number of questions whose last verdict is Correct (none when the checks were modified)."""
        return 0 if self.modified else sum(verdict.status == "correct" for verdict in self.questions.values())

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
        if self.modified:
            return "checks were modified"
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
    """A kernelspec for this very interpreter, so a user's own ``python3`` kernel is never picked.

    The kernel starts through :mod:`course.sandbox`'s launcher, which puts it in
    its notebook's cgroup and sets its limits before it becomes ``ipykernel``.
    """
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "course.sandbox", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "course grader", "language": "python"})
    )
    return folder


class Worker:
    """A ``python -m course.execute`` process, which grades the notebooks it is sent, one at a time.

    It gets the same allow-listed environment as the kernels it starts (see
    :func:`course.sandbox.environment`), so a notebook finds no secret in its
    parent's environment either. Its stderr goes to the file ``errors``.
    """

    def __init__(self, kernels: Path, errors: Path) -> None:
        self.errors = errors
        jupyter_path = os.pathsep.join(filter(None, [str(kernels), os.environ.get("JUPYTER_PATH")]))
        with errors.open("ab") as stderr:
            self.child = spawn(
                [sys.executable, "-m", "course.execute"],
                env={"JUPYTER_PATH": jupyter_path},
                unset=[name for name in os.environ if not allowed(name) and name != "JUPYTER_PATH"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )

    def grade(self, job: Job) -> Result | None:
        """Send ``job``, wait for its result; None if the worker died or overran the job's deadline."""
        process = self.child.process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(asdict(job)).encode() + b"\n")
            process.stdin.flush()
        except OSError:  # the worker is gone
            return None
        ready, _, _ = select.select([process.stdout], [], [], job.deadline + MARGIN)
        line = process.stdout.readline() if ready else b""
        return Result(**json.loads(line)) if line else None

    def failure(self) -> str:
        """Why the worker gave no result: still running past the deadline, or how it ended."""
        try:
            status = self.child.process.wait(5)  # its output ended: it is exiting
        except subprocess.TimeoutExpired:
            return "its grading process stopped answering"
        said = self.errors.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if said:
            return f"its grading process ended: {said[-1][:200]}"
        return (
            f"its grading process was killed (signal {-status})"
            if status < 0
            else f"its grading process ended ({status})"
        )

    def stop(self) -> None:
        """Let the worker finish (its stdin closes), then make sure its whole family is gone."""
        if self.child.process.stdin is not None:
            try:
                self.child.process.stdin.close()
            except OSError:
                pass
        try:
            self.child.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.child.kill_tree(grace=0)
        if self.child.process.stdout is not None:
            self.child.process.stdout.close()


def _run_all(jobs: list[Job], count: int, kernels: Path) -> list[tuple[Result, float]]:
    """Grade ``jobs`` on ``count`` workers at a time: each one's result and seconds, in the order of ``jobs``.

    A worker that dies or hangs is replaced; its notebook is reported as not
    executed, and whatever it had started is killed with it.
    """
    results: list[tuple[Result, float]] = [(Result([]), 0.0)] * len(jobs)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(jobs)):
        todo.put(index)
    cancelled = threading.Event()
    running: list[Worker] = []

    def serve(number: int) -> None:
        worker: Worker | None = None
        try:
            while not cancelled.is_set():
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                if worker is None:
                    worker = Worker(kernels, kernels / f"worker-{number}.log")
                    running.append(worker)
                started = time.monotonic()
                result = worker.grade(jobs[index])
                if result is None:
                    result = Result([f"could not be executed: {worker.failure()}"])
                    worker.stop()
                    worker = None
                    cgroup = Cgroup.named(jobs[index].name)
                    if cgroup is not None:
                        cgroup.remove()
                results[index] = (result, time.monotonic() - started)
        finally:
            if worker is not None:
                worker.stop()

    threads = [threading.Thread(target=serve, args=(number,)) for number in range(min(count, len(jobs)))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        cancelled.set()
        for worker in running:
            worker.child.kill_tree(grace=0)
        raise
    return results


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


def grade(path: Path, *, timeout: float = 120.0, chapter: str | None = None, limits: Limits | None = None) -> Report:
    """Execute one learner notebook and collect its verdicts."""
    return grade_all([path], timeout=timeout, chapter=chapter, limits=limits)[0]


def grade_all(
    paths: list[Path],
    *,
    timeout: float = 120.0,
    chapter: str | None = None,
    jobs: int = 1,
    limits: Limits | None = None,
) -> list[Report]:
    """Execute learner notebooks, ``jobs`` at a time, each in a fresh kernel; their reports, in order.

    ``limits`` (default: :class:`~course.sandbox.Limits`' own) bound what each notebook may use.
    """
    slugs = [identify(path, chapter) for path in paths]
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        folder = Path(tmp)
        work = [
            Job(
                notebook=str(path),
                folder=str(path.parent.resolve()),
                chapter=slug,
                timeout=timeout,
                deadline=timeout * NOTEBOOK_FACTOR,
                outcomes=str(folder / f"{index}.jsonl"),
                scratch=str(folder / str(index)),
                name=f"{folder.name}-{index}",
                limits=limits or Limits(),
                jobs=jobs,
                nonce=secrets.token_hex(16),
            )
            for index, (path, slug) in enumerate(zip(paths, slugs, strict=True))
        ]
        for job in work:
            Path(job.outcomes).touch()
        with ThreadPoolExecutor(1) as lister:  # each chapter's questions, listed by a child process meanwhile
            listed = {slug: lister.submit(chapters.find(slug).summary) for slug in set(slugs)}
            done = _run_all(work, jobs, _kernelspec(folder))
            names = {slug: [question.name for question in future.result()] for slug, future in listed.items()}
        return [
            _report(path, job, names[job.chapter], result, seconds)
            for path, job, (result, seconds) in zip(paths, work, done, strict=True)
        ]


def _records(path: Path, chapter: str) -> list[dict[str, Any]]:
    """The records of ``chapter`` in an outcomes file, in the order written (lines cut short skipped)."""
    found = []
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short when the notebook was stopped
        if isinstance(record, dict) and record.get("chapter") == chapter:
            found.append(record)
    return found


def _report(path: Path, job: Job, names: list[str], result: Result, seconds: float) -> Report:
    """The report of one executed notebook, from the records in its outcomes file.

    The final re-check's records are the grade: they carry the job's nonce,
    and the worker copied the file the moment the re-check cell ended. A record
    with the nonce that is not in that copy, or that names a question twice,
    or one with another nonce, was forged: the checks count as modified. When
    the re-check did not run (the notebook was stopped first), the last verdict
    the notebook's own checks recorded for each question is kept, and a
    problem says that these were not verified.
    """
    records = _records(Path(job.outcomes), job.chapter)
    snapshot = Path(job.outcomes + RECHECKED)  # missing when the re-check cell never ended
    final = [r for r in _records(snapshot, job.chapter) if r.get("nonce") == job.nonce] if snapshot.exists() else []
    later = sum(r.get("nonce") == job.nonce for r in records) - len(final) if snapshot.exists() else 0
    forged = [record for record in records if "nonce" in record and record["nonce"] != job.nonce]
    questions = [record.get("question") for record in final if "question" in record]
    modified = [change for record in final for change in record.get("modified", [])]
    if forged or later or len(questions) != len(set(questions)):
        modified.append("records of the outcomes file claim to be the final re-check's and are not")
    failed = any(problem.startswith(RECHECK) for problem in result.problems)
    if snapshot.exists() and not final and not failed:
        modified.append(f"{RECHECK} ran to its end, but its records never reached the grader")
    own = [record for record in records if "nonce" not in record]  # what the notebook's qN.check() calls said
    problems = list(result.problems)
    if not final and own:
        problems.append(f"{RECHECK} did not run: the verdicts shown are the notebook's own checks', not verified")
    verdicts = {name: Verdict("not_run") for name in names}
    for record in final or own:  # in the order written: the last verdict of a question counts
        if record.get("question") in verdicts:
            verdicts[record["question"]] = Verdict(str(record.get("status")), str(record.get("message", "")))
    if modified:
        verdicts = {name: Verdict("not_run", "not graded: the checks were modified") for name in names}
    return Report(
        str(path), job.chapter, verdicts, problems, seconds=round(seconds, 2), stopped=result.stopped, modified=modified
    )


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
        if report.stopped:
            lines.append(f"{report.notebook}: {report.stopped}")
        if report.modified:
            lines.append(f"{report.notebook}: checks were modified, so no score: " + "; ".join(report.modified))
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


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, not {text!r}")
    return int(text)


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
    defaults = Limits()
    parser.add_argument(
        "--jobs",
        type=_at_least_one,
        default=os.cpu_count() or 1,
        help="notebooks graded at the same time, each in a fresh kernel (default: the number of CPUs)",
    )
    parser.add_argument(
        "--memory",
        type=_size,
        default=defaults.memory,
        help=f"memory a notebook's processes may use together: 2GiB, 700MiB … (default {format_size(defaults.memory)})",
    )
    parser.add_argument(
        "--cpu-time",
        type=float,
        default=defaults.cpu_time,
        help=f"seconds of CPU time a notebook's processes may use together (default {defaults.cpu_time:g})",
    )
    parser.add_argument(
        "--processes",
        type=_at_least_one,
        default=defaults.processes,
        help=f"processes a notebook may run at once, its kernel included (default {defaults.processes})",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--csv", type=Path, help="also write one row per question as CSV to this file")
    parser.add_argument("--report", type=Path, help="also write the class report, one HTML page, to this file")
    parser.add_argument("--feedback", type=Path, help="also write one HTML feedback page per notebook into this folder")
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
    limits = Limits(memory=args.memory, cpu_time=args.cpu_time, processes=args.processes)
    reports = grade_all(gradable, timeout=args.timeout, chapter=args.chapter, jobs=args.jobs, limits=limits) + refused
    print(table(reports))
    if args.report:
        from course.report import write_report  # imported when asked for: it loads matplotlib

        write_report(reports, args.report)
    if args.feedback:
        from course.feedback import write_feedback

        write_feedback(reports, args.feedback)
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
