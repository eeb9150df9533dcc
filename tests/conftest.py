"""Suite-wide guard: the test run must leave no process and no listening socket behind."""

import psutil
import pytest


def _leftovers() -> list[str]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            found.append(f"pid {child.pid}: {' '.join(child.cmdline())[:160]}")
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a test or notebook left a child process running."""
    import time

    deadline = time.monotonic() + 10  # kernels shut down asynchronously; give them a moment
    while _leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _leftovers()
    if left:
        print("\nprocesses left running by the tests:\n  " + "\n  ".join(left))
        session.exitstatus = 1
