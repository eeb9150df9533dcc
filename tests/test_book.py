"""The book: a strict build, and a real headless Chromium looking at every page.

The build uses the outputs committed in the notebooks (nbval proves, in the
same test run, that they equal a fresh execution), so no notebook is executed
twice. A separate small book with the course's own configuration proves that a
notebook raising an error fails the build.
"""

import os
import re
import subprocess
import sys
import tomllib
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import nbformat
import pytest
import yaml
from chromium_flags import QUIET_FLAGS

from course import ROOT
from course.servers import start_thread

JB = [str(Path(sys.executable).parent / "jupyter-book")]
CHROMIUM_FLAGS = ["--headless", *QUIET_FLAGS, "--hide-scrollbars"]
REPOSITORY = "polyglot-ninja/executable-course"
pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]  # the first test also pays for the book build


def toc_files() -> list[str]:
    """Every file the table of contents lists, without its suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return found


PAGES = toc_files()
NOTEBOOK_PAGES = [page for page in PAGES if (ROOT / f"{page}.ipynb").exists()]


def build(source: Path, config: dict, output: Path, toc: Path | None = None) -> subprocess.CompletedProcess:
    config_path = output / "_config.yml"
    config_path.write_text(yaml.safe_dump(config))
    command = [*JB, "build", str(source), "--config", str(config_path), "--path-output", str(output)]
    command += ["--toc", str(toc)] if toc else []
    command += ["-W", "-n", "--keep-going"]
    env = {**os.environ, "TMPDIR": str(output)}  # Sphinx writes its crash log there, not into /tmp
    return subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"  # outputs are committed and checked by nbval
    done = build(ROOT, config, output)
    assert done.returncode == 0, f"book build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return output / "_build" / "html"


@pytest.fixture(scope="module")
def site(html):
    handler = partial(SimpleHTTPRequestHandler, directory=str(html))
    handler.log_message = lambda *args: None
    with start_thread(lambda addr: ThreadingHTTPServer(addr, handler)) as server:
        yield server.url


@pytest.fixture(scope="module")
def chromium(require) -> str:
    return require("chromium", "sudo apt-get install chromium")


class Page(HTMLParser):
    """What the rendered DOM holds: title, headings, outputs, images, links."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.h1: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.output_images: list[str] = []
        self.outputs = 0
        self.output_tables = 0
        self._in: list[str] = []
        self._output_depth: list[int] = []
        self._depth = 0
        self.dom = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag not in {"br", "img", "meta", "link", "input", "hr", "source", "wbr"}:
            self._depth += 1
        if "cell_output" in classes:
            self.outputs += 1
            self._output_depth.append(self._depth)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "table" and self._output_depth:
            self.output_tables += 1
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
            if self._output_depth:
                self.output_images.append(attrs["src"])
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag not in {"br", "img", "meta", "link", "input", "hr", "source", "wbr"}:
            if self._output_depth and self._output_depth[-1] == self._depth:
                self._output_depth.pop()
            self._depth -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "title" in self._in[-1:]:
            self.title += data
        elif "h1" in self._in:
            self.h1.append(data.strip())


def render(chromium: str, url: str, tmp: Path, screenshot: Path) -> Page:
    profile = tmp / "profile"
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = subprocess.run(
        [*base, f"--screenshot={screenshot}", "--window-size=1280,2200", url], capture_output=True, timeout=120
    )
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000
    page = Page()
    page.feed(dom.stdout)
    page.dom = dom.stdout
    return page


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_in_chromium(page, html, site, chromium, tmp_path):
    screenshots = ROOT / "_build" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    url = f"{site}/{page}.html"
    rendered = render(chromium, url, tmp_path, screenshots / f"{page.replace('/', '--')}.png")

    assert rendered.title.strip() and "Polyglot Ninja" in rendered.title
    assert any(text for text in rendered.h1), f"{page}: no visible title"

    for link in rendered.links + rendered.images:
        target = urlparse(urljoin(url, link))
        if target.netloc != urlparse(site).netloc:
            continue
        path = html / target.path.lstrip("/")
        if target.path.endswith("/"):
            path = path / "index.html"
        assert path.exists(), f"{page}: broken internal link {link!r}"

    source = ROOT / f"{page}.ipynb"
    if source.exists():
        notebook = nbformat.read(source, as_version=4)
        has_outputs = any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
        pngs = sum("image/png" in out.get("data", {}) for cell in notebook.cells for out in cell.get("outputs", []))
        if has_outputs:
            assert rendered.outputs > 0, f"{page}: code outputs missing from the page"
        assert len(rendered.output_images) >= pngs, f"{page}: {pngs} plots in the notebook, not all on the page"
        tables = sum(
            "| --- |" in "".join(out.get("data", {}).get("text/markdown", ""))
            for cell in notebook.cells
            for out in cell.get("outputs", [])
        )
        assert rendered.output_tables >= tables, f"{page}: {tables} Markdown tables in outputs, not all rendered"
        for image in rendered.output_images:
            data = (html / urlparse(urljoin(url, image)).path.lstrip("/")).read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{page}: plot {image} is not a PNG"
        binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/{page}.ipynb"
        assert binder in rendered.links, f"{page}: no Binder launch button for {binder}"
        assert any(link.endswith(f"_sources/{page}.ipynb") for link in rendered.links), f"{page}: no download link"
        code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
        assert rendered.dom.count('class="copybtn') >= code_cells, f"{page}: copy buttons missing"
        folding = {"hide-input", "hide-cell"}  # a folded input, or a folded cell
        hidden = sum(bool(folding & set(cell.metadata.get("tags", []))) for cell in notebook.cells)
        folded = len(re.findall(r'<details class="[^"]*\bhide above-input', rendered.dom))
        assert folded == hidden, f"{page}: {hidden} cells should be folded, {folded} are"
        if page.startswith("solutions/"):
            assert hidden > 0, f"{page}: the solutions should be folded away"


CODE_COLUMNS = tomllib.loads((ROOT / "notebooks" / ".ruff.toml").read_text())["line-length"]
"""The notebooks' ruff line length (88), which the book's code boxes are styled to fit (_static/course.css)."""


def test_every_code_line_fits_the_code_box():
    """Long strings too: ruff format leaves them alone and E501 is off for notebooks, so this test counts."""
    too_long = [
        f"{path.relative_to(ROOT)} cell {index}: {len(line)} characters: {line.strip()[:60]}…"
        for folder in ("notebooks", "exercises", "solutions")
        for path in sorted((ROOT / folder).glob("*.ipynb"))
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > CODE_COLUMNS
    ]
    assert not too_long, "code lines wider than the book's code box:\n" + "\n".join(too_long)


@pytest.mark.browser
def test_code_boxes_never_scroll_sideways(html, site, chromium):
    """At common laptop widths every code cell of every notebook page shows its longest line whole."""
    from playwright.sync_api import sync_playwright

    scrolling = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=QUIET_FLAGS)
        try:
            for width in (1200, 1280, 1366, 1440, 1920):
                view = browser.new_page(viewport={"width": width, "height": 900})
                for page in NOTEBOOK_PAGES:
                    view.goto(f"{site}/{page}.html")
                    overflowing = view.evaluate(
                        """() => [...document.querySelectorAll('div.cell_input div.highlight pre')]
                            .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
                            .map(pre => pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a)))"""
                    )
                    scrolling += [f"{width}px {page}: {line.strip()[:60]}…" for line in overflowing]
                view.close()
        finally:
            browser.close()
    assert not scrolling, "code cells that scroll sideways:\n" + "\n".join(scrolling)


def test_every_notebook_is_in_the_table_of_contents():
    on_disk = {
        str(p.relative_to(ROOT).with_suffix(""))
        for d in ("notebooks", "exercises", "solutions")
        for p in (ROOT / d).glob("*.ipynb")
    }
    assert on_disk <= set(PAGES), f"not in _toc.yml: {sorted(on_disk - set(PAGES))}"
    assert all((ROOT / f"{page}.md").exists() or (ROOT / f"{page}.ipynb").exists() for page in PAGES)


def test_an_execution_error_fails_the_build(tmp_path):
    source = tmp_path / "mini"
    source.mkdir()
    (source / "intro.md").write_text("# Mini book\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(notebook, source / "broken.ipynb")
    toc = source / "_toc.yml"
    toc.write_text("format: jb-book\nroot: intro\nchapters:\n  - file: broken\n")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())  # the course's own settings, unchanged
    done = build(source, config, tmp_path, toc)
    assert done.returncode != 0
    assert re.search(r"ZeroDivisionError|Executing notebook failed", done.stdout + done.stderr)
