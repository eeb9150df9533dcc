"""Start helper processes so that they can always be stopped, whole.

Servers, memory measurements and graded notebooks all run as child processes,
and all are started here, by :func:`spawn`, in the same way:

- in a **new session** (its own process group), so one signal reaches the
  whole group and a Ctrl-C in the notebook does not hit it by accident;
- **tagged**: the environment variable :data:`TAGS_ENV` carries a tag that
  every descendant inherits, so a process that left the group (a daemon that
  called ``setsid``, a learner's ``Popen(start_new_session=True)``) is still
  found when it is time to stop everything;
- on Linux, with a **parent-death signal**: the child gets SIGTERM when the
  process that started it dies, even by SIGKILL, when ``atexit`` never runs.

:meth:`Child.kill_tree` then stops the leader, its group, its descendants and
every process carrying its tag.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from course.errors import SetupProblem

TAGS_ENV = "COURSE_PROCESS_TAGS"
"""Space-separated tags of every :func:`spawn` above a process (children add theirs)."""


def _load_prctl() -> Callable[..., int] | None:
    """Linux's ``prctl``, looked up once here (never inside a forked child)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGTERM when the process that started it dies.

    Only a pre-loaded C call runs in the child, which is safe after ``fork``
    even in a kernel with threads. (Linux ties the signal to the *thread* that
    started the child: start processes from the notebook's main thread.)
    """

    def hook() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the hook ran
            os._exit(1)

    return hook


def become_subreaper() -> bool:
    """Make this process the new parent of its orphaned descendants (Linux); False where that is not possible.

    A daemon that double-forks or calls ``setsid`` is then re-parented here
    instead of to PID 1, so it stays among this process's descendants and can
    be found and stopped even without the tag of :data:`TAGS_ENV`.
    """
    return _PRCTL is not None and _PRCTL(_PR_SET_CHILD_SUBREAPER, 1) == 0


@dataclass
class Child:
    """A process started by :func:`spawn`, with the tag its descendants inherit."""

    process: subprocess.Popen[Any]
    tag: str

    @property
    def pid(self) -> int:
        """The leader's process id (also its process group and session id)."""
        return self.process.pid

    @property
    def running(self) -> bool:
        """True while the leader has not exited (its descendants may outlive it)."""
        return self.process.poll() is None

    def family(self) -> list[psutil.Process]:
        """Every live process of this child: the leader, its group, its descendants, its tag.

        Once the leader has been reaped its process id may belong to a stranger,
        so then only the tag and the process group are followed.
        """
        return family(self.pid, self.tag, leader=self.process.returncode is None)

    def kill_tree(self, grace: float = 5.0) -> None:
        """Stop the whole family: SIGTERM, up to ``grace`` seconds to exit, then SIGKILL.

        ``grace=0`` kills at once. The leader is reaped through its ``Popen``,
        so its ``returncode`` tells how it ended and no zombie is left.
        """
        others = [process for process in self.family() if process.pid != self.pid]
        if grace > 0:
            if self.running:
                self.process.terminate()
            for process in others:
                _quietly(process.terminate)
            deadline = time.monotonic() + grace
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
            _, others = psutil.wait_procs(others, timeout=max(0.0, deadline - time.monotonic()))
        if self.running:
            self.process.kill()
        for process in others:
            _quietly(process.kill)
        psutil.wait_procs(others, timeout=5)
        _signal_group(self.pid, signal.SIGKILL)  # anything that joined the group meanwhile
        self.process.wait()


def spawn(
    command: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    unset: Sequence[str] = (),
    stdin: Any = subprocess.DEVNULL,
    stdout: Any = subprocess.PIPE,
    stderr: Any = subprocess.STDOUT,
) -> Child:
    """Start ``command`` in its own session, tagged, dying with this process.

    ``env`` is added to this process's environment, and the variables named in
    ``unset`` are left out of it (settings meant for this process alone). A program that cannot be
    started (missing, not executable, or its folder ``cwd`` missing) is a
    :class:`~course.errors.SetupProblem` that names what to fix.
    """
    tag = f"course-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    merged = {name: value for name, value in {**os.environ, **(env or {})}.items() if name not in unset}
    merged[TAGS_ENV] = " ".join(filter(None, [merged.get(TAGS_ENV, ""), tag]))
    if cwd is not None and not Path(cwd).is_dir():
        raise SetupProblem(
            f"cannot run {command[0]!r} in {str(cwd)!r}: that folder does not exist.",
            fix="run the notebook from the course's folder, as cloned, so the chapter's files are where it expects",
        )
    try:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=merged,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=die_with_parent(os.getpid()),
        )
    except OSError as error:
        name = Path(command[0]).name
        fix = (
            f"install {name!r} and make sure it is on PATH, then restart the kernel"
            if isinstance(error, FileNotFoundError)
            else f"make {command[0]!r} executable (chmod +x), or reinstall {name!r}"
        )
        raise SetupProblem(f"cannot run {command[0]!r}: {error.strerror}.", fix=fix) from error
    return Child(process, tag)


@dataclass(frozen=True)
class Finished:
    """What :func:`run` saw: the exit status, both outputs (decoded as UTF-8), and whether time ran out."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


def run(
    command: Sequence[str],
    *,
    timeout: float,
    input: str = "",
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> Finished:
    """Run ``command`` to its end (at most ``timeout`` s), then stop anything it left running.

    The outputs go to temporary files, not pipes: a process the command left in
    the background keeps a pipe open, so waiting for a pipe's end would wait
    for that process too. Here only the leader is waited for; the rest of the
    family is killed, and the files are gone when this returns.
    """
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        given.write(input.encode("utf-8"))
        given.seek(0)
        child = spawn(command, cwd=cwd, env=env, stdin=given, stdout=out, stderr=err)
        timed_out = False
        try:
            child.process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:  # also when the wait is interrupted (Ctrl-C in the notebook): nothing is left running
            child.kill_tree(grace=0)
        out.seek(0)
        err.seek(0)
        decode = lambda data: data.decode("utf-8", "replace")  # noqa: E731 - what Node and Python write
        return Finished(child.process.returncode, decode(out.read()), decode(err.read()), timed_out)


def tagged(tag: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``tag`` (in any session, orphaned or not)."""
    found = []
    for process in psutil.process_iter():
        try:
            if tag in process.environ().get(TAGS_ENV, "").split():
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def family(pid: int, tag: str | None = None, *, leader: bool = True) -> list[psutil.Process]:
    """Live processes of the family led by ``pid``: its process group and, with ``tag``, its tagged ones.

    With ``leader`` (the leader has not been reaped, so ``pid`` is still
    ours) the leader and its descendants are included too. One pass over the
    process table finds the group members and the tagged processes.
    """
    found: dict[int, psutil.Process] = {}
    if leader:
        try:
            head = psutil.Process(pid)
            found[pid] = head
            found.update((child.pid, child) for child in head.children(recursive=True))
        except psutil.NoSuchProcess:
            pass
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pid or (tag and tag in process.environ().get(TAGS_ENV, "").split()):
                found[process.pid] = process
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    found.pop(os.getpid(), None)
    return list(found.values())


def _quietly(action: Callable[[], None]) -> None:
    try:
        action()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


__all__ = ["TAGS_ENV", "Child", "Finished", "become_subreaper", "die_with_parent", "family", "run", "spawn", "tagged"]
