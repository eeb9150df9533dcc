"""course.execute: the grader's child side, run with ``python -m course.execute``."""

import json

import nbformat

from course.execute import RECHECK, problems, recheck_cell


def test_the_recheck_cell_checks_every_question_of_the_chapter_under_its_nonce(capsys, tmp_path):
    outcomes = tmp_path / "outcomes.jsonl"
    exec(recheck_cell("polyglot", "n0nce", str(outcomes)).source, {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✋ Not attempted") for line in lines)
    records = [json.loads(line) for line in outcomes.read_text().splitlines()]
    assert [(r["nonce"], r["question"], r["status"]) for r in records] == [
        ("n0nce", f"q{n}", "not_attempted") for n in (1, 2, 3)
    ]


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


def test_a_job_travels_to_the_worker_as_one_line_of_json():
    import json
    from dataclasses import asdict

    from course.execute import Job
    from course.sandbox import Limits

    job = Job(
        "a.ipynb", "/tmp", "metaclasses", 2.0, 10.0, "o.jsonl", "scratch", "course-grade-x-0", Limits(processes=8), 3
    )
    line = json.dumps(asdict(job))
    assert "\n" not in line and Job.from_json(line) == job
