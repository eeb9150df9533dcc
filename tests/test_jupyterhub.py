"""The JupyterHub launch button: one setting in ``_config.yml`` switches it on, and its link is nbgitpuller's.

Each test builds a one-notebook book (an exercise page, copied unchanged) with
the course's own ``_config.yml``, once with ``jupyterhub_url`` set as an
instructor would set it and once as committed, and reads the launch links off
the rendered page. Outputs are not executed: only the page's header matters.
"""

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import yaml
from jupyter_book.config import validate_yaml
from site_config import BRANCH, CONFIG, REPOSITORY_NAME, REPOSITORY_URL, book_config, build_tmpdir, page_source

from course import ROOT

JB = str(Path(sys.executable).parent / "jupyter-book")
HUB = "https://hub.example.edu"
PAGE = "exercises/01-metaclasses"
"""The page the tests build: an exercise notebook, the page a teacher hands a class."""
HUB_LINK = (
    f"{HUB}/hub/user-redirect/git-pull"
    f"?repo={quote(REPOSITORY_URL, safe='/')}"
    f"&urlpath=lab/tree/{REPOSITORY_NAME}/{PAGE}.ipynb&branch={BRANCH}"
)
"""The link sphinx-book-theme 1.3 makes (header_buttons/launch.py): nbgitpuller's ``git-pull`` behind the hub's
``user-redirect``, the repository URL with its ``:`` escaped, the notebook under the folder nbgitpuller clones
into (the repository's name), opened in JupyterLab."""


class Links(HTMLParser):
    """Every link of a page, with the text of its title attribute (the launch menu's tooltips)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], attrs.get("title") or ""))


def build_page(tmp_path: Path, launch_buttons: dict) -> list[tuple[str, str]]:
    """Build a book of ``PAGE`` alone with the course's configuration, ``launch_buttons`` changed; its links."""
    source, output = tmp_path / "book", tmp_path / "out"
    (source / "exercises").mkdir(parents=True)
    output.mkdir()
    shutil.copy(ROOT / f"{PAGE}.ipynb", source / f"{PAGE}.ipynb")
    (source / "intro.md").write_text("# Launch buttons\n")
    (source / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nchapters:\n  - file: {PAGE}\n")
    config = book_config(execute={**CONFIG["execute"], "execute_notebooks": "off"})
    config["launch_buttons"] = {**CONFIG["launch_buttons"], **launch_buttons}
    sphinx = config["sphinx"]["config"]  # the page's links to the rest of the book have no target here
    config["sphinx"] = {
        **config["sphinx"],
        "config": {**sphinx, "suppress_warnings": [*sphinx["suppress_warnings"], "myst.xref_missing"]},
    }
    (output / "_config.yml").write_text(yaml.safe_dump(config))
    command = [JB, "build", str(source), "--config", str(output / "_config.yml"), "--path-output", str(output)]
    with build_tmpdir(output) as tmpdir:  # Sphinx's crash log goes to output, not into /tmp
        env = {**os.environ, "TMPDIR": tmpdir}
        done = subprocess.run(
            [*command, "-W", "-n", "--keep-going"], capture_output=True, text=True, timeout=300, env=env
        )
    assert done.returncode == 0, f"book build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    parser = Links()
    parser.feed((output / "_build" / "html" / f"{PAGE}.html").read_text())
    return parser.links


def test_the_setting_is_committed_empty_so_that_the_button_is_off():
    """Is ``jupyterhub_url`` in _config.yml, the one line an instructor fills in, empty and valid?

    Empty means the string "": jupyter-book's schema wants a string, and the theme strips the value, so a bare
    ``jupyterhub_url:`` (null) would break the build.
    """
    assert CONFIG["launch_buttons"]["jupyterhub_url"] == ""
    validate_yaml(CONFIG, raise_on_errors=True)


def test_a_hub_url_gives_every_notebook_page_an_nbgitpuller_link(tmp_path):
    """With ``jupyterhub_url`` set, does the page link to the hub with the nbgitpuller link the course documents?"""
    links = build_page(tmp_path, {"jupyterhub_url": HUB})

    hub_links = [href for href, _ in links if href.startswith(HUB)]
    assert hub_links == [HUB_LINK], hub_links
    assert any(title == "Launch on JupyterHub" for href, title in links if href == HUB_LINK), links
    query = parse_qs(urlsplit(HUB_LINK).query)
    assert query["repo"] == [REPOSITORY_URL] and query["branch"] == [BRANCH]
    folder = REPOSITORY_URL.rstrip("/").rsplit("/", 1)[-1]  # nbgitpuller clones into a folder named so
    assert query["urlpath"] == [f"lab/tree/{folder}/{PAGE}.ipynb"] and (ROOT / f"{PAGE}.ipynb").exists()
    assert any(href.startswith("https://mybinder.org/v2/gh/") for href, _ in links), "Binder's button went away"
    assert HUB_LINK in page_source(ROOT / "book" / "instructors.md"), "the instructors' page shows another link"


def test_no_jupyterhub_button_with_the_committed_setting(tmp_path):
    """With ``_config.yml`` as committed, is there a Binder button but no JupyterHub one?"""
    links = build_page(tmp_path, {})

    assert any(href.startswith("https://mybinder.org/v2/gh/") for href, _ in links), "no launch buttons at all"
    hub = [href for href, title in links if "git-pull" in href or "JupyterHub" in title]
    assert not hub, hub
