"""Suite-wide guard: the test run must leave no process and no listening socket behind.

On Linux the test process becomes a "child subreaper", so a server orphaned by
a dead kernel is re-parented to pytest instead of to PID 1 and stays visible
here. Listening sockets on loopback are compared before and after the run.
"""

import os
import sys
import time

import psutil
import pytest

_BEFORE: set[tuple[str, int]] = set()


def _become_subreaper() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_child_subreaper = 36
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1)


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
    _become_subreaper()
    _BEFORE.update(_loopback_listeners())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a test or notebook left a process or a loopback listener behind."""
    deadline = time.monotonic() + 15  # kernels shut down asynchronously; give them a moment
    while (_leftover_processes() or _loopback_listeners() - _BEFORE) and time.monotonic() < deadline:
        time.sleep(0.2)
    processes, sockets = _leftover_processes(), sorted(_loopback_listeners() - _BEFORE)
    if processes or sockets:
        print("\nleft behind by the tests:")
        for line in processes + [f"listening on {ip}:{port}" for ip, port in sockets]:
            print("  " + line)
        session.exitstatus = 1
    else:
        print("\nno process or listening socket left behind")
