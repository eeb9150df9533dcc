"""How long grading a class takes, one notebook at a time and ``--jobs`` at a time, in the same run.

    .venv/bin/python benchmarks/grade.py --chapter metaclasses --count 100
    .venv/bin/python benchmarks/grade.py --chapter streaming-downloads --count 30 --serial-count 10
    .venv/bin/python benchmarks/grade.py --usage      # what each chapter uses: to choose the limits

Submissions are made in a temporary folder, a mix of three kinds in turn: the
solved notebook, the untouched exercise, and the solution with its first answer
broken (redefined, at the end, to raise). Each is graded with
``python -m course.grade`` as an instructor would run it, serially
(``--jobs 1``) and with the default ``--jobs``; the script checks every score
(full marks, 0, one less than full) and prints a markdown table.
``--serial-count`` times the serial run on fewer notebooks (say so in the table)
when all of them would take too long.

``--usage`` grades each chapter's solution, then its lesson (whose cells a
learner may copy), with no effective limit, and prints the most each used:
memory (all its processes' RSS added up), CPU time, processes and threads at
once. The lessons raise on purpose in places, so their score means nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course import ROOT, chapters
from course.execute import Job
from course.grade import NOTEBOOK_FACTOR, Worker, _kernelspec
from course.sandbox import Limits, format_size


def submissions(chapter: chapters.Chapter, count: int, folder: Path) -> dict[Path, int]:
    """``count`` submissions of ``chapter`` in ``folder``: each path with the score it must get."""
    stem = f"{chapter.code}-{chapter.slug}"
    solved = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    untouched = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4)
    first, *_ = chapter.questions()
    broken = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    redefine = "".join(
        f"def {name}(*args, **kwargs):\n    raise ValueError('broken on purpose')\n\n\n" for name in first.answer_names
    )
    broken.cells.append(nbformat.v4.new_code_cell(redefine.rstrip()))
    total = len(chapter.questions())
    kinds = [(solved, total), (untouched, 0), (broken, total - 1)]
    expected = {}
    for number in range(count):
        notebook, score = kinds[number % len(kinds)]
        path = folder / f"{stem}-{number:03d}.ipynb"
        nbformat.write(notebook, path)
        expected[path] = score
    return expected


def timed(paths: list[Path], expected: dict[Path, int], jobs: int, out: Path) -> tuple[float, list[str]]:
    """Seconds ``python -m course.grade`` took on ``paths``, and any score that was not the one expected."""
    command = [sys.executable, "-m", "course.grade", *map(str, paths), "--jobs", str(jobs), "--json", str(out)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - started
    wrong = [f"course.grade exited with {done.returncode}: {done.stderr.strip()[-300:]}"] if done.returncode else []
    for report in json.loads(out.read_text()):
        if report["score"] != expected[Path(report["notebook"])]:
            wrong.append(f"{report['notebook']}: {report['score']}/{report['total']} {report['problems']}")
    return seconds, wrong


def benchmark(slug: str, count: int, serial_count: int) -> int:
    """Time serial and parallel grading of ``count`` submissions; print the table; 1 if a score was wrong."""
    chapter = chapters.find(slug)
    jobs = os.cpu_count() or 1
    rows, wrong = [], []
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        expected = submissions(chapter, count, Path(tmp))
        paths = list(expected)
        for many, n in ((serial_count, 1), (count, jobs)):
            seconds, errors = timed(paths[:many], expected, n, Path(tmp) / f"grades-{n}.json")
            wrong += errors
            note = f" (serial timed on {many} of {count})" if many < count else ""
            rows.append(f"| {chapter.slug} | {many}{note} | {n} | {seconds:.1f} | {seconds / many:.2f} |")
    print(f"{os.cpu_count()} CPUs; submissions: solved, untouched, one answer broken, in turn\n")
    print("| chapter | notebooks | jobs | seconds | per notebook |\n| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    for line in wrong:
        print("WRONG:", line)
    return 1 if wrong else 0


def usage() -> int:
    """Grade each chapter's solution, then its lesson, without effective limits; print the most each used."""
    unlimited = Limits(memory=64 * 2**30, cpu_time=36000, processes=10000)
    print("| notebook | score | memory | CPU s | processes | threads | wall s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        folder = Path(tmp)
        worker = Worker(_kernelspec(folder), folder / "worker.log")
        try:
            for kind in ("solutions", "notebooks"):
                for chapter in chapters.chapters():
                    path = ROOT / kind / f"{chapter.code}-{chapter.slug}.ipynb"
                    outcomes = folder / f"{kind}-{chapter.slug}.jsonl"
                    outcomes.touch()
                    job = Job(
                        str(path),
                        str(path.parent),
                        chapter.slug,
                        timeout=300,
                        deadline=300 * NOTEBOOK_FACTOR,
                        outcomes=str(outcomes),
                        scratch=str(folder / f"{kind}-{chapter.slug}"),
                        name=f"{folder.name}-{kind}-{chapter.slug}",
                        limits=unlimited,
                    )
                    started = time.monotonic()
                    result = worker.grade(job)
                    seconds = time.monotonic() - started
                    if result is None:
                        print(f"| {path.name} | worker failed: {worker.failure()} |")
                        return 1
                    verdicts = {}
                    for line in outcomes.read_text().splitlines():
                        record = json.loads(line)
                        verdicts[record["question"]] = record["status"]
                    score = f"{sum(v == 'correct' for v in verdicts.values())}/{len(verdicts)}"  # all re-checked
                    used = result.usage
                    print(
                        f"| {kind}/{path.name} | {score} | {format_size(used['memory'])} | {used['cpu_time']:.1f} "
                        f"| {used['processes']:.0f} | {used['tasks']:.0f} | {seconds:.1f} |",
                        flush=True,
                    )
        finally:
            worker.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", default="metaclasses", help="chapter slug, name or number (default metaclasses)")
    parser.add_argument("--count", type=int, default=100, help="submissions to make (default 100)")
    parser.add_argument("--serial-count", type=int, help="time the serial run on this many only (default: all)")
    parser.add_argument("--usage", action="store_true", help="measure each chapter's solution instead")
    args = parser.parse_args()
    if args.usage:
        return usage()
    return benchmark(args.chapter, args.count, min(args.serial_count or args.count, args.count))


if __name__ == "__main__":
    sys.exit(main())
