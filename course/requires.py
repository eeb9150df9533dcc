"""Cells that need a program the machine may lack: run where it is, "not run here" where it is not.

After ``%load_ext course.requires``, a notebook cell whose first line is
``requires("redis-server")`` runs as usual where ``redis-server`` is on PATH.
Where it is missing, the whole cell is replaced, before it runs, by one line
that says it was not run and which command installs the program: the cells
after it still run, so one missing tool never stops a notebook's "Run all".
Only the cells that name the program are left out, so a chapter marks each
cell that needs it (or uses what such a cell made).

A program that is a client of an engine (``docker``) counts as missing when
the engine does not answer, since the cell could not run either way.

Outside a notebook, and in CI (``CI=true``), where nothing may be skipped,
``requires`` is a plain call that raises :class:`~course.errors.SetupProblem`
for a missing program.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

from course.errors import SetupProblem

INSTALL = {
    "redis-server": "sudo apt-get install redis-server",
    "nginx": "sudo apt-get install nginx",
    "docker": "sudo apt-get install docker.io, then start the engine (sudo dockerd)",
    "chromium": "sudo apt-get install chromium",
}
"""How to install each program a chapter may need (Debian and Ubuntu package names)."""


def _docker_engine_answers() -> bool:
    """True when a Docker engine answers the docker client (a client alone runs nothing)."""
    try:
        result = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


ENGINES: dict[str, tuple[Callable[[], bool], str]] = {
    "docker": (_docker_engine_answers, "no Docker engine answers here"),
}
"""Programs that need an engine running as well: how to ask it, and what to say when it is silent."""

_answered: set[str] = set()
"""Engines that answered once in this process: asked again, they would only slow every cell down."""


def in_ci() -> bool:
    """True in continuous integration, where a missing program is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(*programs: str) -> list[str]:
    """The programs of ``programs`` that are not on PATH, or whose engine does not answer."""
    return [program for program in programs if not _usable(program)]


def _usable(program: str) -> bool:
    if shutil.which(program) is None:
        return False
    if program not in ENGINES or program in _answered:
        return True
    if ENGINES[program][0]():
        _answered.add(program)
        return True
    return False


def _why(programs: list[str]) -> str:
    """Why ``programs`` cannot run: not installed, or (for an engine's client) no engine answers."""
    reasons = [
        ENGINES[program][1] if program in ENGINES and shutil.which(program) else f"{program} is not installed"
        for program in programs
    ]
    return "; ".join(reasons)


def install_text(programs: list[str]) -> str:
    """How to install ``programs``, one command each."""
    return "; ".join(INSTALL.get(program, f"install {program}") for program in programs)


def requires(*programs: str) -> None:
    """Raise :class:`SetupProblem` naming the install commands when one of ``programs`` is missing."""
    absent = missing(*programs)
    if absent:
        raise SetupProblem(f"{_why(absent)}.", fix=install_text(absent))


def not_run_message(programs: list[str]) -> str:
    """The line a skipped cell prints instead of running."""
    return f"⏭ Not run here: {_why(programs)}. To run this cell: {install_text(programs)}."


def _required(statement: ast.stmt) -> list[str] | None:
    """The programs a ``requires("a", "b")`` statement names, or None for any other statement."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    if not (isinstance(call.func, ast.Name) and call.func.id == "requires") or call.keywords:
        return None
    if not all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in call.args):
        return None
    return [arg.value for arg in call.args]  # type: ignore[attr-defined]


class SkipWhenMissing(ast.NodeTransformer):
    """Replace a cell that starts with ``requires(...)`` by a "not run here" line when a program is missing."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        programs = _required(node.body[0]) if node.body else None
        if programs is None or in_ci():
            return node
        absent = missing(*programs)
        if absent:
            node.body = ast.parse(f"print({not_run_message(absent)!r})").body
        return node


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext course.requires``: define ``requires`` and skip the cells whose program is missing."""
    if not any(isinstance(transformer, SkipWhenMissing) for transformer in ipython.ast_transformers):
        ipython.ast_transformers.append(SkipWhenMissing())
    ipython.push({"requires": requires})


__all__ = ["ENGINES", "INSTALL", "SkipWhenMissing", "in_ci", "load_ipython_extension", "missing", "requires"]
