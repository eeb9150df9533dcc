"""The book: a strict build, and a real headless Chromium looking at every page.

The build uses the outputs committed in the notebooks (nbval proves, in the
same test run, that they equal a fresh execution), so no notebook is executed
twice. A separate small book with the course's own configuration proves that a
notebook raising an error fails the build. The same build, served as GitHub
Pages serves it (under the base URL's path), shows what the published site adds:
the 404 page, the social preview tags, the sitemap, launch and download links,
all derived from the two URLs of ``_config.yml``.
"""

import importlib.util
import os
import re
import struct
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from functools import partial
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse, urlsplit
from xml.etree import ElementTree

import nbformat
import pytest
import yaml
from chromium_flags import QUIET_FLAGS
from site_config import (
    BRANCH,
    CONFIG,
    REPOSITORY,
    REPOSITORY_URL,
    SITE_PREFIX,
    SITE_URL,
    book_config,
    build_tmpdir,
    page_source,
    site_urls,
)

from course import ROOT
from course.servers import start_thread

JB = [str(Path(sys.executable).parent / "jupyter-book")]
CHROMIUM_FLAGS = ["--headless", *QUIET_FLAGS, "--hide-scrollbars"]
SOCIAL_CARD = ROOT / "_static" / "social-card.png"
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
    with build_tmpdir(output) as tmpdir:  # Sphinx's crash log goes to output, not into /tmp
        env = {**os.environ, "TMPDIR": tmpdir}
        return subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("book")
    config = book_config()
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
        binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{page}.ipynb"
        assert binder in rendered.links, f"{page}: no Binder launch button for {binder}"
        assert any(link.endswith(f"_sources/{page}.ipynb") for link in rendered.links), f"{page}: no download link"
        removed = {"remove-cell", "remove-input"}  # a cell the book does not show has no copy button
        code_cells = sum(
            cell.cell_type == "code" and not removed & set(cell.metadata.get("tags", [])) for cell in notebook.cells
        )
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
    config = book_config()  # the course's own settings, unchanged
    done = build(source, config, tmp_path, toc)
    assert done.returncode != 0
    assert re.search(r"ZeroDivisionError|Executing notebook failed", done.stdout + done.stderr)


# The published site. GitHub Pages serves the book under the path of its base URL (html: baseurl in _config.yml,
# e.g. /executable-course/), and answers an address it has no file for with 404.html and status 404.

CHAPTER = "notebooks/04-streaming-downloads"
EXERCISE = "exercises/04-streaming-downloads"
MISSING = ["no/such/page.html", "notebooks/01-old-name/deeper/still/missing.html", "gone"]
"""Addresses the site has no page for, at several depths."""
BOILERPLATE = ("Skip to main content", "Back to top", "Contents", "Print to PDF", "Ctrl+K", "Search")


def load(path: Path):
    """A module of the course that is no package (the book's extension, a tool), loaded from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Head(HTMLParser):
    """A page's ``<title>``, its ``<meta>`` tags by property or name, and its links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.title = ""
        self.meta: dict[str, str] = {}
        self.links: list[str] = []
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content") or ""
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def fetch(url: str) -> tuple[int, bytes]:
    """GET ``url`` on the local server (no proxy from the environment): its status and body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def github_pages(html):
    """The built book served as GitHub Pages serves it; the URL of its root, e.g. http://127.0.0.1:PORT/executable-course/."""

    class Pages(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            path = urlsplit(path).path
            if not path.startswith(SITE_PREFIX):
                return str(html / "404 outside the site")  # no such file: a 404
            return super().translate_path("/" + path.removeprefix(SITE_PREFIX))

        def list_directory(self, path):
            self.send_error(HTTPStatus.NOT_FOUND)  # GitHub Pages lists no folder

        def send_error(self, code, message=None, explain=None):
            if code != HTTPStatus.NOT_FOUND:
                return super().send_error(code, message, explain)
            body = (html / "404.html").read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    handler = partial(Pages, directory=str(html))
    with start_thread(lambda addr: ThreadingHTTPServer(addr, handler)) as server:
        yield server.url + SITE_PREFIX


@pytest.mark.browser
def test_a_missing_page_shows_the_styled_404_page_at_any_depth(html, github_pages, chromium):
    """Any unknown address: status 404, the course's own 404 page with the theme's styles, links that work."""
    from playwright.sync_api import sync_playwright

    heading = next(line[2:] for line in (ROOT / "404.md").read_text().splitlines() if line.startswith("# "))
    screenshots = ROOT / "_build" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    origin = urlsplit(github_pages).netloc
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=QUIET_FLAGS)
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.on("requestfailed", lambda request: failed.append(f"failed: {request.url}"))
            view.on(
                "response",
                lambda response: (
                    failed.append(f"{response.status}: {response.url}")
                    if response.status >= 400 and response.request.resource_type != "document"
                    else None
                ),
            )
            assert view.goto(github_pages + "book/intro.html").status == 200
            font = view.evaluate("getComputedStyle(document.body).fontFamily")
            assert "Times" not in font, f"no theme font on a regular page: {font}"
            for address in MISSING:
                response = view.goto(github_pages + address)
                assert response.status == 404, address
                assert view.locator("main h1").first.inner_text().strip().startswith(heading), address
                sheets = view.evaluate(
                    "() => [...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])"
                )
                theme = [rules for href, rules in sheets if "/_static/styles/pydata-sphinx-theme.css" in href]
                assert theme and theme[0] > 100, f"{address}: the theme's stylesheet did not load: {sheets}"
                assert view.evaluate("getComputedStyle(document.body).fontFamily") == font, address
                chapters = view.locator(".bd-sidebar-primary a.reference").count()
                assert chapters >= len(PAGES) - 1, f"{address}: the chapter list is missing from the sidebar"
                local = [failure for failure in failed if origin in failure]
                assert not local, f"{address}: {local}"
            view.screenshot(path=str(screenshots / "404.png"))

            links = view.evaluate("() => [...document.querySelectorAll('a[href]:not([href^=\"#\"])')].map(a => a.href)")
            for link in {link.split("#")[0] for link in links if urlsplit(link).netloc == origin}:
                assert fetch(link)[0] == 200, f"the 404 page links to {link}, which is missing"
            with view.expect_navigation() as home:
                view.locator(f'article a[href="{SITE_PREFIX}book/intro.html"]').first.click()  # the text's link
            assert home.value.status == 200 and view.url == github_pages + "book/intro.html"
            assert "Polyglot Ninja" in view.title()
        finally:
            browser.close()


def test_social_preview_tags_of_every_page(html):
    """og:title is the page's title, og:url its address under the base URL, one card for all, a real description."""
    card = SOCIAL_CARD.read_bytes()
    descriptions = {}
    for page in PAGES:
        head = Head((html / f"{page}.html").read_text())
        meta = head.meta
        assert meta["og:title"] == head.title.rsplit(" — ", 1)[0].strip(), page
        assert meta["og:url"] == f"{SITE_URL}{page}.html", page
        assert meta["og:type"] == "website" and meta["twitter:card"] == "summary_large_image", page
        image = meta["og:image"]
        assert image.startswith(SITE_URL), f"{page}: og:image {image} is not under {SITE_URL}"
        assert (html / image.removeprefix(SITE_URL)).read_bytes() == card, f"{page}: og:image is not the card"
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630"), page
        description = meta["og:description"]
        assert len(description) >= 60, f"{page}: og:description too short: {description!r}"
        assert not any(word in description for word in BOILERPLATE), f"{page}: {description!r}"
        descriptions[page] = description
    # Exercises are generated from their solutions, so the two pages of a chapter open with the same words.
    twins = {page.replace("solutions/", "exercises/", 1) for page in PAGES if page.startswith("solutions/")}
    own = {page: text for page, text in descriptions.items() if page not in twins}
    assert len(set(own.values())) == len(own), "pages share a description"
    width, height = struct.unpack(">II", card[16:24])  # the PNG's IHDR chunk
    assert (width, height) == (1200, 630)


def test_the_social_card_is_what_its_script_draws(tmp_path):
    """_static/social-card.png is tools/social_card.py's drawing (re-run it after changing the script)."""
    from PIL import Image, ImageChops, ImageStat

    fresh = tmp_path / "card.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "social_card.py"), str(fresh)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MPLCONFIGDIR": str(tmp_path / "matplotlib")},
    )
    assert done.returncode == 0, done.stderr
    with Image.open(SOCIAL_CARD) as committed, Image.open(fresh) as drawn:
        assert committed.size == drawn.size == (1200, 630)
        difference = ImageChops.difference(committed.convert("RGB"), drawn.convert("RGB"))
        assert max(ImageStat.Stat(difference).mean) < 0.5, "not the script's card: run tools/social_card.py"


def test_the_sitemap_lists_every_page_and_robots_txt_names_it(html):
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(html / "sitemap.xml").getroot()
    listed = [loc.text for loc in root.findall("s:url/s:loc", namespace)]
    assert sorted(listed) == sorted(f"{SITE_URL}{page}.html" for page in PAGES)
    assert all((html / url.removeprefix(SITE_URL)).is_file() for url in listed)
    robots = (html / "robots.txt").read_text().splitlines()
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots


@pytest.mark.parametrize("page", [CHAPTER, EXERCISE])
def test_the_launch_buttons_open_the_page_s_notebook_from_the_repository(page, html):
    links = Head((html / f"{page}.html").read_text()).links
    buttons = CONFIG["launch_buttons"]
    binder = f"{buttons['binderhub_url']}/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{page}.ipynb"
    colab = f"{buttons['colab_url']}/github/{REPOSITORY}/blob/{BRANCH}/{page}.ipynb"
    assert binder in links and colab in links, [link for link in links if "binder" in link or "colab" in link]
    assert (ROOT / f"{page}.ipynb").exists()
    computed = site_urls().launch_links(
        REPOSITORY_URL, BRANCH, f"{page}.ipynb", binderhub_url=buttons["binderhub_url"], colab_url=buttons["colab_url"]
    )
    assert computed == {"binder": binder, "colab": colab}, "the README's launch links are not the book's"


@pytest.mark.parametrize("page, suffix", [(CHAPTER, ".ipynb"), (EXERCISE, ".ipynb"), ("book/setup", ".md")])
def test_the_download_button_serves_the_page_s_source(page, suffix, html, github_pages):
    links = Head((html / f"{page}.html").read_text()).links
    downloads = [link for link in links if link.endswith(f"_sources/{page}{suffix}")]
    assert downloads, f"{page}: no download link for its {suffix}"
    status, body = fetch(urljoin(f"{github_pages}{page}.html", downloads[0]))
    assert status == 200
    assert body == (ROOT / f"{page}{suffix}").read_bytes(), f"{page}: the download is not the source"


def test_the_readme_links_are_generated_from_the_config():
    tool = load(ROOT / "tools" / "readme_links.py")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    readme = (ROOT / "README.md").read_text()
    assert tool.difference(readme, CONFIG, toc) == "", "README.md's links are stale: run tools/readme_links.py"
    assert f"git clone {REPOSITORY_URL}\n" in readme and f"<{SITE_URL}>" in readme


def test_the_readme_check_notices_a_changed_url():
    tool = load(ROOT / "tools" / "readme_links.py")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    readme = (ROOT / "README.md").read_text()
    moved = book_config(
        repository={**CONFIG["repository"], "url": "https://github.com/someone/renamed"},
        html={**CONFIG["html"], "baseurl": "https://someone.github.io/renamed/"},
    )
    diff = tool.difference(readme, moved, toc)
    assert f"-git clone {REPOSITORY_URL}\n" in diff and "+git clone https://github.com/someone/renamed\n" in diff
    assert "+**Read the course online: <https://someone.github.io/renamed/>**" in diff
    assert "https://colab.research.google.com/github/someone/renamed/blob/" in diff


def test_every_derived_url_follows_the_two_settings():
    """Another repository and another site: every value the extension computes follows them."""
    urls = site_urls()
    moved = urls.derive("https://docs.example.org/courses/ninja", "https://gitlab.com/teach/ninja-course.git", "trunk")
    assert moved["html_baseurl"] == moved["ogp_site_url"] == "https://docs.example.org/courses/ninja/"
    assert moved["ogp_image"] == "https://docs.example.org/courses/ninja/_static/social-card.png"
    assert moved["notfound_urls_prefix"] == "/courses/ninja/"
    assert moved["sitemap_url_scheme"] == "{link}"  # no language or version between the base URL and the page
    assert "Sitemap: https://docs.example.org/courses/ninja/sitemap.xml" in moved["robots_txt"].splitlines()
    assert moved["myst_substitutions"] == {
        "repo_url": "https://gitlab.com/teach/ninja-course",
        "repo_name": "ninja-course",
        "repo_branch": "trunk",
        "site_url": "https://docs.example.org/courses/ninja/",
    }
    assert urls.derive("https://someone.github.io", REPOSITORY_URL)["notfound_urls_prefix"] == "/"
    with pytest.raises(ValueError):
        urls.derive("/executable-course/", REPOSITORY_URL)

    committed = urls.derive_from_config_yml(CONFIG)
    assert committed["ogp_site_url"] == SITE_URL and committed["notfound_urls_prefix"] == SITE_PREFIX
    assert committed["myst_substitutions"]["repo_url"] == REPOSITORY_URL

    elsewhere = book_config(
        repository={**CONFIG["repository"], "url": "https://github.com/someone/renamed", "branch": "trunk"},
        html={**CONFIG["html"], "baseurl": "https://someone.github.io/renamed/"},
    )
    for page in sorted((ROOT / "book").glob("*.md")):
        shown = page_source(page, elsewhere)
        assert REPOSITORY_URL not in shown and SITE_URL not in shown, f"{page.name} still names the URL"
        if page_source(page) != page.read_text():
            assert "https://github.com/someone/renamed" in shown, page.name


def test_the_extension_sets_the_urls_before_the_other_extensions_read_them(monkeypatch):
    """config-inited: the values are set before the handlers of sphinx-notfound-page, MyST-NB and the theme
    (priority 500), and the 404 page is put back after sphinx-external-toc left it out (its priority 900)."""
    import notfound.extension
    import sphinx_external_toc
    import sphinx_external_toc.collectors

    # Its setup looks through every object in memory for Sphinx's toctree collector; in this test
    # session those include Django's lazy admin site, which the look would set up. The priorities
    # are all this test needs.
    monkeypatch.setattr(sphinx_external_toc.collectors, "disable_builtin_toctree_collector", lambda app: None)

    class App:
        def __init__(self):
            self.handlers: list[tuple[str, str, int]] = []

        def connect(self, event, handler, priority=500):
            self.handlers.append((event, handler.__name__, priority))

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    def inited(setup) -> dict[str, int]:
        app = App()
        setup(app)
        return {name: priority for event, name, priority in app.handlers if event == "config-inited"}

    urls = site_urls()
    ours = inited(urls.setup)
    assert ours["set_derived_values"] < min(inited(notfound.extension.setup).values())
    assert ours["build_the_404_page"] > inited(sphinx_external_toc.setup)["parse_toc_to_env"]

    class Config(dict):
        __getattr__ = dict.get
        __setattr__ = dict.__setitem__

    config = Config(
        html_baseurl="https://example.org/course",
        html_theme_options={"repository_url": "https://github.com/someone/course", "repository_branch": "dev"},
        myst_substitutions={"own": "kept"},
        html_title="A title",
    )
    urls.set_derived_values(None, config)
    assert config.ogp_image == "https://example.org/course/_static/social-card.png"
    assert config.notfound_urls_prefix == "/course/" and config.ogp_site_name == "A title"
    assert config.myst_substitutions["own"] == "kept"
    assert config.myst_substitutions["repo_url"] == "https://github.com/someone/course"


def test_the_urls_are_written_in_one_place():
    """Outside the notebooks, only _config.yml spells out the repository's or the site's URL (once each), and the
    README in its generated block: every other file derives them (git grep, over the tracked files)."""
    host = urlsplit(SITE_URL).netloc
    found = subprocess.run(
        ["git", "grep", "-n", "-F", "-e", REPOSITORY, "-e", host, "--", ".", ":!*.ipynb"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if found.returncode not in (0, 1):
        pytest.skip(f"git grep failed: {found.stderr.strip()}")
    hits = found.stdout.splitlines()
    elsewhere = [hit for hit in hits if hit.split(":", 1)[0] not in {"_config.yml", "README.md"}]
    assert not elsewhere, "derive these from _config.yml (book/_ext/site_urls.py):\n" + "\n".join(elsewhere)
    assert len([hit for hit in hits if hit.startswith("_config.yml:")]) == 2, hits
    readme = (ROOT / "README.md").read_text().splitlines()
    tool = load(ROOT / "tools" / "readme_links.py")
    start, end = readme.index(tool.START), readme.index(tool.END)
    for hit in hits:
        if hit.startswith("README.md:"):
            line = int(hit.split(":")[1])
            assert start < line - 1 < end, f"README.md names a URL outside its generated block: {hit}"
