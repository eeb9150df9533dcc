"""Every URL of the published site, derived from the two settings of ``_config.yml``.

``_config.yml`` names the repository (``repository: url``, with its ``branch``)
and the site's address (``html: baseurl``) once each. jupyter-book passes the
first to Sphinx as ``html_theme_options["repository_url"]`` (and
``["repository_branch"]``), which the theme's launch, repository and issue
buttons use, and the second as ``html_baseurl``. This extension derives from
them everything else that would otherwise repeat a URL:

- ``myst_substitutions``: ``{{ repo_url }}``, ``{{ repo_name }}``,
  ``{{ repo_branch }}``, ``{{ site_url }}`` in the book's Markdown pages;
- a ``:substitutions:`` flag for the ``code-block`` directive, which fills the
  same values into a code block (MyST substitutes only outside code), e.g. the
  ``git clone`` commands of the landing and setup pages;
- sphinxext-opengraph's ``ogp_site_url`` and ``ogp_image`` (the static social
  card, an absolute URL under the site), with a large-image Twitter card;
- sphinx-notfound-page's ``notfound_urls_prefix`` (the base URL's path, such
  as ``/executable-course/``), so the 404 page finds its styles at any depth;
- sphinx-sitemap's URL scheme (no language or version in the path) and a
  ``robots.txt`` naming the sitemap.

``derive`` is the whole computation, a pure function of the settings, which the
tests and ``tools/readme_links.py`` call as well.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SOCIAL_CARD = "_static/social-card.png"
"""The social preview image (1200×630), made by ``tools/social_card.py``; relative to the site's root."""
SOCIAL_CARD_SIZE = (1200, 630)
NOT_FOUND_PAGE = "404"
"""The 404 page's document: ``404.md`` at the root of the book, so that it is built as ``404.html`` at the
site's root, where GitHub Pages looks for it."""
NOT_IN_SITEMAP = ("search.html", "genindex.html", f"{NOT_FOUND_PAGE}.html")
"""Pages without content of their own, which the sitemap leaves out."""


def derive(baseurl: str, repository_url: str, branch: str = "main") -> dict[str, Any]:
    """The Sphinx configuration values that depend on the site's base URL and the repository's URL."""
    site = urlsplit(baseurl)
    if site.scheme not in {"http", "https"} or not site.netloc or site.query or site.fragment:
        raise ValueError(f"html.baseurl must be an absolute http(s) URL of the site, not {baseurl!r}")
    prefix = site.path.rstrip("/") + "/"
    site_url = f"{site.scheme}://{site.netloc}{prefix}"
    repository = repository_url.strip().rstrip("/").removesuffix(".git")
    parts = urlsplit(repository)
    if parts.scheme not in {"http", "https"} or parts.path.count("/") < 2:
        raise ValueError(f"repository.url must be the repository's https URL, not {repository_url!r}")
    name = parts.path.rsplit("/", 1)[-1]
    width, height = SOCIAL_CARD_SIZE
    return {
        "html_baseurl": site_url,
        "ogp_site_url": site_url,
        "ogp_image": site_url + SOCIAL_CARD,
        "ogp_custom_meta_tags": [
            f'<meta property="og:image:width" content="{width}" />',
            f'<meta property="og:image:height" content="{height}" />',
            '<meta name="twitter:card" content="summary_large_image" />',
        ],
        "notfound_urls_prefix": prefix,
        "sitemap_url_scheme": "{link}",
        "sitemap_excludes": list(NOT_IN_SITEMAP),
        "myst_substitutions": {
            "repo_url": repository,
            "repo_name": name,
            "repo_branch": branch,
            "site_url": site_url,
        },
        "robots_txt": f"User-agent: *\nAllow: /\n\nSitemap: {site_url}sitemap.xml\n",
    }


def derive_from_config_yml(config: dict[str, Any]) -> dict[str, Any]:
    """``derive`` for the settings of ``_config.yml`` as YAML loads them (the README's links, the tests)."""
    repository = config.get("repository", {})
    return derive(
        config.get("html", {}).get("baseurl", ""), repository.get("url", ""), repository.get("branch") or "main"
    )


def derive_from_sphinx(config) -> dict[str, Any]:
    """``derive`` for a Sphinx configuration as jupyter-book writes it."""
    theme = config.html_theme_options or {}
    return derive(
        config.html_baseurl,
        theme.get("repository_url", ""),
        theme.get("repository_branch") or "main",
    )


def set_derived_values(app, config) -> None:
    """config-inited, before the other extensions read their settings (priority 300 < their 500)."""
    from sphinx.errors import ConfigError

    if not config.html_baseurl:
        raise ConfigError("set html: baseurl in _config.yml: the site's URL (sitemap, social cards, 404 page)")
    try:
        derived = derive_from_sphinx(config)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    del derived["robots_txt"]
    substitutions = derived.pop("myst_substitutions")
    config.myst_substitutions = {**(config.myst_substitutions or {}), **substitutions}
    for name, value in derived.items():
        config[name] = value
    if not config.ogp_site_name:
        config.ogp_site_name = config.html_title or config.project


def build_the_404_page(app, config) -> None:
    """config-inited after sphinx-external-toc (priority 900), which excludes every file the table of contents
    does not list: the 404 page is built all the same, as an orphan page (sphinx-notfound-page makes it one)."""
    source = f"{config.notfound_pagename}.md"
    if (Path(app.srcdir) / source).exists():
        config.exclude_patterns = [pattern for pattern in config.exclude_patterns if pattern != source]


def absolute_links_on_the_404_page(app, doctree, docname) -> None:
    """The 404 page is served for any missing address, at any depth: its links within the site start with the
    base URL's path. (sphinx-notfound-page does that for its assets, images and table of contents, not for the
    links of the page's own text.)"""
    from docutils import nodes

    if docname != app.config.notfound_pagename:
        return
    prefix = app.config.notfound_urls_prefix
    base = posixpath.dirname(docname)
    for node in doctree.findall(nodes.reference):
        uri = node.get("refuri")
        if not uri or uri.startswith(("#", "/")) or re.match(r"^[a-z][a-z0-9+.-]*:", uri):
            continue
        node["refuri"] = prefix + posixpath.normpath(posixpath.join(base, uri))


def the_404_page_context(app, pagename, templatename, context, doctree) -> None:
    """html-page-context after the theme's (priority 501): the search script finds its index and builds its result
    links from ``content_root``, absolute on the 404 page; and the page offers no download of its own source."""
    if pagename != app.config.notfound_pagename:
        return
    context["content_root"] = app.config.notfound_urls_prefix
    buttons = context.get("header_buttons") or []
    context["header_buttons"] = [button for button in buttons if button.get("label") != "download-buttons"]


def write_robots_txt(app, exception) -> None:
    """robots.txt at the site's root names the sitemap."""
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "robots.txt").write_text(derive_from_sphinx(app.config)["robots_txt"])


def substituted_code_block():
    """The ``code-block`` directive with a ``:substitutions:`` flag that fills in ``myst_substitutions``.

    The flag's name is that of sphinx-substitution-extensions, which does the same for reStructuredText.
    """
    import jinja2
    from docutils.parsers.rst import directives
    from docutils.statemachine import StringList
    from sphinx.directives.code import CodeBlock

    class SubstitutedCodeBlock(CodeBlock):
        option_spec = {**CodeBlock.option_spec, "substitutions": directives.flag}

        def run(self):
            if "substitutions" in self.options:
                variables = self.state.document.settings.env.config.myst_substitutions or {}
                template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string("\n".join(self.content))
                try:
                    rendered = template.render(variables)
                except jinja2.TemplateError as error:
                    raise self.error(f"code-block substitution: {error}") from error
                self.content = StringList(rendered.splitlines())
            return super().run()

    return SubstitutedCodeBlock


def launch_links(
    repository_url: str,
    branch: str,
    notebook: str,
    *,
    binderhub_url: str = "",
    colab_url: str = "",
    interface: str = "jupyterlab",
) -> dict[str, str]:
    """The Binder and Colab links of a notebook of a GitHub repository, as sphinx-book-theme 1.3 writes them
    (header_buttons/launch.py), for the pages that are not built by the theme (the README)."""
    path = urlsplit(repository_url.rstrip("/").removesuffix(".git")).path.strip("/")
    tree = {"jupyterlab": "lab/tree", "classic": "tree"}[interface]
    links = {}
    if binderhub_url:
        links["binder"] = f"{binderhub_url.strip('/')}/v2/gh/{path}/{branch}?urlpath={tree}/{notebook}"
    if colab_url:
        links["colab"] = f"{colab_url.strip('/')}/github/{path}/blob/{branch}/{notebook}"
    return links


def setup(app):
    app.connect("config-inited", set_derived_values, priority=300)
    app.connect("config-inited", build_the_404_page, priority=950)
    app.connect("doctree-resolved", absolute_links_on_the_404_page)
    app.connect("html-page-context", the_404_page_context, priority=600)
    app.connect("build-finished", write_robots_txt)
    app.add_directive("code-block", substituted_code_block(), override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
