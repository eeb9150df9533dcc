"""Exercise 1's starting point: notifiers built by inheritance, a class per combination.

Two channels (plain email, and an email-to-pager gateway that keeps only the
first :data:`PAGER_LIMIT` characters of the body) times two features (an
``[URGENT]`` subject, a signature under the body) already make eight classes;
every new feature doubles the count, and every new channel adds another full set.
The exercise refactors them into one ``Notifier`` that *holds* a channel:
:class:`EmailChannel` and :class:`PagerChannel` below are those concrete channels,
parts with one method, ``deliver``.
"""

from __future__ import annotations

from course.chapters.composition.mailhost import SmtpProvider, make_message

SENDER = "alerts@example.com"
PAGER_LIMIT = 60
"""A pager shows this many characters of the body; the gateway drops the rest."""
URGENT = "[URGENT] "
SIGNATURE = "The ops team"


# --- the channels: concrete parts with one method, deliver(to, subject, body) ------


class EmailChannel:
    """Delivers a notification as an ordinary email via the mail server on ``port``."""

    def __init__(self, port: int, sender: str = SENDER) -> None:
        self.port = port
        self.sender = sender

    def deliver(self, to: str, subject: str, body: str) -> None:
        """Send ``subject`` and ``body`` to ``to``."""
        SmtpProvider("email", self.port).send(
            make_message(self.sender, to, subject, body)
        )


class PagerChannel:
    """Delivers via an email-to-pager gateway on ``port``: the body is cut short."""

    def __init__(self, port: int, sender: str = SENDER) -> None:
        self.port = port
        self.sender = sender

    def deliver(self, to: str, subject: str, body: str) -> None:
        """Send ``subject`` and the start of ``body`` to ``to``."""
        SmtpProvider("pager", self.port).send(
            make_message(self.sender, to, subject, body[:PAGER_LIMIT])
        )


# --- the hierarchy to refactor -----------------------------------------------------


class EmailNotifier:
    """Notifies by email."""

    def __init__(self, port: int) -> None:
        self.port = port

    def notify(self, to: str, subject: str, body: str) -> None:
        self.send(to, subject, body)

    def send(self, to: str, subject: str, body: str) -> None:
        SmtpProvider("email", self.port).send(make_message(SENDER, to, subject, body))


class PagerNotifier(EmailNotifier):
    """Notifies a pager: the same email, with the body cut short."""

    def send(self, to: str, subject: str, body: str) -> None:
        super().send(to, subject, body[:PAGER_LIMIT])


class UrgentEmailNotifier(EmailNotifier):
    def notify(self, to: str, subject: str, body: str) -> None:
        super().notify(to, URGENT + subject, body)


class UrgentPagerNotifier(PagerNotifier):  # the same code again, for the other channel
    def notify(self, to: str, subject: str, body: str) -> None:
        super().notify(to, URGENT + subject, body)


class SignedEmailNotifier(EmailNotifier):
    def notify(self, to: str, subject: str, body: str) -> None:
        super().notify(to, subject, f"{body}\n-- \n{SIGNATURE}")


class SignedPagerNotifier(PagerNotifier):
    def notify(self, to: str, subject: str, body: str) -> None:
        super().notify(to, subject, f"{body}\n-- \n{SIGNATURE}")


class UrgentSignedEmailNotifier(UrgentEmailNotifier, SignedEmailNotifier):
    pass


class UrgentSignedPagerNotifier(UrgentPagerNotifier, SignedPagerNotifier):
    pass


HIERARCHY: dict[tuple[str, bool, bool], type[EmailNotifier]] = {
    ("email", False, False): EmailNotifier,
    ("email", True, False): UrgentEmailNotifier,
    ("email", False, True): SignedEmailNotifier,
    ("email", True, True): UrgentSignedEmailNotifier,
    ("pager", False, False): PagerNotifier,
    ("pager", True, False): UrgentPagerNotifier,
    ("pager", False, True): SignedPagerNotifier,
    ("pager", True, True): UrgentSignedPagerNotifier,
}
"""The class to use for (channel, urgent?, signed?): one class per combination."""
