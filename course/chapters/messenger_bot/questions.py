"""Exercises of chapter 05 (a Messenger bot), judged by what the answers do.

- ``q1`` — ``make_app(verify_tokens)``: one Flask app that answers the platform's
  verification request for several apps, each at ``GET /hooks/<name>`` with its own token.
- ``q2`` — ``signature_ok(body, header, app_secrets)``: the ``X-Hub-Signature-256``
  check while an app secret is being replaced (the new one or the old one).
- ``q3`` — ``command_reply(event)``: a command bot (``/reverse``, ``/upper``,
  ``/help``, unknown commands), silent on everything but people's text.
- ``q4`` — ``Deduplicator(ttl, clock)``: drop retried events for ``ttl`` seconds,
  and forget them afterwards.

q1 runs the learner's app through Werkzeug's test client (any WSGI app passes);
q2 watches the calls of ``hmac.compare_digest``; q4 drives a fake clock. Every
check stops an answer that runs longer than ``time_limit`` seconds. The answers
are in ``solutions/05-messenger-bot.ipynb``.
"""

from __future__ import annotations

import base64
import collections
import copy
import gc
import hashlib
import hmac
import inspect
import json
import secrets
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import got_request_exception
from werkzeug.test import Client

from course.chapters.messenger_bot import CHAPTER, events
from course.chapters.messenger_bot.bot import sign
from course.checks import Question, bind
from course.checks.expect import Incorrect, attempt, describe_error
from course.errors import SetupProblem

TIME_LIMIT = 15.0
"""Seconds one check may run; these answers need far less than one."""


def sha1_header(body: bytes, secret: str) -> str:
    return (
        "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    )


# --------------------------------------------------------------------------- q1

SHOP = "shop-verify-7f3a"
SUPPORT = "support-verify-91c2"


class VerifyEndpoints(Question):
    """``make_app(verify_tokens)``: verification for several apps, at ``GET /hooks/<name>``."""

    answer_names = ("make_app",)
    time_limit = TIME_LIMIT
    hints = (
        "A route with a variable part, `@app.get('/hooks/<name>')`, gives the view the name as "
        "an argument. Look the name up in `verify_tokens`: an unknown name is a 404. Then answer "
        "as the chapter's bot does: the challenge when the mode is `subscribe` and the token is "
        "*that app's* token, a 403 otherwise.",
        "`abort(404)` ends a view with a 404. `request.args.get('hub.mode')` reads a parameter "
        "(None when it is missing). Compare tokens as bytes with `hmac.compare_digest(a.encode(), "
        "b.encode())` (`==` would also pass here, but leaks timing). An empty or missing "
        "challenge is a refusal too.",
        """The shape:

            def make_app(verify_tokens):
                app = Flask(__name__)

                @app.get("/hooks/<name>")
                def verify(name):
                    if name not in verify_tokens:
                        abort(404)
                    args = request.args
                    if <mode is subscribe> and <token matches verify_tokens[name]> and <challenge>:
                        return args["hub.challenge"], 200
                    return "verification failed", 403

                return app""",
    )

    def judge(self, make_app: Any) -> None:
        app = self._app(make_app, {"shop": SHOP, "support": SUPPORT})
        right = {"hub.mode": "subscribe", "hub.verify_token": SHOP}
        challenge = secrets.token_hex(8)
        self._expect_challenge(
            app,
            "shop",
            {**right, "hub.challenge": challenge},
            "the shop's own token",
        )
        self._expect_challenge(
            app,
            "support",
            {
                "hub.mode": "subscribe",
                "hub.verify_token": SUPPORT,
                "hub.challenge": challenge,
            },
            "the support app's own token",
        )
        self._expect_challenge(
            app,
            "shop",
            {**right, "hub.challenge": "Xq_9-zz.41~"},
            "a challenge with letters and punctuation (send it back exactly, as text)",
        )
        for unknown in ("billing", "SHOP", "sho"):
            status, _ = self._get(
                app,
                unknown,
                {**right, "hub.challenge": "1"},
                f"the app name {unknown!r}",
            )
            if status != 404:
                raise Incorrect(
                    f"GET /hooks/{unknown}: {unknown!r} is not in verify_tokens (whose names are "
                    f"'shop' and 'support'), so expected 404, got {status}"
                )
        for query, what in [
            (
                {**right, "hub.verify_token": SUPPORT},
                "the shop asked with the support app's token",
            ),
            (
                {**right, "hub.verify_token": SHOP[:-1]},
                "a token that is only the start of the shop's",
            ),
            (
                {**right, "hub.verify_token": SHOP + "0"},
                "the shop's token plus one character",
            ),
            (
                {**right, "hub.verify_token": SHOP.upper()},
                "the shop's token in capitals",
            ),
            (
                {**right, "hub.verify_token": "shöp-vérify"},
                "a wrong token with accented letters",
            ),
            (
                {**right, "hub.mode": "unsubscribe"},
                'hub.mode "unsubscribe" with the right token',
            ),
            (
                {**right, "hub.mode": "SUBSCRIBE"},
                'hub.mode "SUBSCRIBE" (it comes in lower case)',
            ),
            ({**right, "hub.mode": "sub"}, 'hub.mode "sub"'),
            (
                {**right, "hub.verify_token": SHOP + " "},
                "the shop's token and a space",
            ),
        ]:
            self._expect_refused(
                app,
                "shop",
                {**query, "hub.challenge": "777"},
                what,
                exactly=403,
            )
        for query, what in [
            (
                {"hub.mode": "subscribe", "hub.challenge": "777"},
                "no hub.verify_token at all",
            ),
            (
                {"hub.verify_token": SHOP, "hub.challenge": "777"},
                "no hub.mode",
            ),
            ({"hub.challenge": "777"}, "only a hub.challenge"),
            (right, "the right token but no hub.challenge"),
            (
                {**right, "hub.challenge": ""},
                "the right token and an empty hub.challenge",
            ),
        ]:
            self._expect_refused(app, "shop", query, what)
        other = self._app(make_app, {"shop": "a-new-shop-token"})
        self._expect_challenge(
            other,
            "shop",
            {
                "hub.mode": "subscribe",
                "hub.verify_token": "a-new-shop-token",
                "hub.challenge": "55",
            },
            'an app made with make_app({"shop": "a-new-shop-token"}) (each app uses its own tokens)',
        )
        self._expect_challenge(
            app,
            "shop",
            {**right, "hub.challenge": "66"},
            "the first app, asked again after a second one was made (keep each app's tokens "
            "in the app, not in a global)",
        )
        self._expect_refused(
            other,
            "shop",
            {**right, "hub.challenge": "77"},
            "the second app asked with the first app's shop token",
            exactly=403,
        )

    def _app(self, make_app: Any, tokens: dict[str, str]) -> Any:
        if not callable(make_app):
            raise Incorrect(
                f"`make_app` should be a function that returns a Flask app, got {make_app!r}"
            )
        app = attempt(
            f"make_app({tokens!r})", lambda: make_app(dict(tokens))
        )
        if isinstance(app, type) or not callable(app):
            raise Incorrect(
                f"make_app(...) returned {app!r}; return the app itself (app = Flask(__name__) … return app)"
            )
        return app

    def _get(
        self, app: Any, name: str, query: dict[str, str], what: str
    ) -> tuple[int, str]:
        """GET /hooks/<name>: the status and body, or Incorrect when the app crashed.

        A Flask app's exception is caught through Flask's ``got_request_exception``
        signal (its logger is silenced meanwhile), so the app's own error handlers
        still decide the answer, as they would in production.
        """
        raised: list[BaseException] = []

        def note(
            sender: Any, exception: BaseException, **extra: Any
        ) -> None:
            raised.append(exception)

        logger = getattr(app, "logger", None)
        quiet = logger is not None and hasattr(logger, "disabled")
        if quiet:
            was_disabled, logger.disabled = logger.disabled, True
        got_request_exception.connect(note)
        try:
            response = Client(app).get(f"/hooks/{name}", query_string=query)
            status, body = (
                response.status_code,
                response.get_data(as_text=True),
            )
        except (NotImplementedError, SetupProblem):
            raise
        except Exception as error:
            raised.append(error)
            status, body = 500, ""
        finally:
            got_request_exception.disconnect(note)
            if quiet:
                logger.disabled = was_disabled
        if status >= 500:
            error = raised[0] if raised else None
            advice = (
                " — hmac.compare_digest takes str only when it is ASCII: compare bytes (.encode())"
                if error is not None and "non-ASCII" in str(error)
                else ""
            )
            cause = (
                f"your app raised {describe_error(error)}, so"
                if error is not None
                else "your app"
            )
            raise Incorrect(
                f"{what}: {cause} the platform would get a {status}; every request needs an "
                f"answer (200, 403 or 404){advice}"
            )
        if status in (301, 302, 307, 308):
            raise Incorrect(
                f"{what}: GET /hooks/{name} was redirected ({status}) — register the route as "
                "/hooks/<name>, with no slash at the end"
            )
        return status, body

    def _expect_challenge(
        self, app: Any, name: str, query: dict[str, str], what: str
    ) -> None:
        status, body = self._get(app, name, query, what)
        challenge = query["hub.challenge"]
        if status == 404:
            raise Incorrect(
                f"{what}: GET /hooks/{name} answered 404 — register the view for GET on /hooks/<name>, "
                "and answer every name in verify_tokens"
            )
        if status != 200 or body != challenge:
            raise Incorrect(
                f"{what}: expected status 200 and the body {challenge!r} (the challenge alone), "
                f"got status {status} and the body {body[:120]!r}"
            )

    def _expect_refused(
        self,
        app: Any,
        name: str,
        query: dict[str, str],
        what: str,
        exactly: int | None = None,
    ) -> None:
        status, body = self._get(app, name, query, what)
        if 200 <= status < 300:
            raise Incorrect(
                f"{what}: your app answered {status} (body {body[:60]!r}); it must refuse with 403, "
                "or anyone could subscribe your server to the events of their own app"
            )
        if exactly is not None and status != exactly:
            raise Incorrect(
                f"{what}: expected status {exactly}, got {status}"
            )
        if status not in (400, 403):
            raise Incorrect(
                f"{what}: expected a refusal, 403 (or 400 for a missing parameter), got {status}"
            )


# --------------------------------------------------------------------------- q2

# A body as the platform writes it: escaped slashes and non-ASCII characters and its own
# spacing, none of which json.dumps(json.loads(body)) writes back the same way.
SIGNED_BODY = (
    b'{"object":"page","entry":[{"id":"1000200030004","messaging":[{"sender":{"id":"7001002003"},'
    b'"message":{"mid":"m_1","text":"caf\\u00e9 \\ud83d\\ude00 https:\\/\\/polyglot.ninja\\/",'
    b'"attachments":[]}}]}],  "time":1764230400000}'
)
NEW_SECRET = "6f1d2a9c-new"
OLD_SECRET = "0b7e44d1-old"
_COMPARE = hmac.compare_digest
"""The real ``hmac.compare_digest`` (the same object as ``secrets.compare_digest``)."""


def _namespaces(answer: Any) -> list[dict[str, Any]]:
    """The global namespaces the answer reads names from.

    Those of a function, of a ``functools.partial``'s function, or of a
    callable object's ``__call__`` method.
    """
    call_method = None
    if not inspect.isroutine(answer):
        call_method = inspect.getattr_static(type(answer), "__call__", None)
    found: list[dict[str, Any]] = []
    for candidate in (answer, getattr(answer, "func", None), call_method):
        if not callable(candidate):
            continue
        namespace = getattr(inspect.unwrap(candidate), "__globals__", None)
        if isinstance(namespace, dict) and all(
            namespace is not seen for seen in found
        ):
            found.append(namespace)
    return found


@contextmanager
def recording_compare_digest(
    answer: Any,
) -> Iterator[list[tuple[Any, Any]]]:
    """Record the arguments of every ``compare_digest`` call while the block runs.

    Patches the ``hmac`` and ``secrets`` modules and the names bound to the
    function in the answer's own namespaces; everything is restored after.
    """
    calls: list[tuple[Any, Any]] = []

    def recorded(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return _COMPARE(a, b)

    patched = []
    for namespace in _namespaces(answer):
        for name, value in list(namespace.items()):
            if value is _COMPARE:
                namespace[name] = recorded
                patched.append((namespace, name))
    hmac.compare_digest = recorded  # type: ignore[assignment]
    secrets.compare_digest = recorded  # type: ignore[assignment]
    try:
        yield calls
    finally:
        hmac.compare_digest = _COMPARE
        secrets.compare_digest = _COMPARE
        for namespace, name in patched:
            namespace[name] = _COMPARE


def compared(calls: list[tuple[Any, Any]], digest_hex: str) -> bool:
    """Did one of the ``calls`` compare a value holding the whole digest?

    As hex (any case), raw bytes, or base64 (standard or URL-safe), in ``str``
    or bytes.
    """
    raw = bytes.fromhex(digest_hex)
    forms = [
        digest_hex.encode(),
        raw,
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
    ]
    for pair in calls:
        for value in pair:
            if isinstance(value, str):
                value = value.encode("utf-8", "replace")
            if not isinstance(value, bytes | bytearray | memoryview):
                continue
            data = bytes(value)
            if any(form in data or form in data.lower() for form in forms):
                return True
    return False


def source_mentions(answer: Any, word: str, depth: int = 3) -> bool:
    """True when the source of ``answer``, or of a function it names, contains ``word``.

    Follows the functions the code refers to by name (in any module, ``depth``
    calls deep), and a callable object's ``__call__``.
    """
    pending = [(answer, 0)]
    seen: set[int] = set()
    while pending:
        function, level = pending.pop()
        if not inspect.isroutine(function) and callable(function):
            function = inspect.getattr_static(
                type(function), "__call__", function
            )
        function = getattr(function, "func", function)  # functools.partial
        if id(function) in seen or level > depth:
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
            if inspect.isfunction(helper):
                pending.append((helper, level + 1))
    return False


def holds_compare_digest(answer: Any) -> bool:
    """Does the answer keep ``compare_digest`` itself: in a default, a closure, an attribute?"""
    functions = [answer, getattr(answer, "func", None)]
    if not inspect.isroutine(answer):
        functions.append(
            inspect.getattr_static(type(answer), "__call__", None)
        )
    values: list[Any] = []
    for function in functions:
        function = getattr(function, "__func__", function)
        values += list(getattr(function, "__defaults__", None) or ())
        values += list(
            (getattr(function, "__kwdefaults__", None) or {}).values()
        )
        values += [
            cell.cell_contents
            for cell in getattr(function, "__closure__", None) or ()
            if _filled(cell)
        ]
    for owner in (answer, type(answer)):
        attributes = getattr(owner, "__dict__", {})
        values += [
            getattr(value, "__func__", value)
            for value in attributes.values()
        ]
    return any(value is _COMPARE for value in values)


TIMING_LEAK = (
    "it compares signatures with == (or another ordinary comparison). Such a comparison stops "
    "at the first character that differs, so its time tells an attacker how much of a forged "
    "signature is right, and they can guess it character by character. Compare the whole "
    "header (or the whole digest) with hmac.compare_digest, which takes the same time whatever "
    "the difference"
)


class SignatureCheck(Question):
    """``signature_ok(body, header, app_secrets)``: a valid ``X-Hub-Signature-256`` from any listed secret."""

    answer_names = ("signature_ok",)
    time_limit = TIME_LIMIT
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
        if _COMPARE not in (
            hmac.compare_digest,
            secrets.compare_digest,
        ) or (hmac.compare_digest is not secrets.compare_digest):
            raise Incorrect(
                "hmac.compare_digest (or secrets.compare_digest) has been replaced in this kernel, "
                "by a cell of the notebook? Restart the kernel, run the cells again, and leave "
                "the library's function alone"
            )
        both, three = [NEW_SECRET, OLD_SECRET], ["k-1", "k-2", "k-3"]
        uncompared: list[str] = []
        with recording_compare_digest(signature_ok) as calls:
            for body, secret, secrets_given, what in [
                (
                    SIGNED_BODY,
                    NEW_SECRET,
                    both,
                    "a body signed with the new secret",
                ),
                (
                    SIGNED_BODY,
                    OLD_SECRET,
                    both,
                    "a body signed with the old secret, which is still accepted",
                ),
                (
                    b"{}",
                    NEW_SECRET,
                    [NEW_SECRET],
                    "the body {} with a single secret in the list",
                ),
                (
                    b'{"a": 1}',
                    "k-2",
                    three,
                    "a list of three secrets, signed with the middle one",
                ),
            ]:
                calls.clear()
                header = sign(body, secret)
                self._expect(
                    signature_ok, body, header, secrets_given, True, what
                )
                if calls and not compared(
                    calls, header.removeprefix("sha256=")
                ):
                    raise Incorrect(
                        f"{what}: your function gives the right answer, and calls "
                        "hmac.compare_digest, but never on the whole signature (or the whole "
                        "digest, as hex, base64 or bytes): the part it compares another way "
                        "leaks timing. Give compare_digest the complete values"
                    )
                if not calls:
                    uncompared.append(what)
        if uncompared and len(uncompared) < 4:
            raise Incorrect(
                f"{uncompared[0]}: your function gives the right answer without calling "
                f"hmac.compare_digest, although it calls it in other cases: {TIMING_LEAK}."
            )
        # compare_digest may have been reached in a way the recording cannot see (a default
        # argument, a closure, another module): then the source must at least mention it.
        if (
            uncompared
            and not holds_compare_digest(signature_ok)
            and not source_mentions(signature_ok, "compare_digest")
        ):
            raise Incorrect(
                f"your function gives the right answers, but {TIMING_LEAK}."
            )
        valid = sign(SIGNED_BODY, NEW_SECRET)
        for body, header, secrets_given, what in [
            (
                SIGNED_BODY,
                sign(SIGNED_BODY + b" ", NEW_SECRET),
                both,
                "a signature of another body",
            ),
            (
                SIGNED_BODY,
                sign(SIGNED_BODY, "a-third-secret"),
                both,
                "a body signed with a secret not in the list",
            ),
            (
                SIGNED_BODY,
                sign(SIGNED_BODY, OLD_SECRET),
                [NEW_SECRET],
                "a body signed with the old secret after it was removed from the list (stop accepting it)",
            ),
            (
                SIGNED_BODY,
                sha1_header(SIGNED_BODY, NEW_SECRET),
                both,
                "a SHA1 signature (sha1=…, the old X-Hub-Signature scheme), which is too weak to trust",
            ),
            (
                SIGNED_BODY,
                valid.removeprefix("sha256="),
                both,
                "the right digest without the 'sha256=' in front",
            ),
            (
                SIGNED_BODY,
                "sha1=" + valid.removeprefix("sha256="),
                both,
                "the right digest labelled 'sha1='",
            ),
            (
                SIGNED_BODY,
                valid[:40],
                both,
                "the first half of the right signature",
            ),
            (
                SIGNED_BODY,
                valid + "00",
                both,
                "the right signature with two more characters",
            ),
            (
                SIGNED_BODY,
                "sha256=",
                both,
                "the header 'sha256=' with no digest",
            ),
            (SIGNED_BODY, None, both, "no header at all (None)"),
            (SIGNED_BODY, valid, [], "an empty list of secrets"),
            (SIGNED_BODY, "", both, "an empty header"),
            (
                SIGNED_BODY,
                "sha256=çà" + "0" * 62,
                both,
                "a header with non-ASCII characters",
            ),
            (
                b"\xff\xfe not UTF-8 {",
                "sha256=" + "0" * 64,
                both,
                "a body that is not UTF-8 with a forged signature",
            ),
        ]:
            self._expect(
                signature_ok, body, header, secrets_given, False, what
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
    def _why_rejected(
        answer: Any, body: bytes, app_secrets: list[str]
    ) -> str:
        """Guess why a correct signature was refused, by trying the usual mistakes' headers."""
        secret = app_secrets[0]
        guesses = [
            (
                sign(json.dumps(json.loads(body)).encode(), secret),
                "It accepts a signature of json.dumps(json.loads(body)) instead: sign the raw bytes "
                "you received, because re-serialised JSON differs from what the platform signed "
                "(spaces, \\/ and \\u escapes).",
            ),
            (
                sign(body, secret).removeprefix("sha256="),
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
    time_limit = TIME_LIMIT
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
                command, _, rest = <the text, split at the first space>
                if command == "/help": ...
                if command in <the two text commands>: ...
                if command.startswith("/"): ...
                return <a pointer to /help>""",
    )

    def judge(self, command_reply: Any) -> None:
        if not callable(command_reply):
            raise Incorrect(
                f"`command_reply` should be a function, got {command_reply!r}"
            )
        people = iter(["7001002003", "42", "1234567890123", "9"] * 10)

        def reply(event: dict, what: str) -> Any:
            return attempt(
                f"command_reply(<{what}>)",
                lambda: command_reply(copy.deepcopy(event)),
                "not every event has a message, and not every message has text",
            )

        for words, expected in [
            ("/reverse hello world", "dlrow olleh"),
            ("/reverse Hello World", "dlroW olleH"),
            ("/upper shout this", "SHOUT THIS"),
            ("/upper café ñandú", "CAFÉ ÑANDÚ"),
            ("/reverse café ñandú", "údnañ éfac"),
            ("/reverse   padded  ", "deddap"),
            ("/upper two  spaces inside", "TWO  SPACES INSIDE"),
            ("/upper line one\nline two", "LINE ONE\nLINE TWO"),
        ]:
            got = reply(
                events.text(words, sender=next(people)), f"text {words!r}"
            )
            if got != expected:
                raise Incorrect(
                    f"the text {words!r} should get the reply {expected!r} (the text after the command, "
                    f"without the spaces around it), got {got!r}"
                )
        help_text = reply(
            events.text("/help", sender=next(people)), "text '/help'"
        )
        if not isinstance(help_text, str):
            raise Incorrect(
                f"/help should get a text (a str) that lists the commands, got {help_text!r}"
            )
        missing = [
            name
            for name in ("/reverse", "/upper", "/help")
            if name not in help_text
        ]
        if missing:
            raise Incorrect(
                f"/help should list every command; {', '.join(missing)} missing from {help_text!r}"
            )
        for words, must, what in [
            (
                "/dance now",
                ["/dance", "/help"],
                "an unknown command should be named in the reply, slash included (/dance), "
                "with a pointer to /help",
            ),
            (
                "/upperx hi",
                ["/upperx", "/help"],
                "/upperx is not /upper: compare the whole first word",
            ),
            (
                "/helpme",
                ["/helpme"],
                "/helpme is not /help: it is an unknown command, to be named in the reply",
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
            got = reply(
                events.text(words, sender=next(people)), f"text {words!r}"
            )
            if not isinstance(got, str) or not all(
                word in got for word in must
            ):
                raise Incorrect(f"the text {words!r}: {what}; got {got!r}")
        unknown = reply(
            events.text("/dance", sender=next(people)), "text '/dance'"
        )
        for command in ("/reverse", "/upper"):
            empty = reply(
                events.text(command, sender=next(people)),
                f"text {command!r}",
            )
            if isinstance(unknown, str) and empty == unknown.replace(
                "/dance", command
            ):
                raise Incorrect(
                    f"the text {command!r} gets the same reply as an unknown command ({empty!r}); "
                    f"{command} is known, it only lacks the text after it: say what to send"
                )
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


EXPIRED = "m_expired_"
"""The prefix of the ids the memory test expects to be forgotten."""

CONTAINERS = (dict, list, set, frozenset, tuple, collections.deque)


def held_items(root: Any, limit: int = 100_000) -> int:
    """The number of items in the containers reachable from ``root``.

    Follows attributes, container items, closures and the root's class
    attributes (state kept per class), but not modules, functions' globals,
    classes or the check's clock: what an object *holds*, not the world.
    """
    # Not followed: classes, modules, C functions, the check's own clock.
    skip = (type, types.ModuleType, types.BuiltinFunctionType, FakeClock)
    seen: set[int] = set()
    total = 0
    pending: list[Any] = [root, *vars(type(root)).values()]
    while pending and len(seen) < limit:
        item = pending.pop()
        if id(item) in seen or isinstance(
            item, (*skip, str, bytes, int, float)
        ):
            continue
        seen.add(id(item))
        if isinstance(item, types.FunctionType):
            pending.extend(
                cell.cell_contents
                for cell in item.__closure__ or ()
                if _filled(cell)
            )
            continue
        if isinstance(item, types.MethodType):
            pending.append(item.__func__)
            continue
        if isinstance(item, CONTAINERS):
            total += len(item)
        if isinstance(
            item, dict
        ):  # the collector skips keys of all-str dicts
            pending.extend(item.keys())
        pending.extend(gc.get_referents(item))
    return total


def _filled(cell: Any) -> bool:
    """False for a closure cell whose variable is not assigned yet."""
    try:
        return cell.cell_contents is not _filled
    except ValueError:
        return False


class Dedupe(Question):
    """``Deduplicator(ttl, clock)``: ``is_new(event)`` is False for an id seen less than ``ttl`` s ago."""

    answer_names = ("Deduplicator",)
    time_limit = TIME_LIMIT
    hints = (
        "Only `message.mid` and `postback.mid` identify an event; events without one are always "
        "new. Remember when each id was first seen, and compare with `clock()`.",
        "Ids arrive in time order, so keep them in an `OrderedDict` (id → time seen): the "
        "oldest is always first. On each call, pop from the front while the first one is at "
        "least `ttl` seconds old; then the id is a duplicate exactly when it is still in the "
        "dict.",
        """The shape:

            class Deduplicator:
                def __init__(self, ttl=36 * 3600, clock=time.monotonic):
                    self.ttl, self.clock, self.seen = ttl, clock, OrderedDict()

                def __len__(self):
                    return len(self.seen)

                def is_new(self, event):
                    now = self.clock()
                    <pop ids seen ttl seconds ago or earlier from the front>
                    key = <message.mid or postback.mid, else None>
                    if key is None: return True
                    if key in self.seen: return False
                    self.seen[key] = now
                    return True""",
    )

    def judge(self, Deduplicator: Any) -> None:
        if not callable(Deduplicator):
            raise Incorrect(
                f"`Deduplicator` should be a class, got {Deduplicator!r}"
            )
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
            first,
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
            is_new,
            button,
            False,
            "the same postback again (same postback.mid)",
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
            (
                events.reaction("m_a", action="unreact"),
                "taking that reaction back",
            ),
        ]:
            self._expect(is_new, event, True, what)
        clock.now += 30
        self._expect(
            is_new,
            first,
            False,
            "the first message, retried 30 s later (ttl is 60 s)",
        )
        clock.now += 31  # m_b, m_c and m_p are now 61 s old
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
            "len(dedup)",
            lambda: len(dedup),
            "len() says how many ids it remembers",
        )
        if remembered != 2:
            raise Incorrect(
                f"100 s after the first events, with ttl=60, only m_b (seen 39 s ago) and m_q (just now) "
                f"are recent enough to remember, so len(dedup) should be 2; got {remembered} — drop "
                "expired ids as events arrive, or memory grows without end"
            )
        self._boundary_and_independence(Deduplicator, clock, is_new)
        self._memory(Deduplicator)

    def _boundary_and_independence(
        self,
        Deduplicator: Any,
        clock: FakeClock,
        is_new: Callable[[dict], Any],
    ) -> None:
        other = attempt(
            "Deduplicator(ttl=5, clock=clock)",
            lambda: Deduplicator(ttl=5, clock=clock),
        )
        is_new_other = self._is_new(other)
        # (seconds to move the clock first, which Deduplicator, mid, expected answer, what it shows)
        steps = [
            (
                0,
                is_new_other,
                "m_z",
                True,
                "a message to a second Deduplicator",
            ),
            (
                0,
                is_new,
                "m_z",
                True,
                "m_z given to the first Deduplicator (each one remembers its own ids)",
            ),
            (
                4.5,
                is_new_other,
                "m_z",
                False,
                "m_z again to the second Deduplicator, 4.5 s later (ttl=5)",
            ),
            (
                0.5,
                is_new_other,
                "m_y0",
                True,
                "another message to the second Deduplicator",
            ),
            (0, is_new_other, "m_y0", False, "its retry, right away"),
            (
                5,
                is_new_other,
                "m_y0",
                True,
                "that retry again exactly 5 s after the id was first seen, with ttl=5 "
                "(seen *less than* ttl seconds ago is a duplicate; exactly ttl is not)",
            ),
        ]
        for advance, ask, mid, expected, what in steps:
            clock.now += advance
            self._expect(ask, events.text("x", mid=mid), expected, what)
        default = attempt(
            "Deduplicator()",
            lambda: Deduplicator(),
            "ttl and clock need defaults",
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

    def _memory(self, Deduplicator: Any) -> None:
        """2000 ids expire exactly ``ttl`` s after they were seen: by the next event they must be gone.

        Memory is measured as the number of items in the containers reachable from the
        Deduplicator (see :func:`held_items`), so it does not depend on what ``len()``
        says or on how the ids are stored.
        """
        clock = FakeClock()
        dedup = attempt(
            "Deduplicator(ttl=10, clock=clock)",
            lambda: Deduplicator(ttl=10, clock=clock),
        )
        is_new = self._is_new(dedup)
        for n in range(2000):
            self._expect(
                is_new,
                events.text("x", mid=f"{EXPIRED}{n}"),
                True,
                f"message {n} of 2000 distinct ones",
            )
        before = held_items(dedup)
        clock.now += 10
        self._expect(
            is_new,
            events.text("x", mid="m_after"),
            True,
            "a message 10 s after 2000 others (ttl=10)",
        )
        remembered = attempt("len(dedup)", lambda: len(dedup))
        if remembered != 1:
            raise Incorrect(
                f"10 s after 2000 ids were seen (ttl=10) and one more event came, len(dedup) should "
                f"be 1, got {remembered} — delete ids seen ttl seconds ago or earlier"
            )
        after = held_items(dedup)
        if before >= 2000 and after > 100:
            raise Incorrect(
                f"the 2000 expired ids seem to be still held: the Deduplicator's containers hold "
                f"{after} items after expiry ({before} before) — delete expired ids, or memory "
                "grows without end, whatever len() says"
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
        is_new: Callable[[dict], Any],
        event: dict,
        expected: bool,
        what: str,
    ) -> None:
        got = attempt(
            f"is_new(<{what}>)", lambda: is_new(copy.deepcopy(event))
        )
        if bool(got) is not expected:
            raise Incorrect(
                f"{what}: is_new should return {expected}, got {got!r}"
            )


QUESTIONS = bind(
    CHAPTER,
    [VerifyEndpoints, SignatureCheck, CommandBot, Dedupe],
    globals(),
)
