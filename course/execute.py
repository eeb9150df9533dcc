"""Grade notebooks for :mod:`course.grade`, one after another: ``python -m course.execute``.

The grader starts one such worker per job (``--jobs``). A worker imports
nbclient once (over a second of CPU) and then executes notebook after notebook,
each in a **fresh kernel** of the ``course-grader`` kernelspec, in its own
folder, with errors allowed so that one broken cell does not hide the answers
after it; a cell running longer than its limit is interrupted. One more cell is
appended that checks every question of the chapter again, so deleting or
editing a check cell changes nothing. Verdicts go to the file named by
``COURSE_OUTCOMES``.

Each notebook runs in a :class:`~course.sandbox.Sandbox` (its own environment,
limits, and every process it started killed at the end); the worker is a child
subreaper so that even daemons that left the session stay in reach.

The grader writes one :class:`Job` per line on the worker's stdin, as JSON; the
worker answers each with one :class:`Result` line on its stdout, which nothing
else may write to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from course import integrity
from course.checks import OUTCOMES_ENV
from course.processes import become_subreaper
from course.sandbox import Limits, Sandbox

KERNEL = "course-grader"
"""The kernelspec the grader writes for its own interpreter."""

RECHECK = "the grader's final re-check"

RECHECKED = ".rechecked"
"""Suffix of the copy of a job's outcomes file taken the moment its re-check cell ends."""


@dataclass(frozen=True)
class Job:
    """One notebook to grade, as the grader sends it."""

    notebook: str
    folder: str
    """The folder it runs in (the learner's copy's own)."""
    chapter: str
    timeout: float
    """Seconds a cell may run before it is interrupted."""
    deadline: float
    """Seconds the whole notebook may run before it is stopped."""
    outcomes: str
    """The file its checks record their verdicts in."""
    scratch: str
    """A folder of its own, deleted by the grader: the kernel's temporary files, sockets and output."""
    name: str
    """A name for its cgroup, unique on this machine."""
    limits: Limits = field(default_factory=Limits)
    jobs: int = 1
    """Notebooks graded at the same time."""
    nonce: str = ""
    """A one-time word that marks the final re-check's records (see :mod:`course.integrity`)."""

    @classmethod
    def from_json(cls, line: str) -> Job:
        """The job written by ``json.dumps(asdict(job))``."""
        data = json.loads(line)
        return cls(**{**data, "limits": Limits(**data["limits"])})


@dataclass
class Result:
    """What executing a notebook showed, besides its verdicts."""

    problems: list[str]
    """A cell that raised or was interrupted, a kernel that died, a process that outlived it."""
    stopped: str = ""
    """Why the notebook was stopped before its end, or empty."""
    usage: dict[str, float] = field(default_factory=dict)
    """The most it used: see :class:`course.sandbox.Usage`."""


def recheck_cell(chapter: str, nonce: str, outcomes: str) -> nbformat.NotebookNode:
    """The cell appended after the learner's: every question of ``chapter`` checked once more.

    It runs :mod:`course.integrity` from its file rather than importing it, so
    a module the notebook put in ``sys.modules`` under that name is not used,
    and calls the builtins through the ``builtins`` module, not names the
    notebook may have rebound. Its records carry ``nonce``, which no learner
    cell has seen, and go to the file ``outcomes`` named here.
    """
    path = str(Path(integrity.__file__).resolve())
    return nbformat.v4.new_code_cell(
        "import builtins as _grader_builtins\n"
        f"_grader = {{'__name__': 'course_grader_recheck', '__file__': {path!r}}}\n"
        f"_grader_source = _grader_builtins.open({path!r}, encoding='utf-8').read()\n"
        f"_grader_builtins.exec(_grader_builtins.compile(_grader_source, {path!r}, 'exec'), _grader)\n"
        f"_grader['final_recheck']({chapter!r}, {nonce!r}, globals(), {outcomes!r})"
    )


def problems(notebook: nbformat.NotebookNode, learner_cells: int, limit: float) -> list[str]:
    """One line for each error output of the executed ``notebook``, naming its cell."""
    found = []
    for number, cell in enumerate(notebook.cells, start=1):
        where = f"cell {number}" if number <= learner_cells else RECHECK
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output["ename"] == "KeyboardInterrupt":
                found.append(f"{where} ran longer than {limit:g} s and was interrupted")
            else:
                message = " ".join(str(output["evalue"]).split())  # one line, even for multi-line errors
                found.append(f"{where} raised {output['ename']}: {message}"[:200])
    return found


def execute(job: Job) -> Result:
    """Run the notebook of ``job`` with the re-check cell appended, in a sandbox; say what went wrong."""
    from nbclient import NotebookClient  # the grader imports this module too, and needs no nbclient
    from traitlets.config import Config

    notebook = nbformat.read(job.notebook, as_version=4)
    learner_cells = len(notebook.cells)
    notebook.cells.append(recheck_cell(job.chapter, job.nonce, job.outcomes))
    failure = ""
    scratch = Path(job.scratch)
    (scratch / "tmp").mkdir(parents=True)
    log_file = scratch / "kernel.log"
    with Sandbox(job.name, job.limits, job.deadline, job.jobs) as sandbox, log_file.open("ab") as log:

        def started(cell: Any, cell_index: int, **kwargs: Any) -> None:
            sandbox.where = f"in cell {cell_index + 1}" if cell_index < learner_cells else f"in {RECHECK}"

        def executed(cell: Any, cell_index: int, **kwargs: Any) -> None:
            if cell_index == learner_cells:  # the re-check's records, before anything else can write more
                shutil.copyfile(job.outcomes, job.outcomes + RECHECKED)

        config = Config()
        config.KernelManager.connection_file = str(scratch / "kernel.json")
        config.KernelManager.shutdown_wait_time = 20.0  # for its clean-up at exit (chapter 06 removes containers)
        if len(str(scratch / "ipc")) < 100:  # a unix socket's path holds 107 bytes (the port number is added)
            config.KernelManager.transport = "ipc"  # no port to race the other kernels for
            config.KernelManager.ip = str(scratch / "ipc")
        client = NotebookClient(
            notebook,
            config=config,
            timeout=job.timeout,
            interrupt_on_timeout=True,
            allow_errors=True,
            kernel_name=KERNEL,
            on_cell_execute=started,
            on_cell_executed=executed,
            resources={"metadata": {"path": job.folder}},
        )
        try:
            client.execute(
                env=sandbox.environment({OUTCOMES_ENV: job.outcomes, "TMPDIR": str(scratch / "tmp")}),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        except Exception as error:  # a kernel that died or never started: said below
            failure = f"could not be executed {sandbox.where}: {type(error).__name__}: {error}"
    found = problems(notebook, learner_cells, job.timeout)
    if failure and not sandbox.stopped:
        said = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        found.append(" ".join((failure + (f" (the kernel wrote: {said[-1]})" if said else "")).split())[:300])
    found += [f"left behind: {leftover}" for leftover in sandbox.leftovers]
    return Result(found, sandbox.stopped, asdict(sandbox.usage))


def main() -> int:
    """Grade each job read from stdin; answer on stdout, which nothing else may use."""
    become_subreaper()
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # a stray print must not garble the answers
    for line in sys.stdin:
        replies.write(json.dumps(asdict(execute(Job.from_json(line)))) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
