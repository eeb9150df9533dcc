"""Exercises of chapter 05 (a Messenger bot), judged by what the answers do.

- ``q1`` — ``make_app(verify_token)``: a Flask app whose ``GET /hooks/messenger``
  answers the platform's verification request.
- ``q2`` — ``signature_ok(body, header, app_secrets)``: the ``X-Hub-Signature-256``
  check while an app secret is being replaced (the new one or the old one).
- ``q3`` — ``command_reply(event)``: a command bot (``/reverse``, ``/upper``,
  ``/help``, unknown commands), silent on everything but people's text.
- ``q4`` — ``Deduplicator(ttl, clock)``: drop retried events for ``ttl`` seconds,
  and forget them afterwards.

q1 runs the learner's app through Werkzeug's test client (any WSGI app passes);
q4 drives a fake clock. The answers are in ``solutions/05-messenger-bot.ipynb``.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.test import Client

from course.chapters.messenger_bot import CHAPTER, events
from course.checks import Question, bind
from course.checks.expect import Incorrect, attempt, describe_error
from course.errors import SetupProblem

PATH = "/hooks/messenger"


def sha256_header(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sha1_header(body: bytes, secret: str) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


# --------------------------------------------------------------------------- q1


class VerifyEndpoint(Question):
    """``make_app(verify_token)``: answer the verification request on ``GET /hooks/messenger``."""

    answer_names = ("make_app",)
    hints = (
        "The platform sends three query parameters: `hub.mode`, `hub.verify_token` and "
        "`hub.challenge`. Only when the mode is `subscribe` and the token is yours does it "
        "get the challenge back.",
        "In a view, `request.args.get('hub.mode')` reads a parameter (None when it is "
        "missing). Return `challenge, 200` when everything matches, and `'…', 403` otherwise. "
        "Compare the tokens as bytes with `hmac.compare_digest`, so a token with accents "
        "cannot make it raise.",
        """The shape:

            def make_app(verify_token):
                app = Flask(__name__)

                @app.get("/hooks/messenger")
                def verify():
                    args = request.args
                    if <mode is subscribe> and <token matches> and <challenge not empty>:
                        return args["hub.challenge"], 200
                    return "verification failed", 403

                return app""",
    )

    TOKEN = "ninja-verify-42"

    def judge(self, make_app: Any) -> None:
        app = self._app(make_app, self.TOKEN)
        good = {"hub.mode": "subscribe", "hub.verify_token": self.TOKEN}
        self._expect_challenge(
            app, {**good, "hub.challenge": "1158201444"}, "the right token"
        )
        self._expect_challenge(
            app,
            {**good, "hub.challenge": "Xq_9-zz.41"},
            "a challenge with letters and punctuation (send it back exactly, as text)",
        )
        for query, what in [
            (
                {**good, "hub.verify_token": "ninja-verify-4"},
                "a token that is only the start of yours",
            ),
            (
                {**good, "hub.verify_token": self.TOKEN + "2"},
                "a token that is yours plus one character",
            ),
            (
                {**good, "hub.verify_token": self.TOKEN.upper()},
                "your token in capitals",
            ),
            (
                {**good, "hub.verify_token": "nïnja-vérify-42"},
                "a wrong token with accented letters",
            ),
            (
                {**good, "hub.mode": "unsubscribe"},
                'hub.mode "unsubscribe" with the right token',
            ),
        ]:
            self._expect_refused(
                app, {**query, "hub.challenge": "777"}, what, exactly=403
            )
        for query, what in [
            (
                {"hub.mode": "subscribe", "hub.challenge": "777"},
                "no hub.verify_token at all",
            ),
            ({"hub.verify_token": self.TOKEN, "hub.challenge": "777"}, "no hub.mode"),
            ({"hub.challenge": "777"}, "only a hub.challenge"),
        ]:
            self._expect_refused(app, query, what)
        other = self._app(make_app, "another-token")
        self._expect_challenge(
            other,
            {
                "hub.mode": "subscribe",
                "hub.verify_token": "another-token",
                "hub.challenge": "55",
            },
            'an app made with make_app("another-token") (use the token you are given)',
        )
        self._expect_refused(
            other,
            {
                "hub.mode": "subscribe",
                "hub.verify_token": self.TOKEN,
                "hub.challenge": "55",
            },
            f'make_app("another-token") asked with the token {self.TOKEN!r}',
            exactly=403,
        )

    def _app(self, make_app: Any, token: str) -> Any:
        if not callable(make_app):
            raise Incorrect(
                f"`make_app` should be a function that returns a Flask app, got {make_app!r}"
            )
        app = attempt(f"make_app({token!r})", lambda: make_app(token))
        if not callable(app):
            raise Incorrect(
                f"make_app({token!r}) returned {app!r}; return the Flask app (app = Flask(__name__) … return app)"
            )
        return app

    def _get(self, app: Any, query: dict[str, str], what: str) -> tuple[int, str]:
        if isinstance(getattr(app, "config", None), dict):
            # A Flask app: let an exception in the view reach the check, not a logged 500.
            app.config["PROPAGATE_EXCEPTIONS"] = True
        try:
            response = Client(app).get(PATH, query_string=query)
        except (NotImplementedError, SetupProblem):
            raise
        except Exception as error:
            advice = (
                " — hmac.compare_digest takes str only when it is ASCII: compare bytes (.encode())"
                if "non-ASCII" in str(error)
                else ""
            )
            raise Incorrect(
                f"{what}: your app raised {describe_error(error)}, which the platform would get as a "
                f"500; every request needs an answer (200 or 403){advice}"
            ) from None
        return response.status_code, response.get_data(as_text=True)

    def _expect_challenge(self, app: Any, query: dict[str, str], what: str) -> None:
        status, body = self._get(app, query, what)
        challenge = query["hub.challenge"]
        if status == 404:
            raise Incorrect(
                f"GET {PATH} answered 404: register the view on exactly that path, for GET"
            )
        if status != 200 or body != challenge:
            raise Incorrect(
                f"{what}: expected status 200 and the body {challenge!r} (the challenge alone), "
                f"got status {status} and the body {body[:120]!r}"
            )

    def _expect_refused(
        self, app: Any, query: dict[str, str], what: str, exactly: int | None = None
    ) -> None:
        status, body = self._get(app, query, what)
        challenge = query.get("hub.challenge", "")
        if status == 200 or challenge in body:
            raise Incorrect(
                f"{what}: your app answered status {status} with the challenge — it must refuse "
                "(403), or anyone could subscribe your server to the events of their own app"
            )
        if status >= 500:
            raise Incorrect(
                f"{what}: your app crashed (status {status}); refuse with 403 instead"
            )
        if exactly is not None and status != exactly:
            raise Incorrect(f"{what}: expected status {exactly}, got {status}")
        if not 400 <= status < 500:
            raise Incorrect(f"{what}: expected a refusal (403), got status {status}")


# --------------------------------------------------------------------------- q2

# A body as the platform writes it: spaces, escaped slashes and escaped non-ASCII characters,
# none of which json.dumps(json.loads(body)) writes back the same way.
SIGNED_BODY = (
    b'{"object":"page","entry":[{"id":"1000200030004","messaging":[{"sender":{"id":"7001002003"},'
    b'"message":{"mid":"m_1","text":"caf\\u00e9 \\ud83d\\ude00 https:\\/\\/polyglot.ninja\\/",'
    b'"attachments":[]}}]}],  "time":1764230400000}'
)
NEW_SECRET = "6f1d2a9c-new"
OLD_SECRET = "0b7e44d1-old"


@contextmanager
def counting_compare_digest(answer: Any) -> Iterator[list[int]]:
    """Count calls of ``hmac.compare_digest`` (however the answer reached it) while the block runs."""
    real = hmac.compare_digest
    calls = [0]

    def counted(a: Any, b: Any) -> bool:
        calls[0] += 1
        return real(a, b)

    namespace = getattr(answer, "__globals__", {})
    names = [name for name, value in namespace.items() if value is real]
    for name in names:
        namespace[name] = counted
    hmac.compare_digest = counted  # type: ignore[assignment]
    secrets.compare_digest = counted  # type: ignore[assignment]
    try:
        yield calls
    finally:
        hmac.compare_digest = real
        secrets.compare_digest = real
        for name in names:
            namespace[name] = real


def source_mentions(answer: Any, word: str) -> bool:
    """True when the source of ``answer`` (or of a notebook function it calls by name) contains ``word``."""
    seen: set[int] = set()
    pending = [answer]
    while pending:
        function = pending.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        try:
            if word in inspect.getsource(function):
                return True
        except (OSError, TypeError):
            continue
        code = getattr(function, "__code__", None)
        namespace = getattr(function, "__globals__", {})
        for name in code.co_names if code else ():
            helper = namespace.get(name)
            if inspect.isfunction(helper) and helper.__globals__ is namespace:
                pending.append(helper)
    return False


class SignatureCheck(Question):
    """``signature_ok(body, header, app_secrets)``: a valid ``X-Hub-Signature-256`` from any listed secret."""

    answer_names = ("signature_ok",)
    hints = (
        "The header is `sha256=` followed by the hex HMAC-SHA256 of the body's raw bytes, keyed "
        "with the app secret. Compute what the header should be for each secret in the list, and "
        "accept the body when one of them matches.",
        "`hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()` is the digest. Compare the "
        "whole header with `hmac.compare_digest(a.encode(), b.encode())`: it takes as long "
        "whatever the difference, and bytes never make it raise. A missing header (None) is "
        "simply False.",
        """The shape:

            def signature_ok(body, header, app_secrets):
                if not header:
                    return False
                for secret in app_secrets:
                    expected = "sha256=" + <hex HMAC-SHA256 of body with secret>
                    if hmac.compare_digest(<header as bytes>, <expected as bytes>):
                        return True
                return False""",
    )

    def judge(self, signature_ok: Any) -> None:
        if not callable(signature_ok):
            raise Incorrect(
                f"`signature_ok` should be a function, got {signature_ok!r}"
            )
        both = [NEW_SECRET, OLD_SECRET]
        with counting_compare_digest(signature_ok) as compared:
            self._expect(
                signature_ok,
                SIGNED_BODY,
                sha256_header(SIGNED_BODY, NEW_SECRET),
                both,
                True,
                "a body signed with the new secret",
            )
            self._expect(
                signature_ok,
                SIGNED_BODY,
                sha256_header(SIGNED_BODY, OLD_SECRET),
                both,
                True,
                "a body signed with the old secret, which is still accepted",
            )
            self._expect(
                signature_ok,
                b"{}",
                sha256_header(b"{}", NEW_SECRET),
                [NEW_SECRET],
                True,
                "the body {} with a single secret in the list",
            )
        for body, header, what in [
            (
                SIGNED_BODY,
                sha256_header(SIGNED_BODY + b" ", NEW_SECRET),
                "a signature of another body",
            ),
            (
                SIGNED_BODY,
                sha256_header(SIGNED_BODY, "a-third-secret"),
                "a body signed with a secret not in the list",
            ),
            (
                SIGNED_BODY,
                sha1_header(SIGNED_BODY, NEW_SECRET),
                "a SHA1 signature (sha1=…, the old X-Hub-Signature scheme), which is too weak to trust",
            ),
            (
                SIGNED_BODY,
                sha256_header(SIGNED_BODY, NEW_SECRET)[:40],
                "the first half of the right signature",
            ),
            (SIGNED_BODY, "sha256=", "the header 'sha256=' with no digest"),
            (SIGNED_BODY, None, "no header at all (None)"),
            (SIGNED_BODY, "", "an empty header"),
            (SIGNED_BODY, "sha256=çà" + "0" * 62, "a header with non-ASCII characters"),
            (
                b"\xff\xfe not UTF-8 {",
                "sha256=" + "0" * 64,
                "a body that is not UTF-8 with a forged signature",
            ),
        ]:
            self._expect(signature_ok, body, header, both, False, what)
        if compared[0] == 0 and not source_mentions(signature_ok, "compare_digest"):
            raise Incorrect(
                "your function gives the right answers, but it compares signatures with == (or "
                "another ordinary comparison). Such a comparison stops at the first character "
                "that differs, so its time tells an attacker how much of a forged signature is "
                "right, and they can guess it character by character. Use hmac.compare_digest, "
                "which takes the same time whatever the difference."
            )

    def _expect(
        self,
        answer: Any,
        body: bytes,
        header: str | None,
        app_secrets: list[str],
        expected: bool,
        what: str,
    ) -> None:
        try:
            result = answer(body, header, list(app_secrets))
        except NotImplementedError:
            raise
        except Exception as error:
            raise Incorrect(
                f"{what}: your function raised {describe_error(error)} — in a web server that is a "
                f"500 answer; return {expected} instead (work on bytes: body is bytes, encode the "
                "secrets and the header)"
            ) from None
        if bool(result) is expected:
            return
        if expected:
            raise Incorrect(
                f"{what}: your function returned {result!r} for a correct signature. "
                + self._why_rejected(answer, body, app_secrets)
            )
        raise Incorrect(
            f"{what}: your function returned {result!r}; a webhook must refuse this body"
        )

    @staticmethod
    def _why_rejected(answer: Any, body: bytes, app_secrets: list[str]) -> str:
        """Guess why a correct signature was refused, by trying the usual mistakes' headers."""
        secret = app_secrets[0]
        guesses = [
            (
                sha256_header(json.dumps(json.loads(body)).encode(), secret),
                "It accepts a signature of json.dumps(json.loads(body)) instead: sign the raw bytes "
                "you received, because re-serialised JSON differs from what the platform signed "
                "(spaces, \\/ and \\u escapes).",
            ),
            (
                sha256_header(body, secret).removeprefix("sha256="),
                "It accepts the bare hex digest: the header starts with 'sha256=', keep it in the comparison.",
            ),
            (
                sha1_header(body, secret),
                "It accepts SHA1 signatures instead: use hashlib.sha256.",
            ),
        ]
        for header, why in guesses:
            try:
                if answer(body, header, list(app_secrets)) is True:
                    return why
            except Exception:
                continue
        return (
            "Compute the HMAC-SHA256 of the raw body bytes with each secret (encoded), "
            "prefix 'sha256=', and compare with the header."
        )


# --------------------------------------------------------------------------- q3


class CommandBot(Question):
    """``command_reply(event)``: answer commands in people's text messages, nothing else."""

    answer_names = ("command_reply",)
    hints = (
        "First decide whether the event is a text message from a person: it has a `message` with "
        "a `text`, and the message is not an echo (`is_echo`). Everything else gets None. Then "
        "split the text into the command (the first word) and the rest.",
        "`command, _, rest = text.partition(' ')` gives the first word and what follows; "
        "`rest.strip()` drops the spaces around it. Compare the whole command word with "
        "`==` (`/upperx` is not `/upper`), and keep a dict from command to function for the "
        "known ones.",
        """The shape:

            def command_reply(event):
                message = event.get("message")
                if <not a dict, or an echo, or no text>:
                    return None
                command, _, rest = message["text"].strip().partition(" ")
                rest = rest.strip()
                if command == "/help": return HELP
                if command in ("/reverse", "/upper"):
                    if not rest: return f"Send some text after {command}."
                    return rest[::-1] if command == "/reverse" else rest.upper()
                if command.startswith("/"): return f"I don't know {command}. Try /help."
                return "Send a command. Try /help." """,
    )

    def judge(self, command_reply: Any) -> None:
        if not callable(command_reply):
            raise Incorrect(
                f"`command_reply` should be a function, got {command_reply!r}"
            )

        def reply(event: dict, what: str) -> Any:
            return attempt(
                f"command_reply(<{what}>)",
                lambda: command_reply(event),
                "not every event has a message, and not every message has text",
            )

        for words, expected in [
            ("/reverse hello world", "dlrow olleh"),
            ("/upper shout this", "SHOUT THIS"),
            ("/reverse   padded  ", "deddap"),
            ("/upper two  spaces inside", "TWO  SPACES INSIDE"),
            ("/upper line one\nline two", "LINE ONE\nLINE TWO"),
        ]:
            got = reply(events.text(words), f"text {words!r}")
            if not isinstance(got, str) or got.strip() != expected:
                raise Incorrect(
                    f"the text {words!r} should get the reply {expected!r} (the text after the command, "
                    f"without the spaces around it), got {got!r}"
                )
        help_text = reply(events.text("/help"), "text '/help'")
        missing = [
            name
            for name in ("/reverse", "/upper", "/help")
            if name not in str(help_text)
        ]
        if not isinstance(help_text, str) or missing:
            raise Incorrect(
                f"/help should list every command; {', '.join(missing)} missing from {help_text!r}"
            )
        for words, must, what in [
            (
                "/dance now",
                ["/dance", "/help"],
                "an unknown command should be named in the reply, with a pointer to /help",
            ),
            (
                "/upperx hi",
                ["/upperx", "/help"],
                "/upperx is not /upper: compare the whole first word",
            ),
            (
                "/reverse",
                ["/reverse"],
                "a command with nothing after it should say what to send after /reverse",
            ),
            (
                "/upper   ",
                ["/upper"],
                "a command with only spaces after it should say what to send after /upper",
            ),
            (
                "hello there",
                ["/help"],
                "text that is not a command should point to /help",
            ),
            (
                "please /upper this",
                ["/help"],
                "a command in the middle of the text is not a command: point to /help",
            ),
        ]:
            got = reply(events.text(words), f"text {words!r}")
            if not isinstance(got, str) or not all(word in got for word in must):
                raise Incorrect(f"the text {words!r}: {what}; got {got!r}")
        for event, what in [
            (
                events.echo("/upper hello"),
                "an echo of the page's own message '/upper hello'",
            ),
            (events.delivery("m_local_1"), "a delivery receipt"),
            (events.read(), "a read receipt"),
            (events.reaction("m_local_1"), "a reaction"),
            (events.attachment("image"), "a photo with no text"),
            (
                events.postback("Get Started", "GET_STARTED"),
                "a postback (a button press)",
            ),
        ]:
            got = reply(event, what)
            if got is not None:
                extra = (
                    " — the bot would answer its own messages, get their echoes, and talk to itself"
                    if "echo" in what
                    else ""
                )
                raise Incorrect(
                    f"{what} should get no reply (None), got {got!r}{extra}"
                )


# --------------------------------------------------------------------------- q4


class FakeClock:
    """A clock the check moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Dedupe(Question):
    """``Deduplicator(ttl, clock)``: ``is_new(event)`` is False for an id seen less than ``ttl`` s ago."""

    answer_names = ("Deduplicator",)
    hints = (
        "Only `message.mid` and `postback.mid` identify an event; events without one are always "
        "new. Remember when each id was first seen, and compare with `clock()`.",
        "Ids arrive in time order, so keep them in an `OrderedDict` (id → time seen): the "
        "oldest is always first. On each call, pop from the front while the first one is at "
        "least `ttl` seconds old; then the id is a duplicate exactly when it is still in the "
        "dict.",
        """The shape:

            class Deduplicator:
                def __init__(self, ttl=24 * 3600, clock=time.monotonic):
                    self.ttl, self.clock, self.seen = ttl, clock, OrderedDict()

                def __len__(self):
                    return len(self.seen)

                def is_new(self, event):
                    now = self.clock()
                    <pop expired ids from the front>
                    key = <message.mid or postback.mid, else None>
                    if key is None: return True
                    if key in self.seen: return False
                    self.seen[key] = now
                    return True""",
    )

    def judge(self, Deduplicator: Any) -> None:
        if not callable(Deduplicator):
            raise Incorrect(f"`Deduplicator` should be a class, got {Deduplicator!r}")
        clock = FakeClock()
        dedup = attempt(
            "Deduplicator(ttl=60, clock=clock)",
            lambda: Deduplicator(ttl=60, clock=clock),
        )
        is_new = self._is_new(dedup)
        first = events.text("hi", mid="m_a")
        self._expect(is_new, first, True, "a first message")
        self._expect(
            is_new,
            json.loads(json.dumps(first)),
            False,
            "the same message again (a retry: a new dict with the same mid)",
        )
        self._expect(
            is_new,
            events.text("hi", mid="m_b"),
            True,
            "another message with the same text from the same person (a new mid)",
        )
        self._expect(
            is_new,
            events.text("bye", sender="42", mid="m_c"),
            True,
            "a message from someone else",
        )
        button = events.postback("Get Started", "GET_STARTED", mid="m_p")
        self._expect(is_new, button, True, "a postback")
        self._expect(
            is_new, dict(button), False, "the same postback again (same postback.mid)"
        )
        for event, what in [
            (events.delivery("m_a"), "a delivery receipt"),
            (
                events.delivery("m_a"),
                "a second delivery receipt (events without an id are always new)",
            ),
            (events.read(), "a read receipt"),
            (events.read(), "a second read receipt"),
            (
                events.reaction("m_a"),
                "a reaction to message m_a (it carries m_a's id, but it is not m_a)",
            ),
            (events.reaction("m_a", action="unreact"), "taking that reaction back"),
        ]:
            self._expect(is_new, event, True, what)
        clock.now += 30
        self._expect(
            is_new,
            json.loads(json.dumps(first)),
            False,
            "the first message, retried 30 s later (ttl is 60 s)",
        )
        clock.now += 31  # m_a, m_b, m_c and m_p are now 61 s old
        self._expect(
            is_new,
            events.text("hi", mid="m_b"),
            True,
            "a message whose id was seen 61 s ago (older than ttl: forgotten)",
        )
        self._expect(
            is_new,
            events.text("hi", mid="m_b"),
            False,
            "that message once more, right away",
        )
        clock.now += 39  # m_a (seen at 1000, retried at 1030) has expired either way; m_b is 39 s old
        self._expect(
            is_new,
            events.text("new", mid="m_q"),
            True,
            "a new message, 100 s after the first",
        )
        remembered = attempt(
            "len(dedup)", lambda: len(dedup), "len() says how many ids it remembers"
        )
        if remembered != 2:
            raise Incorrect(
                f"100 s after the first events, with ttl=60, only m_b (seen 39 s ago) and m_q (just now) "
                f"are recent enough to remember, so len(dedup) should be 2; got {remembered} — drop "
                "expired ids as events arrive, or memory grows without end"
            )
        other = attempt(
            "Deduplicator(ttl=5, clock=clock)", lambda: Deduplicator(ttl=5, clock=clock)
        )
        is_new_other = self._is_new(other)
        self._expect(
            is_new_other,
            events.text("x", mid="m_z"),
            True,
            "a message to a second Deduplicator",
        )
        clock.now += 6
        self._expect(
            is_new_other,
            events.text("x", mid="m_z"),
            True,
            "its retry 6 s later, with ttl=5 (use the ttl you are given)",
        )
        self._expect(
            is_new,
            events.text("x", mid="m_z"),
            True,
            "m_z given to the first Deduplicator (each one remembers its own ids)",
        )
        default = attempt(
            "Deduplicator()", lambda: Deduplicator(), "ttl and clock need defaults"
        )
        is_new_default = self._is_new(default)
        self._expect(
            is_new_default,
            events.text("y", mid="m_y"),
            True,
            "a message to Deduplicator()",
        )
        self._expect(
            is_new_default,
            events.text("y", mid="m_y"),
            False,
            "its retry, right away, to Deduplicator()",
        )

    @staticmethod
    def _is_new(dedup: Any) -> Callable[[dict], Any]:
        method = getattr(dedup, "is_new", None)
        if not callable(method):
            raise Incorrect(
                f"a Deduplicator needs a method is_new(event); {dedup!r} has none"
            )
        return method

    @staticmethod
    def _expect(
        is_new: Callable[[dict], Any], event: dict, expected: bool, what: str
    ) -> None:
        got = attempt(f"is_new(<{what}>)", lambda: is_new(event))
        if bool(got) is not expected:
            raise Incorrect(f"{what}: is_new should return {expected}, got {got!r}")


QUESTIONS = bind(
    CHAPTER, [VerifyEndpoint, SignatureCheck, CommandBot, Dedupe], globals()
)
