"""Exercise 4's client under test: a newsletter mailing each reader via a provider.

Its rules, which a good test checks one by one:

1. every *active* subscriber gets the issue; inactive ones get nothing;
2. addresses are compared without regard to case: a reader listed twice gets one
   message, at the address as first listed;
3. each message goes to that one reader only (``To``), with the issue's subject and
   body, from the newsletter's sender;
4. when the provider fails for one reader (an ``OSError``, such as a refused
   connection), the others still get theirs, and :meth:`Newsletter.publish` returns
   the addresses that failed, in order.

The provider is injected: anything with ``send(message)`` will do, which is what
lets a test hand it a fake instead of a mail server.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from course.chapters.composition.mailhost import make_message


class Provider(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Newsletter:
    """Publishes issues to a list of subscribers through ``provider``."""

    def __init__(self, provider: Provider, sender: str = "news@example.com") -> None:
        self.provider = provider
        self.sender = sender

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        """Send the issue to each active subscriber once; return addresses that failed.

        ``subscribers`` holds ``(address, active)`` pairs.
        """
        failed: list[str] = []
        seen: set[str] = set()
        for address, active in subscribers:
            if not active or address.lower() in seen:
                continue
            seen.add(address.lower())
            try:
                self.provider.send(make_message(self.sender, address, subject, body))
            except OSError:
                failed.append(address)
        return failed
