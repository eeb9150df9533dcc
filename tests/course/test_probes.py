"""course.probes: each probe says ready only when the server answers in its own protocol."""

import base64
import hashlib
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from course import probes, servers
from course.probes import WEBSOCKET_GUID


class Status(BaseHTTPRequestHandler):
    """Answers ``GET /<status>`` with that status."""

    def do_GET(self) -> None:
        self.send_response(int(self.path.strip("/") or 200))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Handshake(socketserver.StreamRequestHandler):
    """The server side of a websocket opening handshake (RFC 6455), with a wrong key when asked."""

    def handle(self) -> None:
        lines = []
        while (line := self.rfile.readline().decode().strip()) != "":
            lines.append(line)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + WEBSOCKET_GUID).encode()).digest())
        if "/wrong" in lines[0]:
            accept = b"bm90IHRoZSBrZXk="
        if (
            "/checks-origin" in lines[0]
            and headers.get("origin") != f"http://{self.request.getsockname()[0]}:{self.server.server_address[1]}"
        ):
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        if "/plain" in lines[0]:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )


class FakeRedis(socketserver.StreamRequestHandler):
    """Answers PING like redis, or like redis still loading its data (``/loading`` is not a thing here)."""

    loading = False

    def handle(self) -> None:
        if self.rfile.readline().strip() == b"PING":
            self.wfile.write(b"-LOADING Redis is loading the dataset in memory\r\n" if self.loading else b"+PONG\r\n")


class ThreadingTCP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def http_server():
    with servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Status)) as server:
        yield server


def test_tcp_probe_sees_a_listener_and_nothing_on_a_free_port(http_server):
    assert probes.tcp()("127.0.0.1", http_server.port)
    assert not probes.tcp()("127.0.0.1", servers.free_port())


@pytest.mark.parametrize("path, ready", [("/200", True), ("/404", True), ("/503", False), ("/502", False)])
def test_http_probe_counts_answers_below_500_as_ready(http_server, path, ready):
    assert probes.http(path)("127.0.0.1", http_server.port) is ready


def test_http_probe_takes_a_custom_rule(http_server):
    assert not probes.http("/404", ready=lambda status: status == 200)("127.0.0.1", http_server.port)


def test_http_probe_is_false_for_a_server_that_does_not_speak_http():
    with servers.start_thread(lambda addr: ThreadingTCP(addr, FakeRedis)) as redis_like:
        assert not probes.http("/")("127.0.0.1", redis_like.port)


def test_websocket_probe_needs_101_with_the_right_accept_key():
    with servers.start_thread(lambda addr: ThreadingTCP(addr, Handshake)) as server:
        assert probes.websocket("/ws/chat/")("127.0.0.1", server.port)
        assert not probes.websocket("/wrong")("127.0.0.1", server.port)
        assert not probes.websocket("/plain")("127.0.0.1", server.port)


def test_websocket_probe_can_send_the_origin_a_browser_on_the_site_would_send():
    """Is a server that refuses handshakes without the right Origin (as Channels can) ready for the probe?"""
    with servers.start_thread(lambda addr: ThreadingTCP(addr, Handshake)) as server:
        assert not probes.websocket("/checks-origin/")("127.0.0.1", server.port)
        assert probes.websocket("/checks-origin/", origin=True)("127.0.0.1", server.port)


def test_redis_probe_needs_pong_not_just_a_connection(monkeypatch):
    with servers.start_thread(lambda addr: ThreadingTCP(addr, FakeRedis)) as server:
        assert probes.redis()("127.0.0.1", server.port)
        monkeypatch.setattr(FakeRedis, "loading", True)
        assert not probes.redis()("127.0.0.1", server.port)
    with servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Status)) as web:
        assert not probes.redis()("127.0.0.1", web.port)


@pytest.mark.redis
def test_redis_probe_against_a_real_redis_server(require):
    """The real thing: redis-server on a free loopback port, waited for with PING."""
    program = require("redis-server", "sudo apt-get install redis-server")
    port = servers.free_port()
    command = [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with servers.start_process(command, port=port, probe=probes.redis()) as server:
        assert probes.redis()("127.0.0.1", server.port)
    assert not servers.port_answers(port)
