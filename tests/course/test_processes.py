"""course.processes: one way to start a helper process, and to stop it whole."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from course.errors import SetupProblem
from course.processes import TAGS_ENV, spawn, tagged


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone(pid: int, within: float = 5.0) -> bool:
    """True once ``pid`` has stopped running, waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def test_a_child_runs_in_its_own_session_with_a_tag():
    child = spawn([sys.executable, "-c", "import os; print(os.getsid(0), os.environ['COURSE_PROCESS_TAGS'])"])
    out, _ = child.process.communicate(timeout=10)
    session, tags = out.decode().split(maxsplit=1)
    assert int(session) == child.pid != os.getsid(0)
    assert child.tag in tags.split()


def test_env_adds_to_the_environment_and_unset_leaves_variables_out(monkeypatch):
    """Can a variable meant for this process alone be kept from a child?"""
    monkeypatch.setenv("COURSE_TEST_PARENT_ONLY", "secret")
    monkeypatch.setenv("COURSE_TEST_SHARED", "kept")
    names = ["COURSE_TEST_PARENT_ONLY", "COURSE_TEST_SHARED", "ADDED"]
    script = f"import os; print(*(os.environ.get(name) for name in {names!r}))"
    child = spawn([sys.executable, "-c", script], env={"ADDED": "new"}, unset=["COURSE_TEST_PARENT_ONLY"])
    out, _ = child.process.communicate(timeout=10)
    assert out.decode().split() == ["None", "kept", "new"]


def test_tags_accumulate_so_a_grandchild_is_found_by_every_ancestor(monkeypatch):
    monkeypatch.setenv(TAGS_ENV, "course-outer")
    child = spawn([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        found = [process.pid for process in tagged("course-outer")]
        assert child.pid in found
        assert [process.pid for process in tagged(child.tag)] == [child.pid]
    finally:
        child.kill_tree(grace=0)
    assert not running(child.pid)


def test_kill_tree_stops_descendants_that_left_the_session():
    """A learner's Popen(start_new_session=True) escapes a process-group kill; is it still stopped?"""
    script = (
        "import subprocess, sys, time\n"
        "escaped = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "print(escaped.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    child = spawn([sys.executable, "-c", script])
    escaped = int(child.process.stdout.readline())
    assert os.getpgid(escaped) != child.pid  # not in the group a killpg would reach
    child.kill_tree(grace=1)
    assert gone(escaped)
    assert not child.running


def test_kill_tree_stops_an_orphan_found_only_by_its_tag():
    """The parent exits at once; its daemon was re-parented away, out of the tree and the group."""
    script = (
        "import subprocess\n"
        "daemon = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "print(daemon.pid, flush=True)\n"
    )
    child = spawn([sys.executable, "-c", script])
    orphan = int(child.process.stdout.readline())
    child.process.wait(timeout=10)
    assert running(orphan)
    child.kill_tree(grace=0)
    assert gone(orphan)


def test_sigterm_comes_first_and_sigkill_after_the_grace():
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: (print('bye', flush=True), sys.exit(0)))\n"
        "print('up', flush=True); time.sleep(60)\n"
    )
    polite = spawn([sys.executable, "-c", script])
    assert polite.process.stdout.readline() == b"up\n"
    polite.kill_tree(grace=5)
    assert polite.process.stdout.read() == b"bye\n"
    assert polite.process.returncode == 0

    stubborn = spawn(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('up', flush=True); time.sleep(60)",
        ]
    )
    assert stubborn.process.stdout.readline() == b"up\n"
    started = time.monotonic()
    stubborn.kill_tree(grace=0.5)
    assert stubborn.process.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_a_missing_program_is_a_setup_problem_naming_it():
    with pytest.raises(SetupProblem, match="cannot run 'no-such-tool'") as error:
        spawn(["no-such-tool", "--version"])
    assert "install 'no-such-tool'" in error.value.fix


def test_a_child_dies_with_its_parent():
    """A kernel killed with SIGKILL never runs atexit; its children must go all the same."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from course.processes import spawn\n"
            "child = spawn(['sleep', '600'])\n"
            "print(child.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    assert running(child)
    parent.kill()
    parent.wait()
    assert gone(child)


def test_a_program_that_cannot_be_executed_is_a_setup_problem(tmp_path):
    script = tmp_path / "server.sh"
    script.write_text("#!/bin/sh\necho hi\n")  # no execute permission
    with pytest.raises(SetupProblem, match="Permission denied") as error:
        spawn([str(script)])
    assert "chmod +x" in error.value.fix


def test_a_missing_working_folder_is_named_as_such():
    with pytest.raises(SetupProblem, match="that folder does not exist"):
        spawn(["true"], cwd="/no/such/folder")


def test_run_stops_the_child_when_the_wait_is_interrupted(tmp_path):
    """Ctrl-C in the notebook while a script runs must not leave the script running in its own session."""
    from course.processes import run

    pid_file = tmp_path / "pid"

    def interrupt(*args):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            run(["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"], timeout=60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not running(int(pid_file.read_text()))
