"""Execute one learner notebook for the grader: ``python -m course.execute NOTEBOOK FOLDER LIMIT CHAPTER``.

:mod:`course.grade` runs this in a child process (see :mod:`course.processes`)
so that a notebook which hangs, crashes its kernel or starts servers can be
stopped whole. The notebook runs top to bottom in a fresh kernel of the
``course-grader`` kernelspec, in ``FOLDER``, with errors allowed so that one
broken cell does not hide the answers after it; a cell running longer than
``LIMIT`` seconds is interrupted. One more cell is appended that checks every
question of ``CHAPTER`` again, so deleting or editing a check cell changes
nothing. Verdicts go to the file named by ``COURSE_OUTCOMES`` (set by the
grader); what this prints on stdout is read back by the grader:

- ``started N`` before cell N runs (to name a cell that never finishes);
- one line per problem: a cell that raised, or was interrupted.
"""

from __future__ import annotations

import sys
from typing import Any

import nbformat

KERNEL = "course-grader"
"""The kernelspec the grader writes for its own interpreter."""

RECHECK = "the grader's final re-check"


def recheck_cell(chapter: str) -> nbformat.NotebookNode:
    """The cell appended after the learner's: every question of ``chapter`` checked once more."""
    return nbformat.v4.new_code_cell(
        "from course.chapters import find as _grader_find\n"
        f"for _grader_question in _grader_find({chapter!r}).questions():\n"
        "    _grader_question.check()"
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


def execute(path: str, folder: str, limit: float, chapter: str) -> list[str]:
    """Run the notebook at ``path`` with the re-check cell appended; return its problems."""
    from nbclient import NotebookClient  # only the child needs it; the grader imports this module for KERNEL

    notebook = nbformat.read(path, as_version=4)
    learner_cells = len(notebook.cells)
    notebook.cells.append(recheck_cell(chapter))

    def started(cell: Any, cell_index: int, **kwargs: Any) -> None:
        print(f"started {cell_index + 1}", flush=True)

    client = NotebookClient(
        notebook,
        timeout=limit,
        interrupt_on_timeout=True,
        allow_errors=True,
        kernel_name=KERNEL,
        on_cell_execute=started,
        resources={"metadata": {"path": folder}},
    )
    client.execute()
    return problems(notebook, learner_cells, limit)


def main(argv: list[str]) -> int:
    """Execute, then print one line per problem."""
    path, folder, limit, chapter = argv
    for line in execute(path, folder, float(limit), chapter):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
