"""Readiness probes: has a server started *answering*, not just listening?

A port that accepts connections is not yet a server that works: a Django app
may still be loading, nginx may answer 502 until its upstream is up, redis may
be loading its data set. Each probe here speaks the server's own protocol a
little and says True only when the answer is the right kind. A probe is a
function ``probe(host, port) -> bool``; it never raises and gives up quickly,
because :func:`course.servers.wait_until_ready` calls it in a loop.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from collections.abc import Callable
from http import client as http_client

Probe = Callable[[str, int], bool]
"""``probe(host, port)``: True when the server there answers as it should."""

TIMEOUT = 1.0
"""Seconds one probe may take before it counts as "not yet"."""

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""The constant RFC 6455 mixes into the handshake key."""


def tcp() -> Probe:
    """Ready when a TCP connection is accepted."""

    def probe(host: str, port: int) -> bool:
        try:
            with socket.create_connection((host, port), timeout=TIMEOUT):
                return True
        except OSError:
            return False

    return probe


def http(path: str = "/", *, ready: Callable[[int], bool] = lambda status: status < 500) -> Probe:
    """Ready when ``GET path`` gets an HTTP answer whose status satisfies ``ready`` (default: below 500)."""

    def probe(host: str, port: int) -> bool:
        connection = http_client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            connection.request("GET", path)
            return ready(connection.getresponse().status)
        except (OSError, http_client.HTTPException):
            return False
        finally:
            connection.close()

    return probe


def websocket(path: str = "/", *, origin: bool = False) -> Probe:
    """Ready when an opening handshake on ``path`` gets ``101 Switching Protocols`` with the right accept key.

    ``origin=True`` sends the ``Origin`` header a browser on the server's own pages
    would send (``http://host:port``): servers that check origins, such as
    Channels behind ``AllowedHostsOriginValidator``, refuse a handshake without one.
    """

    def probe(host: str, port: int) -> bool:
        key = base64.b64encode(os.urandom(16)).decode()
        sent_origin = f"Origin: http://{host}:{port}\r\n" if origin else ""
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"{sent_origin}Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        try:
            with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
                sock.sendall(request.encode())
                head = _read_head(sock)
        except OSError:
            return False
        lines = head.split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            return False
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        return headers.get("sec-websocket-accept") == expected

    return probe


def redis() -> Probe:
    """Ready when ``PING`` is answered with ``+PONG`` (redis answers ``-LOADING`` while it loads its data)."""

    def probe(host: str, port: int) -> bool:
        try:
            with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    return probe


def _read_head(sock: socket.socket, limit: int = 16384) -> str:
    """Read an HTTP response head (up to the blank line) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


__all__ = ["TIMEOUT", "WEBSOCKET_GUID", "Probe", "http", "redis", "tcp", "websocket"]
