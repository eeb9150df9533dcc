"""Start and stop real servers on 127.0.0.1 for the lessons.

Every server binds the loopback interface on a free port, is waited for until
it answers, and is stopped by the notebook, by a ``with`` block, or at the
latest when the kernel exits: a lesson never leaves a process behind.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

HOST = "127.0.0.1"

_LIVE: set[Any] = set()
"""Every server started and not yet stopped (strong references: a server the
notebook forgot to keep in a variable must still be stopped at exit)."""


class ServerError(RuntimeError):
    """A server did not start or did not answer in time."""


def free_port(host: str = HOST) -> int:
    """Ask the operating system for a TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, host: str = HOST) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def listens(pid: int, port: int) -> bool:
    """True when process ``pid`` or one of its descendants listens on ``port``.

    Tells our server apart from a stranger that grabbed the same port. Where
    the operating system will not say (``AccessDenied``), assume it is ours.
    """
    import psutil

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


def wait_until_answers(
    port: int,
    *,
    host: str = HOST,
    timeout: float = 15.0,
    alive: Callable[[], bool] = lambda: True,
    ours: Callable[[], bool] = lambda: True,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``host:port`` until our server accepts a connection there.

    ``alive`` lets the caller stop waiting early when the process died;
    ``ours`` says whether the listener is really the server we started;
    ``describe`` supplies the end of the error text (the command, its output).
    """
    deadline = time.monotonic() + timeout
    stranger = False
    while time.monotonic() < deadline:
        if not alive():
            raise ServerError(f"the server exited before it answered on {host}:{port}.{describe()}")
        if port_answers(port, host):
            if ours():
                return
            stranger = True
        time.sleep(0.05)
    if stranger:
        raise ServerError(f"{host}:{port} answered, but not from the server we started: the port is taken.{describe()}")
    raise ServerError(f"nothing answered on {host}:{port} within {timeout:g} s.{describe()}")


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


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGTERM when the process that started it dies.

    This covers a kernel killed with SIGKILL, when ``atexit`` never runs. Only
    a pre-loaded C call runs in the child, which is safe after ``fork`` even
    in a kernel with threads. (Linux ties the signal to the *thread* that
    started the child: start servers from the notebook's main thread.)
    """

    def hook() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the hook ran
            os._exit(1)

    return hook


class Server(Protocol):
    """What every started server offers."""

    port: int

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class ProcessServer:
    """A server running as a child process (its own process group)."""

    def __init__(self, command: Sequence[str], port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.command = list(command)
        self.port = port
        self.process = process
        self.log = log

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base address of the server."""
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the server's main process has not exited."""
        return self.process.poll() is None

    def output(self, last_lines: int = 20) -> str:
        """The last lines the process wrote to stdout and stderr."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-last_lines:])

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the whole process group (even if its leader already exited); then kill it."""
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)
        deadline = time.monotonic() + timeout
        while _group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        _signal_group(self.process.pid, signal.SIGKILL)  # stragglers that ignored SIGTERM
        self.log.unlink(missing_ok=True)
        _LIVE.discard(self)

    def __enter__(self) -> ProcessServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ProcessServer {self.url} {state}: {' '.join(self.command)}>"


def start_process(
    command: Sequence[str],
    *,
    port: int,
    timeout: float = 15.0,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> ProcessServer:
    """Run ``command`` (which must listen on 127.0.0.1:``port``) and wait for it.

    Raises :class:`ServerError` naming the command and its last output when
    the process exits early or does not answer within ``timeout`` seconds.
    """
    log_fd, log_name = tempfile.mkstemp(prefix="course-server-", suffix=".log")
    try:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
    except FileNotFoundError as error:
        os.close(log_fd)
        raise ServerError(f"cannot run {command[0]!r}: {error.strerror}. Is it installed and on PATH?") from error
    os.close(log_fd)
    server = ProcessServer(command, port, process, Path(log_name))
    _LIVE.add(server)

    def describe() -> str:
        out = server.output() or "(no output)"
        return f"\ncommand: {' '.join(server.command)}\nlast output:\n{out}"

    try:
        wait_until_answers(
            port,
            timeout=timeout,
            alive=lambda: server.running,
            ours=lambda: listens(process.pid, port),
            describe=describe,
        )
    except ServerError:
        server.stop()
        raise
    return server


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


def start_thread(make_server: Callable[[tuple[str, int]], _Serving], *, timeout: float = 5.0) -> ThreadServer:
    """Build a server with ``make_server((host, port))`` and serve it in a thread.

    ``make_server`` is e.g. ``lambda addr: ThreadingHTTPServer(addr, Handler)``;
    port 0 lets the OS choose a free port, which the returned object reports.
    """
    server = make_server((HOST, 0))
    running = ThreadServer(server)
    running.thread.start()
    _LIVE.add(running)
    try:
        wait_until_answers(
            running.port,
            timeout=timeout,
            alive=running.thread.is_alive,
            describe=lambda: f"\nserver: {type(server).__name__}",
        )
    except ServerError:
        running.stop()
        raise
    return running


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    for server in list(_LIVE):
        server.stop()


atexit.register(stop_all)
