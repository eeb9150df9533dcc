"""Shared fixtures, and the suite-wide guard: the run must leave no process, socket or file behind.

On Linux the test process becomes a "child subreaper", so a server orphaned by
a dead kernel is re-parented to pytest instead of to PID 1 and stays visible
here. Listening sockets on loopback are compared before and after the run, and
so are the course's own temporary files.

Tools a test needs (node, redis-server, chromium …) come from the ``require``
fixture: outside CI a missing tool skips the test with the command that
installs it; with ``CI=true`` nothing is skipped and a missing tool fails.
"""

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable

import psutil
import pytest

from course import requires
from course.chapters.drf_browsable_api import project
from course.processes import become_subreaper

# Django is set up once per process, and the suite runs every chapter (and
# tests/course/test_chapters.py imports every chapter's checks) in this one.
# Chapter 07's project is the one set up, before any test runs: its apps
# include the auth and session apps chapter 08's checks need, and chapter 06's
# harness adds its own app to it. In a notebook, each chapter has a kernel, and
# so a Django of its own.
project.setup("development")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEMPORARY = ("course-*", "cell-*.js", "sphinx-err-*.log")
"""Name patterns of temporary files and folders the course (or the book build) may create."""

_BEFORE: set[tuple[str, int]] = set()
_FILES_BEFORE: set[str] = set()


def _temporary_files() -> set[str]:
    return {path for pattern in TEMPORARY for path in glob.glob(os.path.join(tempfile.gettempdir(), pattern))}


NEEDS = {
    "node": ("node", "install Node.js 20 or newer, then run `npm ci`"),
    "redis": ("redis-server", "sudo apt-get install redis-server"),
    "browser": ("chromium", "sudo apt-get install chromium"),
    "docker": ("docker", "sudo apt-get install docker.io, then start the engine (sudo dockerd)"),
}
"""Marker → the program the marked tests need, and how to install it."""


def _require(program: str, install: str) -> str:
    found = shutil.which(program)
    if found is None or requires.missing(program):  # a docker client without its engine counts as missing
        message = f"{program} is needed for this test: {install}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def require() -> Callable[[str, str], str]:
    """``require(program, install_command)``: the program's path, or skip (fail in CI) saying how to install it."""
    return _require


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``node``, ``redis``, ``browser`` or ``docker`` needs that program (see :data:`NEEDS`)."""
    for marker, (program, install) in NEEDS.items():
        if item.get_closest_marker(marker):
            _require(program, install)


def _reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _leftover_processes() -> list[str]:
    _reap_zombies()
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                found.append(f"pid {child.pid}: {' '.join(child.cmdline())[:160]}")
        except psutil.NoSuchProcess:
            continue
    return found


def _loopback_listeners() -> set[tuple[str, int]]:
    """Loopback ports that this test process, or a process it started, listens on."""
    ours = {os.getpid(), *(child.pid for child in psutil.Process().children(recursive=True))}
    try:
        connections = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        return set()
    return {
        (conn.laddr.ip, conn.laddr.port)
        for conn in connections
        if conn.status == psutil.CONN_LISTEN and conn.laddr.ip in {"127.0.0.1", "::1"} and conn.pid in ours
    }


def pytest_sessionstart(session):
    become_subreaper()
    _BEFORE.update(_loopback_listeners())
    _FILES_BEFORE.update(_temporary_files())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a test or notebook left a process or a loopback listener behind."""
    deadline = time.monotonic() + 15  # kernels shut down asynchronously; give them a moment
    while (_leftover_processes() or _loopback_listeners() - _BEFORE) and time.monotonic() < deadline:
        time.sleep(0.2)
    processes, sockets = _leftover_processes(), sorted(_loopback_listeners() - _BEFORE)
    files = sorted(_temporary_files() - _FILES_BEFORE)
    if processes or sockets or files:
        print("\nleft behind by the tests:")
        for line in processes + [f"listening on {ip}:{port}" for ip, port in sockets] + files:
            print("  " + line)
        session.exitstatus = 1
    else:
        print("\nno process, listening socket or temporary file left behind")
