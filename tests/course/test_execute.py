"""course.execute: the grader's child side, run with ``python -m course.execute``."""

import nbformat

from course.execute import RECHECK, problems, recheck_cell


def test_the_recheck_cell_checks_every_question_of_the_chapter(capsys):
    exec(recheck_cell("polyglot").source, {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✋ Not attempted") for line in lines)


def test_problems_name_the_cell_and_the_error():
    notebook = nbformat.v4.new_notebook()
    crashed = nbformat.v4.new_code_cell("1 / 0")
    crashed.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    stuck = nbformat.v4.new_code_cell("while True: pass")
    stuck.outputs = [nbformat.v4.new_output("error", ename="KeyboardInterrupt", evalue="")]
    setup = nbformat.v4.new_code_cell("%%node\n1")
    setup.outputs = [
        nbformat.v4.new_output("error", ename="NodeMissing", evalue="Node.js was not found.\nTo fix it: install it")
    ]
    final = nbformat.v4.new_code_cell("q1.check()")
    final.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'q1' is not defined")]
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), crashed, stuck, setup, final]
    assert problems(notebook, learner_cells=4, limit=2) == [
        "cell 2 raised ZeroDivisionError: division by zero",
        "cell 3 ran longer than 2 s and was interrupted",
        "cell 4 raised NodeMissing: Node.js was not found. To fix it: install it",
        f"{RECHECK} raised NameError: name 'q1' is not defined",
    ]
