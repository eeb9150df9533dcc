"""Confine one graded notebook: a short environment, limits on what it uses, and nothing left behind.

:mod:`course.execute` runs each learner notebook inside a :class:`Sandbox`:

- its kernel gets an **allow-listed environment** (:func:`environment`): the
  variables programs need and the few the course reads, never the grader's
  tokens and secrets;
- a **watchdog** thread measures, every :data:`POLL` s, all the processes the
  notebook started (the kernel, its children, daemons that left the session):
  their total memory (RSS), their CPU time, how many run at once. When one
  goes over its :class:`Limits`, or the notebook outlives its deadline, the
  notebook is stopped and :attr:`Sandbox.stopped` says why and by how much;
- as root, where the cgroup v1 ``pids`` controller is mounted, the kernel runs
  in a **cgroup** of its own with ``pids.max`` set, a hard ceiling a fork bomb
  cannot break between two polls; elsewhere ``RLIMIT_NPROC`` does that job
  (root ignores it). cgroup v2 is not used: its controllers need delegation;
- at the end **every process** of the notebook is killed, and the check that
  none is left listening on a socket is recorded.

The worker running the notebooks is a child subreaper, so orphans (a
double-forked daemon, ``Popen(start_new_session=True, env={})`` that carries no
tag) are re-parented to it and remain its descendants.

``python -m course.sandbox -f CONNECTION_FILE`` is the grader's kernel
launcher: it joins the cgroup and sets the limits named in :data:`SANDBOX_ENV`,
then becomes ``ipykernel_launcher``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil

from course.checks import OUTCOMES_ENV
from course.processes import TAGS_ENV, die_with_parent

SANDBOX_ENV = "COURSE_SANDBOX"
"""Settings for the launcher (cgroup, rlimits) as JSON; removed before the kernel starts."""

POLL = 0.1
"""Seconds between two measurements of a notebook's processes."""

TASKS_PER_PROCESS = 16
"""Threads allowed per process: ``pids.max`` and ``RLIMIT_NPROC`` count threads (the lessons run 43 at most)."""

ALLOWED = frozenset(
    {
        # what programs expect to find
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        # where Python, Jupyter and matplotlib find their files and settings
        "PYTHONPATH",
        "LD_LIBRARY_PATH",
        "IPYTHONDIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "MPLCONFIGDIR",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_RUNTIME_DIR",
        # the course's own: CI turns skipped cells into failures, the images are chapter 06's
        "CI",
        "COURSE_BASE_IMAGE",
        "COURSE_REDIS_IMAGE",
        TAGS_ENV,
        OUTCOMES_ENV,
        # chapter 06: how the docker client reaches its engine
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "DOCKER_CERT_PATH",
        "DOCKER_TLS_VERIFY",
    }
)
"""Variables a learner's notebook may see, besides the locale's ``LC_*``."""

UNITS = {"": 2**20, "b": 1, "k": 2**10, "kib": 2**10, "kb": 10**3, "m": 2**20, "mib": 2**20, "mb": 10**6}
UNITS |= {"g": 2**30, "gib": 2**30, "gb": 10**9}
"""Size suffixes :func:`parse_size` accepts (a bare number is in MiB)."""


def allowed(name: str) -> bool:
    """True when the variable ``name`` may reach a learner's notebook."""
    return name in ALLOWED or name.startswith("LC_")


def environment(source: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The variables of ``source`` a learner's notebook may see (see :data:`ALLOWED`)."""
    return {name: value for name, value in source.items() if allowed(name)}


def parse_size(text: str) -> int:
    """Bytes in ``"2GiB"``, ``"512M"``, ``"1.5 GB"`` or ``"700"`` (MiB); ``ValueError`` otherwise."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    if not match or match[2].lower() not in UNITS:
        raise ValueError(f"not a size: {text!r} (write it like 2GiB, 512MiB or 700, in MiB)")
    return int(float(match[1]) * UNITS[match[2].lower()])


def format_size(size: float) -> str:
    """``3.1 GiB`` (``2 GiB`` when whole) from 1 GiB up, else ``612 MiB``."""
    if size >= 2**30:
        return f"{size / 2**30:.1f}".removesuffix(".0") + " GiB"
    return f"{size / 2**20:.0f} MiB"


@dataclass(frozen=True)
class Limits:
    """What one notebook may use, all its processes together.

    The defaults leave a wide margin over what the course's own notebooks use
    (``benchmarks/grade.py --usage``; the figures are in ``book/instructors.md``):
    the solutions at most about 200 MiB, 10 s of CPU and 4 processes, the
    lessons 1.2 GiB, 44 s and 7.
    """

    memory: int = 2 * 2**30
    """Bytes of resident memory (RSS, added up over the processes)."""
    cpu_time: float = 300.0
    """Seconds of CPU time, user and system, of every process it started."""
    processes: int = 64
    """Processes running at once, the kernel included."""


@dataclass
class Usage:
    """The most a notebook used at once (memory, processes, threads) and in all (CPU time)."""

    memory: int = 0
    cpu_time: float = 0.0
    processes: int = 0
    tasks: int = 0


class Cgroup:
    """A cgroup v1 ``pids`` group: a hard ceiling on the tasks (threads) of the processes in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def folder(name: str) -> Path | None:
        """Where the group ``name`` lives: under this process's own ``pids`` group, or None without one."""
        mounts = Path("/proc/self/mounts").read_text().splitlines() if sys.platform.startswith("linux") else []
        for line in mounts:
            _, where, kind, options, *_ = line.split()
            if kind == "cgroup" and "pids" in options.split(","):
                own = next(
                    (
                        entry.split(":", 2)[2]
                        for entry in Path("/proc/self/cgroup").read_text().splitlines()
                        if "pids" in entry.split(":", 2)[1].split(",")
                    ),
                    "/",
                )
                return Path(where) / own.lstrip("/") / name
        return None

    @classmethod
    def create(cls, name: str, tasks: int) -> Cgroup | None:
        """A new group allowing ``tasks`` tasks, or None where this process may not make one."""
        path = cls.folder(name)
        if path is None or not os.access(path.parent, os.W_OK):
            return None
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(tasks))
        except OSError:
            cls(path).remove()
            return None
        return cls(path)

    def pids(self) -> list[int]:
        """The processes in the group (none once it is removed)."""
        try:
            return [int(pid) for pid in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    @classmethod
    def named(cls, name: str) -> Cgroup | None:
        """The group ``name`` if it exists (made by :meth:`create`, maybe in another process)."""
        path = cls.folder(name)
        return cls(path) if path is not None and path.is_dir() else None

    def remove(self) -> bool:
        """Kill what is still in the group, then delete it; False if it could not be deleted."""
        kill_all(lambda: [process for process in map(_process, self.pids()) if process is not None])
        deadline = time.monotonic() + 5
        while True:
            try:
                self.path.rmdir()
                return True
            except FileNotFoundError:
                return True
            except OSError:  # busy: a zombie that its parent has not reaped yet
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_all(members: Callable[[], list[psutil.Process]], within: float = 10.0) -> None:
    """Kill every process ``members()`` returns, including those they start meanwhile.

    Each is stopped first (SIGSTOP: a stopped process cannot fork), round after
    round until no new one appears, and then all are killed: a fork bomb cannot
    outrun it. Dead children of this process are reaped, so that they are gone
    for good (and their cgroup can be removed).
    """
    frozen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        fresh = [process for process in members() if process.pid not in frozen and _alive(process)]
        if not fresh:
            break
        for process in fresh:
            _send(process, signal.SIGSTOP)
            frozen[process.pid] = process
    for process in frozen.values():
        _send(process, signal.SIGKILL)
    while time.monotonic() < deadline:
        left = members()
        if not left:
            return
        for process in left:
            _send(process, signal.SIGKILL)
            _reap(process)
        time.sleep(0.01)


def _send(process: psutil.Process, signum: int) -> None:
    """Signal ``process`` unless it is gone (psutil checks that its pid was not reused meanwhile)."""
    try:
        process.send_signal(signum)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass


def _reap(process: psutil.Process) -> None:
    """Collect the exit status of ``process`` if it is a dead child of this one."""
    try:
        if process.ppid() == os.getpid() and process.status() == psutil.STATUS_ZOMBIE:
            os.waitpid(process.pid, os.WNOHANG)
    except (psutil.NoSuchProcess, ChildProcessError):
        pass


class Sandbox:
    """One notebook's confinement: its environment, its watchdog, its cgroup; used as a context manager.

    Its notebook's processes are all the descendants of this process, so a
    process runs one sandbox at a time (as a worker of :mod:`course.execute`).

    ``name`` names the cgroup (unique on the machine); ``deadline`` is the
    notebook's wall-clock limit in seconds; ``jobs`` is the number of notebooks
    graded at once, which share ``RLIMIT_NPROC`` when there is no cgroup.
    """

    def __init__(self, name: str, limits: Limits, deadline: float, jobs: int = 1) -> None:
        self.name = name
        self.limits = limits
        self.deadline = deadline
        self.jobs = jobs
        self.where = "before the first cell ran"
        """Where the notebook is, for the messages: the worker sets it as cells start."""
        self.stopped = ""
        """Why the notebook was stopped (a limit, its deadline, by how much), or empty."""
        self.leftovers: list[str] = []
        """Processes or listening sockets that outlived the clean-up (should stay empty)."""
        self.usage = Usage()
        self.cgroup: Cgroup | None = None
        self._seen: set[int] = set()
        self._done = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name=f"watchdog {name}", daemon=True)

    def __enter__(self) -> Sandbox:
        self.cgroup = Cgroup.create(self.name, self.limits.processes * TASKS_PER_PROCESS)
        self._started = time.monotonic()
        self._watchdog.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._done.set()
        self._watchdog.join()
        self.end()
        self._check_clean()
        if self.cgroup is not None and not self.cgroup.remove():
            self.leftovers.append(f"its cgroup {self.cgroup.path} could not be removed")

    def end(self) -> None:
        """Kill every process of the notebook now: it is over (or must be)."""
        self._seen.update(process.pid for process in self.members())
        kill_all(self.members)

    def environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The kernel's environment: this process's allowed variables, ``extra``, and the launcher's settings."""
        rlimits = {"RLIMIT_CORE": 0, "RLIMIT_CPU": int(self.limits.cpu_time) + 5}
        if self.cgroup is None and os.geteuid() != 0:
            running = sum(_tasks(process) for process in psutil.process_iter() if _owner(process) == os.getuid())
            rlimits["RLIMIT_NPROC"] = running + self.limits.processes * TASKS_PER_PROCESS * self.jobs
        settings = {"cgroup": str(self.cgroup.path) if self.cgroup else "", "rlimits": rlimits}
        return {**environment(), **extra, SANDBOX_ENV: json.dumps(settings)}

    def members(self) -> list[psutil.Process]:
        """Every process of the notebook: this process's descendants (it is their subreaper) and its cgroup."""
        found: dict[int, psutil.Process] = {}
        try:
            found.update((child.pid, child) for child in psutil.Process().children(recursive=True))
        except psutil.NoSuchProcess:
            pass
        for pid in self.cgroup.pids() if self.cgroup else []:
            if pid not in found and (process := _process(pid)) is not None:
                found[pid] = process
        return list(found.values())

    def _watch(self) -> None:
        finished = 0.0  # CPU time of processes gone that no parent of theirs accounts for
        before: dict[int, tuple[int, float]] = {}
        while not self._done.wait(POLL):
            now: dict[int, tuple[int, float]] = {}
            memory = processes = tasks = 0
            for process in self.members():
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        now[process.pid] = (process.ppid(), sum(times[:4]))
                        if process.status() != psutil.STATUS_ZOMBIE:
                            memory += process.memory_info().rss
                            processes += 1
                            tasks += process.num_threads()
                except psutil.Error:  # gone, or not ours to read (a setuid program)
                    continue
            # a process that ended counts in its parent's children times once the parent waits for it
            finished += sum(total for pid, (parent, total) in before.items() if pid not in now and parent not in now)
            before = now
            self._seen.update(now)
            cpu_time = finished + sum(total for _, total in now.values())
            usage = self.usage
            self.usage = Usage(
                max(usage.memory, memory),
                max(usage.cpu_time, cpu_time),
                max(usage.processes, processes),
                max(usage.tasks, tasks),
            )
            reason = self._breach(memory, cpu_time, processes)
            if reason:
                self.stopped = reason
                self.end()
                return

    def _breach(self, memory: int, cpu_time: float, processes: int) -> str:
        """Why the notebook must stop now, or an empty string."""
        limits = self.limits
        if processes > limits.processes:
            return f"stopped {self.where}: ran {processes} processes at once, over its limit of {limits.processes}"
        if memory > limits.memory:
            return (
                f"stopped {self.where}: used {format_size(memory)} of memory, "
                f"over its limit of {format_size(limits.memory)}"
            )
        if cpu_time > limits.cpu_time:
            return f"stopped {self.where}: used {cpu_time:.0f} s of CPU time, over its limit of {limits.cpu_time:g} s"
        if time.monotonic() - self._started > self.deadline:
            return f"stopped after {self.deadline:g} s {self.where}: it kept running even after being interrupted"
        return ""

    def _check_clean(self) -> None:
        """Record any process of the notebook, or socket of one, that is still there after the clean-up."""
        left = [process for process in self.members() if _alive(process)]
        self.leftovers = [f"process {process.pid} could not be stopped" for process in left]
        try:
            connections = psutil.net_connections(kind="inet")
        except psutil.AccessDenied:
            return
        self.leftovers += [
            f"{connection.laddr.ip}:{connection.laddr.port} was still listening (process {connection.pid})"
            for connection in connections
            if connection.status == psutil.CONN_LISTEN and connection.pid in self._seen
        ]


def _tasks(process: psutil.Process) -> int:
    try:
        return process.num_threads()
    except psutil.Error:
        return 0


def _owner(process: psutil.Process) -> int | None:
    try:
        return process.uids().real
    except psutil.Error:
        return None


def launch(argv: list[str]) -> None:
    """Join the cgroup and set the limits of :data:`SANDBOX_ENV`, then become the kernel (never returns)."""
    settings = json.loads(os.environ.pop(SANDBOX_ENV, "{}"))
    if settings.get("cgroup"):
        Path(settings["cgroup"], "cgroup.procs").write_text(str(os.getpid()))
    for name, value in settings.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (value, value))
    die_with_parent(os.getppid())()  # the kernel gets SIGTERM when its worker dies
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


if __name__ == "__main__":
    launch(sys.argv[1:])
