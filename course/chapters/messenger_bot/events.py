"""Build Messenger Platform webhook events, as the platform sends them.

Each function returns one ``messaging`` event (a dict); :func:`batch` wraps
events into the body of one webhook request. The shapes follow the Messenger
Platform's webhook reference; ids are made up, and every message or postback
gets a fresh ``mid`` unless one is given (a retry repeats the same one).
"""

from __future__ import annotations

import itertools
from typing import Any

USER = "7001002003"
"""A made-up page-scoped id (PSID) of the person writing to the page."""
PAGE = "1000200030004"
"""A made-up id of the page."""

START = 1_764_230_400_000
"""The made-up time of the first event, in milliseconds since 1970."""

_numbers = itertools.count(1)
_ticks = itertools.count()


def new_mid() -> str:
    """A message id never used before in this process."""
    return f"m_local_{next(_numbers)}"


def now() -> int:
    """A timestamp one second after the previous one (ordered and reproducible)."""
    return START + 1000 * next(_ticks)


def _event(
    kind: str, body: dict[str, Any], *, sender: str, recipient: str
) -> dict:
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": now(),
        kind: body,
    }


def text(words: str, *, sender: str = USER, mid: str | None = None) -> dict:
    """A person sent ``words``."""
    message = {"mid": mid or new_mid(), "text": words}
    return _event("message", message, sender=sender, recipient=PAGE)


def echo(
    words: str, *, recipient: str = USER, mid: str | None = None
) -> dict:
    """The platform's copy of a message the *page* sent (sender and recipient swap)."""
    message = {
        "is_echo": True,
        "app_id": 424242,
        "mid": mid or new_mid(),
        "text": words,
    }
    return _event("message", message, sender=PAGE, recipient=recipient)


def quick_reply(title: str, payload: str, *, sender: str = USER) -> dict:
    """A person tapped the quick-reply button ``title`` (its ``payload`` is ours)."""
    message = {
        "mid": new_mid(),
        "text": title,
        "quick_reply": {"payload": payload},
    }
    return _event("message", message, sender=sender, recipient=PAGE)


def attachment(kind: str = "image", *, sender: str = USER) -> dict:
    """A person sent a file (``image``, ``audio``, ``video``, ``file``) and no text."""
    files = [
        {"type": kind, "payload": {"url": f"https://example.com/a.{kind}"}}
    ]
    message = {"mid": new_mid(), "attachments": files}
    return _event("message", message, sender=sender, recipient=PAGE)


def postback(
    title: str, payload: str, *, sender: str = USER, mid: str | None = None
) -> dict:
    """A person pressed a button (``Get Started``, a menu item, a template button)."""
    body = {"mid": mid or new_mid(), "title": title, "payload": payload}
    return _event("postback", body, sender=sender, recipient=PAGE)


def delivery(*mids: str, sender: str = USER) -> dict:
    """The page's messages ``mids`` reached the person's device."""
    body = {"mids": list(mids), "watermark": now()}
    return _event("delivery", body, sender=sender, recipient=PAGE)


def read(*, sender: str = USER) -> dict:
    """The person read everything the page sent up to now."""
    return _event(
        "read", {"watermark": now()}, sender=sender, recipient=PAGE
    )


def reaction(
    mid: str, emoji: str = "❤", *, action: str = "react", sender: str = USER
) -> dict:
    """The person reacted to (or, with ``action="unreact"``, un-reacted to) ``mid``."""
    body = {
        "reaction": "love",
        "emoji": emoji,
        "action": action,
        "mid": mid,
    }
    return _event("reaction", body, sender=sender, recipient=PAGE)


def batch(*events: dict) -> dict:
    """The body of one webhook request carrying ``events`` for the page."""
    entry = {"id": PAGE, "time": now(), "messaging": list(events)}
    return {"object": "page", "entry": [entry]}
