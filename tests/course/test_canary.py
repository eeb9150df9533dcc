"""The canary's report (course/canary.py): what moved, what broke, and the claim each break guards.

The canary itself runs every notebook in a fresh environment (``make test-latest``, minutes and
PyPI); these tests run nbval on a small notebook of their own instead, with one cell that still
prints what it printed, one whose output changed and one that now raises, and read the report.
"""

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course import ROOT, canary


def stdout(text: str):
    return [new_output("stream", name="stdout", text=text)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A notebook as committed, run again with nbval where two cells no longer behave: the JUnit XML and its path."""
    folder = tmp_path_factory.mktemp("canary")
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# A tiny chapter\n\n## Sums\n\nAdding one and one gives two."),
            new_code_cell("print(1 + 1)", execution_count=1, outputs=stdout("2\n")),
            new_markdown_cell("## Growth\n\nFirst some words.\n\nThe answer is **three**, on every version."),
            new_code_cell("print(1 + 3)", execution_count=2, outputs=stdout("3\n")),
            new_markdown_cell("Parsing the date works."),
            new_code_cell("raise ValueError('the parser changed')", execution_count=3, outputs=[]),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "tiny.ipynb")
    junit = folder / "junit.xml"
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q"]
    done = subprocess.run([*command, f"--junitxml={junit}", "tiny.ipynb"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout[-2000:]
    return junit, folder / "tiny.ipynb"


def test_failed_and_changed_cells_are_told_apart(run):
    """Is a cell that raised reported as failed, one with another output as changed, and a passing cell not at all?"""
    junit, _ = run
    found = canary.findings(junit)
    assert [(finding.notebook, finding.cell, finding.kind) for finding in found] == [
        ("tiny.ipynb", 1, "changed"),
        ("tiny.ipynb", 2, "failed"),
    ]
    assert "'3\\n' == '4\\n'" in found[0].detail and "#x1B" not in found[0].detail
    assert found[1].detail == "ValueError: the parser changed"


def test_each_cell_is_placed_under_its_section_with_the_claim_above_it(run):
    """Does the report name a broken cell's section and quote the prose just before it?"""
    _, notebook = run
    assert canary.locate(notebook, 1) == ("Growth", "The answer is **three**, on every version.")
    assert canary.locate(notebook, 2) == ("Growth", "Parsing the date works.")
    with pytest.raises(ValueError, match="no code cell number 7"):
        canary.locate(notebook, 7)


def test_the_report_lists_packages_cells_and_claims(run, monkeypatch):
    """Does the Markdown report hold the moved packages, each broken cell with its claim, and a failing verdict?"""
    junit, notebook = run
    monkeypatch.setattr(canary, "ROOT", notebook.parent)
    packages = canary.moved(
        {"django": "5.2.19", "requests": "2.34.2", "gone": "1.0"}, {"django": "5.2.20", "requests": "2.34.2"}
    )
    assert packages == [("django", "5.2.19", "5.2.20"), ("gone", "1.0", "—")]
    text = canary.report(packages, canary.findings(junit), ["tiny.ipynb"], 3.2, 1)
    assert "| django | 5.2.19 | 5.2.20 |" in text and "requests" not in text
    assert "Cells that failed (1) or changed (1)" in text
    assert "**Cell 1**, changed, in section *Growth*" in text
    assert "the claim it guards: “The answer is **three**, on every version.”" in text
    assert "**Verdict: FAILED" in text


def test_a_clean_run_passes():
    """With nothing moved and nothing broken, does the report say so and pass?"""
    text = canary.report([], [], ["notebooks/01-metaclasses.ipynb"], 9.0, 0)
    assert "every pin already is the newest version" in text and "None: every cell ran" in text
    assert "**Verdict: passed" in text


def test_pins_are_read_by_canonical_name():
    """Are requirements.txt's pins read with PEP 503 names, and is every line of it a pin or a comment?"""
    pins = canary.read_pins(ROOT / "requirements.txt")
    assert pins["django"] and pins["jupyter-book"].startswith("1.") and "sphinx-book-theme" in pins
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    assert len(pins) == sum(not line.lstrip().startswith("#") for line in lines)


def test_make_test_latest_runs_the_canary():
    """Does `make test-latest` run this module (and `make linkcheck` the link check)?"""
    plan = subprocess.run(["make", "-n", "test-latest", "linkcheck"], cwd=ROOT, capture_output=True, text=True)
    assert "-m course.canary" in plan.stdout and "--builder linkcheck" in plan.stdout
