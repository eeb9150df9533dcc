"""Start and stop real servers on 127.0.0.1 for the lessons and the checks.

Every server binds the loopback interface on a free port, is waited for until
it answers (:mod:`course.probes` says what "answers" means for HTTP, websockets
or redis), and is stopped by the notebook, by a ``with`` block, or at the
latest when the kernel exits: a lesson never leaves a process or a file behind.

A server that fails to start is a :class:`~course.errors.ServerError`, which is
a setup problem: the message names the command and its last output.
"""

from __future__ import annotations

import atexit
import collections
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import psutil

from course import probes
from course.errors import ServerError, SetupProblem
from course.processes import Child, spawn

HOST = "127.0.0.1"
OUTPUT_LINES = 200
"""How many of a server's last output lines are kept (in memory) for error messages."""

_LIVE: set[Any] = set()
"""Every server started and not yet stopped (strong references: a server the
notebook forgot to keep in a variable must still be stopped at exit)."""

_SHARED: dict[str, Any] = {}
"""Servers that checks share within one process, by name (see :func:`shared`)."""


class Server(Protocol):
    """What every started server offers."""

    port: int

    @property
    def url(self) -> str: ...

    @property
    def running(self) -> bool: ...

    def stop(self) -> None: ...


def free_port(host: str = HOST) -> int:
    """Ask the operating system for a TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, host: str = HOST) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    return probes.tcp()(host, port)


def listens(pid: int, port: int) -> bool:
    """True when process ``pid`` or one of its descendants listens on ``port``.

    Tells our server apart from a stranger that grabbed the same port. Where
    the operating system will not say (``AccessDenied``), assume it is ours.
    """
    try:
        family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for process in family:
        try:
            for conn in process.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                    return True
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            return True
    return False


def wait_until_ready(
    port: int,
    *,
    host: str = HOST,
    probe: probes.Probe | None = None,
    timeout: float = 15.0,
    alive: Callable[[], bool] = lambda: True,
    ours: Callable[[], bool] = lambda: True,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``host:port`` until ``probe`` (default: a TCP connect) succeeds against our server.

    ``alive`` lets the caller stop waiting early when the process died;
    ``ours`` says whether the listener is really the server we started;
    ``describe`` supplies the end of the error text (the command, its output).
    """
    probe = probe or probes.tcp()
    deadline = time.monotonic() + timeout
    stranger = listening = False
    while time.monotonic() < deadline:
        if not alive():
            raise ServerError(f"the server exited before it answered on {host}:{port}.{describe()}", fix=_RESTART)
        if port_answers(port, host):
            listening = True
            if not ours():
                stranger = True
            elif probe(host, port):
                return
        time.sleep(0.05)
    if stranger:
        raise ServerError(
            f"{host}:{port} answered, but not from the server we started: the port is taken.{describe()}",
            fix=f"stop the program listening on port {port} (or restart the kernel), then run the cell again",
        )
    if listening:
        raise ServerError(
            f"{host}:{port} accepted connections but did not answer as expected within {timeout:g} s.{describe()}",
            fix=_RESTART,
        )
    raise ServerError(f"nothing answered on {host}:{port} within {timeout:g} s.{describe()}", fix=_RESTART)


_RESTART = "restart the kernel and run the notebook from the top; if it happens again, see the setup page"


class ProcessServer:
    """A server running as a child process (see :mod:`course.processes`), its output kept in memory.

    A background worker that listens on no port (see :func:`start_worker`) is one too, with
    ``port`` None.
    """

    def __init__(self, command: Sequence[str], port: int | None, child: Child) -> None:
        self.command = list(command)
        self.port = port
        self.child = child
        self._lines: collections.deque[str] = collections.deque(maxlen=OUTPUT_LINES)
        self._written = 0
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    @property
    def process(self) -> Any:
        """The leader's :class:`subprocess.Popen`."""
        return self.child.process

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base address of the server."""
        if self.port is None:
            raise AttributeError(f"{' '.join(self.command)} is a worker: it listens on no port")
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the server's main process has not exited."""
        return self.child.running

    def output(self, last_lines: int = 20) -> str:
        """The last lines the process wrote to stdout and stderr."""
        # Let the reader catch up: to the end of the output once the process has exited, else briefly.
        self._reader.join(1.0 if not self.running else 0.05)
        return "\n".join(list(self._lines)[-last_lines:])

    @property
    def lines_written(self) -> int:
        """How many lines the process has written so far (a mark for :meth:`wait_for_output`)."""
        return self._written

    def wait_for_output(self, text: str, timeout: float = 5.0, since: int = 0) -> str:
        """Wait until a line containing ``text`` was written; return that line.

        For a notebook that shows a log line the server writes *after* the event
        the notebook waited for. Only lines after the first ``since`` count, so a
        caller can take ``lines_written`` before acting and ignore older lines.
        Raises :class:`TimeoutError` naming ``text`` and the last output when
        no such line comes within ``timeout`` s.
        """
        deadline = time.monotonic() + timeout
        while True:
            written, lines = self._written, list(self._lines)
            recent = lines[max(0, len(lines) - (written - since)) :] if written > since else []
            for line in recent:
                if text in line:
                    return line
            if time.monotonic() > deadline:
                raise TimeoutError(f"no line with {text!r} within {timeout:g} s; last output:\n{self.output()}")
            time.sleep(0.02)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the whole process family (even after its leader exited): SIGTERM, then SIGKILL."""
        self.child.kill_tree(grace=timeout)
        self._reader.join(timeout)
        _LIVE.discard(self)

    def _read_output(self) -> None:
        stream = self.child.process.stdout
        if stream is None:
            return
        with stream:
            for line in stream:
                self._lines.append(line.decode("utf-8", "replace").rstrip("\n"))
                self._written += 1

    def __enter__(self) -> ProcessServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where = "worker" if self.port is None else self.url
        return f"<ProcessServer {where} {state}: {' '.join(self.command)}>"


def _launch(
    command: Sequence[str],
    port: int | None,
    *,
    cwd: str | Path | None,
    env: dict[str, str] | None,
    unset: Sequence[str],
) -> ProcessServer:
    """Spawn ``command`` as a :class:`ProcessServer` kept in :data:`_LIVE`; a failed start is a ServerError."""
    try:
        child = spawn(command, cwd=cwd, env=env, unset=unset)
    except SetupProblem as problem:
        raise ServerError(problem.message, fix=problem.fix) from problem
    server = ProcessServer(command, port, child)
    _LIVE.add(server)
    return server


def start_process(
    command: Sequence[str],
    *,
    port: int,
    timeout: float = 15.0,
    env: dict[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: str | Path | None = None,
    probe: probes.Probe | None = None,
    owned: bool = True,
) -> ProcessServer:
    """Run ``command`` (which must listen on 127.0.0.1:``port``) and wait until ``probe`` says it answers.

    ``env`` adds to this process's environment and ``unset`` names variables left out
    (see :func:`course.processes.spawn`).

    ``owned=False`` is for a listener that is not our descendant (a
    container's published port): the port must then be free before the start,
    since no ownership check can tell our server from a stranger afterwards.
    Raises :class:`~course.errors.ServerError` naming the command and its last
    output when the process exits early or does not answer within ``timeout`` s.
    """
    if not owned and port_answers(port):
        raise ServerError(
            f"{HOST}:{port} is already taken, so a server started there could not be told apart.",
            fix=f"stop the program listening on port {port}, or use servers.free_port()",
        )
    server = _launch(command, port, cwd=cwd, env=env, unset=unset)

    def describe() -> str:
        out = server.output() or "(no output)"
        return f"\ncommand: {' '.join(server.command)}\nlast output:\n{out}"

    try:
        wait_until_ready(
            port,
            probe=probe,
            timeout=timeout,
            alive=lambda: server.running,
            ours=(lambda: listens(server.child.pid, port)) if owned else (lambda: True),
            describe=describe,
        )
    except BaseException:  # ServerError, or Ctrl-C while waiting: stop what was started
        server.stop()
        raise
    return server


def start_worker(
    command: Sequence[str],
    *,
    ready: str,
    timeout: float = 15.0,
    env: dict[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: str | Path | None = None,
) -> ProcessServer:
    """Run a background ``command`` that listens on no port (a queue worker, say).

    It counts as started once it writes a line containing ``ready``, and is
    stopped like a server: by :meth:`ProcessServer.stop`, a ``with`` block, or
    at exit. ``env`` and ``unset`` are as for :func:`start_process`. Raises
    :class:`~course.errors.ServerError` naming the command and its last output
    when it exits first or says nothing within ``timeout`` s.
    """
    worker = _launch(command, None, cwd=cwd, env=env, unset=unset)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                worker.wait_for_output(ready, timeout=0.1)
                return worker
            except TimeoutError:
                pass
            if not worker.running or time.monotonic() > deadline:
                how = "exited before it" if not worker.running else f"did not within {timeout:g} s say it"
                out = worker.output() or "(no output)"
                raise ServerError(
                    f"the worker {how} was ready ({ready!r}).\ncommand: {' '.join(command)}\nlast output:\n{out}",
                    fix=_RESTART,
                )
    except BaseException:
        worker.stop()
        raise


class _Serving(Protocol):
    server_address: Any

    def serve_forever(self, poll_interval: float = ...) -> None: ...

    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class ThreadServer:
    """A ``socketserver``-style server running ``serve_forever`` in a thread."""

    def __init__(self, server: _Serving) -> None:
        self.server = server
        self.port = int(server.server_address[1])
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base address of the server."""
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the serving thread runs."""
        return self.thread.is_alive()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()
        _LIVE.discard(self)

    def __enter__(self) -> ThreadServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ThreadServer {self.url}>"


def start_thread(
    make_server: Callable[[tuple[str, int]], _Serving], *, timeout: float = 5.0, probe: probes.Probe | None = None
) -> ThreadServer:
    """Build a server with ``make_server((host, port))`` and serve it in a thread.

    ``make_server`` is e.g. ``lambda addr: ThreadingHTTPServer(addr, Handler)``;
    port 0 lets the OS choose a free port, which the returned object reports.
    """
    server = make_server((HOST, 0))
    running = ThreadServer(server)
    running.thread.start()
    _LIVE.add(running)
    try:
        wait_until_ready(
            running.port,
            probe=probe,
            timeout=timeout,
            alive=running.thread.is_alive,
            describe=lambda: f"\nserver: {type(server).__name__}",
        )
    except BaseException:
        running.stop()
        raise
    return running


def shared(name: str, start: Callable[[], Server]) -> Server:
    """The server called ``name`` that checks share in this process, started with ``start()`` on first use.

    A shared server that was stopped (or died) is started again. :func:`stop_all`
    stops and forgets every shared server, so a test or a notebook's last cell
    can empty the cache without knowing which checks used it.
    """
    server = _SHARED.get(name)
    if server is None or not server.running:
        if server is not None:
            server.stop()
        server = start()
        _SHARED[name] = server
    return server


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet, shared ones included."""
    _SHARED.clear()
    for server in list(_LIVE):
        server.stop()


def live() -> list[Server]:
    """The servers started by this process and not stopped yet (for tests and clean-up cells)."""
    return list(_LIVE)


atexit.register(stop_all)

__all__ = [
    "HOST",
    "ProcessServer",
    "Server",
    "ThreadServer",
    "free_port",
    "listens",
    "live",
    "port_answers",
    "shared",
    "start_process",
    "start_thread",
    "start_worker",
    "stop_all",
    "wait_until_ready",
]
