"""A notebook opened alone, as Colab opens one: its first cell installs the course, and it runs.

Colab opens a single notebook from GitHub, with no clone around it. Here a wheel built from this
repository stands in for the repository on GitHub (``COURSE_SOURCE``), a fresh virtual environment
with the course's pinned dependencies but not the course stands in for Colab's Python, and an empty
folder for ``/content``. Nothing comes from the network: the packages from uv's cache, the wheel's
dependencies from what is installed (``PIP_NO_INDEX``), the Node packages from npm's cache.

One notebook of each kind runs: a pure-Python chapter, a chapter with ``%%node`` cells and a data
file, a chapter that starts local servers, and an exercise notebook whose ``q1.solution()`` reads the
solutions the wheel carries. Each run's time is printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from course import ROOT, SetupProblem, standalone

RUNNER = """\
import sys, time
import nbformat
from nbclient import NotebookClient

notebook = nbformat.read(sys.argv[1], as_version=4)
started = time.monotonic()
client = NotebookClient(
    notebook, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": "."}}
)
client.execute()
notebook.metadata["seconds"] = time.monotonic() - started
nbformat.write(notebook, sys.argv[2])
"""
"""Runs a notebook top to bottom with nbclient, in the venv's Python, so with a kernel of that venv."""

REPORT = """\
import json, sys
import course
import course.node
report = {"python": sys.executable, "course": course.__file__, "standalone": course.STANDALONE,
          "node_modules": str(course.node.NODE_MODULES)}
print("REPORT " + json.dumps(report))
"""
"""A cell added at the end of each notebook: where the kernel's Python and its course come from."""

NODE_PACKAGES = """\
from course.node import run_node
versions = '[require("co/package.json").version, require("@hapi/hapi/package.json").version]'
done = run_node(f'console.log({versions}.join(" "))')
print("NODE " + done.stdout.strip() + " " + done.stderr.strip())
"""
"""A cell added to the ``%%node`` chapter: are the course's Node packages found, at the locked versions?"""


def uv() -> str:
    """The uv of the course's environment (pinned in requirements.txt)."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("uv is missing from the course's environment: run `make setup`")
    return found


def offline(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(command[:3])} … failed offline (is uv's cache warm? `make setup` fills it):\n"
            + (done.stderr or done.stdout)[-2000:]
        )
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the course, built from the repository's files as a git clone would have them."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (ROOT / name).is_file():  # a file deleted but not yet staged is still listed
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    offline([uv(), "build", "--wheel", "--offline", "--quiet", "--out-dir", str(out), str(source)])
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def requirements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """requirements.txt without an ``-e .`` line, if it has one: the course's dependencies, not the course."""
    pins = tmp_path_factory.mktemp("requirements") / "requirements.txt"
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins.write_text("\n".join(line for line in lines if not line.startswith("-e")) + "\n")
    return pins


def fresh_python(folder: Path, requirements: Path) -> Path:
    """A new virtual environment in ``folder`` with pip (as Colab has) and the pinned dependencies."""
    seeded = [uv(), "venv", "--seed", "--offline", "--quiet", "--python", sys.executable, str(folder)]
    if subprocess.run(seeded, capture_output=True, timeout=120).returncode != 0:  # no pip in uv's cache:
        shutil.rmtree(folder, ignore_errors=True)
        offline([sys.executable, "-m", "venv", str(folder)])  # Python's own copy of pip (ensurepip)
    python = folder / "bin" / "python"
    offline([uv(), "pip", "install", "--offline", "--quiet", "--python", str(python), "-r", str(requirements)])
    return python


def run_alone(notebook: nbformat.NotebookNode, name: str, tmp_path: Path, python: Path, wheel: Path):
    """Run ``notebook`` as ``name`` alone in an empty folder, with ``python``; the executed notebook."""
    folder = tmp_path / "content"
    folder.mkdir()
    nbformat.write(notebook, folder / name)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    scratch = tmp_path / "tmp"  # the kernel's temporary files, which must all be gone at the end
    scratch.mkdir()
    environment = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    environment |= {
        "PATH": f"{python.parent}{os.pathsep}{environment.get('PATH', '')}",
        "VIRTUAL_ENV": str(python.parent.parent),
        "COURSE_SOURCE": str(wheel),
        "COURSE_HOME": str(tmp_path / "home"),
        "PIP_NO_INDEX": "1",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "npm_config_offline": "true",
        "npm_config_update_notifier": "false",
        "TMPDIR": str(scratch),
    }
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    done = subprocess.run(
        [str(python), str(runner), name, str(tmp_path / "executed.ipynb")],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    deadline = time.monotonic() + 10
    while (left := {child.pid for child in psutil.Process().children(recursive=True)} - before) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert not left, f"{name} left processes running: {left}"
    assert not list(scratch.iterdir()), f"{name} left temporary files: {sorted(scratch.iterdir())}"
    return nbformat.read(tmp_path / "executed.ipynb", as_version=4)


def errors(notebook: nbformat.NotebookNode) -> list[str]:
    """The cells that failed, other than those whose error the lesson shows (``raises-exception``)."""
    return [
        f"cell {index}: {output.ename}: {output.evalue}\n{''.join(cell.source)[:200]}"
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", [])
        for output in cell.outputs
        if output.output_type == "error"
    ]


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def report(notebook: nbformat.NotebookNode) -> dict:
    (line,) = [line for line in printed(notebook.cells[-1]).splitlines() if line.startswith("REPORT ")]
    return json.loads(line.removeprefix("REPORT "))


def announce(capsys: pytest.CaptureFixture[str], name: str, notebook: nbformat.NotebookNode) -> None:
    with capsys.disabled():
        print(f"\n{name} ran alone in {notebook.metadata['seconds']:.1f} s", end=" ")


CHAPTERS = {
    "01-metaclasses": "pure Python",
    "00-polyglot": "%%node cells and a data file",
    "02-composition": "local mail servers",
}


@pytest.mark.slow
@pytest.mark.node
@pytest.mark.timeout(600)
@pytest.mark.parametrize("stem", CHAPTERS, ids=list(CHAPTERS.values()))
def test_a_chapter_runs_alone_from_a_wheel(stem, tmp_path, wheel, requirements, capsys):
    """Does the chapter, alone in an empty folder, install the course from the wheel and run every cell?"""
    notebook = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    if stem == "00-polyglot":
        notebook.cells.append(nbformat.v4.new_code_cell(NODE_PACKAGES))
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    python = fresh_python(tmp_path / "venv", requirements)
    executed = run_alone(notebook, f"{stem}.ipynb", tmp_path, python, wheel)
    announce(capsys, stem, executed)

    assert not errors(executed), "\n\n".join(errors(executed))
    said = printed(executed.cells[0])
    assert said.startswith(f"Ready for {stem}.ipynb alone: the course "), said
    found = report(executed)
    assert found["python"] == str(python)
    site_packages = tmp_path / "venv" / "lib"
    assert Path(found["course"]).is_relative_to(site_packages) and "site-packages" in found["course"], found
    assert found["standalone"] is True
    assert Path(found["node_modules"]) == tmp_path / "home" / "node_modules"
    if stem == "00-polyglot":
        lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
        versions = [lock[f"node_modules/{name}"]["version"] for name in ("co", "@hapi/hapi")]
        assert printed(executed.cells[-2]).split() == ["NODE", *versions]
        assert "copied data/languages.json here" in said
        assert (tmp_path / "content" / "data" / "languages.json").read_text() == (
            ROOT / "notebooks" / "data" / "languages.json"
        ).read_text()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_an_exercise_alone_shows_its_solution(tmp_path, wheel, requirements, capsys):
    """Opened alone, does an exercise notebook check an answer and show the solution the wheel carries?"""
    exercise = nbformat.read(ROOT / "exercises" / "01-metaclasses.ipynb", as_version=4)
    first_check = next(index for index, cell in enumerate(exercise.cells) if "q1.check()" in cell.source)
    exercise.cells = exercise.cells[: first_check + 1]
    exercise.cells += [nbformat.v4.new_code_cell("q1.solution()"), nbformat.v4.new_code_cell(REPORT)]
    python = fresh_python(tmp_path / "venv", requirements)
    executed = run_alone(exercise, "01-metaclasses.ipynb", tmp_path, python, wheel)
    announce(capsys, "exercises/01-metaclasses (to q1.check)", executed)

    assert not errors(executed), "\n\n".join(errors(executed))
    assert "Not attempted" in printed(executed.cells[first_check])
    shown = printed(executed.cells[-2])
    assert shown.startswith("Solution (python):") and "class RequireMethods(type):" in shown, shown
    assert "site-packages" in report(executed)["course"]


def test_the_wheel_carries_what_the_notebooks_need(wheel):
    """Are the solutions, the data files, the Node manifests and every chapter's non-Python file in the wheel?"""
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = ["package.json", "package-lock.json", "requirements.txt"]
    bundled += [f"solutions/{path.name}" for path in (ROOT / "solutions").glob("*.ipynb")]
    bundled += [f"notebooks/data/{path.name}" for path in (ROOT / "notebooks" / "data").iterdir()]
    assert {f"course/_data/{name}" for name in bundled} <= names
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "course"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    tooling = {".ruff.toml", ".gitignore"}
    needed = {name for name in listed if Path(name).name not in tooling and (ROOT / name).is_file()}
    assert needed - names == set(), "files of course/ missing from the wheel"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


FIRST_CELLS = sorted(
    path.relative_to(ROOT) for folder in ("notebooks", "solutions") for path in (ROOT / folder).glob("*.ipynb")
)


def test_the_first_cell_does_nothing_in_a_clone():
    """In a clone, does every notebook's first cell run without a word, and install nothing?"""
    sources = {str(path): nbformat.read(ROOT / path, as_version=4).cells[0].source for path in FIRST_CELLS}
    program = "\n".join(f"exec(compile({source!r}, {path!r}, 'exec'), {{}})" for path, source in sources.items())
    environment = os.environ | {"COURSE_SOURCE": "/nonexistent/must-not-be-installed.whl", "PIP_NO_INDEX": "1"}
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT / "notebooks",
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    for path in FIRST_CELLS:
        cell = nbformat.read(ROOT / path, as_version=4).cells[0]
        assert cell.outputs == [], f"{path}: the first cell printed something when it was last run"


def test_no_notebook_names_the_repository_by_hand():
    """Is the repository's URL written only in the generated first cells, never typed into a notebook?"""
    url, _ = standalone.repository()
    written = [
        f"{path.relative_to(ROOT)} cell {index}"
        for folder in ("notebooks", "solutions", "exercises")
        for path in sorted((ROOT / folder).glob("*.ipynb"))
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells)
        if index > 0 and re.search(re.escape(url.removeprefix("https://github.com/")), cell.source)
    ]
    assert not written, f"the repository's URL is typed into: {written}"


# --- the helpers of course.standalone, in this clone ----------------------------------------------


def test_prepare_does_nothing_in_a_clone(capsys):
    standalone.prepare("notebooks/00-polyglot.ipynb", node=True, files=["data/languages.json"], needs=["docker"])
    assert capsys.readouterr() == ("", "")


def test_versions_must_be_the_pinned_ones_in_a_clone_and_are_a_note_alone(monkeypatch, capsys):
    from importlib.metadata import version

    assert standalone.check_versions("Django", "channels_redis") == {
        "Django": version("Django"),
        "channels_redis": version("channels_redis"),
    }
    assert standalone.pins()["channels-redis"] == version("channels_redis")  # names compared in canonical form
    monkeypatch.setattr(standalone, "pins", lambda: {"django": "1.11"})
    with pytest.raises(AssertionError, match="1.11"):
        standalone.check_versions("Django")
    monkeypatch.setattr(standalone, "STANDALONE", True)
    assert standalone.check_versions("Django") == {"Django": version("Django")}
    assert (
        capsys.readouterr().out
        == f"Note: Django {version('Django')} is installed; this chapter was checked with 1.11.\n"
    )


def test_a_notebook_reads_itself_from_its_folder_or_says_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Hello")]), "me.ipynb")
    assert "".join(standalone.this_notebook("me.ipynb")["cells"][0]["source"]) == "## Hello"
    with pytest.raises(SetupProblem, match="not in"):
        standalone.this_notebook("elsewhere.ipynb")


def test_data_files_are_copied_next_to_the_notebook_unless_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert standalone.copy_files(Path("notebooks"), ["data/languages.json"]) == ["data/languages.json"]
    assert (tmp_path / "data" / "languages.json").read_bytes() == (ROOT / "notebooks/data/languages.json").read_bytes()
    (tmp_path / "data" / "languages.json").write_text("[]")  # the learner's own version is kept
    assert standalone.copy_files(Path("notebooks"), ["data/languages.json"]) == []
    assert (tmp_path / "data" / "languages.json").read_text() == "[]"


def test_a_package_replaced_after_it_was_imported_is_stale(tmp_path, monkeypatch):
    """Is a package whose files pip replaced by another version after this process imported it reported?"""
    module = tmp_path / "course_probe_replaced.py"
    module.write_text('__version__ = "1.0"\n')
    info = tmp_path / "course_probe_replaced-1.0.dist-info"
    info.mkdir()
    (info / "top_level.txt").write_text("course_probe_replaced\n")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-probe-replaced\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import course_probe_replaced  # noqa: F401

    try:
        assert not [entry for entry in standalone.stale_modules() if "probe" in entry], "installed, then imported"
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-probe-replaced\nVersion: 2.0\n")
        later = time.time() + 60
        os.utime(module, (later, later))  # pip writes the new version's files
        assert "course-probe-replaced 1.0 → 2.0" in standalone.stale_modules()
    finally:
        del sys.modules["course_probe_replaced"]


def test_a_missing_program_gets_a_note_that_the_other_cells_run():
    (note,) = standalone.missing_programs(["no-such-program-here"])
    assert note.startswith('Note: no-such-program-here is missing here: the cells that need it say "not run here"')
    assert standalone.missing_programs([]) == []
