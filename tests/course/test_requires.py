"""The ``requires(...)`` cells: run where the program is, one "not run here" line where it is not."""

import ast

import pytest
from IPython.core.interactiveshell import InteractiveShell

from course import requires
from course.errors import SetupProblem


@pytest.fixture
def shell(monkeypatch):
    """An IPython shell with the extension loaded, outside CI."""
    monkeypatch.delenv("CI", raising=False)
    ipython = InteractiveShell.instance()
    requires.load_ipython_extension(ipython)
    requires.load_ipython_extension(ipython)  # loading twice adds one transformer
    yield ipython
    ipython.ast_transformers[:] = [t for t in ipython.ast_transformers if not isinstance(t, requires.SkipWhenMissing)]
    InteractiveShell.clear_instance()


def test_a_cell_whose_program_is_missing_says_so_and_the_next_cell_still_runs(shell, capsys):
    assert sum(isinstance(t, requires.SkipWhenMissing) for t in shell.ast_transformers) == 1
    shell.run_cell('requires("no-such-program-xyz")\nmade = 1\nprint("ran")')
    shell.run_cell("after = 2")
    out = capsys.readouterr().out
    assert "Not run here: no-such-program-xyz is not installed" in out and "ran" not in out
    assert "made" not in shell.user_ns and shell.user_ns["after"] == 2


def test_a_cell_whose_program_is_there_runs_and_shows_its_last_value(shell, capsys):
    result = shell.run_cell('requires("sh")\nvalue = 40 + 2\nvalue')
    assert result.result == 42 and "Not run here" not in capsys.readouterr().out


def test_only_a_first_line_with_plain_names_marks_a_cell(shell):
    cells = ['x = 1\nrequires("no-such-program-xyz")', "requires(name)", 'requires("a", b="c")']
    for cell in cells:
        tree = ast.parse(cell)
        assert ast.dump(requires.SkipWhenMissing().visit(tree)) == ast.dump(ast.parse(cell))


def test_in_ci_a_missing_program_is_a_setup_problem_not_a_skip(shell, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = shell.run_cell('requires("no-such-program-xyz")\nmade = 1')
    assert isinstance(result.error_in_exec, SetupProblem)
    assert "no-such-program-xyz is not installed" in str(result.error_in_exec)
    assert "made" not in shell.user_ns


def test_the_error_names_the_missing_program_and_its_install_command(monkeypatch):
    monkeypatch.setattr(requires.shutil, "which", lambda program: None if program == "nginx" else "/bin/" + program)
    requires.requires("sh")
    with pytest.raises(SetupProblem, match="nginx is not installed") as error:
        requires.requires("sh", "nginx")
    assert "sudo apt-get install nginx" in str(error.value)
    assert "sudo apt-get install redis-server" in requires.not_run_message(["redis-server"])


def test_a_client_without_its_engine_counts_as_missing(monkeypatch, shell, capsys):
    monkeypatch.setattr(requires.shutil, "which", lambda program: "/usr/bin/" + program)
    monkeypatch.setitem(requires.ENGINES, "docker", (lambda: False, "no Docker engine answers here"))
    monkeypatch.setattr(requires, "_answered", set())
    assert requires.missing("docker", "sh") == ["docker"]
    shell.run_cell('requires("docker")\nprint("ran")')
    out = capsys.readouterr().out
    assert "Not run here: no Docker engine answers here" in out and "ran" not in out
    with pytest.raises(SetupProblem, match="no Docker engine answers here"):
        requires.requires("docker")


def test_an_engine_that_answered_once_is_not_asked_again(monkeypatch):
    asked = []
    monkeypatch.setattr(requires.shutil, "which", lambda program: "/usr/bin/" + program)
    monkeypatch.setitem(requires.ENGINES, "docker", (lambda: asked.append(1) or True, "silent"))
    monkeypatch.setattr(requires, "_answered", set())
    assert requires.missing("docker") == [] and requires.missing("docker") == []
    assert asked == [1]
