"""Read the answers out of the solution notebooks, the one place they are written.

A solution notebook (``solutions/NN-slug.ipynb``) marks each answer with
``### BEGIN SOLUTION`` / ``### END SOLUTION`` (``// ### …`` in a ``%%node``
cell). The cells holding such blocks belong to the question whose
``qN.check()`` cell comes next. From there:

- :mod:`course.exercises` strips the blocks to make the learner's notebook;
- ``qN.solution()`` shows the cell with only the marker lines removed;
- tests take their reference answers from :func:`reference` and :func:`define`.

So an answer cannot drift between the notebook, the checks and the tests:
there is no second copy.
"""

from __future__ import annotations

import json
import linecache
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from course.errors import CourseError, SetupProblem

BEGIN = re.compile(r"^(?P<indent>[ \t]*)(?P<comment>// )?### BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*(// )?### END SOLUTION\s*$")
CHECK = re.compile(r"^\s*(?P<name>q\d+)\.check\(")
NODE_MAGIC = re.compile(r"^%%node\b.*$")


class SolutionBlockError(CourseError):
    """A solution notebook is malformed: unbalanced markers, or an answer no check follows."""


@dataclass(frozen=True)
class Solution:
    """One question's answer as written in the solution notebook."""

    question: str
    """``"q1"``, ``"q2"`` …"""
    language: str
    """``"python"`` or ``"javascript"`` (a ``%%node`` cell)."""
    source: str
    """The answer's cells, marker lines (and a ``%%node`` line) removed: ready to read, run or send to Node."""


def has_block(source: str) -> bool:
    """True when ``source`` holds a ``BEGIN SOLUTION`` marker."""
    return any(BEGIN.match(line) for line in source.splitlines())


def without_markers(source: str) -> tuple[str, str]:
    """``(language, source)`` of a solution cell with its marker lines and ``%%node`` line removed."""
    lines = source.splitlines()
    language = "python"
    if lines and NODE_MAGIC.match(lines[0]):
        language, lines = "javascript", lines[1:]
    kept = [line for line in lines if not (BEGIN.match(line) or END.match(line))]
    return language, "\n".join(kept).strip("\n")


def solutions_in(notebook: Mapping[str, Any], where: str = "notebook") -> dict[str, Solution]:
    """Every answer in ``notebook``, by question name, each taken from the cells before its ``qN.check()``.

    ``notebook`` is a notebook as nbformat reads it, or as plain JSON.
    """
    found: dict[str, Solution] = {}
    pending: list[tuple[int, str]] = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if has_block(source):
            pending.append((index, source))
            continue
        checked = [match.group("name") for line in source.splitlines() if (match := CHECK.match(line))]
        if checked and pending:
            parts = [without_markers(source) for _, source in pending]
            found[checked[0]] = Solution(checked[0], parts[0][0], "\n\n".join(text for _, text in parts))
            pending = []
    if pending:
        cells = ", ".join(str(index) for index, _ in pending)
        raise SolutionBlockError(f"{where}: the solution in cell(s) {cells} is not followed by a `qN.check()` cell")
    return found


@lru_cache(maxsize=32)
def _read(path: Path, mtime: float) -> dict[str, Solution]:
    # Plain JSON, not nbformat: importing nbformat takes about a second, in every kernel that imports checks.
    return solutions_in(json.loads(path.read_text(encoding="utf-8")), str(path))


def solution(path: Path, question: str) -> Solution:
    """The answer to ``question`` (``"q2"``) in the solution notebook at ``path``."""
    if not path.exists():
        raise SetupProblem(
            f"the solutions notebook {path.name} is missing from {path.parent}.",
            fix=f"restore it from the course repository (git checkout -- solutions/{path.name})",
        )
    found = _read(path, path.stat().st_mtime)
    if question not in found:
        raise SolutionBlockError(f"{path.name} has no solution block followed by `{question}.check()`")
    return found[question]


def reference(question: Any) -> Solution:
    """The published answer of a :class:`~course.checks.Question`: what ``question.solution()`` shows."""
    return solution(question.solutions_path, question.name)


def define(question: Any, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a Python answer's source in ``namespace`` (the notebook's imports go there) and return it.

    The source is registered with :mod:`linecache`, so ``inspect.getsource``
    works on what it defines, exactly as on a function typed in a notebook cell.
    """
    answer = reference(question)
    if answer.language != "python":
        raise CourseError(f"{question.name} is answered in {answer.language}; use reference(...).source")
    filename = f"<solution {question.chapter} {question.name}>"
    text = answer.source + "\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = {} if namespace is None else namespace
    exec(compile(text, filename, "exec"), namespace)
    return namespace


__all__ = [
    "BEGIN",
    "END",
    "Solution",
    "SolutionBlockError",
    "define",
    "has_block",
    "reference",
    "solution",
    "solutions_in",
    "without_markers",
]
