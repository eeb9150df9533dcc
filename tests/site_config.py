"""The site's URLs as ``_config.yml`` sets them, for the tests (importable as ``site_config``).

The repository's URL and the site's base URL are written once, in
``_config.yml``; the tests read them here and derive the rest with the book's
own extension (``book/_ext/site_urls.py``), as the build does.
"""

import importlib.util
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import yaml

from course import ROOT

CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY_URL: str = CONFIG["repository"]["url"]
BRANCH: str = CONFIG["repository"]["branch"]
REPOSITORY: str = urlsplit(REPOSITORY_URL).path.strip("/")
"""``owner/name`` on GitHub."""
REPOSITORY_NAME: str = REPOSITORY.rsplit("/", 1)[-1]
SITE_URL: str = CONFIG["html"]["baseurl"]
SITE_PREFIX: str = urlsplit(SITE_URL).path
"""The path under which the site is served, such as ``/executable-course/``."""


def site_urls():
    """The book's extension module ``site_urls``, loaded from its file."""
    spec = importlib.util.spec_from_file_location("site_urls", ROOT / "book" / "_ext" / "site_urls.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def book_config(**changes: Any) -> dict[str, Any]:
    """A copy of ``_config.yml`` for a build whose ``--config`` file lies elsewhere, top-level keys changed.

    jupyter-book finds local extensions relative to the configuration file, so their paths become absolute.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {
        name: str((ROOT / path).resolve()) for name, path in (sphinx.get("local_extensions") or {}).items()
    }
    config.update(changes)
    return config


SUBSTITUTED_CODE = re.compile(r"^(```+)\{code-block\}[^\n]*\n:substitutions:\n(.*?)^\1$", re.M | re.S)
"""A code block of a Markdown page whose ``{{ … }}`` the book fills in (book/_ext/site_urls.py)."""


def substitute(text: str, config: dict[str, Any] | None = None) -> str:
    """``text`` with its ``{{ … }}`` filled in from ``config`` (by default ``_config.yml``), as the book does."""
    values = site_urls().derive_from_config_yml(config or CONFIG)["myst_substitutions"]
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(values)


def page_source(path: Path, config: dict[str, Any] | None = None) -> str:
    """A Markdown page with its substituted code blocks as the book shows them (the rest unchanged)."""
    return SUBSTITUTED_CODE.sub(lambda block: substitute(block.group(0), config), path.read_text())


@contextmanager
def build_tmpdir(output: Path) -> Iterator[str]:
    """A ``TMPDIR`` for a book build: private, and short.

    Private, so that nothing of the build lands in /tmp: a crash log Sphinx writes there is moved into
    ``output``. Short, because sphinx-sitemap's multiprocessing manager listens on a Unix socket in it,
    whose path may not exceed 107 bytes; a folder deep in pytest's tmp_path would be too long.
    """
    with tempfile.TemporaryDirectory(prefix="jb-") as folder:
        try:
            yield folder
        finally:
            for log in Path(folder).glob("sphinx-err-*.log"):
                shutil.move(log, output / log.name)
