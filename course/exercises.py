"""Generate ``exercises/`` from ``solutions/`` (nbgrader's solution-block convention).

``solutions/NN-slug.ipynb`` is the single source of truth. In every code cell,
each block between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (in a
``%%node`` cell: ``// ### BEGIN SOLUTION`` … ``// ### END SOLUTION``) is
replaced by a placeholder that raises ``NotImplementedError``, at the block's
own indentation. Outputs and execution counts are cleared, cells tagged
``solutions-only`` are left out, and a title ``# Solutions: …`` becomes
``# Exercises: …``. In ``solutions/`` the cells holding a solution get the
``hide-input`` tag, so the book folds them away.

Every notebook of ``notebooks/``, ``solutions/`` and ``exercises/`` also gets
(or keeps up to date) its generated first cell, which sets the notebook up
where it is opened alone, in Colab say (see :mod:`course.standalone`).

    python -m course.exercises          # write exercises/ (and tag solutions/)
    python -m course.exercises --check  # exit 1 if anything is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from course import ROOT, chapters, standalone
from course.solutions import BEGIN, END, SolutionBlockError, solutions_in

HIDE = "hide-input"
SOLUTIONS_ONLY = "solutions-only"
"""Tag of cells that only make sense beside the answers (left out of the exercise notebook)."""

PLACEHOLDER = {
    "#": ["# YOUR CODE HERE", "raise NotImplementedError()"],
    "//": ["// YOUR CODE HERE", 'throw new Error("NotImplementedError: replace this line with your code");'],
}


def strip_solutions(source: str, where: str = "cell") -> tuple[str, bool]:
    """Return ``source`` with solution blocks replaced, and whether it had any."""
    out: list[str] = []
    inside = False
    found = False
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise SolutionBlockError(f"{where}, line {number}: BEGIN SOLUTION inside another solution block")
            inside = found = True
            indent = begin.group("indent")
            out.extend(indent + text for text in PLACEHOLDER["//" if begin.group("comment") else "#"])
        elif END.match(line):
            if not inside:
                raise SolutionBlockError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionBlockError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "\n".join(out), found


def exercise_from_solution(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Build the learner's notebook: solutions stripped, outputs cleared."""
    exercise = nbformat.from_dict(solution)
    exercise.cells = [cell for cell in exercise.cells if SOLUTIONS_ONLY not in cell.metadata.get("tags", [])]
    for index, cell in enumerate(exercise.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("# Solutions:"):
            cell.source = "# Exercises:" + cell.source.removeprefix("# Solutions:")
        if cell.cell_type == "code":
            cell.source, found = strip_solutions(cell.source, f"{name} cell {index}")
            cell.outputs = []
            cell.execution_count = None
            if found:
                tags = [tag for tag in cell.metadata.get("tags", []) if tag != HIDE]
                if tags:
                    cell.metadata["tags"] = tags
                else:
                    cell.metadata.pop("tags", None)
        cell.metadata.pop("execution", None)
    exercise.metadata.setdefault("course", {})["generated_from"] = f"solutions/{name}"
    return exercise


def tag_solution_cells(solution: nbformat.NotebookNode, name: str) -> None:
    """Give every cell that holds a solution the ``hide-input`` tag (in place).

    Also records the chapter in the notebook's metadata (``course.chapter``),
    which the exercise inherits, so the grader knows a copy under any name.
    """
    chapter = chapters.from_file_name(name)
    if chapter is None or chapter.stem != name.removesuffix(".ipynb"):
        raise SolutionBlockError(
            f"{name}: no chapter declares this file; name it NN-slug.ipynb after a Chapter in course/chapters"
        )
    solutions_in(solution, name)  # every answer must be followed by its check
    solution.metadata.setdefault("course", {})["chapter"] = chapter.slug
    for index, cell in enumerate(solution.cells):
        if cell.cell_type != "code":
            continue
        _, found = strip_solutions(cell.source, f"{name} cell {index}")
        tags = cell.metadata.setdefault("tags", [])
        if found and HIDE not in tags:
            tags.append(HIDE)
        if not tags:
            del cell.metadata["tags"]


def _dump(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def generate(root: Path = ROOT, check: bool = False) -> list[str]:
    """Write (or, with ``check``, only compare) every exercise notebook, and every notebook's first cell.

    Returns the paths that were (or would be) changed, relative to ``root``.
    """
    changed: list[str] = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        chapter = nbformat.read(path, as_version=4)
        if standalone.set_first_cell(chapter, f"notebooks/{path.name}", root):
            changed.append(str(path.relative_to(root)))
            if not check:
                path.write_text(_dump(chapter), encoding="utf-8")
    (root / "exercises").mkdir(exist_ok=True)
    for path in sorted((root / "solutions").glob("*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        tag_solution_cells(solution, path.name)
        standalone.set_first_cell(solution, f"solutions/{path.name}", root)
        exercise = exercise_from_solution(solution, path.name)
        standalone.set_first_cell(exercise, f"exercises/{path.name}", root)
        targets = {
            path: _dump(solution),
            root / "exercises" / path.name: _dump(exercise),
        }
        for target, text in targets.items():
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                changed.append(str(target.relative_to(root)))
                if not check:
                    target.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when ``--check`` finds stale notebooks, 2 on bad markers."""
    parser = argparse.ArgumentParser(prog="python -m course.exercises", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date notebooks; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        changed = generate(check=args.check)
    except SolutionBlockError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for name in changed:
        print(("out of date: " if args.check else "wrote ") + name)
    if args.check and changed:
        print("Run `python -m course.exercises` and commit the result.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
