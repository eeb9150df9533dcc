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
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

HOST = "127.0.0.1"

_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


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


def wait_until_answers(
    port: int,
    *,
    host: str = HOST,
    timeout: float = 15.0,
    alive: Callable[[], bool] = lambda: True,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``host:port`` until it accepts a connection.

    ``alive`` lets the caller stop waiting early when the process died;
    ``describe`` supplies the text of the error (the command, its output).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_answers(port, host):
            return
        if not alive():
            raise ServerError(f"the server exited before it answered on {host}:{port}.{describe()}")
        time.sleep(0.05)
    raise ServerError(f"nothing answered on {host}:{port} within {timeout:g} s.{describe()}")


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to kill us if the kernel dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


class Server(Protocol):
    """What every started server offers."""

    port: int

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


class ProcessServer:
    """A server running as a child process (its own process group)."""

    def __init__(self, command: Sequence[str], port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.command = list(command)
        self.port = port
        self.process = process
        self.log = log

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output(self, last_lines: int = 20) -> str:
        """The last lines the process wrote to stdout and stderr."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-last_lines:])

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the whole process group; kill it if it does not stop."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout)
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
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
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
        wait_until_answers(port, timeout=timeout, alive=lambda: server.running, describe=describe)
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
    wait_until_answers(running.port, timeout=timeout, alive=running.thread.is_alive)
    return running


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    for server in list(_LIVE):
        server.stop()


atexit.register(stop_all)
