"""A Messenger bot: a Flask app that answers the Messenger Platform.

The platform calls the bot at one URL, ``/webhook``:

- ``GET /webhook`` once, when the webhook is set up: the bot proves it
  is the server the developer meant by echoing ``hub.challenge``, but
  only when ``hub.verify_token`` is the token agreed in the dashboard;
- ``POST /webhook`` for every batch of events (messages, deliveries,
  reads, reactions, postbacks), signed with the app secret in the
  ``X-Hub-Signature-256`` header. The bot checks the signature on the
  raw bytes, answers 200 at once, and sends its replies through the
  Graph API's Send API: from worker threads (``reply_mode="queue"``)
  or, to compare, from the request itself (``reply_mode="inline"``).

Nothing secret is in this file: :meth:`Settings.from_env` reads the
tokens from environment variables. Serve the bot with waitress::

    python -m course.chapters.messenger_bot.bot --port 8000
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import queue
import random
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import flask
import requests
from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger("bot")

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 4 * 1024 * 1024
"""The largest body accepted (413 beyond): a batch holds at most 1000
events, which take well under 4 MiB even with long texts."""

RETRY_DELAYS = (0.2, 0.4, 0.8, 1.6)
"""Seconds to wait before each new try of a reply that failed."""

TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 1200})
"""Graph API error codes worth another try: temporary failures (1, 2,
1200) and rate limits (4, 17, 32, 613), which come with a 400."""

QUEUE_LIMIT = 1000
"""Replies one worker may hold; beyond, the webhook answers 503."""


class MissingSetting(KeyError):
    """A required environment variable is not set."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know, read from the environment."""

    verify_token: str = field(repr=False)
    """Chosen by you; the platform repeats it when it verifies."""
    app_secret: str = field(repr=False)
    """The app's secret: the key of every webhook's HMAC signature."""
    page_token: str = field(repr=False)
    """The page access token, which the bot shows the Send API."""
    graph_url: str = "https://graph.facebook.com"
    graph_version: str = "v25.0"
    reply_mode: str = "queue"
    """"queue": worker threads send replies; "inline": the webhook."""
    workers: int = 4

    @property
    def send_url(self) -> str:
        """The Send API endpoint: the page's ``messages`` edge."""
        base = self.graph_url.rstrip("/")
        return f"{base}/{self.graph_version}/me/messages"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read ``MESSENGER_*`` and ``GRAPH_API_*`` variables."""
        names = (
            "MESSENGER_VERIFY_TOKEN",
            "MESSENGER_APP_SECRET",
            "MESSENGER_PAGE_TOKEN",
        )
        missing = [name for name in names if not environ.get(name)]
        if missing:
            raise MissingSetting(
                f"set the environment variable(s) {', '.join(missing)}:"
                " the bot reads its tokens from the environment, never"
                " from its code"
            )
        mode = environ.get("MESSENGER_REPLY_MODE", "queue")
        if mode not in ("queue", "inline"):
            raise ValueError(
                f"MESSENGER_REPLY_MODE must be queue or inline: {mode!r}"
            )
        return cls(
            verify_token=environ["MESSENGER_VERIFY_TOKEN"],
            app_secret=environ["MESSENGER_APP_SECRET"],
            page_token=environ["MESSENGER_PAGE_TOKEN"],
            graph_url=environ.get("GRAPH_API_URL", cls.graph_url),
            graph_version=environ.get(
                "GRAPH_API_VERSION", cls.graph_version
            ),
            reply_mode=mode,
        )


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """Was ``body`` signed with ``secret``? Compared in constant time."""
    if not header:
        return False
    expected = sign(body, secret)
    return hmac.compare_digest(header.encode(), expected.encode())


class BadPayload(ValueError):
    """A signed body that is not a Messenger batch, and why."""


def parse_events(body: bytes) -> list[dict[str, Any]]:
    """The messaging events of a webhook body; BadPayload if malformed."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        kind = type(error).__name__
        raise BadPayload(f"the body is not JSON ({kind})") from None
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise BadPayload('expected a JSON object with "object": "page"')
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise BadPayload('"entry" must be a list')
    events = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BadPayload(f"entry[{i}] must be an object")
        messaging = entry.get("messaging", [])
        if not isinstance(messaging, list):
            raise BadPayload(f"entry[{i}].messaging must be a list")
        for j, event in enumerate(messaging):
            if not isinstance(event, dict):
                where = f"entry[{i}].messaging[{j}]"
                raise BadPayload(f"{where} must be an object")
            events.append(event)
    return events


def event_id(event: dict[str, Any]) -> str | None:
    """The id a retry repeats: the mid of a message or a postback."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and isinstance(part.get("mid"), str):
            return part["mid"]
    return None  # deliveries, reads, reactions: no id of their own


class SeenIds:
    """The last ``capacity`` event ids, to drop the platform's retries."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # waitress runs several threads

    def first_time(self, event: dict[str, Any]) -> bool:
        """False if this event's id was seen before (no id: True)."""
        key = event_id(event)
        if key is None:
            return True
        with self._lock:
            if key in self._ids:
                return False
            self._ids[key] = None
            if len(self._ids) > self.capacity:
                self._ids.popitem(last=False)  # forget the oldest
            return True

    def forget(self, event: dict[str, Any]) -> None:
        """Take this event's id back, so that a retry is answered."""
        with self._lock:
            self._ids.pop(event_id(event) or "", None)


GREETING = "Hi! Send me any text and I will send it back reversed."


def reply_for(event: dict[str, Any]) -> str | None:
    """What the bot answers to one event, or None for no answer.

    - text: the text reversed;
    - a quick reply (a button under a message): which one was picked;
    - attachments only: a note that the bot reads text;
    - the "Get Started" postback: a greeting; others: which button;
    - echoes of the page's messages, deliveries, reads, reactions: None.
    """
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None  # answering our own message would start a loop
        text = message.get("text")
        quick = message.get("quick_reply")
        if isinstance(quick, dict):
            return f"You picked “{text or quick.get('payload')}”."
        if isinstance(text, str) and text:
            return text[::-1]
        if message.get("attachments"):
            return "Thanks! I can only read text, though."
        return None
    postback = event.get("postback")
    if isinstance(postback, dict):
        if postback.get("payload") == "GET_STARTED":
            return GREETING
        button = postback.get("title") or postback.get("payload")
        return f"You pressed “{button}”."
    return None


def recipient_of(event: dict[str, Any]) -> str | None:
    """The page-scoped id (PSID) of the person who caused ``event``."""
    sender = event.get("sender")
    if isinstance(sender, dict) and isinstance(sender.get("id"), str):
        return sender["id"]
    return None


def worth_retrying(answer: requests.Response) -> bool:
    """May the same request work later? 5xx, 429, or a transient error."""
    if answer.status_code >= 500 or answer.status_code == 429:
        return True
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return False
    if not isinstance(error, dict):
        return False
    transient = error.get("is_transient") is True
    return transient or error.get("code") in TRANSIENT_CODES


class SendApi:
    """Sends replies through the Graph API; retries what may work later."""

    def __init__(self, settings: Settings, timeout: float = 5.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, recipient: str, text: str) -> bool:
        """Deliver one reply; True once the Send API accepted it."""
        body: dict[str, Any] = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",  # an answer to a message
            "message": {"text": text[:2000]},  # the Send API's limit
        }
        # The token goes in a header: it never shows up in a logged URL.
        headers = {"Authorization": f"Bearer {self.settings.page_token}"}
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS), 1):
            # A random extra wait (jitter) spreads out clients that
            # failed together, so they do not all come back at once.
            time.sleep(delay * random.uniform(1.0, 1.25))
            try:
                answer = requests.post(
                    self.settings.send_url,
                    json=body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.ConnectionError:  # it never arrived: retry
                log.warning("try %d: Send API unreachable", attempt)
                continue
            except requests.Timeout:  # it may have arrived: do not repeat
                log.warning(
                    "try %d: no answer in time; not retried", attempt
                )
                return False
            if answer.ok:
                log.info("replied to %s (try %d)", recipient, attempt)
                return True
            status = answer.status_code
            log.warning("try %d: Send API answered %d", attempt, status)
            if not worth_retrying(answer):
                return False  # the request itself is wrong: no retry
        log.error(
            "gave up on a reply to %s after %d tries", recipient, attempt
        )
        return False


class ReplyQueue:
    """Worker threads that send replies, so the webhook never waits.

    Each person's replies go to the same worker, one after the other, so
    they leave in the order of the messages; different people are served
    in parallel.
    """

    def __init__(
        self, api: SendApi, workers: int, limit: int = QUEUE_LIMIT
    ) -> None:
        self.api = api
        self.queues: list[queue.Queue[tuple[str, str]]] = []
        for _ in range(workers):
            jobs: queue.Queue[tuple[str, str]] = queue.Queue(limit)
            self.queues.append(jobs)
            worker = threading.Thread(
                target=self._work, args=(jobs,), daemon=True
            )
            worker.start()

    def put(self, recipient: str, text: str) -> bool:
        """Queue a reply; False when that worker has too many waiting."""
        # crc32 is a stable hash: the same person, the same worker.
        worker = zlib.crc32(recipient.encode()) % len(self.queues)
        try:
            self.queues[worker].put_nowait((recipient, text))
        except queue.Full:
            return False
        return True

    def _work(self, jobs: queue.Queue[tuple[str, str]]) -> None:
        while True:
            recipient, text = jobs.get()
            try:
                self.api.send(recipient, text)
            except Exception:  # a worker must survive anything
                log.exception("sending a reply failed")


class Webhook:
    """The bot's two views, and what they share between requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api = SendApi(settings)
        self.replies: ReplyQueue | None = None
        if settings.reply_mode == "queue":
            self.replies = ReplyQueue(
                self.api, settings.workers, QUEUE_LIMIT
            )
        self.seen = SeenIds()

    def verify(self) -> tuple[str, int, dict[str, str]]:
        """GET /webhook: echo the challenge, only to the platform."""
        args = request.args
        token = args.get("hub.verify_token", "").encode()
        challenge = args.get("hub.challenge", "")
        if (
            args.get("hub.mode") == "subscribe"
            and hmac.compare_digest(
                token, self.settings.verify_token.encode()
            )
            and challenge
        ):
            # Plain text (PlainText), and no browser may take it for HTML.
            return challenge, 200, {"X-Content-Type-Options": "nosniff"}
        refusal = "verification failed: wrong mode, token or challenge\n"
        return refusal, 403, {}

    def receive(self) -> tuple[str, int]:
        """POST /webhook: check the signature, then handle every event."""
        body = request.get_data()  # the raw bytes, which were signed
        header = request.headers.get(SIGNATURE_HEADER)
        if not signature_matches(body, header, self.settings.app_secret):
            if not header and request.headers.get("X-Hub-Signature"):
                return "only a SHA1 X-Hub-Signature: use SHA256\n", 403
            return f"missing or wrong {SIGNATURE_HEADER}\n", 403
        try:
            events = parse_events(body)
        except BadPayload as problem:
            return f"bad webhook body: {problem}\n", 400
        handled = [self.handle(event) for event in events]
        if not all(handled):  # the platform will send the batch again
            return "too many replies waiting: try again later\n", 503
        return "EVENT_RECEIVED\n", 200

    def handle(self, event: dict[str, Any]) -> bool:
        """Answer one event; False only when the reply queue is full.

        Any other failure is logged and the batch goes on: one odd
        event must not make the platform resend all the others.
        """
        try:
            recipient, text = recipient_of(event), reply_for(event)
            if recipient is None or text is None:
                return True
            if not self.seen.first_time(event):
                return True  # a retry of an event already answered
            if self.replies is None:
                self.api.send(recipient, text)
            elif not self.replies.put(recipient, text):
                self.seen.forget(event)  # so that the resent one counts
                return False
        except Exception:
            log.exception("could not handle an event")
        return True


class PlainText(flask.Response):
    """Answers are plain text unless a view says otherwise (Flask: HTML)."""

    default_mimetype = "text/plain"


def plain_error(error: HTTPException) -> Response:
    """Errors as a line of text, not Flask's HTML page."""
    response = error.get_response()  # keeps headers such as Allow
    response.set_data(f"{error.code} {error.name}: {error.description}\n")
    response.mimetype = "text/plain"
    return response


def too_large(error: HTTPException) -> tuple[str, int]:
    return f"the body is larger than {MAX_BODY} bytes\n", 413


def create_app(settings: Settings) -> Flask:
    """The bot as a WSGI application."""
    app = Flask(__name__)
    app.response_class = PlainText
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    webhook = Webhook(settings)
    app.add_url_rule("/webhook", view_func=webhook.verify, methods=["GET"])
    app.add_url_rule(
        "/webhook", view_func=webhook.receive, methods=["POST"]
    )
    app.register_error_handler(HTTPException, plain_error)
    app.register_error_handler(413, too_large)
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the bot with waitress on 127.0.0.1, configured by env."""
    from waitress import serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args(argv).port
    try:
        settings = Settings.from_env()
    except (MissingSetting, ValueError) as problem:
        sys.exit(f"cannot start the bot: {problem}")
    log_format = "%(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format)
    serve(create_app(settings), host="127.0.0.1", port=port, threads=8)


if __name__ == "__main__":
    main()
