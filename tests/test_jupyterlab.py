"""The learner's JupyterLab, in a real browser: exercises checked, chapters run, widgets moved, boxes drawn.

One JupyterLab server serves the module: on 127.0.0.1, a free port, a token, rooted in a
temporary copy of ``exercises/`` and ``notebooks/``, with its own settings, workspaces, runtime
and temporary folders, so that the learner's files and JupyterLab settings are neither read nor
changed. Debian's headless Chromium, through Playwright, then does what a learner does: opens a
notebook, types into a cell's editor, presses Shift+Enter, picks from a dropdown, clicks a
button, and reads what JupyterLab shows. Every test opens its own copy of its notebook (a fresh
kernel, no autosaved edits from another test), and its kernels are shut down when it ends; the
server, its kernels and everything they started are stopped with the module.

What a check prints is not written here: the expected verdict is the one the question's own
``evaluate`` gives the same source in this process, and the expected ``%%node`` output is the
one committed in the chapter (which nbval proves equal to a fresh run).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json5
import nbformat
import pytest
from chromium_flags import QUIET_FLAGS
from jupyterlab.commands import get_app_dir
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from course import ROOT, probes, servers, solutions
from course.chapters.polyglot.questions import q1

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]

OVERRIDES = ROOT / "jupyter" / "overrides.d" / "polyglot-ninja.json5"
"""The course's JupyterLab defaults, as shipped (``make setup`` and Binder's postBuild install it)."""
NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"
NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"
WAIT = 90_000
"""Milliseconds any one thing may take to appear before the test fails (an upper bound, not a timing)."""
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUMBERED = re.compile(r"\[\d+\]:")
"""The input prompt of a cell that has run."""


@dataclass(frozen=True)
class Lab:
    """The running JupyterLab: its address, token, and the folder it serves."""

    url: str
    token: str
    root: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API with the token; the decoded JSON answer, or None."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def copy(self, path: str, under: str) -> str:
        """Copy the notebook ``path``'s folder (its data files too) under ``under/``; the copy's path."""
        folder = Path(path).parent
        shutil.copytree(self.root / folder, self.root / under / folder)
        return f"{under}/{path}"

    def shut_down_kernels(self) -> None:
        """End every session: each kernel gets a shutdown request, so its own clean-up runs."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "course"
    for folder in ("exercises", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = {}
    for variable, folder in {
        "JUPYTERLAB_SETTINGS_DIR": "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
        "TMPDIR": "tmp",
    }.items():
        (base / folder).mkdir()
        env[variable] = str(base / folder)
    token, port = secrets.token_hex(16), servers.free_port()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={root}", *(["--allow-root"] if os.geteuid() == 0 else [])]
    django_settings = [name for name in os.environ if name.startswith("DJANGO_")]  # the suite's, not a kernel's
    server = servers.start_process(
        command, port=port, env=env, unset=django_settings, probe=probes.http("/api"), timeout=60
    )
    lab = Lab(server.url, token, root)
    try:
        yield lab
    finally:
        try:
            lab.shut_down_kernels()
        finally:
            server.stop()


@pytest.fixture(autouse=True)
def _kernels_shut_down_after_each_test(lab: Lab) -> Iterator[None]:
    yield
    lab.shut_down_kernels()


@pytest.fixture(scope="module")
def browser(require) -> Iterator[Browser]:
    chromium = require("chromium", "sudo apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=QUIET_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (no cookies, no storage); the test fails if JupyterLab raised a JavaScript error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JupyterLab raised JavaScript errors: {errors}"


def open_lab(page: Page, lab: Lab, path: str) -> None:
    """Load JupyterLab on ``path`` (a notebook or a folder), in a workspace of its own (no other tabs restored)."""
    workspace = re.sub(r"\W+", "-", path)
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{path}?token={lab.token}")
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=WAIT)


def kernel_idle(page: Page) -> Locator:
    """The status bar's "Python 3 (ipykernel) | Idle", shown once the current notebook's kernel is ready."""
    return page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$"))


def menu(page: Page, top: str, item: str) -> None:
    """Choose ``item`` from the menu bar's ``top`` menu, as a learner would."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text(top, exact=True).click()
    page.locator(".lm-Menu-content").get_by_text(item, exact=True).click()


class Notebook:
    """An open notebook, its cells found by their index in the file (which JupyterLab's DOM keeps)."""

    def __init__(self, page: Page, lab: Lab, path: str) -> None:
        self.page = page
        self.cells = nbformat.read(lab.root / path, as_version=4).cells
        open_lab(page, lab, path)
        self.panel = page.locator(".jp-NotebookPanel").filter(visible=True)
        # Ready once its kernel is: before that, JupyterLab is still loading the cells and moving
        # the focus, and a click or a key may land on a placeholder cell.
        expect(kernel_idle(page)).to_be_visible(timeout=WAIT)
        expect(self.cell(len(self.cells) - 1)).to_be_attached(timeout=WAIT)

    def index(self, text: str, start: int = 0) -> int:
        """The index of the first code cell from ``start`` whose source contains ``text``."""
        for index, cell in enumerate(self.cells[start:], start):
            if cell.cell_type == "code" and text in cell.source:
                return index
        raise AssertionError(f"no code cell contains {text!r}")

    def cell(self, index: int) -> Locator:
        return self.panel.locator(f'.jp-Cell[data-windowed-list-index="{index}"]')

    def output(self, index: int) -> Locator:
        return self.cell(index).locator(".jp-Cell-outputArea")

    def source(self, index: int) -> str:
        """What the cell's editor shows now."""
        lines = self.cell(index).locator(".cm-line").evaluate_all("lines => lines.map(line => line.textContent)")
        return "\n".join(lines)

    def focus(self, index: int) -> None:
        """Click into the cell's editor (edit mode), as a learner does before typing or running."""
        self.cell(index).locator(".cm-content").click()

    def run(self, *indices: int) -> None:
        """Run each cell with Shift+Enter; wait until JupyterLab has queued it, not until it is done."""
        for index in indices:
            self.focus(index)
            self.page.keyboard.press("Shift+Enter")
            prompt = self.cell(index).locator(".jp-InputPrompt")
            expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]:"), timeout=WAIT)  # queued, running or done


# --- the override: no news popup ---------------------------------------------------------------


def test_the_course_settings_stop_the_jupyter_news_popup(lab: Lab, page: Page) -> None:
    """Installed, in effect, and the reason the popup is missing: it appears once a user setting asks again."""
    installed = Path(get_app_dir()) / "settings" / "overrides.d" / OVERRIDES.name
    assert installed.is_file(), f"{installed} is missing: run `make setup` (it installs {OVERRIDES.relative_to(ROOT)})"
    assert installed.read_text() == OVERRIDES.read_text(), f"{installed} is out of date: run `make setup`"
    shipped = json5.loads(OVERRIDES.read_text())[NOTIFICATION_PLUGIN]
    assert shipped == {"fetchNews": "false", "checkForUpdates": False}

    schema = lab.api("GET", f"/lab/api/settings/{NOTIFICATION_PLUGIN}")["schema"]["properties"]
    assert {name: schema[name]["default"] for name in shipped} == shipped, "the server does not apply the override"

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    notebook = Notebook(page, lab, lab.copy("exercises/01-metaclasses.ipynb", under="news"))
    setup = notebook.index("import q1")
    notebook.run(setup)  # a kernel round trip: long after the startup checks would have asked
    expect(notebook.cell(setup).locator(".jp-InputPrompt")).to_have_text("[1]:", timeout=WAIT)
    expect(page.get_by_text(NEWS_QUESTION)).to_have_count(0)
    asked = [url for url in requested if re.search(r"/lab/api/(news|update)\b", url)]
    assert not asked, f"JupyterLab asked for news or updates: {asked}"

    # The control: a user setting that asks again ("none") brings the popup back on the next load.
    setting = f"/lab/api/settings/{NOTIFICATION_PLUGIN}"
    lab.api("PUT", setting, {"raw": json.dumps({"fetchNews": "none"})})
    try:
        page.reload()
        expect(page.get_by_text(NEWS_QUESTION)).to_be_visible(timeout=WAIT)
    finally:
        lab.api("PUT", setting, {"raw": "{}"})


# --- an exercise, answered three ways ---------------------------------------------------------


def type_wrong_answer(notebook: Notebook, answer: int) -> None:
    """Replace the placeholder line, key by key: select it (End, Shift+Home) and type over it."""
    notebook.cell(answer).locator(".cm-line", has_text="raise NotImplementedError()").click()
    notebook.page.keyboard.press("End")
    notebook.page.keyboard.press("Shift+Home")
    notebook.page.keyboard.type("return [sum(numbers)]")


def paste_reference_answer(notebook: Notebook, answer: int) -> None:
    """Select the whole cell and put the solution notebook's answer in, in one input (as a paste does)."""
    notebook.focus(answer)
    notebook.page.keyboard.press("ControlOrMeta+a")
    notebook.page.keyboard.insert_text(solutions.reference(q1).source)


@pytest.mark.parametrize(
    ("attempt", "status"), [("untouched", "not_attempted"), ("wrong", "incorrect"), ("correct", "correct")]
)
def test_an_exercise_is_checked_in_jupyterlab(lab: Lab, page: Page, attempt: str, status: str) -> None:
    """Chapter 00's question 1: what the learner's cell holds decides what q1.check() shows under it."""
    notebook = Notebook(page, lab, lab.copy("exercises/00-polyglot.ipynb", under=attempt))
    setup, answer = notebook.index("import q1"), notebook.index("# YOUR CODE HERE")
    check = notebook.index("q1.check()", start=answer)
    placeholder = notebook.cells[answer].source
    assert "raise NotImplementedError()" in placeholder and notebook.source(answer) == placeholder

    expected_source = {
        "untouched": placeholder,
        "wrong": placeholder.replace("raise NotImplementedError()", "return [sum(numbers)]"),
        "correct": solutions.reference(q1).source,
    }[attempt]
    if attempt == "wrong":
        type_wrong_answer(notebook, answer)
    elif attempt == "correct":
        paste_reference_answer(notebook, answer)
    assert notebook.source(answer) == expected_source, "the editor does not hold what was typed"

    namespace: dict[str, Any] = {}
    exec(expected_source, namespace)  # the same answer, judged here by the question itself
    verdict = q1.evaluate(namespace["running_total"])
    assert verdict.status == status, verdict

    notebook.run(setup, answer, check)
    expect(notebook.output(check)).to_have_text(str(verdict), timeout=WAIT)  # "✅ Correct", "❌ Incorrect: …"


# --- a chapter run whole: %%node cells -------------------------------------------------------


@pytest.mark.node
def test_chapter_00_runs_whole_and_its_node_cells_print_what_the_book_shows(lab: Lab, page: Page) -> None:
    """Edit → Clear Outputs, Run → Run All: every cell runs once, in order, and each %%node cell prints its output."""
    notebook = Notebook(page, lab, lab.copy("notebooks/00-polyglot.ipynb", under="run-all"))
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    node_cells = {
        index: ANSI.sub(
            "", "".join(output.text for output in notebook.cells[index].outputs if output.get("name") == "stdout")
        )
        for index in code
        if notebook.cells[index].source.startswith("%%node")
    }
    assert len(node_cells) >= 5 and all(node_cells.values())

    menu(page, "Edit", "Clear Outputs of All Cells")
    expect(notebook.panel.locator(".jp-OutputArea-output")).to_have_count(0)
    menu(page, "Run", "Run All Cells")
    try:  # Run All runs the cells in order and stops at an error: the last one numbered means all ran
        expect(notebook.cell(code[-1]).locator(".jp-InputPrompt")).to_have_text(NUMBERED, timeout=WAIT)
    except AssertionError:
        prompts = [notebook.cell(index).locator(".jp-InputPrompt").text_content() for index in code]
        ran = [index for index, prompt in zip(code, prompts, strict=True) if NUMBERED.fullmatch(prompt)]
        last = f"cell {ran[-1]}, which shows:\n{notebook.output(ran[-1]).text_content()}" if ran else "no cell"
        raise AssertionError(f"Run All stopped after {last}") from None
    prompts = [notebook.cell(index).locator(".jp-InputPrompt").text_content() for index in code]
    assert prompts == [f"[{number}]:" for number in range(1, len(code) + 1)], "not every cell ran once, in order"
    for index, printed in node_cells.items():
        shown = notebook.output(index).text_content()
        assert shown.strip() == printed.strip(), f"cell {index} ({notebook.cells[index].source.splitlines()[0]})"


# --- a widget, moved ---------------------------------------------------------------------------


def test_chapter_04_widget_renders_and_answers_a_new_choice(lab: Lab, page: Page) -> None:
    """The size and chunk dropdowns of chapter 04, run from the chapter's own cells, measure what is picked."""
    notebook = Notebook(page, lab, lab.copy("notebooks/04-streaming-downloads.ipynb", under="widget"))
    host = notebook.index("host = start_download_host()")
    measure = notebook.index("def measure_streamed(")
    control = notebook.index("widgets.interact_manual(")

    menu(page, "Edit", "Clear Outputs of All Cells")
    expect(notebook.panel.locator(".jp-OutputArea-output")).to_have_count(0)
    notebook.run(host, measure, control)
    expect(notebook.output(measure)).to_have_text(re.compile(r"64 MiB in 64 KiB chunks: peak"), timeout=WAIT)

    widget = notebook.output(control).locator(".widget-interact")
    expect(widget).to_be_visible(timeout=WAIT)  # drawn by the widget manager, not its text/plain stand-in
    expect(notebook.output(control)).not_to_contain_text("interactive(children=")
    size, chunk = widget.get_by_label("size (MiB)"), widget.get_by_label("chunk size")
    expect(size).to_have_value("64")
    expect(chunk).to_have_value("1 MiB")
    printed = widget.locator(".widget-output")
    expect(printed).to_have_text("")  # interact_manual waits for the button

    widget.get_by_role("button", name="Run Interact").click()
    expect(printed).to_have_text(
        re.compile(r"^64 MiB in chunks of 1,048,576 B: peak [\d.]+ MiB, \d+ MB/s\s*$"), timeout=WAIT
    )
    size.select_option("16")
    chunk.select_option("64 KiB")
    widget.get_by_role("button", name="Run Interact").click()
    expect(printed).to_have_text(
        re.compile(r"^16 MiB in chunks of 65,536 B: peak [\d.]+ MiB, \d+ MB/s\s*$"), timeout=WAIT
    )


# --- MyST boxes --------------------------------------------------------------------------------

BOX = re.compile(
    r"^(`{3,}|:{3,})\{(admonition|note|tip|hint|important|seealso|warning|caution|attention|danger|error)\}(.*)$",
    re.MULTILINE,
)


def test_every_chapters_myst_boxes_are_drawn_as_boxes(lab: Lab, page: Page) -> None:
    """Each ```{admonition} of every chapter: a box (jupyterlab-myst), with its title, not the raw directive."""
    open_lab(page, lab, "notebooks")
    checked = 0
    for path in sorted((lab.root / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        boxes = {
            index: [(kind, title.strip() or kind.capitalize()) for _, kind, title in BOX.findall(cell.source)]
            for index, cell in enumerate(cells)
            if cell.cell_type == "markdown" and BOX.search(cell.source)
        }
        page.locator(".jp-DirListing-item").filter(has_text=path.name).dblclick()
        # Its tabs stay open (closing one while its kernel still connects is an error in JupyterLab):
        # its own panel is found through its tab.
        tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab").filter(has_text=path.name)
        expect(tab).to_have_class(re.compile(r"\blm-mod-current\b"), timeout=WAIT)
        panel = page.locator(f'.jp-NotebookPanel[id="{tab.get_attribute("data-id")}"]')
        expect(panel).to_be_visible()
        for index, expected in boxes.items():
            cell = panel.locator(f'.jp-Cell[data-windowed-list-index="{index}"]')
            cell.scroll_into_view_if_needed(timeout=WAIT)
            rendered = cell.locator(".jp-Cell-inputArea > :not(.jp-InputPrompt):not(.jp-Editor)")
            drawn = rendered.locator(".myst-admonition")
            expect(drawn).to_have_count(len(expected), timeout=WAIT)
            expect(rendered).not_to_contain_text(re.compile(r"```|:::\{"))
            for box, (_, title) in zip(drawn.all(), expected, strict=True):
                expect(box).to_be_visible()
                expect(box.locator(".myst-admonition-header").first).to_have_text(title)
                expect(box).to_have_css("border-left-width", re.compile(r"^[1-9]"))  # drawn, with a coloured edge
                checked += 1
    assert checked >= len(list((lab.root / "notebooks").glob("*.ipynb"))), "every chapter opens with a box"
