"""What ``make test`` installs before the tests run: Debian packages (tools/system-packages) and test-only tools.

tools/system-packages runs here with fake ``dpkg-query``, ``apt-get``,
``sudo`` and ``id``: tiny shell scripts on a PATH that holds nothing else but
bash, grep, env and true, so that the real apt-get can never run. Each fake writes
the command it was given to a log, which the tests read.
"""

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions, version
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from course import ROOT, requires
from course.requires import in_ci

SCRIPT = ROOT / "tools" / "system-packages"
PACKAGES = subprocess.run([str(SCRIPT), "--list"], capture_output=True, text=True, check=True).stdout.split()

FAKES = {
    "id": '[ "$1" = -u ] && echo "$FAKE_UID"',
    "dpkg-query": """package="${!#}"  # -W -f='${Status}' PACKAGE
case " $FAKE_INSTALLED " in *" $package "*) printf 'install ok installed'; exit 0 ;; esac
case " $FAKE_REMOVED " in *" $package "*) printf 'deinstall ok config-files'; exit 0 ;; esac
echo "dpkg-query: no packages found matching $package" >&2
exit 1""",
    "apt-get": 'echo "apt-get $* (DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-})" >> "$FAKE_LOG"',
    "sudo": "\n".join(
        [
            'echo "sudo $*" >> "$FAKE_LOG"',
            '[ "$FAKE_SUDO" = yes ] || { echo "sudo: a password is required" >&2; exit 1; }',
            '[ "$1" = -n ] && shift',
            'exec "$@"',
        ]
    ),
}


def run_script(tmp_path: Path, *, uid: int, sudo: bool, installed=(), removed=(), debian=True):
    """Run tools/system-packages with the fakes; its completed process and the fakes' log lines."""
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for program in ("bash", "grep", "env", "true"):
        (fakes / program).symlink_to(shutil.which(program))
    for name, body in FAKES.items():
        if name != "dpkg-query" or debian:
            (fakes / name).write_text(f"#!/bin/bash\n{body}\n")
            (fakes / name).chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    env = {
        "PATH": str(fakes),
        "FAKE_UID": str(uid),
        "FAKE_SUDO": "yes" if sudo else "no",
        "FAKE_INSTALLED": " ".join(installed),
        "FAKE_REMOVED": " ".join(removed),
        "FAKE_LOG": str(log),
    }
    done = subprocess.run([str(fakes / "bash"), str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    return done, log.read_text().splitlines()


INSTALL = "apt-get install -y -q --no-install-recommends"


def test_as_root_it_installs_only_the_missing_packages(tmp_path):
    """As root, does it update the lists and install exactly what is missing (a removed package counts), no sudo?"""
    done, calls = run_script(tmp_path, uid=0, sudo=False, installed=PACKAGES[2:-1], removed=PACKAGES[:1])

    assert done.returncode == 0, done.stderr
    missing = [PACKAGES[0], PACKAGES[1], PACKAGES[-1]]
    assert calls == [
        "apt-get update -q (DEBIAN_FRONTEND=noninteractive)",
        f"apt-get install -y -q --no-install-recommends {' '.join(missing)} (DEBIAN_FRONTEND=noninteractive)",
    ]
    assert " ".join(missing) in done.stdout


def test_with_passwordless_sudo_it_installs_through_sudo(tmp_path):
    """As a user whom ``sudo -n`` lets in, does it install the missing packages through sudo?"""
    done, calls = run_script(tmp_path, uid=1000, sudo=True, installed=PACKAGES[1:])

    assert done.returncode == 0, done.stderr
    assert calls == [
        "sudo -n true",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q",
        "apt-get update -q (DEBIAN_FRONTEND=noninteractive)",
        f"sudo -n env DEBIAN_FRONTEND=noninteractive {INSTALL} {PACKAGES[0]}",
        f"{INSTALL} {PACKAGES[0]} (DEBIAN_FRONTEND=noninteractive)",
    ]


def test_without_root_or_sudo_it_stops_with_the_one_command_to_run(tmp_path):
    """Neither root nor passwordless sudo: does it install nothing, fail, and print the command that fixes it?"""
    done, calls = run_script(tmp_path, uid=1000, sudo=False, installed=PACKAGES[::2])

    assert done.returncode != 0
    assert calls == ["sudo -n true"], "it should only ask whether sudo works without a password"
    commands = [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("sudo ")]
    assert commands == [f"sudo apt-get install -y {' '.join(PACKAGES[1::2])}"], done.stderr


@pytest.mark.parametrize("uid, sudo", [(0, False), (1000, False)])
def test_with_nothing_missing_it_does_nothing(tmp_path, uid, sudo):
    """With every package installed, does it exit 0 without a word, calling neither sudo nor apt-get?"""
    done, calls = run_script(tmp_path, uid=uid, sudo=sudo, installed=PACKAGES)

    assert (done.returncode, done.stdout, done.stderr, calls) == (0, "", "", [])


def test_not_debian_it_says_so_and_goes_on(tmp_path):
    """Without dpkg-query (macOS, say), does it name the packages and let the tests run, installing nothing?"""
    done, calls = run_script(tmp_path, uid=1000, sudo=True, debian=False)

    assert done.returncode == 0 and calls == []
    assert "not a Debian system" in done.stderr and all(package in done.stderr for package in PACKAGES)


def test_it_covers_what_the_tests_need_and_ci_installs_it_first():
    """Are the packages the course tells learners to install there (Docker aside), and does .ci/run install them all?

    .ci/run installs its packages before `make test`, so that the script finds nothing missing in CI.
    """
    named = {re.findall(r"apt-get install ([\w.+-]+)", how)[0] for how in requires.INSTALL.values()}
    assert named - {"docker.io"} <= set(PACKAGES), "a program the tests need is not installed by the script"
    assert {"chromium", "fonts-dejavu-core", "fonts-noto-color-emoji", "curl"} <= set(PACKAGES)
    ci = re.search(r"^packages=\(([^)]*)\)", (ROOT / ".ci" / "run").read_text(), re.M)
    assert ci and set(PACKAGES) <= set(ci[1].split()), ".ci/run should install every package first"


def pins(name: str) -> dict[str, str]:
    """The exact pins of a compiled requirements file (canonical name → version); every line must be one."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            specifiers = list(requirement.specifier)
            assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{name}: not an exact pin: {line}"
            found[canonicalize_name(requirement.name)] = specifiers[0].version
    return found


COURSE, TESTS = pins("requirements.txt"), pins("requirements-test.txt")
UV = Path(sys.executable).with_name("uv")
COMPILED = {
    "requirements.txt": ["pyproject.toml", "requirements.in"],
    "requirements-test.txt": ["requirements-test.in"],
}
"""Each compiled file and its sources, as ``make requirements`` compiles them."""


def compile_requirements(output: str, folder: Path, sources: list[str] | None = None) -> Path:
    """Compile ``output`` from its sources as ``make requirements`` does, but offline and into ``folder``.

    Like ``make requirements``, the compiled file's current pins are kept where the sources still
    allow them (uv reads them from the output file), so the result equals the committed file exactly
    when nothing was added, removed or re-bounded since it was compiled. uv's cache holds every pinned
    package, because ``make setup`` installs with uv, so no network is used.
    """
    target = folder / output
    shutil.copy(ROOT / output, target)
    uv, *options = shlex.split(makefile_compile_command())
    assert uv == "$(UV)", f"the Makefile's COMPILE should start with $(UV), not {uv}"
    command = [str(UV), *options, "--offline", *(sources or COMPILED[output]), "-o", str(target)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "network connectivity is disabled" in done.stderr.lower():
        message = f"uv's cache lacks a package: `make setup` fills it ({done.stderr.strip()})"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    assert done.returncode == 0, done.stderr
    return target


def makefile_compile_command() -> str:
    """The options ``make requirements`` passes to uv, from the Makefile, so the test compiles the same way."""
    return re.search(r"^COMPILE := (.*)$", (ROOT / "Makefile").read_text(), re.M)[1]


@pytest.mark.parametrize("output", COMPILED)
def test_each_requirements_file_is_what_compiling_its_sources_gives(output, tmp_path):
    """Is requirements.txt (and requirements-test.txt) exactly what `make requirements` would write today?"""
    assert "--python-version 3.11" in makefile_compile_command() and "make requirements" in makefile_compile_command()
    compiled = compile_requirements(output, tmp_path)
    assert compiled.read_text() == (ROOT / output).read_text(), f"{output} is stale: run `make requirements`"
    assert (
        (ROOT / output)
        .read_text()
        .startswith("# This file was autogenerated by uv via the following command:\n#    make requirements\n")
    ), f"{output}'s header should say how to regenerate it"


def test_a_source_changed_without_recompiling_is_caught(tmp_path):
    """Does the comparison notice a requirement dropped from requirements.in (so that the test above can fail)?"""
    source = tmp_path / "requirements.in"
    source.write_text(re.sub(r"^uv.*$", "", (ROOT / "requirements.in").read_text(), flags=re.M))
    compiled = compile_requirements("requirements.txt", tmp_path, ["pyproject.toml", str(source)])
    assert "uv==" in (ROOT / "requirements.txt").read_text() and "uv==" not in compiled.read_text()


def test_shared_packages_have_one_pin():
    """Is every package that both files pin pinned at the same version (requirements-test.in is constrained)?"""
    differ = {name: (COURSE[name], TESTS[name]) for name in COURSE.keys() & TESTS.keys() if COURSE[name] != TESTS[name]}
    assert not differ, differ


def declared() -> set[str]:
    """The direct dependencies named by the sources: pyproject.toml's dependencies and requirements.in."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    tools = [line.split("#")[0].strip() for line in (ROOT / "requirements.in").read_text().splitlines()]
    return {canonicalize_name(Requirement(line).name) for line in [*project, *tools] if line}


def imported_modules() -> dict[str, str]:
    """Top-level modules imported by the course package and by the code cells of the committed notebooks."""
    found: dict[str, str] = {}

    def scan(source: str, where: str) -> None:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], where)

    for path in sorted((ROOT / "course").rglob("*.py")):
        scan(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    for path in sorted([*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb")]):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and not cell.source.startswith("%%"):  # cell magics, magics, shell: not Python
                code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                scan(code, str(path.relative_to(ROOT)))
    return found


def undeclared(modules: dict[str, str], direct: set[str]) -> list[str]:
    """The installed distributions that provide an imported module but are not direct dependencies."""
    owners = packages_distributions()
    missing = set()
    for module, where in modules.items():
        if module in sys.stdlib_module_names or module == "course":
            continue
        for owner in owners.get(module, []):  # a module no distribution provides is the notebook's own
            if canonicalize_name(owner) not in direct | {"polyglot-ninja-course"}:
                missing.add(f"{owner} (imported as {module} in {where})")
    return sorted(missing)


def test_every_package_the_course_imports_is_a_direct_dependency():
    """Is each package that course/ or a notebook imports named in pyproject.toml or requirements.in?"""
    missing = undeclared(imported_modules(), declared())
    assert not missing, f"add to [project] dependencies in pyproject.toml, then `make requirements`: {missing}"


def test_an_undeclared_import_is_reported():
    """Does the check name a package that is imported but missing from the sources (so that it can fail)?"""
    found = undeclared({"requests": "course/x.py", "chat": "notebooks/08.ipynb"}, declared() - {"requests"})
    assert found == ["requests (imported as requests in course/x.py)"]


def installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def test_installing_the_test_tools_changed_no_pin_of_requirements_txt():
    """In this environment, with the test tools installed, is every package at the version requirements.txt pins?"""
    if any(installed(name) is None for name in TESTS):
        message = "the test tools are not installed: make test installs requirements-test.txt"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    wrong = {name: (pin, installed(name)) for name, pin in {**COURSE, **TESTS}.items() if installed(name) != pin}
    assert not wrong, f"installed versions that differ from the pins (pin, installed): {wrong}"


def test_every_dependency_of_the_test_tools_is_pinned():
    """Is every package the test tools depend on (on this Python and platform) pinned in one file or the other?"""
    if any(installed(name) is None for name in TESTS):
        message = "the test tools are not installed: make test installs requirements-test.txt"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    unpinned = set()
    for name in TESTS:
        for line in distribution(name).requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                if canonicalize_name(requirement.name) not in COURSE.keys() | TESTS.keys():
                    unpinned.add(f"{requirement.name} (for {name})")
    assert not unpinned, f"add to requirements-test.txt: {sorted(unpinned)}"


def test_make_test_installs_the_test_tools_and_the_system_packages():
    """Does the Makefile's test target run tools/system-packages and install requirements-test.txt (setup does not)?"""
    plan = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert "tools/system-packages" in lines and any("-r requirements-test.txt" in line for line in lines)
    assert lines.index("tools/system-packages") < min(i for i, line in enumerate(lines) if "pytest" in line)
    setup = subprocess.run(["make", "-n", "-B", "setup"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "requirements-test.txt" not in setup.stdout and "system-packages" not in setup.stdout
    assert os.access(SCRIPT, os.X_OK)
