"""Run JavaScript from a notebook: the ``%%node`` cell magic and :func:`run_node`.

Load it with ``%load_ext course.node``; then a cell starting with ``%%node``
is run by Node.js with the course's ``node_modules`` (:data:`NODE_MODULES`) on the module path,
its stdout and stderr are shown, and a non-zero exit fails the cell (so a
top-to-bottom run stops at a broken JavaScript cell, as it would at Python).

``%%node --save NAME`` also stores the cell's source in the variable ``NAME``
so that an exercise check can run the learner's JavaScript against test cases;
``%%node --out NAME`` stores what the cell printed, for Python to read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from course import HOME, STANDALONE
from course.errors import CourseError, SetupProblem
from course.processes import run

NODE_MODULES = HOME / "node_modules"
"""Where the Node packages of ``package.json`` are: in the clone, or in the learner's folder (see ``course.HOME``)."""


class NodeMissing(SetupProblem):
    """Node.js is not installed or not on PATH."""


class NodeFailed(CourseError):
    """A JavaScript cell exited with a non-zero status."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a Python traceback
        return [f"NodeFailed: {self}"]


def node_executable() -> str:
    """The path of ``node``, or a clear :class:`NodeMissing` error."""
    found = shutil.which("node")
    if found is None:
        raise NodeMissing(
            "Node.js was not found on PATH.",
            fix="install Node.js 20 or newer (see the course's setup page), then restart the kernel",
        )
    return found


def run_node(source: str, *, stdin: str = "", timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a CommonJS script with the course's ``node_modules``.

    Returns the completed process (``returncode``, ``stdout``, ``stderr``);
    a script that runs past ``timeout`` seconds is killed and reported as
    return code -9 with a note on stderr.
    """
    node = node_executable()
    with tempfile.NamedTemporaryFile("w", suffix=".js", prefix="cell-", delete=False, encoding="utf-8") as script:
        script.write(source)
    try:
        done = run([node, script.name], timeout=timeout, input=stdin, env={"NODE_PATH": str(NODE_MODULES)})
    finally:
        os.unlink(script.name)
    if done.timed_out:
        return subprocess.CompletedProcess(
            [node, script.name], -9, done.stdout, f"stopped after {timeout:g} s (is it waiting forever?)"
        )
    return subprocess.CompletedProcess([node, script.name], done.returncode, done.stdout, done.stderr)


OPTIONS = {"--save": "the cell's source", "--out": "what the cell printed (its stdout)"}
"""The options of ``%%node``: each takes a Python variable name and stores something in it."""

USAGE = "usage: %%node [--save NAME] [--out NAME]   (NAME: a Python variable name)"


def parse_options(line: str) -> dict[str, str]:
    """``{"--save": NAME, "--out": NAME}`` (either may be missing) from the line after ``%%node``."""
    args = line.split()
    names: dict[str, str] = {}
    while args:
        option = args.pop(0)
        if option not in OPTIONS:
            if not option.startswith("--"):
                raise ValueError(USAGE)
            raise ValueError(f"unknown %%node option {option!r}; {USAGE}")
        if not args or not args[0].isidentifier():
            raise ValueError(f"{option} needs a variable name; {USAGE}")
        names[option] = args.pop(0)
    return names


def node_cell(line: str, cell: str, namespace: dict[str, Any] | None = None) -> None:
    """The body of ``%%node``: run the cell, echo its output, raise on failure.

    ``--save NAME`` stores the cell's source in ``NAME`` (for a check to run
    against test cases); ``--out NAME`` stores what it printed, so that a
    Python cell can read results the JavaScript computed (as JSON, say).
    """
    names = parse_options(line)
    if namespace is not None and "--save" in names:
        namespace[names["--save"]] = cell
    done = run_node(cell)
    if namespace is not None and "--out" in names:
        namespace[names["--out"]] = done.stdout
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        hint = ""
        if "Cannot find module" in done.stderr and not NODE_MODULES.is_dir():
            hint = " — the course's JavaScript packages are not installed: " + (
                "run the notebook's first cell, which installs them"
                if STANDALONE
                else f"run `npm ci` in {NODE_MODULES.parent}"
            )
        raise NodeFailed(f"node exited with status {done.returncode}{hint}")


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%node`` (called by ``%load_ext course.node``)."""

    def node(line: str, cell: str) -> None:
        node_cell(line, cell, ipython.user_ns)

    node.__doc__ = node_cell.__doc__
    ipython.register_magic_function(node, magic_kind="cell", magic_name="node")


__all__ = [
    "NODE_MODULES",
    "OPTIONS",
    "NodeFailed",
    "NodeMissing",
    "node_cell",
    "parse_options",
    "run_node",
    "load_ipython_extension",
]
