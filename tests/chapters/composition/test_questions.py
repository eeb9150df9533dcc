"""Composition chapter checks: right answers pass, plausible wrong ones are told why, stubs are not attempted."""

from __future__ import annotations

import functools
import json
import smtplib
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from checking import incorrect

from course import servers
from course.chapters.composition import notifiers
from course.chapters.composition.mailhost import SmtpProvider
from course.chapters.composition.questions import q1, q2, q3, q4
from course.solutions import define, reference


@pytest.fixture(autouse=True, scope="module")
def stop_mail_servers():
    yield
    servers.stop_all()


ROOT = Path(__file__).resolve().parents[3]


Q1 = define(q1)
Q2 = define(q2, {"smtplib": smtplib})  # the notebook imports it in its setup cell
Q3 = define(q3)
Q4 = define(q4)


def test_the_published_answers_are_correct():
    assert q1.evaluate(Q1["Notifier"], Q1["urgent"], Q1["signed"]).correct
    assert q2.evaluate(Q2["Retrying"]).correct
    assert q3.evaluate(Q3["Failover"]).correct
    assert q4.evaluate(Q4["test_newsletter"]).correct


@pytest.mark.parametrize("question", [q1, q2, q3, q4])
def test_hints_climb_three_rungs_and_stop_short_of_the_answer(question):
    """Does each question give a nudge, a method and a shape, none of them the published answer?"""
    assert len(question.hints) == 3
    exercise = json.loads((ROOT / "exercises" / "02-composition.ipynb").read_text())
    given = {line.strip() for cell in exercise["cells"] for line in "".join(cell["source"]).splitlines()}
    answer = {line.strip() for line in reference(question).source.splitlines() if len(line.strip()) > 30}
    answer_lines = answer - given  # the stubs' own lines (signatures, docstrings) are no secret
    for rung in question.hints:
        assert not answer_lines & {line.strip() for line in rung.splitlines()}


@pytest.mark.parametrize("question", [q1, q2, q3, q4])
def test_a_stub_is_not_attempted(question):
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError()

    class Stub:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError()

    answers = [Stub if name[0].isupper() else stub for name in question.answer_names]
    assert question.evaluate(*answers).status == "not_attempted"


# --- q1: the notifier refactor -------------------------------------------------------------------

urgent, signed = Q1["urgent"], Q1["signed"]


class SubclassesTheChannel(notifiers.EmailChannel):
    """Still inherits: the refactor the issue names as wrong."""

    def __init__(self, channel: Any, *features: Any) -> None:
        super().__init__(channel.port)
        self.channel, self.features = channel, features

    def set_channel(self, channel: Any) -> None:
        self.channel = channel

    def notify(self, to: str, subject: str, body: str) -> None:
        for feature in self.features:
            subject, body = feature(subject, body)
        self.channel.deliver(to, subject, body)


class FirstFeatureOnly(Q1["Notifier"]):
    def notify(self, to: str, subject: str, body: str) -> None:
        if self.features:
            subject, body = self.features[0](subject, body)
        self.channel.deliver(to, subject, body)


class ReversedFeatures(Q1["Notifier"]):
    def notify(self, to: str, subject: str, body: str) -> None:
        for feature in reversed(self.features):
            subject, body = feature(subject, body)
        self.channel.deliver(to, subject, body)


class KnowsOnlyEmail:
    """Builds its own email channel from the port: a pager (or any new channel) is lost."""

    def __init__(self, channel: Any, *features: Any) -> None:
        self.set_channel(channel)
        self.features = features

    def set_channel(self, channel: Any) -> None:
        self.channel = notifiers.EmailChannel(getattr(channel, "port", 0))

    def notify(self, to: str, subject: str, body: str) -> None:
        for feature in self.features:
            subject, body = feature(subject, body)
        self.channel.deliver(to, subject, body)


class KeepsSubjectBetweenCalls(Q1["Notifier"]):
    """Stores the changed subject on the object, so a second notify adds [URGENT] twice."""

    def notify(self, to: str, subject: str, body: str) -> None:
        self.subject = getattr(self, "subject", subject)
        for feature in self.features:
            self.subject, body = feature(self.subject, body)
        self.channel.deliver(to, self.subject, body)


class SwapMakesNothing(Q1["Notifier"]):
    def set_channel(self, channel: Any) -> None:
        return None


def signed_without_separator(name: str) -> Any:
    return lambda subject, body: (subject, f"{body}\n{name}")


def urgent_suffix(subject: str, body: str) -> tuple[str, str]:
    return subject + " [URGENT]", body


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        ((SubclassesTheChannel, urgent, signed), ["still inherits from EmailChannel"]),
        ((FirstFeatureOnly, urgent, signed), ["UrgentSigned", "body"]),
        ((ReversedFeatures, urgent, signed), ["order given", "[URGENT] #7"]),
        ((KnowsOnlyEmail, urgent, signed), ["Pager"]),
        ((KeepsSubjectBetweenCalls, urgent, signed), ["afresh each time"]),
        ((SwapMakesNothing, urgent, signed), ["each notifier keeps its own channel", "[0, 1, 1]"]),
        ((Q1["Notifier"], urgent, signed_without_separator), ["SignedEmailNotifier", "body"]),
        ((Q1["Notifier"], urgent_suffix, signed), ["UrgentEmailNotifier", "subject"]),
        ((Q1["Notifier"], "[URGENT] ", signed), ["`urgent` should be a feature"]),
        ((lambda channel, *features: None, urgent, signed), ["'NoneType' object has no attribute 'notify'"]),
        (("Notifier", urgent, signed), ["`Notifier` should be a class (or a function"]),
        ((lambda channel, *features: SubclassesTheChannel(channel, *features), urgent, signed), ["still inherits"]),
    ],
)
def test_q1_wrong_refactors_are_told_why(answer, fragments):
    incorrect(q1.evaluate(*answer), *fragments)


class FeaturesAsObjects:
    """Another structure: features are objects with apply(), wrapped in a pipeline; kwargs accepted."""

    class Pipeline:
        def __init__(self, steps: Any) -> None:
            self.steps = list(steps)

        def run(self, subject: str, body: str) -> tuple[str, str]:
            from functools import reduce

            return reduce(lambda pair, step: step(*pair), self.steps, (subject, body))

    def __init__(self, channel: Any, *features: Any, **options: Any) -> None:
        self._channel = channel
        self._pipeline = self.Pipeline(features)

    def set_channel(self, channel: Any) -> None:
        self._channel = channel

    def notify(self, to: str, subject: str, body: str) -> None:
        self._channel.deliver(to, *self._pipeline.run(subject, body))


class Urgent:
    """A callable object instead of a function."""

    def __call__(self, subject: str, body: str) -> tuple[str, str]:
        return f"[URGENT] {subject}", body


def test_q1_an_unusual_but_correct_refactor_passes():
    def add_signature(name: str, subject: str, body: str) -> tuple[str, str]:
        return subject, "\n-- \n".join([body, name])

    def signed_partial(name: str) -> Any:
        return functools.partial(add_signature, name)

    assert q1.evaluate(FeaturesAsObjects, Urgent(), signed_partial).correct


# --- q2: retrying --------------------------------------------------------------------------------

Retrying = Q2["Retrying"]


class RetriesForever:
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        self.provider = provider

    def send(self, message: Any) -> None:
        while True:
            try:
                return self.provider.send(message)
            except OSError:
                continue


class NeverRetries:
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        self.provider = provider

    def send(self, message: Any) -> None:
        self.provider.send(message)


class SwallowsTheLastError(Retrying):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except OSError:
            return None


class RetriesPermanentErrors:
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        self.provider, self.attempts = provider, attempts

    def send(self, message: Any) -> None:
        for attempt in range(self.attempts):
            try:
                return self.provider.send(message)
            except OSError:
                if attempt == self.attempts - 1:
                    raise


class OneTooMany(RetriesPermanentErrors):
    """Counts retries instead of attempts: attempts + 1 calls."""

    def send(self, message: Any) -> None:
        for attempt in range(self.attempts + 1):
            try:
                return self.provider.send(message)
            except smtplib.SMTPResponseException as error:
                if error.smtp_code >= 500 or attempt == self.attempts:
                    raise
            except OSError:
                if attempt == self.attempts:
                    raise


class RetriesBugsToo(Retrying):
    def send(self, message: Any) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                return self.provider.send(message)
            except smtplib.SMTPResponseException as error:
                if error.smtp_code >= 500 or attempt == self.attempts:
                    raise
            except Exception:
                if attempt == self.attempts:
                    raise


class RaisesItsOwnError(Retrying):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except OSError as error:
            raise RuntimeError("gave up") from error


class IsASmtpProvider(SmtpProvider):
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        self.inner = Retrying(provider, attempts)

    def send(self, message: Any) -> None:
        self.inner.send(message)


class AcceptsZeroAttempts(Retrying):
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        self.provider, self.attempts = provider, attempts


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (RetriesForever, ["give up after 3 attempts", "expected 3, got 4"]),
        (NeverRetries, ["451 is temporary"]),
        (SwallowsTheLastError, ["returned normally", "never delivered"]),
        (RetriesPermanentErrors, ["550 is permanent"]),
        (OneTooMany, ["attempts made", "expected 3, got 4"]),
        (RetriesBugsToo, ["ValueError", "only OSErrors"]),
        (RaisesItsOwnError, ["should raise the server's error", "RuntimeError: gave up"]),
        (IsASmtpProvider, ["still inherits from SmtpProvider"]),
        (AcceptsZeroAttempts, ["attempts=0", "silently lost"]),
    ],
)
def test_q2_wrong_retries_are_told_why(answer, fragments):
    incorrect(q2.evaluate(answer), *fragments)


def test_q2_retrying_forever_on_a_fake_does_not_hang_the_check():
    """Is a loop that never ends stopped and explained, even where a real server would give in?"""

    class ForeverOnFakes(RetriesForever):
        def __init__(self, provider: Any, attempts: int = 3) -> None:
            if isinstance(provider, SmtpProvider):
                self.send = Retrying(provider, attempts).send  # behaves on the real server
            self.provider = provider

    start = time.monotonic()
    incorrect(q2.evaluate(ForeverOnFakes), "called more than 50 times", "never ends")
    assert time.monotonic() - start < 30


def retrying_by_recursion(provider: Any, attempts: int = 3) -> Any:
    """A closure-based answer: a function returning an object, with recursion instead of a loop."""
    if attempts < 1:
        raise ValueError("attempts must be positive")

    def send(message: Any, left: int = attempts) -> None:
        try:
            provider.send(message)
        except smtplib.SMTPResponseException as error:
            if error.smtp_code // 100 == 5 or left == 1:
                raise
            send(message, left - 1)
        except OSError:
            if left == 1:
                raise
            send(message, left - 1)

    return type("Retrying", (), {"send": staticmethod(send)})()


def test_q2_an_unusual_but_correct_retry_passes():
    """A factory function is as good as a class."""
    assert q2.evaluate(retrying_by_recursion).correct


# --- q3: sticky failover -------------------------------------------------------------------------

Failover = Q3["Failover"]


class StopsAtFirstFailure:
    def __init__(self, providers: Any) -> None:
        self.providers = list(providers)

    def send(self, message: Any) -> None:
        self.providers[0].send(message)


class SendsThroughAll:
    def __init__(self, providers: Any) -> None:
        self.providers = list(providers)

    def send(self, message: Any) -> None:
        for provider in self.providers:
            try:
                provider.send(message)
            except OSError:
                continue


class NotSticky:
    def __init__(self, providers: Any) -> None:
        self.providers = list(providers)

    def send(self, message: Any) -> None:
        errors = []
        for provider in self.providers:
            try:
                return provider.send(message)
            except OSError as error:
                errors.append(error)
        raise ExceptionGroup("all failed", errors)


class NoWrapAround(Failover):
    def send(self, message: Any) -> None:
        errors = []
        for index in range(self.start, len(self.providers)):
            try:
                self.providers[index].send(message)
            except OSError as error:
                errors.append(error)
                continue
            self.start = index
            return
        raise ExceptionGroup("all failed", errors)


class RaisesLastErrorOnly(Failover):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except ExceptionGroup as group:
            raise group.exceptions[-1] from None


class SwallowsWhenAllFail(Failover):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except ExceptionGroup:
            pass


class GroupOfCopies(Failover):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except ExceptionGroup as group:
            raise ExceptionGroup("all failed", [OSError(str(e)) for e in group.exceptions]) from None


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (StopsAtFirstFailure, ["when a is down", "raised ConnectionRefusedError"]),
        (SendsThroughAll, ["when all work", "expected ['a'], got ['a', 'b', 'c']"]),
        (NotSticky, ["b worked last", "expected ['b'], got ['a', 'b']"]),
        (NoWrapAround, ["go round the list"]),
        (RaisesLastErrorOnly, ["should raise ExceptionGroup", "ConnectionRefusedError"]),
        (SwallowsWhenAllFail, ["returned normally", "no provider delivered"]),
        (GroupOfCopies, ["the 3 errors the providers raised"]),
    ],
)
def test_q3_wrong_failovers_are_told_why(answer, fragments):
    incorrect(q3.evaluate(answer), *fragments)


class FailoverByRotation:
    """Another structure: a deque rotated so that the provider that worked is always first."""

    def __init__(self, providers: Any) -> None:
        from collections import deque

        self.queue = deque(providers)

    def send(self, message: Any) -> None:
        errors: list[Exception] = []
        for _ in range(len(self.queue)):
            try:
                self.queue[0].send(message)
                return
            except Exception as error:  # broader than OSError: still correct here
                errors.append(error)
                self.queue.rotate(-1)
        raise ExceptionGroup(f"{len(errors)} providers failed", errors)


def test_q3_an_unusual_but_correct_failover_passes():
    assert q3.evaluate(FailoverByRotation).correct


# --- q4: a test with a fake ----------------------------------------------------------------------

FakeProvider = Q4["FakeProvider"]


def weak_only_active(newsletter_class: Any) -> None:
    fake = FakeProvider()
    newsletter_class(fake, sender="n@x.org").publish("S", "B", [("a@x.org", True), ("b@x.org", False)])
    assert [m["To"] for m in fake.sent] == ["a@x.org"]


def weak_without_failures(newsletter_class: Any) -> None:
    """Checks rules 1–3 well, never makes the provider fail."""
    fake = FakeProvider()
    subscribers = [("a@x.org", True), ("b@x.org", False), ("A@X.org", True), ("c@x.org", True)]
    failed = newsletter_class(fake, sender="n@x.org").publish("S", "B", subscribers)
    assert [m["To"] for m in fake.sent] == ["a@x.org", "c@x.org"]
    assert all(m["Subject"] == "S" and m["From"] == "n@x.org" for m in fake.sent)
    assert failed == []


def weak_with_a_real_server(newsletter_class: Any) -> None:
    """Sends real mail instead of using a fake."""
    newsletter_class(SmtpProvider("x", 1), sender="n@x.org").publish("S", "B", [("a@x.org", True)])


def weak_fails_the_correct_class(newsletter_class: Any) -> None:
    fake = FakeProvider()
    newsletter_class(fake).publish("S", "B", [("a@x.org", True), ("A@x.org", True)])
    assert len(fake.sent) == 2  # wrong expectation: rule 2 says once


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (weak_only_active, ["passes a broken Newsletter", "rule 2", "rule 3", "rule 4"]),
        (weak_without_failures, ["stops (raises) at the first reader", "returns []", "skips the reader"]),
        (weak_with_a_real_server, ["opened a real SMTP connection"]),
        (weak_fails_the_correct_class, ["fails the correct Newsletter"]),
        (lambda newsletter_class: None, ["passes every broken Newsletter", "newsletter_class"]),
    ],
)
def test_q4_weak_tests_are_told_what_they_miss(answer, fragments):
    incorrect(q4.evaluate(answer), *fragments)


def test_q4_an_unusual_but_correct_test_passes():
    """A test built on unittest.mock, with one publish call per rule."""

    def mock_based(newsletter_class: Any) -> None:
        def to_of(provider: Any) -> list[str]:
            return [call.args[0]["To"] for call in provider.send.call_args_list]

        provider = mock.Mock()
        newsletter_class(provider, sender="n@x.org").publish("S", "B", [("a@x.org", True), ("b@x.org", False)])
        assert to_of(provider) == ["a@x.org"]
        provider = mock.Mock()
        newsletter_class(provider, sender="n@x.org").publish("S", "B", [("a@x.org", True), ("A@x.ORG", True)])
        assert to_of(provider) == ["a@x.org"]
        message = provider.send.call_args.args[0]
        assert (message["Subject"], message["From"], message["To"]) == ("S", "n@x.org", "a@x.org")
        assert message.get_content().rstrip("\n") == "B"
        provider = mock.Mock()
        provider.send.side_effect = [ConnectionRefusedError(), None, TimeoutError()]
        failed = newsletter_class(provider, sender="n@x.org").publish(
            "S", "B", [("a@x.org", True), ("b@x.org", True), ("c@x.org", True)]
        )
        assert failed == ["a@x.org", "c@x.org"] and to_of(provider) == ["a@x.org", "b@x.org", "c@x.org"]

    assert q4.evaluate(mock_based).correct


# --- answers an independent reviewer tried after the checks were written ---------------------------


def signed_ignoring_name(name: str) -> Any:
    return lambda subject, body: (subject, f"{body}\n-- \n{notifiers.SIGNATURE}")


def signed_shared_state(name: str) -> Any:
    signed_shared_state.name = name  # type: ignore[attr-defined]
    return lambda subject, body: (subject, f"{body}\n-- \n{signed_shared_state.name}")  # type: ignore[attr-defined]


class ChannelOnTheClass(Q1["Notifier"]):
    def __init__(self, channel: Any, *features: Any) -> None:
        type(self).channel = channel
        self.features = features

    def set_channel(self, channel: Any) -> None:
        type(self).channel = channel


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        ((Q1["Notifier"], urgent, signed_ignoring_name), ["each feature keeps its own name"]),
        ((Q1["Notifier"], urgent, signed_shared_state), ["each feature keeps its own name"]),
        ((ChannelOnTheClass, urgent, signed), ["each notifier keeps its own channel"]),
    ],
)
def test_q1_reviewers_wrong_answers_are_caught(answer, fragments):
    incorrect(q1.evaluate(*answer), *fragments)


class FalsyAttemptsOnly(Retrying):
    def __init__(self, provider: Any, attempts: int = 3) -> None:
        if not attempts:
            raise ValueError("attempts")
        self.provider, self.attempts = provider, attempts


class AboveFiveHundred(Retrying):
    def send(self, message: Any) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                return self.provider.send(message)
            except OSError as error:
                if getattr(error, "smtp_code", 0) > 500 or attempt == self.attempts:
                    raise


class OnlyRefusedAndReplies(Retrying):
    def send(self, message: Any) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                return self.provider.send(message)
            except (ConnectionRefusedError, smtplib.SMTPResponseException) as error:
                if getattr(error, "smtp_code", 0) >= 500 or attempt == self.attempts:
                    raise


class CountsOnlyReplies(Retrying):
    """Counts SMTP replies but retries connection errors for ever: must not hang the check."""

    def send(self, message: Any) -> None:
        tries = 0
        while True:
            try:
                return self.provider.send(message)
            except smtplib.SMTPResponseException as error:
                tries += 1
                if error.smtp_code >= 500 or tries == self.attempts:
                    raise
            except OSError:
                continue


class RaisesTheFirstError(Retrying):
    def send(self, message: Any) -> None:
        errors = []
        for _ in range(self.attempts):
            try:
                return self.provider.send(message)
            except smtplib.SMTPResponseException as error:
                if error.smtp_code >= 500:
                    raise
                errors.append(error)
            except OSError as error:
                errors.append(error)
        raise errors[0]


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (FalsyAttemptsOnly, ["attempts=-1"]),
        (AboveFiveHundred, ["answers 500", "expected 1, got 3"]),
        (OnlyRefusedAndReplies, ["TimeoutError", "expected 2, got 1"]),
        (CountsOnlyReplies, ["called more than 50 times"]),
        (RaisesTheFirstError, ["you raised the error of call 1", "(call 4)"]),
    ],
)
def test_q2_reviewers_wrong_answers_are_caught(answer, fragments):
    incorrect(q2.evaluate(answer), *fragments)


class StartsAtEveryTried(Failover):
    """Moves the start to each provider it tries, failed ones included."""

    def send(self, message: Any) -> None:
        errors = []
        first = self.start
        for step in range(len(self.providers)):
            self.start = (first + step) % len(self.providers)
            try:
                return self.providers[self.start].send(message)
            except OSError as error:
                errors.append(error)
        raise ExceptionGroup("all failed", errors)


class StartOnTheClass(Failover):
    def __init__(self, providers: Any) -> None:
        self.providers = list(providers)

    start = 0

    def send(self, message: Any) -> None:
        errors = []
        for step in range(len(self.providers)):
            index = (type(self).start + step) % len(self.providers)
            try:
                self.providers[index].send(message)
            except OSError as error:
                errors.append(error)
                continue
            type(self).start = index
            return
        raise ExceptionGroup("all failed", errors)


class ErrorsReversed(Failover):
    def send(self, message: Any) -> None:
        try:
            super().send(message)
        except ExceptionGroup as group:
            raise ExceptionGroup("all failed", list(group.exceptions)[::-1]) from None


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (StartsAtEveryTried, ["a delivered last", "expected ['a'], got ['c', 'a']"]),
        (StartOnTheClass, ["each failover keeps its own starting point"]),
        (ErrorsReversed, ["in the wrong order", "refused by c"]),
    ],
)
def test_q3_reviewers_wrong_answers_are_caught(answer, fragments):
    incorrect(q3.evaluate(answer), *fragments)


def never_checks_from_or_body(newsletter_class: Any) -> None:
    fake = FakeProvider(failing={"b@x.org", "d@x.org"})
    subscribers = [("a@x.org", True), ("z@x.org", False), ("b@x.org", True), ("c@x.org", True)]
    subscribers += [("d@x.org", True), ("A@x.org", True)]
    failed = newsletter_class(fake, sender="l@x.org").publish("S", "B", subscribers)
    assert [m["To"] for m in fake.sent] == ["a@x.org", "c@x.org"]
    assert all(m["Subject"] == "S" for m in fake.sent)
    assert failed == ["b@x.org", "d@x.org"]


def failures_as_a_set(newsletter_class: Any) -> None:
    fake = FakeProvider(failing={"b@x.org", "d@x.org"})
    subscribers = [("a@x.org", True), ("z@x.org", False), ("b@x.org", True), ("c@x.org", True)]
    subscribers += [("d@x.org", True), ("A@x.org", True)]
    failed = newsletter_class(fake, sender="l@x.org").publish("S", "B", subscribers)
    assert [m["To"] for m in fake.sent] == ["a@x.org", "c@x.org"]
    assert all((m["Subject"], m["From"], m.get_content()) == ("S", "l@x.org", "B\n") for m in fake.sent)
    assert "b@x.org" in failed and set(failed) == {"b@x.org", "d@x.org"}


def pytest_style() -> None:
    raise AssertionError("never reached")


def fake_raises_value_error(newsletter_class: Any) -> None:
    class Fake:
        def send(self, message: Any) -> None:
            raise ValueError(message["To"])

    newsletter_class(Fake()).publish("S", "B", [("a@x.org", True)])


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (never_checks_from_or_body, ["sends every message from news@example.com", "subject as the body"]),
        (failures_as_a_set, ["reverse order"]),
        (pytest_style, ["must take one argument, the class to test"]),
        (fake_raises_value_error, ["ValueError: a@x.org", "make the fake raise an OSError"]),
    ],
)
def test_q4_reviewers_weak_tests_are_caught(answer, fragments):
    incorrect(q4.evaluate(answer), *fragments)
