"""course.renamed: notebooks handed out before the reshape still import their modules."""

import importlib

import nbformat
import pytest

from course.renamed import RENAMED


@pytest.mark.parametrize("old, new", sorted(RENAMED.items()))
def test_an_old_name_is_the_new_module_itself(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_old_style_imports_work_in_a_statement():
    namespace = {}
    exec("from course.checks.streaming import q1, q4\nfrom course.downloads import start_download_host", namespace)
    assert (namespace["q1"].name, namespace["q4"].chapter) == ("q1", "streaming-downloads")
    assert callable(namespace["start_download_host"])


@pytest.mark.slow
def test_an_old_copy_is_graded_without_import_errors(tmp_path):
    """Does a copy made before the renumbering, old imports and old name, grade cleanly?"""
    from course.grade import grade

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from course.checks.metaclasses import q1, q2, q3, q4"),
        nbformat.v4.new_code_cell(
            "def make_class(name, bases, defaults):\n    return type(name, bases, dict(defaults))"
        ),
        nbformat.v4.new_code_cell("q1.check()"),
    ]
    path = tmp_path / "05-metaclasses.ipynb"
    nbformat.write(notebook, path)
    report = grade(path)
    assert report.chapter == "metaclasses" and report.problems == []
    # the questions were put in a new order since: make_class is judged, by its name, as q3 now
    assert report.questions["q3"].status == "incorrect"
    assert {report.questions[name].status for name in ("q1", "q2", "q4")} == {"not_attempted"}
