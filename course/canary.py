"""The canary: every notebook on the newest versions the course allows, compared with today's outputs.

The pins in requirements.txt never see an upgrade, so on their own they cannot tell when a new
release of requests, Django, DRF or Channels changes what a chapter asserts. ``make test-latest``
runs this module, which

1. compiles pyproject.toml's dependencies and requirements.in with ``--upgrade`` (the newest
   release each bound allows) into ``_build/canary/requirements-latest.txt``;
2. installs them, and the course itself (editable), into a fresh virtual environment,
   ``_build/canary/venv``;
3. runs every chapter notebook and every solution notebook there with nbval in strict mode, the
   way ``make test`` does: each cell's output must equal the committed one, and each solution's
   checks must still say Correct;
4. writes ``_build/canary/report.md``: the packages that moved (pinned → newest), then each cell
   that failed or changed its output, named by chapter and section, with the prose just above it:
   the claim that the cell backs up.

It exits with 1 when a cell failed or changed, so that a scheduled CI run fails visibly.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import ROOT, chapters

FOLDER = ROOT / "_build" / "canary"
NOTEBOOK_FOLDERS = ("notebooks", "solutions")
ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")  # colour codes; the JUnit XML writes ESC as "#x1B"


@dataclass(frozen=True)
class Finding:
    """One notebook cell that failed or whose output changed on the newest versions."""

    notebook: str
    """The notebook's path from the repository root, ``notebooks/04-streaming-downloads.ipynb``."""
    cell: int
    """nbval's number for the cell: its position among the notebook's code cells, from 0."""
    kind: str
    """``"failed"`` (the cell raised) or ``"changed"`` (it ran, but its output differs)."""
    detail: str
    """The end of the traceback, or the first lines of the output's difference."""


def read_pins(path: Path) -> dict[str, str]:
    """The exact pins (``name==version`` lines) of a compiled requirements file, by canonical name."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        pin = re.fullmatch(r"([A-Za-z0-9][\w.-]*)==(\S+)", line.split("#")[0].strip())
        if pin:
            pins[re.sub(r"[-_.]+", "-", pin[1]).lower()] = pin[2]  # the canonical name (PEP 503)
    return pins


def moved(pinned: dict[str, str], latest: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(package, pinned, latest)`` for each package whose version differs; ``"—"`` where one side lacks it."""
    names = sorted(pinned.keys() | latest.keys())
    return [
        (name, pinned.get(name, "—"), latest.get(name, "—")) for name in names if pinned.get(name) != latest.get(name)
    ]


def upgrade(folder: Path, compile_command: list[str]) -> Path:
    """Compile the newest versions the sources allow (this needs PyPI) and return the compiled file.

    ``compile_command`` is how ``make requirements`` compiles (the Makefile passes it), so the canary
    resolves for the same Python; ``--upgrade`` then ignores today's pins.
    """
    target = folder / "requirements-latest.txt"
    command = [*compile_command, "--upgrade", "pyproject.toml", "requirements.in", "-o", str(target)]
    subprocess.run(command, cwd=ROOT, check=True)
    return target


def environment(folder: Path, uv: Path, requirements: Path) -> Path:
    """A fresh virtual environment with ``requirements`` and the course (editable); its Python."""
    venv = folder / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [str(uv), "pip", "install", "--quiet", "--python", str(python)]
    subprocess.run([*install, "-r", str(requirements)], cwd=ROOT, check=True)
    subprocess.run([*install, "--no-deps", "--editable", "."], cwd=ROOT, check=True)
    return python


def run_notebooks(python: Path, junit: Path, paths: list[str], nbval: list[str]) -> int:
    """Run ``paths`` with nbval (its options as ``make test`` gives them) in the environment of ``python``.

    Returns pytest's exit status.
    """
    command = [str(python), "-m", "pytest", *nbval, "-q", f"--junitxml={junit}", *paths]
    return subprocess.run(command, cwd=ROOT).returncode


def findings(junit: Path) -> list[Finding]:
    """The failed and changed cells recorded in pytest's JUnit XML report, in the order they ran."""
    found = []
    for case in ElementTree.parse(junit).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        if problem is None or match is None:
            continue
        text = ANSI.sub("", f"{problem.get('message', '')}\n{problem.text or ''}")
        notebook = notebook_of(case.get("classname", ""), case.get("file"))
        kind = "changed" if "Cell outputs differ" in text else "failed"
        found.append(Finding(notebook, int(match[1]), kind, summary(text, kind)))
    return found


def notebook_of(classname: str, file: str | None) -> str:
    """The notebook path of a JUnit test case (``notebooks.04-streaming-downloads.ipynb`` → a path)."""
    if file:
        return file
    stem = classname.rsplit(".ipynb", 1)[0]
    folder, _, name = stem.partition(".")
    return f"{folder}/{name}.ipynb" if name else classname


def summary(text: str, kind: str, lines: int = 12) -> str:
    """A few telling lines: the output's difference, or the exception that ended the traceback."""
    body = [line.rstrip() for line in text.splitlines() if line.strip()]
    if kind == "changed":
        start = next((i for i, line in enumerate(body) if "mismatch" in line or line.startswith(("+", "-"))), 0)
        return "\n".join(body[start : start + lines])
    errors = [line for line in body if re.match(r"^\s*[A-Za-z_][\w.]*(Error|Exception|Problem|Failed)\b", line)]
    return (errors[-1] if errors else "\n".join(body[-3:])).strip()


def locate(notebook: Path, cell: int) -> tuple[str, str]:
    """The section heading above code cell number ``cell``, and the prose just before it (its claim)."""
    section, claim, seen = "", "", -1
    for entry in nbformat.read(notebook, as_version=4).cells:
        if entry.cell_type == "markdown":
            headings = re.findall(r"^#{1,4}\s+(.+)$", entry.source, re.M)
            section = headings[-1].strip() if headings else section
            paragraphs = [part for part in re.split(r"\n\s*\n", entry.source) if not part.lstrip().startswith("#")]
            claim = paragraphs[-1] if paragraphs else claim
        elif entry.cell_type == "code":
            seen += 1
            if seen == cell:
                return section, " ".join(claim.split())
    raise ValueError(f"{notebook} has no code cell number {cell}")


def chapter_name(notebook: str) -> str:
    """``04 · Streaming downloads`` (or ``… (solutions)``) for a notebook path."""
    path = Path(notebook)
    for chapter in chapters.chapters():
        if chapter.stem == path.stem:
            suffix = " (solutions)" if path.parent.name == "solutions" else ""
            return f"{chapter.code} · {chapter.title}{suffix}"
    return notebook


def report(
    packages: list[tuple[str, str, str]], found: list[Finding], ran: list[str], seconds: float, status: int
) -> str:
    """The canary's report in Markdown, for a person: what moved, what broke, and which claim each break guards."""
    lines = ["# Canary: the course on the newest versions it allows", ""]
    notebooks = f"{len(ran)} notebook{'s' * (len(ran) != 1)}"
    lines.append(
        f"Python {sys.version.split()[0]}: {notebooks} run with nbval in {seconds:.0f} s, "
        "each output compared with the committed one."
    )
    lines += ["", f"## Packages that differ from requirements.txt ({len(packages)})", ""]
    if packages:
        lines += ["| package | pinned | newest allowed |", "| --- | --- | --- |"]
        lines += [f"| {name} | {old} | {new} |" for name, old, new in packages]
    else:
        lines.append("None: every pin already is the newest version its bound allows.")
    failed = [finding for finding in found if finding.kind == "failed"]
    lines += ["", f"## Cells that failed ({len(failed)}) or changed ({len(found) - len(failed)})", ""]
    if not found and status not in (0, 1):
        lines.append(f"The notebooks could not be run (pytest exited with {status}): see the log above.")
    elif not found:
        lines.append("None: every cell ran and printed what the committed notebook shows.")
    for notebook in dict.fromkeys(finding.notebook for finding in found):
        lines += [f"### {chapter_name(notebook)}: `{notebook}`", ""]
        for finding in (finding for finding in found if finding.notebook == notebook):
            section, claim = locate(ROOT / notebook, finding.cell)
            lines.append(f"- **Cell {finding.cell}**, {finding.kind}, in section *{section or '(top)'}*")
            lines.append(f"  - the claim it guards: “{claim[:400]}”")
            legend = " (`+` the committed output, `-` the new one)" if finding.kind == "changed" else ""
            lines += [f"  - what happened{legend}:", "", "    ```text"]
            lines += [f"    {line}" for line in finding.detail.splitlines()] + ["    ```", ""]
    verdict = "passed: no claim changed" if status == 0 else "FAILED: see the cells above"
    lines += ["", f"**Verdict: {verdict}.**", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.canary", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=list(NOTEBOOK_FOLDERS), help="notebooks or folders to run")
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where the environment and report go")
    parser.add_argument("--reuse", action="store_true", help="reuse the environment of the last run")
    parser.add_argument(
        "--compile", required=True, help="the compile command of `make requirements` (from the Makefile)"
    )
    parser.add_argument("--nbval", required=True, help="the nbval options of `make test` (from the Makefile)")
    options = parser.parse_args(argv)
    folder: Path = options.folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    uv = Path(sys.executable).with_name("uv")
    python = folder / "venv" / "bin" / "python"
    latest = folder / "requirements-latest.txt"
    if not (options.reuse and python.exists() and latest.exists()):
        latest = upgrade(folder, shlex.split(options.compile))
        python = environment(folder, uv, latest)
    packages = moved(read_pins(ROOT / "requirements.txt"), read_pins(latest))
    print(f"{len(packages)} packages differ from the pins; running the notebooks …", flush=True)
    junit = folder / "junit.xml"
    started = time.monotonic()
    status = run_notebooks(python, junit, options.paths, shlex.split(options.nbval))
    seconds = time.monotonic() - started
    found = findings(junit) if junit.exists() else []
    ran = _notebooks(options.paths)
    text = report(packages, found, ran, seconds, status)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "findings.json").write_text(json.dumps([finding.__dict__ for finding in found], indent=1))
    print(text)
    return 0 if status == 0 else 1


def _notebooks(paths: list[str]) -> list[str]:
    """The notebooks named by ``paths`` (files or folders), as paths from the repository root."""
    found = []
    for path in paths:
        full = ROOT / path
        found += [str(p.relative_to(ROOT)) for p in sorted(full.glob("*.ipynb"))] if full.is_dir() else [path]
    return found


if __name__ == "__main__":
    sys.exit(main())
