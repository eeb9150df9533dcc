"""The README's links to the site and the repository, generated from ``_config.yml``.

    .venv/bin/python tools/readme_links.py          # rewrite the block between the markers in README.md
    .venv/bin/python tools/readme_links.py --check  # exit 1, printing the difference, if the block is stale

The block sits between two marker comments near the top of README.md; the rest
of the README is written by hand. Its URLs come from ``repository`` (url and
branch), ``html: baseurl`` and ``launch_buttons`` in ``_config.yml``, computed
by the book's own extension (``book/_ext/site_urls.py``), so the README, the
book and the tests cannot disagree.
"""

import difflib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START = "<!-- links: generated from _config.yml by tools/readme_links.py; edit those, not this block -->"
END = "<!-- end of the generated links -->"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def site_urls():
    """The book's extension module, loaded from its file (it is no package)."""
    spec = importlib.util.spec_from_file_location("site_urls", ROOT / "book" / "_ext" / "site_urls.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_chapter(toc: dict[str, Any]) -> str:
    """The first notebook of the table of contents, which the launch badges open."""
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            if chapter["file"].startswith("notebooks/"):
                return chapter["file"] + ".ipynb"
    raise ValueError("_toc.yml lists no notebook")


def block(config: dict[str, Any], toc: dict[str, Any]) -> str:
    """The generated lines, markers included."""
    urls = site_urls()
    derived = urls.derive_from_config_yml(config)["myst_substitutions"]
    buttons = config.get("launch_buttons", {})
    links = urls.launch_links(
        derived["repo_url"],
        derived["repo_branch"],
        first_chapter(toc),
        binderhub_url=buttons.get("binderhub_url", ""),
        colab_url=buttons.get("colab_url", ""),
        interface=buttons.get("notebook_interface", "jupyterlab"),
    )
    badges = []
    if "binder" in links:
        badges.append(f"[![Launch on Binder]({BINDER_BADGE})]({links['binder']})")
    if "colab" in links:
        badges.append(f"[![Open in Colab]({COLAB_BADGE})]({links['colab']})")
    lines = [
        START,
        f"**Read the course online: <{derived['site_url']}>**",
        "",
        *([" ".join(badges), ""] if badges else []),
        "To work on your own machine, clone it and follow the quick start below:",
        "",
        "```bash",
        f"git clone {derived['repo_url']}",
        f"cd {derived['repo_name']}",
        "```",
        END,
    ]
    return "\n".join(lines)


def update(readme: str, config: dict[str, Any], toc: dict[str, Any]) -> str:
    """The README with its block replaced by a fresh one."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md needs one block between\n{START}\nand\n{END}")
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return before + block(config, toc) + after


def difference(readme: str, config: dict[str, Any], toc: dict[str, Any]) -> str:
    """A unified diff from the README's block to the one ``_config.yml`` makes; empty when it is current."""
    fresh = update(readme, config, toc)
    lines = difflib.unified_diff(
        readme.splitlines(keepends=True), fresh.splitlines(keepends=True), "README.md", "README.md (from _config.yml)"
    )
    return "".join(lines)


def main(argv: list[str]) -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    readme = README.read_text()
    if argv == ["--check"]:
        diff = difference(readme, config, toc)
        if diff:
            print(diff + "\nREADME.md's links are stale: run tools/readme_links.py", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    fresh = update(readme, config, toc)
    if fresh != readme:
        README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
