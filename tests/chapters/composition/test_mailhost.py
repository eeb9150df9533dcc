"""The chapter's local mail servers: delivery read back, failures on demand, a clean stop."""

from __future__ import annotations

import smtplib

import pytest

from course import servers
from course.chapters.composition.mailhost import (
    Mailbox,
    SmtpProvider,
    make_message,
    start_mail_server,
)


@pytest.fixture
def mail():
    server = start_mail_server("testmail")
    yield server
    server.stop()


def test_a_sent_message_is_read_back_with_its_envelope(mail):
    """Does the mailbox hold sender, recipients, subject and body as sent?"""
    mail.provider().send(make_message("a@example.com", "b@example.org", "Hi", "Line 1\nLine 2"))
    [delivery] = mail.deliveries
    assert (delivery.server, delivery.sender, delivery.recipients) == ("testmail", "a@example.com", ("b@example.org",))
    assert (delivery.subject, delivery.body) == ("Hi", "Line 1\nLine 2")
    assert mail.mailbox.attempts == 1


def test_planned_failures_answer_with_the_reply_then_recover(mail):
    """Does fail_next refuse exactly the next messages with the chosen SMTP code?"""
    mail.mailbox.fail_next(2, "451 4.3.2 Try again later")
    mail.mailbox.fail_next(1, "550 5.1.1 Mailbox unavailable")
    codes = []
    for _ in range(4):
        try:
            mail.provider().send(make_message("a@example.com", "b@example.org", "x", "y"))
            codes.append(250)
        except smtplib.SMTPDataError as error:
            codes.append(error.smtp_code)
    assert codes == [451, 451, 550, 250]
    assert mail.mailbox.attempts == 4 and len(mail.deliveries) == 1


@pytest.mark.parametrize(("count", "reply"), [(1, "250 OK"), (1, "hello"), (1, "45 short"), (-1, "451 busy")])
def test_fail_next_rejects_what_is_not_a_failure(count, reply):
    """Is a non-failure reply, or a negative count, a clear ValueError?"""
    with pytest.raises(ValueError, match="4xx or 5xx|0 or more"):
        Mailbox("x").fail_next(count, reply)


def test_a_stopped_server_refuses_connections_and_is_not_live(mail):
    """After stop(), is the port refused, like a provider that is down, and the server gone?"""
    provider = mail.provider()
    mail.stop()
    with pytest.raises(ConnectionRefusedError):
        provider.send(make_message("a@example.com", "b@example.org", "x", "y"))
    assert not mail.running and mail.running_server not in servers.live()


def test_stop_drops_a_client_that_is_still_connected(mail):
    """Does stopping end an open SMTP session instead of waiting for the client?"""
    client = smtplib.SMTP("127.0.0.1", mail.port, local_hostname="localhost", timeout=5)
    assert client.noop()[0] == 250
    mail.stop()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()


def test_bad_commands_get_smtp_errors_not_silence(mail):
    """Does the server answer a malformed command with a 5xx reply and a message?"""
    with smtplib.SMTP("127.0.0.1", mail.port, local_hostname="localhost", timeout=5) as client:
        assert client.docmd("MAIL", "FROM:<a@example.com>")[0] == 503  # no EHLO yet
        client.ehlo()
        code, text = client.docmd("MAIL", "no-colon-here")
    assert code == 501 and b"Syntax" in text


@pytest.mark.parametrize("name", ["", "two words", "../x"])
def test_a_server_name_must_be_a_word(name):
    with pytest.raises(ValueError, match="short word"):
        start_mail_server(name)


def test_repr_says_where_and_what():
    assert repr(SmtpProvider("gmail", 2525)) == "SmtpProvider('gmail', port=2525)"
