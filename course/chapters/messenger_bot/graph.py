"""A local stand-in for the Graph API's Send API: a real HTTP server on 127.0.0.1.

It answers ``POST /<version>/me/messages`` (or ``/<version>/<page id>/messages``)
as the real endpoint does for a text message, so the bot can be tested with
no account and no internet:

- the page access token must be the expected one, sent as
  ``Authorization: Bearer …`` or as the ``access_token`` query parameter
  (401 with a Graph-style error otherwise);
- the JSON body must have ``recipient.id``, a known ``messaging_type`` and a
  ``message.text`` of 1 to 2000 characters (400 otherwise, saying which);
- every accepted message is recorded in :attr:`SendApiStandIn.received`.

It can be made slow (:attr:`SendApiStandIn.delay`) or failing
(:meth:`SendApiStandIn.fail_next`). Unlike the real one it takes JSON bodies
only, sends nothing to anybody, and knows nothing of templates or attachments.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from course import probes, servers

MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MAX_TEXT = 2000
_PATH = re.compile(r"^/v\d+\.\d+/(me|\d+)/messages$")


@dataclass(frozen=True)
class Received:
    """One message the stand-in accepted."""

    recipient: str
    text: str
    messaging_type: str
    at: float = field(compare=False, repr=False)
    """``time.monotonic()`` when it arrived."""


@dataclass(frozen=True)
class Attempt:
    """One request to the Send API, accepted or not."""

    status: int
    at: float = field(repr=False)
    """``time.monotonic()`` when the answer was sent."""


class SendApiStandIn:
    """The stand-in: what it expects, what arrived, and the server answering."""

    def __init__(self, page_token: str) -> None:
        self.page_token = page_token
        self.server: servers.ThreadServer | None = None
        """Set by :func:`start_send_api`."""
        self.delay = 0.0
        """Seconds every answer waits, as a slow Send API would."""
        self.received: list[Received] = []
        self.attempts: list[Attempt] = []
        self._failures: list[int] = []
        self._changed = threading.Condition()

    @property
    def port(self) -> int:
        assert self.server is not None, "start it with start_send_api()"
        return self.server.port

    @property
    def url(self) -> str:
        """The base URL to give the bot as ``GRAPH_API_URL``."""
        return f"http://{servers.HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __repr__(self) -> str:
        return f"<Send API stand-in on {self.url}: {len(self.received)} received>"

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these error statuses, in turn."""
        with self._changed:
            self._failures.extend(statuses)

    def reset(self) -> None:
        """Forget what arrived, stop failing, answer at once."""
        with self._changed:
            self.received.clear()
            self.attempts.clear()
            self._failures.clear()
            self.delay = 0.0

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until ``count`` messages arrived (or ``timeout`` s); return them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def answer(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The status and JSON a request gets (recorded when accepted)."""
        status, reply = self._judge(path, headers, body)
        if self.delay:
            time.sleep(self.delay)
        with self._changed:
            if status == 200 and self._failures:
                failed = self._failures.pop(0)
                status, reply = (
                    failed,
                    _error(failed, "(#2) Service temporarily unavailable", 2),
                )
            if status == 200:
                self.received.append(reply.pop("_received"))
            self.attempts.append(Attempt(status, time.monotonic()))
            self._changed.notify_all()
        return status, reply

    def _judge(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        if not _PATH.match(url.path):
            return 404, _error(
                404, f"Unknown path {url.path}: use /vNN.N/me/messages", 100
            )
        token = parse_qs(url.query).get("access_token", [""])[0]
        bearer = headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            token = bearer.removeprefix("Bearer ")
        if token != self.page_token:
            return 401, _error(401, "Invalid OAuth access token.", 190)
        try:
            data = json.loads(body)
        except ValueError:
            return 400, _error(400, "(#100) the body must be JSON", 100)
        problem = _shape_problem(data)
        if problem:
            return 400, _error(400, f"(#100) {problem}", 100)
        mid = f"m_{len(self.attempts) + 1}"
        received = Received(
            data["recipient"]["id"],
            data["message"]["text"],
            data["messaging_type"],
            time.monotonic(),
        )
        return 200, {
            "recipient_id": received.recipient,
            "message_id": mid,
            "_received": received,
        }


def _shape_problem(data: Any) -> str:
    """What is wrong with a Send API body, or "" when it is a valid text message."""
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    recipient = data.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("id"), str):
        return "recipient.id is required (the person's page-scoped id, a string)"
    kind = data.get("messaging_type")
    if kind not in MESSAGING_TYPES:
        return f"messaging_type must be one of {', '.join(MESSAGING_TYPES)}"
    if kind == "MESSAGE_TAG" and not data.get("tag"):
        return "a MESSAGE_TAG message needs a tag"
    message = data.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
        return f"message.text must be a string of 1 to {MAX_TEXT} characters"
    return ""


def _error(status: int, message: str, code: int) -> dict[str, Any]:
    kind = "OAuthException" if status in (400, 401) else "GraphMethodException"
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "fbtrace_id": "local-stand-in",
        }
    }


def handler_for(state: SendApiStandIn) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``state``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, reply = state.answer(
                self.path, self.headers, self.rfile.read(length)
            )
            self._send(status, reply)

        def do_GET(self) -> None:
            self._send(405, _error(405, "the Send API takes POST requests", 100))

        def _send(self, status: int, reply: dict[str, Any]) -> None:
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the notebook shows what arrived, not an access log."""

    return Handler


class StandInServer(ThreadingHTTPServer):
    """A threading HTTP server that ignores clients hanging up (probes do)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a reset or a broken pipe: the client left, nothing to report
        super().handle_error(request, client_address)


def start_send_api(page_token: str) -> SendApiStandIn:
    """Serve a stand-in expecting ``page_token`` on a free 127.0.0.1 port."""
    stand_in = SendApiStandIn(page_token)

    def make(address: tuple[str, int]) -> ThreadingHTTPServer:
        return StandInServer(address, handler_for(stand_in))

    stand_in.server = servers.start_thread(make, probe=probes.http("/"))
    return stand_in
