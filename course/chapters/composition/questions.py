"""Exercises of chapter 02 (composition over inheritance), judged by what reaches real mail servers.

- ``q1`` — ``Notifier(channel, *features)``, ``urgent``, ``signed(name)``: the notifier
  hierarchy of :mod:`.notifiers` refactored into composition.
- ``q2`` — ``Retrying(provider, attempts=3)``: retry temporary failures, never permanent ones.
- ``q3`` — ``Failover(providers)``: try providers in turn, starting with the last one that worked;
  report every failure when all fail.
- ``q4`` — ``test_newsletter(newsletter_class)``: a test that uses a fake provider to catch
  every broken :class:`~.newsletter.Newsletter`.

Messages are read back from local SMTP servers (:mod:`.mailhost`), shared by the
checks of one process through :func:`course.servers.shared`; fakes count calls
where a real server cannot fail on demand. The answers are in
``solutions/02-composition.ipynb``.
"""

from __future__ import annotations

import inspect
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any
from unittest import mock

from course import servers
from course.chapters.composition import CHAPTER, notifiers
from course.chapters.composition.mailhost import (
    Delivery,
    MailServer,
    SmtpProvider,
    make_message,
    start_mail_server,
)
from course.chapters.composition.newsletter import Newsletter
from course.checks import Question, bind
from course.checks.expect import (
    Incorrect,
    attempt,
    describe_error,
    expect_equal,
    expect_exception,
)

MAX_CALLS = 50
"""A wrapper that calls its provider more often than this for one message is looping without end."""


def mail_server(name: str) -> MailServer:
    """The checks' shared mail server ``name``, started on first use, emptied for the next case."""
    server = servers.shared(f"composition-{name}", lambda: start_mail_server(name))
    assert isinstance(server, MailServer)
    server.mailbox.clear()
    return server


def refused_port() -> int:
    """A loopback port nothing listens on: connecting there is refused, like a provider that is down."""
    return servers.free_port()


def sample_message(subject: str = "Weekly report") -> EmailMessage:
    return make_message(
        "reports@example.com", "team@example.org", subject, "All systems normal."
    )


class Runaway(BaseException):
    """Raised by a fake after :data:`MAX_CALLS` calls; a BaseException so ``except Exception`` cannot hide it."""


class FakeProvider:
    """A provider that fails with the errors it is given, in turn, and then succeeds.

    ``log`` (shared between fakes) records each call as the fake's name, so
    order across several providers can be checked.
    """

    def __init__(
        self,
        name: str,
        errors: list[BaseException] | None = None,
        *,
        always: bool = False,
        log: list[str] | None = None,
    ) -> None:
        self.name = name
        self.errors = list(errors or [])
        self.always = always
        self.log = log if log is not None else []
        self.calls = 0
        self.sent: list[EmailMessage] = []
        self.raised: list[BaseException] = []

    def send(self, message: EmailMessage) -> None:
        self.calls += 1
        self.log.append(self.name)
        if self.calls > MAX_CALLS:
            raise Runaway(self.name)
        if self.errors:
            error = self.errors[0] if self.always else self.errors.pop(0)
            # A fresh exception each time, as a real provider raises.
            error = type(error)(*error.args)
            self.raised.append(error)
            raise error
        self.sent.append(message)

    def fail(self, *errors: BaseException, always: bool = False) -> None:
        """From now on, raise ``errors`` (in turn, or the first one forever)."""
        self.errors = list(errors)
        self.always = always

    def __repr__(self) -> str:
        return f"<provider {self.name}>"


@contextmanager
def no_runaway(what: str) -> Iterator[None]:
    """Turn a :class:`Runaway` into Incorrect: the learner's code kept calling a provider."""
    try:
        yield
    except Runaway as runaway:
        raise Incorrect(
            f"{what}: provider {runaway} was called more than {MAX_CALLS} times for one message — "
            "the loop never ends; stop after the allowed number of tries"
        ) from None


def refused(by: str = "") -> ConnectionRefusedError:
    return ConnectionRefusedError(
        111, f"Connection refused by {by}" if by else "Connection refused"
    )


def busy() -> smtplib.SMTPDataError:
    return smtplib.SMTPDataError(451, b"4.3.2 Try again later")


def rejected() -> smtplib.SMTPDataError:
    return smtplib.SMTPDataError(550, b"5.1.1 Mailbox unavailable")


def unrecognised() -> smtplib.SMTPDataError:
    return smtplib.SMTPDataError(500, b"5.5.2 Syntax error, command unrecognized")


def timed_out() -> TimeoutError:
    return TimeoutError("timed out")


def reset() -> ConnectionResetError:
    return ConnectionResetError(104, "Connection reset by peer")


def disconnected() -> smtplib.SMTPServerDisconnected:
    return smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class Guarded:
    """Passes calls on to a real provider, but stops a loop that never ends (:class:`Runaway`)."""

    def __init__(self, provider: SmtpProvider) -> None:
        self.provider = provider
        self.calls = 0

    def send(self, message: EmailMessage) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise Runaway(self.provider.name)
        self.provider.send(message)


def expect_maker(name: str, answer: Any) -> Any:
    """The answer must build objects: a class, or a function that returns one (both are fine)."""
    if not callable(answer):
        raise Incorrect(
            f"`{name}` should be a class (or a function that builds the object), "
            f"got {type(answer).__name__} {answer!r}"
        )
    return answer


def expect_no_concrete_base(name: str, made: Any, concrete: tuple[type, ...]) -> None:
    """Composition, not inheritance: the class ``made`` (or an object's class) may not derive from ``concrete``."""
    cls = made if isinstance(made, type) else type(made)
    inherited = [base.__name__ for base in cls.__mro__ if base in concrete]
    if inherited:
        raise Incorrect(
            f"{name} still inherits from {', '.join(inherited)}: hold the provider in an attribute and "
            "call it, instead of subclassing it"
        )


def one_delivery(where: str, server: MailServer) -> Delivery:
    """The single message ``server`` received; Incorrect when none or several arrived."""
    deliveries = server.deliveries
    if len(deliveries) != 1:
        subjects = [delivery.subject for delivery in deliveries]
        raise Incorrect(
            f"{where}: the mail server should have received 1 message, it received {len(deliveries)} {subjects}"
        )
    return deliveries[0]


def outcome_of(what: str, action: Callable[[], Any]) -> Exception | None:
    """Run ``action``; return the exception it raised, or None when it returned normally."""
    try:
        action()
    except (Runaway, NotImplementedError):
        raise
    except Exception as error:
        return error
    return None


def expect_error(
    what: str, action: Callable[[], Any], kind: type[Exception], happened: str
) -> Exception:
    """``action()`` must raise ``kind``; ``happened`` says, in words, why returning normally is wrong."""
    return expect_exception(
        what,
        action,
        kind,
        succeeded=lambda _: (
            f"{what} returned normally, but {happened}: raise the error so the caller knows"
        ),
    )


# --- q1: the notifier refactor -------------------------------------------------------------------


class RecordingChannel:
    """A channel the hierarchy never had: it keeps what it is asked to deliver."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str, str]] = []

    def deliver(self, to: str, subject: str, body: str) -> None:
        self.delivered.append((to, subject, body))


CONCRETE_NOTIFIERS = (
    notifiers.EmailChannel,
    notifiers.PagerChannel,
    *set(notifiers.HIERARCHY.values()),
)


class RefactorNotifiers(Question):
    """Q1: one ``Notifier`` that holds a channel and a list of features."""

    answer_names = ("Notifier", "urgent", "signed")
    hints = (
        """
        Split each class name into its parts: the channel (Email, Pager) is something the notifier
        *has*; Urgent and Signed are small changes to the subject or body, applied before delivery.
        """,
        """
        Notifier keeps the channel in an attribute and the features in a tuple. notify() starts from
        (subject, body), passes the pair through each feature in order, then asks the channel to
        deliver the result. set_channel() just replaces the attribute.
        """,
        """
        A feature is a function of (subject, body) that returns a new (subject, body) pair.
        `signed(name)` is a function that builds and returns such a function (a closure over
        `name`). notify() loops over the features, each turning the pair into the next one,
        and hands the last pair to the channel.
        """,
    )

    def judge(self, notifier_class: Any, urgent: Any, signed: Any) -> None:
        Notifier = expect_maker("Notifier", notifier_class)
        expect_no_concrete_base("Notifier", Notifier, CONCRETE_NOTIFIERS)
        if not callable(urgent):
            raise Incorrect(
                f"`urgent` should be a feature — a function of (subject, body) — got {urgent!r}"
            )
        signature = attempt(
            f"signed({notifiers.SIGNATURE!r})", lambda: signed(notifiers.SIGNATURE)
        )
        if not callable(signature):
            raise Incorrect(
                f"signed({notifiers.SIGNATURE!r}) should return a feature (a function), got {signature!r}"
            )

        server = mail_server("notify")
        channels = {
            "email": notifiers.EmailChannel(server.port),
            "pager": notifiers.PagerChannel(server.port),
        }
        to, subject = "oncall@example.com", "Disk almost full"
        body = "The disk of db-1 is 93% full; at this rate it fills up in about four hours."
        for (channel, is_urgent, is_signed), old_class in notifiers.HIERARCHY.items():
            old_class(server.port).notify(to, subject, body)
            expected = one_delivery(f"{old_class.__name__} (the original)", server)
            server.mailbox.clear()
            chosen = [(urgent, "urgent"), (signature, "signed(...)")]
            chosen = [
                pair
                for pair, on in zip(chosen, (is_urgent, is_signed), strict=True)
                if on
            ]
            call = f"Notifier({channel}_channel{''.join(', ' + name for _, name in chosen)})"
            features = [feature for feature, _ in chosen]
            made = attempt(
                call,
                lambda channel=channel, features=features: Notifier(
                    channels[channel], *features
                ),
            )
            expect_no_concrete_base(call, made, CONCRETE_NOTIFIERS)
            attempt(
                f"{call}.notify(...)", lambda made=made: made.notify(to, subject, body)
            )
            got = one_delivery(f"{call}.notify(...)", server)
            server.mailbox.clear()
            for field in ("recipients", "subject", "body"):
                expect_equal(
                    f"{call}.notify(...): the {field} {old_class.__name__} sends",
                    getattr(expected, field),
                    getattr(got, field),
                )

        fake = RecordingChannel()

        def numbered(
            subject: str, body: str
        ) -> tuple[str, str]:  # the check's own feature
            return "#7 " + subject, body

        notifier = attempt(
            "Notifier(new_channel, numbered, urgent)",
            lambda: Notifier(fake, numbered, urgent),
        )
        attempt(
            "notify(...) on a channel of another kind",
            lambda: notifier.notify(to, subject, "short"),
        )
        attempt("a second notify(...)", lambda: notifier.notify(to, subject, "short"))
        expect_equal(
            "Notifier(channel, numbered, urgent) with a channel the hierarchy never had, notified twice — "
            "features apply in the order given, afresh each time",
            [(to, "[URGENT] #7 " + subject, "short")] * 2,
            fake.delivered,
        )

        twice_signed = RecordingChannel()
        call = 'Notifier(channel, signed("Night shift"), signed("Ada"))'
        notifier = attempt(
            call,
            lambda: Notifier(twice_signed, signed("Night shift"), signed("Ada")),
        )
        attempt(f"{call}.notify(...)", lambda: notifier.notify(to, subject, "short"))
        expect_equal(
            f"{call}.notify(to, subject, 'short'): what the channel gets — each feature "
            "keeps its own name",
            [(to, subject, "short\n-- \nNight shift\n-- \nAda")],
            twice_signed.delivered,
        )

        first, second, third = (
            RecordingChannel(),
            RecordingChannel(),
            RecordingChannel(),
        )
        one = attempt("Notifier(first_channel)", lambda: Notifier(first))
        other = attempt("Notifier(second_channel)", lambda: Notifier(second))
        attempt("one.set_channel(third_channel)", lambda: one.set_channel(third))
        attempt("other.notify(...)", lambda: other.notify(to, subject, "short"))
        attempt("one.notify(...)", lambda: one.notify(to, subject, "short"))
        expect_equal(
            "two notifiers, then one.set_channel(third): messages per channel "
            "(first, second, third) — each notifier keeps its own channel",
            [0, 1, 1],
            [len(first.delivered), len(second.delivered), len(third.delivered)],
        )

        mixed = attempt(
            "Notifier(email_channel, urgent)",
            lambda: Notifier(channels["email"], urgent),
        )
        attempt(
            "set_channel(pager_channel)", lambda: mixed.set_channel(channels["pager"])
        )
        attempt(
            "notify(...) after set_channel", lambda: mixed.notify(to, subject, body)
        )
        got = one_delivery("notify(...) after set_channel(pager_channel)", server)
        expect_equal(
            "after set_channel(pager_channel), the body (cut short by the pager)",
            body[: notifiers.PAGER_LIMIT],
            got.body,
        )
        expect_equal(
            "after set_channel(pager_channel), the subject (features kept)",
            "[URGENT] " + subject,
            got.subject,
        )


# --- q2: retrying --------------------------------------------------------------------------------


class Retry(Question):
    """Q2: a wrapper that retries temporary failures."""

    answer_names = ("Retrying",)
    hints = (
        """
        Retrying has the same `send(message)` method as any provider, and keeps the provider it wraps.
        Its send calls the wrapped send in a loop; the question is when to go round again.
        """,
        """
        Loop at most `attempts` times. Call the wrapped provider; on success return. On an OSError,
        decide: an SMTP reply with a 5xx code (error.smtp_code, on smtplib.SMTPResponseException) is
        permanent, so raise at once; anything else is temporary, so try again — unless that was the
        last attempt, in which case raise it.
        """,
        """
        The shape, with the blanks yours to fill:
            def send(self, message):
                for number in <1 up to and including attempts>:
                    try: <send through the wrapped provider, and return>
                    except OSError as error:
                        if <permanent> or <it was the last attempt>: raise
        """,
    )

    def judge(self, retrying: Any) -> None:
        Retrying = expect_maker("Retrying", retrying)
        expect_no_concrete_base("Retrying", Retrying, (SmtpProvider,))
        server = mail_server("retry")

        def real_case(
            attempts: int, failures: int, reply: str = "451 4.3.2 Try again later"
        ) -> tuple[str, Any]:
            """A wrapper around the real server, which refuses the next ``failures`` messages with ``reply``."""
            server.mailbox.clear()
            server.mailbox.fail_next(failures, reply)
            what = f"Retrying(provider, attempts={attempts})"
            wrapper = attempt(
                what, lambda: Retrying(server.provider(), attempts=attempts)
            )
            expect_no_concrete_base(what, wrapper, (SmtpProvider,))
            if failures:
                what += f" with a server that answers {reply[:3]} {failures} time(s)"
            return what, wrapper

        what, wrapper = real_case(3, 0)
        attempt(f"{what}.send(message)", lambda: wrapper.send(sample_message()))
        expect_equal(
            f"{what}, server working: attempts made", 1, server.mailbox.attempts
        )
        one_delivery(what, server)

        what, wrapper = real_case(3, 2)
        with no_runaway(what):
            attempt(
                f"{what}, then accepts",
                lambda: wrapper.send(sample_message()),
                why="451 is temporary, so the third try should have delivered it",
            )
        expect_equal(
            f"{what}, then accepts: attempts made (2 failed, 1 delivered)",
            3,
            server.mailbox.attempts,
        )
        one_delivery(what, server)

        for attempts, failures, reply, expected_attempts, why in (
            (3, 3, "451 4.3.2 Try again later", 3, "give up after 3 attempts"),
            (
                3,
                1,
                "550 5.1.1 Mailbox unavailable",
                1,
                "550 is permanent: retrying cannot help",
            ),
            (1, 1, "451 4.3.2 Try again later", 1, "attempts=1 means no retry"),
        ):
            what, wrapper = real_case(attempts, failures, reply)
            with no_runaway(what):
                error = outcome_of(
                    what, lambda wrapper=wrapper: wrapper.send(sample_message())
                )
            expect_equal(
                f"{what}: attempts made ({why})",
                expected_attempts,
                server.mailbox.attempts,
            )
            if error is None:
                raise Incorrect(
                    f"{what} returned normally, but the message was never delivered: raise the last error "
                    "so the caller knows"
                )
            if getattr(error, "smtp_code", None) != int(reply[:3]):
                raise Incorrect(
                    f"{what} should raise the server's error (smtplib.SMTPDataError, code {reply[:3]}), "
                    f"but raised {describe_error(error)}"
                )

        down = Guarded(SmtpProvider("down", refused_port()))
        what = "Retrying(provider, attempts=2) with a provider whose server is down"
        wrapper = attempt(what, lambda: Retrying(down, attempts=2))
        with no_runaway(what):
            expect_error(
                what,
                lambda: wrapper.send(sample_message()),
                ConnectionRefusedError,
                "nothing was delivered",
            )

        for attempts, error_kind in (
            (4, refused),
            (3, busy),
            (2, timed_out),
            (2, reset),
            (2, disconnected),
        ):
            fake = FakeProvider("fake", [error_kind()], always=True)
            what = f"Retrying(fake, attempts={attempts}) with a provider that always raises {type(error_kind()).__name__}"
            wrapper = attempt(
                what,
                lambda fake=fake, attempts=attempts: Retrying(fake, attempts=attempts),
            )
            with no_runaway(what):
                raised = expect_error(
                    what,
                    lambda wrapper=wrapper: wrapper.send(sample_message()),
                    OSError,
                    "every attempt failed",
                )
            expect_equal(f"{what}: calls to the provider", attempts, fake.calls)
            if raised is not fake.raised[-1]:
                which = (
                    f"the error of call {fake.raised.index(raised) + 1}"
                    if raised in fake.raised
                    else f"a new {type(raised).__name__}"
                )
                raise Incorrect(
                    f"{what}: you raised {which}; raise the provider's own error from the last "
                    f"call (call {attempts})"
                )

        fake = FakeProvider("fake", [unrecognised()], always=True)
        what = "Retrying(fake, attempts=3) with a provider that answers 500 (a permanent error)"
        wrapper = attempt(what, lambda: Retrying(fake, attempts=3))
        with no_runaway(what):
            expect_error(
                what,
                lambda: wrapper.send(sample_message()),
                smtplib.SMTPResponseException,
                "the server refused the message",
            )
        expect_equal(
            f"{what}: calls to the provider (every 5xx is permanent)", 1, fake.calls
        )

        fake = FakeProvider("fake", [busy(), refused()])
        what = "Retrying(fake) — the default number of attempts — with 2 failures, then success"
        wrapper = attempt("Retrying(fake)", lambda: Retrying(fake))
        message = sample_message()
        with no_runaway(what):
            attempt(
                what, lambda: wrapper.send(message), why="the default is 3 attempts"
            )
        expect_equal(f"{what}: calls to the provider", 3, fake.calls)
        if fake.sent != [message] or fake.sent[0] is not message:
            raise Incorrect(
                f"{what}: the provider should get the very message given to send()"
            )

        fake = FakeProvider(
            "fake", [ValueError("message has no recipients")], always=True
        )
        what = "Retrying(fake, attempts=3) with a provider that raises ValueError (a bug, not a network problem)"
        wrapper = attempt(what, lambda: Retrying(fake, attempts=3))
        with no_runaway(what):
            expect_error(
                what,
                lambda: wrapper.send(sample_message()),
                ValueError,
                "the provider raised ValueError",
            )
        expect_equal(
            f"{what}: calls to the provider (only OSErrors are worth a retry)",
            1,
            fake.calls,
        )

        for attempts in (0, -1):

            def too_few(attempts: int = attempts) -> None:
                with no_runaway(f"Retrying(provider, attempts={attempts})"):
                    Retrying(FakeProvider("fake"), attempts=attempts).send(
                        sample_message()
                    )

            expect_error(
                f"Retrying(provider, attempts={attempts}) (then send)",
                too_few,
                ValueError,
                "a message that is never even tried is silently lost",
            )


# --- q3: sticky failover -------------------------------------------------------------------------


class StickyFailover(Question):
    """Q3: fail over to the next provider, and start with the last one that worked."""

    answer_names = ("Failover",)
    hints = (
        """
        Failover is a provider too: it keeps the list of providers and the position of the one that worked
        last. send() walks round the list from that position, each provider at most once.
        """,
        """
        Walk round the list once, starting at the remembered index and wrapping past the end (the
        % operator helps). Stop and remember the index at the first provider that delivers; collect
        the OSError of each one that fails. If the walk ends without a success, raise an
        ExceptionGroup of what you collected.
        """,
        """
        The shape, with the blanks yours to fill:
            def send(self, message):
                errors = []
                for step in <as many steps as there are providers>:
                    index = <start + step, wrapped round the list>
                    try: <send through that provider>
                    except OSError as error: <keep the error>; continue
                    <remember index as the next start>; return
                raise ExceptionGroup(<a message>, errors)
        """,
    )

    def judge(self, failover: Any) -> None:
        Failover = expect_maker("Failover", failover)
        expect_no_concrete_base("Failover", Failover, (SmtpProvider,))
        log: list[str] = []
        a, b, c = (FakeProvider(name, log=log) for name in "abc")
        chain = attempt("Failover([a, b, c])", lambda: Failover([a, b, c]))
        expect_no_concrete_base("Failover([a, b, c])", chain, (SmtpProvider,))

        def send(
            step: str, expected_order: list[str], delivered_by: FakeProvider
        ) -> None:
            log.clear()
            for provider in (a, b, c):
                provider.sent.clear()
            message = sample_message(step)
            with no_runaway(step):
                attempt(
                    f"Failover([a, b, c]).send(...) {step}", lambda: chain.send(message)
                )
            expect_equal(f"{step}: the providers tried, in order", expected_order, log)
            senders = [
                provider.name
                for provider in (a, b, c)
                for sent in provider.sent
                if sent is message
            ]
            expect_equal(
                f"{step}: who delivered the message (exactly once)",
                [delivered_by.name],
                senders,
            )

        send("when all work", ["a"], a)
        a.fail(refused("a"), always=True)
        send("when a is down", ["a", "b"], b)
        send("next time (b worked last, so start with b)", ["b"], b)

        fresh_log: list[str] = []
        x, y = FakeProvider("x", log=fresh_log), FakeProvider("y", log=fresh_log)
        fresh = attempt("a second Failover([x, y])", lambda: Failover([x, y]))
        with no_runaway("a second Failover([x, y])"):
            attempt(
                "a second Failover([x, y]).send(...)",
                lambda: fresh.send(sample_message()),
            )
        expect_equal(
            "a second Failover([x, y]), made while the first one starts at b: the providers "
            "tried — each failover keeps its own starting point",
            ["x"],
            fresh_log,
        )

        b.fail(busy(), always=True)
        send("when b is busy too", ["b", "c"], c)
        c.fail(refused("c"))
        a.fail()
        send("when c fails once and a is back (go round the list)", ["c", "a"], a)

        for provider in (a, b, c):
            provider.fail(refused(provider.name), always=True)
        log.clear()
        what = "Failover([a, b, c]).send(...) when all three fail"
        with no_runaway(what):
            group = expect_error(
                what,
                lambda: chain.send(sample_message()),
                ExceptionGroup,
                "no provider delivered the message",
            )
        expect_equal(f"{what}: the providers tried", ["a", "b", "c"], log)
        assert isinstance(group, ExceptionGroup)
        expected = [a.raised[-1], b.raised[-1], c.raised[-1]]
        held = list(group.exceptions)
        if [id(error) for error in held] != [id(error) for error in expected]:
            shown = [describe_error(error) for error in held]
            same = sorted(map(id, held)) == sorted(map(id, expected))
            raise Incorrect(
                f"{what}: the group should hold the 3 errors the providers raised, in the order "
                f"tried (a, b, c); it holds {shown}"
                + (" — the right errors, in the wrong order" if same else "")
            )

        a.fail()
        send(
            "after all three failed, with a working again (a delivered last)", ["a"], a
        )

        server = mail_server("failover")
        down = SmtpProvider("down", refused_port())
        what = "Failover([provider_down, provider_up]) with real servers"
        chain = attempt(what, lambda: Failover([down, server.provider()]))
        with no_runaway(what):
            attempt(
                what,
                lambda: chain.send(sample_message("Real failover")),
                why="the first server refuses connections, so the second should deliver",
            )
        expect_equal(
            f"{what}: subject received by the working server",
            "Real failover",
            one_delivery(what, server).subject,
        )


# --- q4: a test with a fake ----------------------------------------------------------------------


class Mutant:
    """A broken Newsletter: ``publish`` breaks one of the rules in :mod:`.newsletter`."""

    rule = ""

    def __init__(self, provider: Any, sender: str = "news@example.com") -> None:
        self.provider = provider
        self.sender = sender

    @staticmethod
    def readers(
        subscribers: list[tuple[str, bool]],
        *,
        only_active: bool = True,
        fold_case: bool = True,
    ) -> list[str]:
        """The addresses to mail, each once: what rules 1 and 2 ask, unless told otherwise."""
        seen: dict[str, str] = {}
        for address, active in subscribers:
            if active or not only_active:
                seen.setdefault(address.lower() if fold_case else address, address)
        return list(seen.values())

    def send_each(self, addresses: list[str], subject: str, body: str) -> list[str]:
        """Send to each address in turn; return those the provider failed for."""
        failed = []
        for address in addresses:
            try:
                self.provider.send(make_message(self.sender, address, subject, body))
            except OSError:
                failed.append(address)
        return failed


class SendsToInactive(Mutant):
    rule = "sends the issue to inactive subscribers too (rule 1)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        return self.send_each(
            self.readers(subscribers, only_active=False), subject, body
        )


class CaseSensitive(Mutant):
    rule = "sends twice to a reader listed as Ann@x.org and ann@x.org (rule 2)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        return self.send_each(self.readers(subscribers, fold_case=False), subject, body)


class OneMessageForAll(Mutant):
    rule = "sends one message addressed to every reader at once (rule 3)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        readers = self.readers(subscribers)
        if readers and self.send_each([", ".join(readers)], subject, body):
            return readers
        return []


class WrongSubject(Mutant):
    rule = "sends every message with the subject 'Newsletter' instead of the issue's subject (rule 3)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        return self.send_each(self.readers(subscribers), "Newsletter", body)


class StopsAtFirstFailure(Mutant):
    rule = "stops (raises) at the first reader the provider fails for (rule 4)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        for address in self.readers(subscribers):
            self.provider.send(make_message(self.sender, address, subject, body))
        return []


class HidesFailures(Mutant):
    rule = "returns [] even when the provider failed for some readers (rule 4)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        self.send_each(self.readers(subscribers), subject, body)
        return []


class SkipsAfterFailure(Mutant):
    rule = "skips the reader who comes right after a failed one (rule 4)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        failed: list[str] = []
        skip = False
        for address in self.readers(subscribers):
            if skip:
                skip = False
            elif self.send_each([address], subject, body):
                failed.append(address)
                skip = True
        return failed


class IgnoresSender(Mutant):
    rule = "sends every message from news@example.com, whatever sender it was given (rule 3)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        self.sender = "news@example.com"
        return self.send_each(self.readers(subscribers), subject, body)


class LosesTheBody(Mutant):
    rule = "sends the subject as the body too (rule 3)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        return self.send_each(self.readers(subscribers), subject, subject)


class BlamesEveryone(Mutant):
    rule = "returns every reader as failed as soon as one failed (rule 4)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        readers = self.readers(subscribers)
        return readers if self.send_each(readers, subject, body) else []


class FailuresReversed(Mutant):
    rule = "returns the failed addresses in reverse order (rule 4: in order)"

    def publish(
        self, subject: str, body: str, subscribers: list[tuple[str, bool]]
    ) -> list[str]:
        return self.send_each(self.readers(subscribers), subject, body)[::-1]


MUTANTS: tuple[type[Mutant], ...] = (
    SendsToInactive,
    CaseSensitive,
    OneMessageForAll,
    WrongSubject,
    IgnoresSender,
    LosesTheBody,
    StopsAtFirstFailure,
    HidesFailures,
    BlamesEveryone,
    FailuresReversed,
    SkipsAfterFailure,
)


class NoRealMail:
    """Stands in for ``smtplib.SMTP`` while the learner's test runs: a test with a fake never needs it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise Incorrect(
            "your test opened a real SMTP connection: give Newsletter a fake provider (an object with "
            "send(message) that records the message) instead of a mail server"
        )


class FakeTest(Question):
    """Q4: a test with a fake provider that passes the real Newsletter and fails every broken one."""

    answer_names = ("test_newsletter",)
    hints = (
        """
        The test builds its own provider: a small class whose send(message) appends the message to a list,
        and that can be told to raise an OSError for some addresses. Give it to newsletter_class(...) and look
        at what it received.
        """,
        """
        One publish() call can test every rule: subscribers with an inactive reader, the same address in two
        cases, and two addresses the fake fails for, with a working one between them. Use a sender that is
        not the default. Then assert on the fake's list — who got a message (message["To"]), the subject,
        the From, the body — and on what publish returned.
        """,
        """
        The shape, with the blanks yours to fill:
            class Fake:
                def __init__(self, failing): <a list for the messages, the failing addresses>
                def send(self, message):
                    if <message["To"] is a failing address>: raise ConnectionRefusedError(...)
                    <keep the message>

            def test_newsletter(newsletter_class):
                fake = Fake(<two addresses>)
                failed = newsletter_class(fake, sender=<...>).publish(<subject>, <body>, <subscribers>)
                assert <who got a message, subject, From> and failed == <...>
        """,
    )

    def judge(self, test_newsletter: Any) -> None:
        if not callable(test_newsletter):
            raise Incorrect(
                f"`test_newsletter` should be a function, got {test_newsletter!r}"
            )
        try:
            inspect.signature(test_newsletter).bind(Newsletter)
        except TypeError:
            raise Incorrect(
                "test_newsletter must take one argument, the class to test (newsletter_class), "
                "and build its newsletter from it"
            ) from None
        except ValueError:  # no signature to read (a builtin): just call it
            pass
        with mock.patch("smtplib.SMTP", NoRealMail):
            try:
                test_newsletter(Newsletter)
            except (Incorrect, NotImplementedError):
                raise
            except Exception as error:
                tip = "check what your test expects"
                if not isinstance(error, AssertionError | OSError):
                    tip += (
                        "; if your fake raises it, make the fake raise an OSError such as "
                        "ConnectionRefusedError: that is what Newsletter catches"
                    )
                raise Incorrect(
                    f"your test fails the correct Newsletter: {describe_error(error)} — {tip}"
                ) from None
            passed = []
            for mutant in MUTANTS:
                try:
                    test_newsletter(mutant)
                except Incorrect:
                    raise
                except Exception:
                    continue
                passed.append(mutant.rule)
        if len(passed) == len(MUTANTS):
            raise Incorrect(
                "your test passes every broken Newsletter the check tried: does it build the "
                "newsletter from the class it is given (newsletter_class), and let its assertions fail?"
            )
        if passed:
            raise Incorrect(
                "your test passes a broken Newsletter that "
                + "; and one that ".join(passed)
            )


QUESTIONS = bind(
    CHAPTER, [RefactorNotifiers, Retry, StickyFailover, FakeTest], globals()
)
