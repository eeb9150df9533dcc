"""Run JavaScript from a notebook: the ``%%node`` cell magic and :func:`run_node`.

Load it with ``%load_ext course.node``; then a cell starting with ``%%node``
is run by Node.js with the repository's ``node_modules`` on the module path,
its stdout and stderr are shown, and a non-zero exit fails the cell (so a
top-to-bottom run stops at a broken JavaScript cell, as it would at Python).

``%%node --save NAME`` also stores the cell's source in the variable ``NAME``
so that an exercise check can run the learner's JavaScript against test cases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from course import ROOT, SetupProblem

NODE_MODULES = ROOT / "node_modules"


class NodeMissing(SetupProblem):
    """Node.js is not installed or not on PATH."""

    def _render_traceback_(self) -> list[str]:  # the message says what to do; a traceback would bury it
        return [f"NodeMissing: {self}"]


class NodeFailed(RuntimeError):
    """A JavaScript cell exited with a non-zero status."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a Python traceback
        return [f"NodeFailed: {self}"]


def node_executable() -> str:
    """The path of ``node``, or a clear :class:`NodeMissing` error."""
    found = shutil.which("node")
    if found is None:
        raise NodeMissing(
            "Node.js was not found on PATH. Install Node.js 20 or newer (see the course's setup page), "
            "then restart the kernel."
        )
    return found


def run_node(source: str, *, stdin: str = "", timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a CommonJS script with the course's ``node_modules``.

    Returns the completed process (``returncode``, ``stdout``, ``stderr``);
    a script that runs past ``timeout`` seconds is killed and reported as
    return code -9 with a note on stderr.
    """
    node = node_executable()
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    with tempfile.NamedTemporaryFile("w", suffix=".js", prefix="cell-", delete=False, encoding="utf-8") as script:
        script.write(source)
    try:
        return subprocess.run(
            [node, script.name],
            input=stdin,
            capture_output=True,
            encoding="utf-8",  # what Node writes everywhere; the locale's encoding (e.g. cp1252 on Windows) is not
            errors="replace",
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as error:
        stdout = error.stdout.decode("utf-8", "replace") if isinstance(error.stdout, bytes) else (error.stdout or "")
        return subprocess.CompletedProcess(
            error.cmd, -9, stdout, f"stopped after {timeout:g} s (is it waiting forever?)"
        )
    finally:
        os.unlink(script.name)


def node_cell(line: str, cell: str, namespace: dict[str, Any] | None = None) -> None:
    """The body of ``%%node``: run the cell, echo its output, raise on failure."""
    args = line.split()
    if args[:1] == ["--save"]:
        if len(args) != 2 or not args[1].isidentifier():
            raise ValueError("usage: %%node --save NAME   (NAME: a Python variable name)")
        if namespace is not None:
            namespace[args[1]] = cell
    elif args:
        raise ValueError(f"unknown %%node option {line!r}; the only option is --save NAME")
    done = run_node(cell)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        hint = ""
        if "Cannot find module" in done.stderr and not NODE_MODULES.is_dir():
            hint = f" — the course's JavaScript packages are not installed: run `npm ci` in {NODE_MODULES.parent}"
        raise NodeFailed(f"node exited with status {done.returncode}{hint}")


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%node`` (called by ``%load_ext course.node``)."""

    def node(line: str, cell: str) -> None:
        node_cell(line, cell, ipython.user_ns)

    node.__doc__ = node_cell.__doc__
    ipython.register_magic_function(node, magic_kind="cell", magic_name="node")


__all__ = ["NODE_MODULES", "NodeFailed", "NodeMissing", "node_cell", "run_node", "load_ipython_extension"]
