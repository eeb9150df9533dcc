"""Local mail providers: real SMTP servers on 127.0.0.1 standing in for Gmail and Yahoo.

The composition chapter sends real mail with :mod:`smtplib`, so it needs mail
servers that accept it. Each :class:`MailServer` is an `aiosmtpd
<https://aiosmtpd.aio-libs.org/>`_ server on a free loopback port, run by the
course's server layer (:func:`course.servers.start_thread`) and stopped with it.
What a server accepts lands in its :class:`Mailbox`, where a lesson or a check
reads it back: who sent it, to whom, the subject and the body.

A mailbox can also misbehave on purpose, the way a busy provider does:
:meth:`Mailbox.fail_next` makes the next deliveries fail with an SMTP reply
such as ``451 Try again later`` (temporary, 4xx) or ``550 Mailbox unavailable``
(permanent, 5xx). Stopping a server makes the next connection to its port fail
with "connection refused", like a provider that is down.

:class:`SmtpProvider` is the one provider class the chapter needs: it sends an
:class:`email.message.EmailMessage` through one such server.
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.policy
import logging
import smtplib
import socket
import threading
import weakref
from dataclasses import dataclass
from email.message import EmailMessage
from typing import cast

from aiosmtpd.smtp import SMTP, Envelope, Session

from course import servers

HOST = servers.HOST
CLIENT_NAME = "localhost"
"""The name our SMTP clients give in ``EHLO``. smtplib would otherwise look up this
machine's fully qualified name, which can take seconds on a laptop with no network."""

# aiosmtpd logs every connection at INFO or WARNING level: keep the notebooks quiet.
logging.getLogger("mail.log").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Delivery:
    """One message a mail server accepted, as the server saw it."""

    server: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    message: EmailMessage


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts, counts attempts, fails on request.

    Thread-safe: the server thread writes, the notebook's thread reads.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._attempts = 0
        self._failures: collections.deque[str] = collections.deque()

    @property
    def deliveries(self) -> list[Delivery]:
        """The messages accepted since the last :meth:`clear`, oldest first."""
        with self._lock:
            return list(self._deliveries)

    @property
    def attempts(self) -> int:
        """How many messages clients tried to hand over (``DATA``), failed ones too."""
        with self._lock:
            return self._attempts

    def fail_next(
        self, count: int = 1, reply: str = "451 4.3.2 Try again later"
    ) -> None:
        """Refuse the next ``count`` messages with ``reply`` (4xx or 5xx, then text)."""
        code = reply.split(" ", 1)[0]
        if not (code.isdigit() and len(code) == 3 and code[0] in "45"):
            raise ValueError(
                f"reply {reply!r} must start with a 4xx or 5xx SMTP code, "
                "such as '451 Try again later'"
            )
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count}")
        with self._lock:
            self._failures.extend([reply] * count)

    def clear(self) -> None:
        """Forget the messages, the attempt count and any failures still planned."""
        with self._lock:
            self._deliveries.clear()
            self._attempts = 0
            self._failures.clear()

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """aiosmtpd hook: a client has sent a whole message; accept it or refuse it."""
        with self._lock:
            self._attempts += 1
            if self._failures:
                return self._failures.popleft()
            content = (envelope.original_content or b"").replace(b"\r\n", b"\n")
            message = cast(
                EmailMessage,
                email.message_from_bytes(content, policy=email.policy.default),
            )
            body = message.get_body(("plain",))
            self._deliveries.append(
                Delivery(
                    server=self.name,
                    sender=envelope.mail_from or "",
                    recipients=tuple(envelope.rcpt_tos),
                    subject=str(message.get("Subject", "")),
                    body=body.get_content().rstrip("\n") if body is not None else "",
                    message=message,
                )
            )
        return f"250 2.0.0 Accepted by {self.name}"

    def __repr__(self) -> str:
        count = len(self.deliveries)
        return f"<Mailbox {self.name}: {count} message(s), {self.attempts} attempt(s)>"


class SmtpService:
    """An aiosmtpd server with the ``socketserver`` face that
    :func:`course.servers.start_thread` drives.

    The listening socket is bound in the constructor, so the port is known at
    once; :meth:`serve_forever` runs an asyncio event loop of its own in the
    server's thread (a notebook's main thread already runs the kernel's loop).
    """

    def __init__(self, address: tuple[str, int], mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.socket = socket.create_server(address)
        self.server_address = self.socket.getsockname()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()  # open ones only

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` (asyncio needs no ``poll_interval``)."""
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await self._loop.create_server(self._session, sock=self.socket)
        self._started.set()
        await self._stopping.wait()
        server.close()
        # Drop the clients still connected: the provider is "down".
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.abort()
        await server.wait_closed()

    def _session(self) -> SMTP:
        session = SMTP(
            self.mailbox,
            hostname=self.mailbox.name,
            ident=f"{self.mailbox.name} (course stand-in)",
        )
        self._sessions.add(session)
        return session

    def shutdown(self) -> None:
        """Stop serving; returns at once (the server's thread ends shortly after)."""
        if (
            self._started.wait(5)
            and self._loop is not None
            and self._stopping is not None
        ):
            self._loop.call_soon_threadsafe(self._stopping.set)

    def server_close(self) -> None:
        """Close the listening socket (if stopping the server has not already)."""
        self.socket.close()


def answers_smtp(host: str, port: int) -> bool:
    """Readiness probe: True when ``host:port`` greets and answers ``NOOP`` with 250."""
    try:
        with smtplib.SMTP(host, port, local_hostname=CLIENT_NAME, timeout=1) as smtp:
            return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


class MailServer:
    """A running local mail server: its name, port and :class:`Mailbox`."""

    def __init__(
        self, name: str, running: servers.ThreadServer, mailbox: Mailbox
    ) -> None:
        self.name = name
        self.running_server = running
        self.mailbox = mailbox
        self.port = running.port

    @property
    def url(self) -> str:
        """``smtp://127.0.0.1:PORT``."""
        return f"smtp://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True until :meth:`stop`."""
        return self.running_server.running

    @property
    def deliveries(self) -> list[Delivery]:
        """What this server has accepted (see :attr:`Mailbox.deliveries`)."""
        return self.mailbox.deliveries

    def provider(self) -> SmtpProvider:
        """A provider that sends through this server."""
        return SmtpProvider(self.name, self.port)

    def stop(self) -> None:
        """Stop the server: from now on its port refuses connections."""
        self.running_server.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where, count = f"{HOST}:{self.port}", len(self.deliveries)
        return f"<MailServer {self.name} on {where}, {state}, {count} message(s)>"


def start_mail_server(name: str) -> MailServer:
    """Start a mail server called ``name`` (``"gmail"``) on a free port, answering."""
    if not name or not name.replace("-", "").isalnum():
        raise ValueError(
            f"a mail server name is a short word such as 'gmail', got {name!r}"
        )
    mailbox = Mailbox(name)
    running = servers.start_thread(
        lambda address: SmtpService(address, mailbox), probe=answers_smtp
    )
    return MailServer(name, running, mailbox)


class SmtpProvider:
    """Sends an :class:`~email.message.EmailMessage` through one SMTP server.

    The provider object holds only *where* to send; every :meth:`send` opens a
    connection, hands the message over and closes it. Errors are those of smtplib
    and the socket below it: ``ConnectionRefusedError`` when nothing listens,
    ``smtplib.SMTPDataError`` (with ``smtp_code``) when the server refuses the message.
    """

    def __init__(
        self, name: str, port: int, host: str = HOST, timeout: float = 5.0
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to its ``To`` addresses, from its ``From`` address."""
        with smtplib.SMTP(
            self.host, self.port, local_hostname=CLIENT_NAME, timeout=self.timeout
        ) as smtp:
            smtp.send_message(message)

    def __repr__(self) -> str:
        return f"SmtpProvider({self.name!r}, port={self.port})"


def make_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


__all__ = [
    "Delivery",
    "MailServer",
    "Mailbox",
    "SmtpProvider",
    "SmtpService",
    "answers_smtp",
    "make_message",
    "start_mail_server",
]
