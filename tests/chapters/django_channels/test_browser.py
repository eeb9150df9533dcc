"""The post's browser-console test, pasted into a real headless Chromium on a page of the chapter's echo server."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import nbformat
import pytest
from chromium_flags import QUIET_FLAGS

from course import probes, servers
from course.chapters import django_channels
from course.chapters.django_channels import CHAPTER

PACKAGE = Path(django_channels.__file__).parent


def write_project(folder: Path) -> Path:
    """Write the files the chapter's notebook writes with %%writefile into ``folder``; return the project."""
    notebook = nbformat.read(CHAPTER.notebook(), as_version=4)
    written = 0
    for cell in notebook.cells:
        first, _, body = cell.source.partition("\n")
        if cell.cell_type != "code" or not first.startswith("%%writefile"):
            continue
        *options, name = shlex.split(first)[1:]
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a" if "-a" in options else "w", encoding="utf-8") as file:
            file.write(body + "\n")
        written += 1
    assert written >= 8, "the notebook should write the project's files from its cells"
    project = folder / "chatproject"
    for package in ("chatsite", "chat"):
        (project / package / "__init__.py").touch()
    return project


@pytest.mark.browser
def test_the_console_snippet_gets_its_echo_in_chromium(tmp_path: Path, require) -> None:
    """Does the snippet the chapter shows, pasted into a page of the site, get its message back as an alert?"""
    chromium = require("chromium", "sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    project = write_project(tmp_path)
    port = servers.free_port()
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "chatsite.asgi:application"]
    snippet = (PACKAGE / "console.js").read_text()
    django_settings = [name for name in os.environ if name.startswith("DJANGO_")]  # the suite's project, not ours
    alerts: list[str] = []
    with (
        servers.start_process(
            command, port=port, cwd=project, unset=django_settings, probe=probes.websocket("/chat/", origin=True)
        ) as site,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=QUIET_FLAGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.accept()))
            page.goto(site.url + "/")
            assert "chat site" in page.inner_text("body")
            page.add_script_tag(content=snippet)  # as if pasted into the console
            page.wait_for_function("() => socket.readyState === WebSocket.OPEN", timeout=5000)
            deadline = 50
            while not alerts and deadline:
                page.wait_for_timeout(100)
                deadline -= 1
        finally:
            browser.close()
    assert alerts == ["hello from the browser"]
