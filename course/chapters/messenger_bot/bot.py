"""A Messenger bot: a Flask app that answers the Messenger Platform's webhooks.

The platform calls the bot at one URL, ``/webhook``:

- ``GET /webhook`` once, when the webhook is set up: the bot proves it is the
  server the developer meant by echoing ``hub.challenge``, but only when
  ``hub.verify_token`` is the token agreed in the app dashboard;
- ``POST /webhook`` for every batch of events (messages, deliveries, reads,
  reactions, postbacks). Each body is signed with the app secret in the
  ``X-Hub-Signature-256`` header. The bot checks that signature on the raw
  bytes, answers 200 at once, and sends its replies through the Graph API's
  Send API, from worker threads (``reply_mode="queue"``) or, to compare, from
  the request itself (``reply_mode="inline"``).

Nothing secret is in this file: :meth:`Settings.from_env` reads the tokens from
environment variables. Run the bot with a real WSGI server (waitress)::

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
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("bot")

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 1024 * 1024
"""Bytes a webhook body may have; larger ones get 413 (real batches are a few KiB)."""

RETRY_DELAYS = (0.2, 0.4, 0.8, 1.6)
"""Seconds to wait before each new try of a reply the Send API did not take."""


class MissingSetting(KeyError):
    """A required environment variable is not set."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know, read from the environment."""

    verify_token: str
    """Agreed in the app dashboard; the platform sends it back when verifying."""
    app_secret: str
    """The app's secret: the key of every webhook's HMAC signature."""
    page_token: str
    """The page access token, which the bot shows the Send API."""
    graph_url: str = "https://graph.facebook.com"
    graph_version: str = "v25.0"
    reply_mode: str = "queue"
    """"queue": worker threads send replies; "inline": the webhook sends them."""
    workers: int = 4

    @property
    def send_url(self) -> str:
        """The Send API endpoint: the page's ``messages`` edge."""
        return f"{self.graph_url.rstrip('/')}/{self.graph_version}/me/messages"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from ``MESSENGER_*`` and ``GRAPH_API_*`` variables."""
        required = {
            "verify_token": "MESSENGER_VERIFY_TOKEN",
            "app_secret": "MESSENGER_APP_SECRET",
            "page_token": "MESSENGER_PAGE_TOKEN",
        }
        missing = [name for name in required.values() if not environ.get(name)]
        if missing:
            raise MissingSetting(
                f"set the environment variable(s) {', '.join(missing)}: the bot "
                "reads its tokens from the environment, never from its code"
            )
        mode = environ.get("MESSENGER_REPLY_MODE", "queue")
        if mode not in ("queue", "inline"):
            raise ValueError(
                f"MESSENGER_REPLY_MODE must be queue or inline, not {mode!r}"
            )
        return cls(
            **{field: environ[name] for field, name in required.items()},
            graph_url=environ.get("GRAPH_API_URL", cls.graph_url),
            graph_version=environ.get("GRAPH_API_VERSION", cls.graph_version),
            reply_mode=mode,
        )


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value for ``body``: ``sha256=`` + hex HMAC."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """Was ``body`` signed with ``secret``? Compared in constant time, as bytes."""
    if not header:
        return False
    return hmac.compare_digest(header.encode(), sign(body, secret).encode())


class BadPayload(ValueError):
    """A signed body that is not a Messenger batch; the message says what is wrong."""


def parse_events(body: bytes) -> list[dict[str, Any]]:
    """The messaging events of a webhook body, in order; BadPayload if malformed."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadPayload(f"the body is not JSON ({type(error).__name__})") from None
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
                raise BadPayload(f"entry[{i}].messaging[{j}] must be an object")
            events.append(event)
    return events


def event_id(event: dict[str, Any]) -> str | None:
    """The id a retried delivery repeats: the mid of a message or postback."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and isinstance(part.get("mid"), str):
            return part["mid"]
    return None  # deliveries, reads and reactions carry no id of their own


class SeenIds:
    """The last ``capacity`` event ids, to drop the platform's retries."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # waitress runs requests in several threads

    def first_time(self, event: dict[str, Any]) -> bool:
        """True unless this event's id was seen before (events without one: True)."""
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


GREETING = "Hi! Send me any text and I will send it back reversed."


def reply_for(event: dict[str, Any]) -> str | None:
    """What the bot answers to one event, or None for no answer.

    - text: the text reversed;
    - a quick reply (a button under a message): which one was picked;
    - attachments only: a note that the bot reads text;
    - the "Get Started" postback: a greeting; other postbacks: which button;
    - echoes of the page's own messages, deliveries, reads, reactions: nothing.
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
            return "Thanks! I can only read text, so please type something."
        return None
    postback = event.get("postback")
    if isinstance(postback, dict):
        if postback.get("payload") == "GET_STARTED":
            return GREETING
        return f"You pressed “{postback.get('title') or postback.get('payload')}”."
    return None


def recipient_of(event: dict[str, Any]) -> str | None:
    """The page-scoped id (PSID) of the person who caused ``event``."""
    sender = event.get("sender")
    if isinstance(sender, dict) and isinstance(sender.get("id"), str):
        return sender["id"]
    return None


class SendApi:
    """Sends text replies through the Graph API, retrying what may succeed later."""

    def __init__(self, settings: Settings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, recipient: str, text: str) -> bool:
        """Deliver one reply; True once the Send API accepted it."""
        body = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",  # an answer to the person's message
            "message": {"text": text[:2000]},  # the Send API's limit
        }
        # The token goes in a header, so it never shows up in a logged URL.
        headers = {"Authorization": f"Bearer {self.settings.page_token}"}
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS), 1):
            time.sleep(delay)
            try:
                answer = requests.post(
                    self.settings.send_url,
                    json=body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                log.warning(
                    "try %d: Send API unreachable (%s)", attempt, type(error).__name__
                )
                continue
            if answer.ok:
                log.info("replied to %s (try %d)", recipient, attempt)
                return True
            log.warning("try %d: Send API answered %d", attempt, answer.status_code)
            if answer.status_code != 429 and answer.status_code < 500:
                return False  # a 4xx will not change: the request itself is wrong
        log.error("gave up on a reply to %s after %d tries", recipient, attempt)
        return False


class ReplyQueue:
    """Worker threads that send replies, so the webhook never waits for them.

    Each person's replies go to the same worker, one after the other, so they
    arrive in the order of the messages; different people are served in
    parallel.
    """

    def __init__(self, api: SendApi, workers: int) -> None:
        self.api = api
        self.queues: list[queue.Queue[tuple[str, str]]] = []
        for _ in range(workers):
            jobs: queue.Queue[tuple[str, str]] = queue.Queue()
            self.queues.append(jobs)
            threading.Thread(target=self._work, args=(jobs,), daemon=True).start()

    def put(self, recipient: str, text: str) -> None:
        worker = zlib.crc32(recipient.encode()) % len(self.queues)
        self.queues[worker].put((recipient, text))

    def _work(self, jobs: queue.Queue[tuple[str, str]]) -> None:
        while True:
            recipient, text = jobs.get()
            try:
                self.api.send(recipient, text)
            except Exception:  # a worker must survive anything
                log.exception("sending a reply failed")


def create_app(settings: Settings) -> Flask:
    """The bot as a WSGI application."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    api = SendApi(settings)
    replies = (
        ReplyQueue(api, settings.workers) if settings.reply_mode == "queue" else None
    )
    seen = SeenIds()

    @app.get("/webhook")
    def verify() -> tuple[str, int, dict[str, str]]:
        args = request.args
        token = args.get("hub.verify_token", "").encode()
        challenge = args.get("hub.challenge", "")
        if (
            args.get("hub.mode") == "subscribe"
            and hmac.compare_digest(token, settings.verify_token.encode())
            and challenge
        ):
            return challenge, 200, {"Content-Type": "text/plain"}
        return "verification failed: wrong mode, token or challenge\n", 403, {}

    @app.post("/webhook")
    def receive() -> tuple[str, int]:
        body = request.get_data()  # the raw bytes: the signature covers exactly these
        if not signature_matches(
            body, request.headers.get(SIGNATURE_HEADER), settings.app_secret
        ):
            if request.headers.get("X-Hub-Signature"):
                return "only a SHA1 X-Hub-Signature: sign with SHA256\n", 403
            return f"missing or wrong {SIGNATURE_HEADER}\n", 403
        try:
            events = parse_events(body)
        except BadPayload as problem:
            return f"bad webhook body: {problem}\n", 400
        for event in events:
            handle(event)
        return "EVENT_RECEIVED\n", 200

    def handle(event: dict[str, Any]) -> None:
        """Answer one event; log a failure instead of failing the whole batch."""
        try:
            recipient, text = recipient_of(event), reply_for(event)
            if recipient is None or text is None or not seen.first_time(event):
                return
            if replies is not None:
                replies.put(recipient, text)
            else:
                api.send(recipient, text)
        except Exception:
            log.exception("could not handle an event")

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException) -> Response:
        """Errors as one line of text (not Flask's HTML page), keeping their headers."""
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}: {error.description}\n")
        response.mimetype = "text/plain"
        return response

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> tuple[str, int]:
        return f"the body is larger than {MAX_BODY} bytes\n", 413

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the bot with waitress on 127.0.0.1 (settings from the environment)."""
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
