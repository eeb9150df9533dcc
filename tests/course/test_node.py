"""course.node: run_node and the ``%%node`` cell magic."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from course import node

pytestmark = pytest.mark.node


def test_run_node_returns_output_and_status() -> None:
    done = node.run_node('console.log("héllo ✓"); console.error("warn"); process.exitCode = 3;')
    assert (done.returncode, done.stdout, done.stderr) == (3, "héllo ✓\n", "warn\n")


def test_run_node_passes_stdin_and_finds_the_course_packages() -> None:
    source = 'const co = require("co"); process.stdin.on("data", (d) => console.log(typeof co, String(d).trim()));'
    assert node.run_node(source, stdin="ping").stdout == "function ping\n"


def test_run_node_stops_a_script_at_its_timeout() -> None:
    done = node.run_node('console.log("started"); setInterval(() => {}, 1000);', timeout=1)
    assert done.returncode == -9
    assert "stopped after 1 s" in done.stderr


def test_node_missing_from_path_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(node.NodeMissing, match="Node.js was not found on PATH.\nTo fix it: install Node.js 20"):
        node.run_node("1")


def test_node_missing_is_shown_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(node.NodeMissing) as caught:
        node.node_cell("", "console.log(1)", {})
    assert caught.value._render_traceback_() == [
        f"NodeMissing (a setup problem, not a mistake in your code): {caught.value}"
    ]


def test_node_cell_prints_output_and_saves_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    node.node_cell("--save answer", "console.log(6 * 7)", namespace)
    assert capsys.readouterr().out == "42\n"
    assert namespace == {"answer": "console.log(6 * 7)"}


def test_node_cell_fails_on_non_zero_exit(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    with pytest.raises(node.NodeFailed, match="status 1") as caught:
        node.node_cell("--save broken", 'throw new TypeError("bad cell")', namespace)
    assert "TypeError: bad cell" in capsys.readouterr().err
    assert caught.value._render_traceback_() == ["NodeFailed: node exited with status 1"]
    assert namespace["broken"] == 'throw new TypeError("bad cell")'  # saved even so, for the check to judge


def test_node_cell_out_keeps_what_the_cell_printed(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    node.node_cell("--out printed --save source", "console.log(JSON.stringify({ n: 6 * 7 }))", namespace)
    assert capsys.readouterr().out == '{"n":42}\n'  # still shown
    assert namespace == {"printed": '{"n":42}\n', "source": "console.log(JSON.stringify({ n: 6 * 7 }))"}


@pytest.mark.parametrize(
    "line, message",
    [
        ("--save", "--save needs a variable name; usage: %%node"),
        ("--save 1st", "usage"),
        ("--save a b", "usage"),
        ("--out", "--out needs a variable name"),
        ("--quiet", "unknown %%node option '--quiet'"),
    ],
)
def test_node_cell_rejects_bad_options(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        node.node_cell(line, "console.log(1)", {})


def test_load_ext_registers_the_node_cell_magic(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # leave the user's IPython history alone
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "course.node")
    shell.run_cell_magic("node", "--save source", "console.log([1, 2].map((n) => n * 10).join())")
    assert capsys.readouterr().out == "10,20\n"
    assert shell.user_ns["source"].startswith("console.log")


def test_missing_node_modules_gets_a_hint_to_run_npm_ci(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(node, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(node.NodeFailed, match="run `npm ci`"):
        node.node_cell("", 'require("co");')
    assert "Cannot find module" in capsys.readouterr().err
