"""Binder: the Dockerfile that repo2docker makes from this repository, read line by line.

No Docker engine is needed: ``jupyter-repo2docker --no-build`` prints the
Dockerfile that Binder (or an instructor building a JupyterHub image) would
build. It runs on a copy of the tracked files only, as Binder sees a commit,
so that .venv, node_modules or _build here change nothing. The tests then read
that Dockerfile: which Python, which Debian packages, how requirements.txt is
installed, that postBuild runs, and that the course package ends up editable.
repo2docker is a test-only tool, pinned in requirements-test.txt.
"""

import json
import re
import shlex
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import nbformat
import pytest
from site_config import REPOSITORY_URL, page_source

from course import ROOT, requires

REPO2DOCKER = Path(sys.executable).parent / "jupyter-repo2docker"
INSTALL = "make test installs it, from requirements-test.txt (.venv/bin/pip install -r requirements-test.txt)"
BINDER = ["--user-id", "1000", "--user-name", "jovyan"]
"""The user Binder builds its images for (repo2docker's default is whoever runs it, here root)."""
NOT_ON_BINDER = {"docker": "notebooks/06-management-commands-docker.ipynb"}
"""Programs a chapter uses that Binder cannot give (no Docker engine in a Binder session), and the chapter."""
CHAPTER_FOLDERS = ("notebooks", "solutions", "exercises")


def tracked_copy(destination: Path) -> Path:
    """Copy the files git tracks (as they are in the work tree) into ``destination``: what Binder would see."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is not there
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def render(repository: Path, *options: str) -> str:
    """The Dockerfile repo2docker would build from ``repository``, with ``options``."""
    command = [str(REPO2DOCKER), "--no-build", "--debug", *options, "."]
    done = subprocess.run(command, cwd=repository, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{shlex.join(command)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order; continuation lines joined, comments and blank lines left out."""
    found, pending = [], ""
    for line in dockerfile.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        keyword, _, arguments = (pending + text).partition(" ")
        found.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return found


def shell_commands(script: str) -> list[str]:
    """The commands of a shell text (a RUN line, or postBuild), split at ``&&`` and ``;``, comments left out."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    return [part.strip() for part in re.split(r"&&|;|\n", "\n".join(lines)) if part.strip()]


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    return tracked_copy(tmp_path_factory.mktemp("binder") / "repository")


@pytest.fixture(scope="module")
def dockerfile(repository, require) -> list[tuple[str, str]]:
    require(str(REPO2DOCKER), INSTALL)
    return instructions(render(repository, *BINDER))


def runs(steps: list[tuple[str, str]]) -> list[str]:
    return [arguments for keyword, arguments in steps if keyword == "RUN"]


def apt_installed(steps: list[tuple[str, str]]) -> set[str]:
    """Every package an ``apt-get install`` of a RUN line names."""
    packages = set()
    for command in (command for run in runs(steps) for command in shell_commands(run)):
        words = shlex.split(command.split(">")[0])
        if words[:1] == ["apt-get"] and "install" in words:
            packages |= {word for word in words[words.index("install") + 1 :] if not word.startswith("-")}
    return packages


def test_the_python_of_runtime_txt(dockerfile):
    """Does the image get the Python runtime.txt asks for, and a Node.js the %%node cells can use (20+)?"""
    wanted = re.fullmatch(r"python-(\d+\.\d+)", (ROOT / "runtime.txt").read_text().strip())
    assert wanted, "runtime.txt should say python-X.Y"
    locks = [
        arguments.split() for keyword, arguments in dockerfile if keyword == "COPY" and "environment.lock" in arguments
    ]
    assert len(locks) == 1, f"one conda environment lock expected: {locks}"
    from escapism import unescape

    slug = locks[0][-2].removeprefix("build_script_files/").rsplit("-", 1)[0]  # the name ends with part of a hash
    name = Path(unescape(slug, escape_char="-")).name
    assert name == f"environment.py-{wanted[1]}-linux-64.lock", f"runtime.txt asks for {wanted[1]}, the image: {name}"
    lock = (Path(find_spec("repo2docker").origin).parent / "buildpacks" / "conda" / name).read_text()
    assert re.search(rf"/python-{re.escape(wanted[1])}\.\d+-", lock), f"{name} installs another Python"
    node = re.search(r"/nodejs-(\d+)\.", lock)
    assert node and int(node[1]) >= 20, f"{name}: Node.js {node and node[1]}, the course needs 20 or newer"
    assert any("install-base-env.bash" in run for run in runs(dockerfile)), "the environment is never installed"
    assert "jupyterhub-singleuser" in lock, "a JupyterHub could not start the image"


def test_the_debian_packages_the_chapters_run(dockerfile):
    """Does the image install, from apt.txt, every program a notebook needs (not chromium, which only tests use)?"""
    needed = set()
    for notebook in sorted(path for folder in CHAPTER_FOLDERS for path in (ROOT / folder).glob("*.ipynb")):
        code = "\n".join(
            cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"
        )
        needed |= set(re.findall(r"""(?:requires|shutil\.which)\(["']([\w.-]+)["']\)""", code))
    assert {"redis-server", "nginx", "curl"} <= needed, f"the notebooks' programs were not found: {needed}"
    package = {program: re.findall(r"apt-get install ([\w.+-]+)", how)[0] for program, how in requires.INSTALL.items()}

    installed = apt_installed(dockerfile)
    for program in sorted(needed - NOT_ON_BINDER.keys()):
        assert package.get(program, program) in installed, f"Binder would lack {program}: add it to apt.txt"
    assert not installed & {"chromium", "docker.io"}, "chromium (tests only) and Docker have no use on Binder"
    assert set((ROOT / "apt.txt").read_text().split()) <= installed


@pytest.mark.parametrize("program", sorted(NOT_ON_BINDER))
def test_a_program_binder_lacks_is_said_in_its_chapter(program):
    """Does the chapter that uses what Binder cannot run say, in its prose, that Binder does not run it?"""
    notebook = nbformat.read(ROOT / NOT_ON_BINDER[program], as_version=4)
    prose = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert any("Binder" in text and f'requires("{program}")' in text for text in prose)


def test_requirements_are_installed_from_the_root(dockerfile):
    """Is the root requirements.txt copied in and installed into the kernel's environment (no binder/ folder)?"""
    run = [index for index, (keyword, arguments) in enumerate(dockerfile) if keyword == "RUN" and " -r " in arguments]
    assert len(run) == 1, "requirements.txt should be installed once"
    words = shlex.split(dockerfile[run[0]][1])
    assert words[:2] == ["${KERNEL_PYTHON_PREFIX}/bin/pip", "install"], f"not the kernel's pip: {words}"
    assert words[-2:] == ["-r", "requirements.txt"], f"not the root requirements.txt: {words}"
    copies = [arguments.split()[-2:] for keyword, arguments in dockerfile[: run[0]] if keyword == "COPY"]
    assert ["src/requirements.txt", "${REPO_DIR}/requirements.txt"] in copies or ["src/", "${REPO_DIR}/"] in copies
    workdirs = [arguments for keyword, arguments in dockerfile[: run[0]] if keyword == "WORKDIR"]
    assert workdirs[-1:] == ["${REPO_DIR}"]


def test_postbuild_runs_npm_ci_after_the_repository_is_copied(dockerfile):
    """Does the Dockerfile run postBuild, as the notebook user, once the files are there; and does it `npm ci`?"""
    steps = [f"{keyword} {arguments}" for keyword, arguments in dockerfile]
    assert "RUN ./postBuild" in steps
    at = steps.index("RUN ./postBuild")
    assert any(step.startswith("COPY") and step.endswith("src/ ${REPO_DIR}/") for step in steps[:at])
    users = [step for step in steps[:at] if step.startswith("USER ")]
    assert users[-1] == "USER ${NB_USER}", "postBuild would run as root"
    assert "npm ci --no-audit --no-fund" in shell_commands((ROOT / "postBuild").read_text())
    assert (
        "node_modules"
        not in subprocess.run(["git", "ls-files", "node_modules"], cwd=ROOT, capture_output=True, text=True).stdout
    )
    assert json.loads((ROOT / "package-lock.json").read_text())["lockfileVersion"] >= 2  # npm ci needs a lock


def test_the_course_package_stays_editable(dockerfile):
    """Is the last install of the course package (``.``), postBuild's lines included, an editable one?

    repo2docker runs its own ``pip install .`` after requirements.txt (it sees pyproject.toml). That copy in
    site-packages would make ``course.ROOT`` point there, away from node_modules/ and solutions/.
    """
    commands = []
    for keyword, arguments in dockerfile:
        if keyword == "RUN":
            postbuild = (ROOT / "postBuild").read_text() if arguments == "./postBuild" else arguments
            commands += shell_commands(postbuild)
    installs = [shlex.split(command) for command in commands if re.search(r"\bpip install\b", command)]
    of_the_course = [words for words in installs if "." in words]
    assert of_the_course, "the course package is never installed"
    last = of_the_course[-1]
    assert last[last.index(".") - 1] in {"-e", "--editable"}, f"the last install is not editable: {shlex.join(last)}"


HUB_IMAGE = re.compile(r"^jupyter-repo2docker .*$", re.M)


def test_the_jupyterhub_image_command_of_the_instructors_page(repository, require):
    """Does the instructors' image command render, with nbgitpuller pinned and the course out of the home folder?"""
    require(str(REPO2DOCKER), INSTALL)
    page = page_source(ROOT / "book" / "instructors.md")  # the command as the book shows it, URL filled in
    found = HUB_IMAGE.findall(page.replace("\\\n", ""))
    assert len(found) == 1, "book/instructors.md should show one jupyter-repo2docker command"
    pins = re.findall(r"^jupyter-repo2docker==\S+$", (ROOT / "requirements-test.txt").read_text(), re.M)
    assert f"pip install {pins[0]}" in page, f"the page should install the version the tests use, {pins[0]}"
    words = shlex.split(found[0])
    assert words[-1] == REPOSITORY_URL
    options = words[1:-1]
    assert not {"--no-build", "--debug"} & set(options)

    steps = instructions(render(repository, *options))
    target = options[options.index("--target-repo-dir") + 1]
    assert not target.startswith("/home/"), "the hub mounts each learner's volume over /home/jovyan"
    appendix = steps[-1]
    assert appendix[0] == "RUN" and re.fullmatch(
        r"python -m pip install --no-cache-dir nbgitpuller==[\d.]+", appendix[1]
    )
    assert options[options.index("--user-id") + 1] == "1000"
