"""A local stand-in for the Graph API's Send API: a real HTTP server on 127.0.0.1.

It answers ``POST /<version>/me/messages`` (or ``/<version>/<page id>/messages``)
as the real endpoint does for a text message, so the bot can be tested with
no account and no internet:

- the page access token must be the expected one, sent as
  ``Authorization: Bearer …`` or as the ``access_token`` query parameter
  (otherwise 400 with Graph error code 190, as the real API answers);
- the JSON body must have ``recipient.id``, a known ``messaging_type`` and a
  ``message.text`` of 1 to 2000 characters (400 with code 100 otherwise,
  saying which);
- every accepted message is recorded in :attr:`SendApiStandIn.received`,
  with the way its token came (``via``).

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
MAX_BODY = 1024 * 1024
_PATH = re.compile(r"^/v\d+\.\d+/(me|\d+)/messages$")

FAILURES = {
    429: (4, "(#4) Application request limit reached", True),
    500: (2, "(#2) Service temporarily unavailable", True),
    503: (2, "(#2) Service temporarily unavailable", True),
    613: (
        613,
        "(#613) Calls to this api have exceeded the rate limit.",
        True,
    ),
    100: (100, "(#100) Invalid parameter", False),
}
"""Graph error code, message and ``is_transient`` for the failures
:meth:`SendApiStandIn.fail_next` can produce (by status, or by code for a 400)."""


@dataclass(frozen=True)
class Received:
    """One message the stand-in accepted."""

    recipient: str
    text: str
    messaging_type: str
    via: str = "header"
    """How the token came: ``"header"`` (Authorization) or ``"query"``."""
    at: float = field(default=0.0, compare=False, repr=False)
    """``time.monotonic()`` when it arrived."""


@dataclass(frozen=True)
class Attempt:
    """One request to the Send API, accepted or not."""

    status: int
    code: int | None = None
    """The Graph error code of a refusal (None when accepted)."""
    at: float = field(default=0.0, repr=False)
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
        self._failures: list[tuple[int, int]] = []
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

    def fail_next(self, *failures: int | tuple[int, int]) -> None:
        """Refuse the next valid requests, in turn, with these failures.

        A failure is a status (500, 503, 429) or a ``(400, code)`` pair for
        a Graph error code: 613 (rate limit) is transient, 100 is not.
        """
        parsed = []
        for failure in failures:
            status, key = (
                failure
                if isinstance(failure, tuple)
                else (failure, failure)
            )
            if key not in FAILURES:
                raise ValueError(
                    f"fail_next knows {sorted(FAILURES)}, not {key!r}"
                )
            parsed.append((status, key))
        with self._changed:
            self._failures.extend(parsed)

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
            self._changed.wait_for(
                lambda: len(self.received) >= count, timeout
            )
            return list(self.received)

    def answer(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The status and JSON a request gets (recorded when accepted)."""
        status, reply, received = self._judge(path, headers, body)
        if self.delay:
            time.sleep(self.delay)
        with self._changed:
            if received is not None and self._failures:
                status, key = self._failures.pop(0)
                code, message, transient = FAILURES[key]
                reply, received = _error(message, code, transient), None
            if received is not None:
                self.received.append(received)
                reply = {
                    "recipient_id": received.recipient,
                    "message_id": f"m_sent_{len(self.received)}",
                }
            refused = None if received else reply["error"]["code"]
            self.attempts.append(Attempt(status, refused, time.monotonic()))
            self._changed.notify_all()
        return status, reply

    def _judge(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], Received | None]:
        url = urlsplit(path)
        if not _PATH.match(url.path):
            message = f"Unknown path {url.path}: use /vNN.N/me/messages"
            return 404, _error(message, 803), None
        token = parse_qs(url.query).get("access_token", [""])[0]
        via = "query"
        bearer = headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            token, via = bearer.removeprefix("Bearer "), "header"
        if token != self.page_token:
            return 400, _error("Invalid OAuth access token.", 190), None
        try:
            data = json.loads(body)
        except ValueError:
            return 400, _error("(#100) the body must be JSON", 100), None
        problem = _shape_problem(data)
        if problem:
            return 400, _error(f"(#100) {problem}", 100), None
        received = Received(
            data["recipient"]["id"],
            data["message"]["text"],
            data["messaging_type"],
            via,
            time.monotonic(),
        )
        return 200, {}, received


def _shape_problem(data: Any) -> str:
    """What is wrong with a Send API body, or "" when it is a valid text message."""
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    recipient = data.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(
        recipient.get("id"), str
    ):
        return "recipient.id is required (the person's page-scoped id, a string)"
    kind = data.get("messaging_type")
    if kind not in MESSAGING_TYPES:
        return f"messaging_type must be one of {', '.join(MESSAGING_TYPES)}"
    if kind == "MESSAGE_TAG" and not data.get("tag"):
        return "a MESSAGE_TAG message needs a tag"
    message = data.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
        return (
            f"message.text must be a string of 1 to {MAX_TEXT} characters"
        )
    return ""


def _error(
    message: str, code: int, transient: bool = False
) -> dict[str, Any]:
    kind = (
        "OAuthException" if code in (100, 190) else "GraphMethodException"
    )
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "is_transient": transient,
            "fbtrace_id": "local-stand-in",
        }
    }


def handler_for(state: SendApiStandIn) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``state``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "0")
            if not length.isdigit() or int(length) > MAX_BODY:
                self.close_connection = True
                message = f"(#100) Content-Length must be 0 to {MAX_BODY}"
                self._send(400, _error(message, 100))
                return
            body = self.rfile.read(int(length))
            status, reply = state.answer(self.path, self.headers, body)
            self._send(status, reply)

        def do_GET(self) -> None:
            self._send(405, _error("the Send API takes POST requests", 100))

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
