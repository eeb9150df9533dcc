"""Chapter 05's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, abort, make_response, request
from werkzeug.wrappers import Request, Response

from course.chapters.messenger_bot import events
from course.chapters.messenger_bot.questions import q1, q2, q3, q4
from course.checks import MISSING, Outcome
from course.solutions import define


def incorrect(outcome: Outcome, *fragments: str) -> None:
    """Assert the outcome is Incorrect and its message contains every fragment."""
    assert outcome.status == "incorrect", outcome
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message


def chapter_namespace() -> dict[str, Any]:
    """What the exercise notebook's setup cell imports, for the answers to use."""
    return {
        "__name__": "__main__",  # as in a notebook: Flask(__name__) needs a real module
        "hashlib": hashlib,
        "hmac": hmac,
        "json": json,
        "time": time,
        "OrderedDict": OrderedDict,
        "Flask": Flask,
        "request": request,
        "events": events,
    }


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_published_solution_passes(question: Any) -> None:
    namespace = define(question, chapter_namespace())
    answer = namespace[question.answer_names[0]]
    assert question.evaluate(answer).status == "correct"


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_missing_answer_is_not_attempted(question: Any) -> None:
    assert question.evaluate(MISSING).status == "not_attempted"


def _stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError()


@pytest.mark.parametrize("question", [q1, q2, q3], ids=lambda q: q.name)
def test_untouched_placeholder_is_not_attempted(question: Any) -> None:
    assert question.evaluate(_stub).status == "not_attempted"


# --- q1: the verification endpoint ---------------------------------------------------------------


def flask_app_with_abort(verify_token: str) -> Flask:
    """An unusual right answer: a blueprint, abort(403), and a Response built by hand."""
    hooks = Blueprint("hooks", __name__)

    @hooks.route("/messenger", methods=["GET"])
    def verify() -> Any:
        mode, token = request.args.get("hub.mode"), request.args.get("hub.verify_token")
        challenge = request.args.get("hub.challenge")
        if mode != "subscribe" or token is None or not challenge:
            abort(403)
        if not secrets.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
            abort(403)
        response = make_response(challenge)
        response.mimetype = "text/plain"
        return response

    app = Flask("unusual")
    app.register_blueprint(hooks, url_prefix="/hooks")
    return app


def plain_wsgi_app(verify_token: str) -> Callable[..., Any]:
    """An unusual right answer: no Flask at all, a bare WSGI function with Werkzeug's wrappers."""

    def app(environ: dict, start_response: Callable[..., Any]) -> Any:
        args = Request(environ).args
        ok = (
            environ["PATH_INFO"] == "/hooks/messenger"
            and args.get("hub.mode") == "subscribe"
            and hmac.compare_digest(args.get("hub.verify_token", "").encode(), verify_token.encode())
            and args.get("hub.challenge")
        )
        response = Response(args["hub.challenge"]) if ok else Response("no", status=403)
        return response(environ, start_response)

    return app


@pytest.mark.parametrize("answer", [flask_app_with_abort, plain_wsgi_app])
def test_q1_accepts_other_ways_to_build_the_app(answer: Any) -> None:
    assert q1.evaluate(answer).status == "correct"


def verification_app(check: Callable[[Any, str], bool], path: str = "/hooks/messenger") -> Callable[[str], Flask]:
    """A make_app whose view answers the challenge when ``check(args, verify_token)`` says so."""

    def make_app(verify_token: str) -> Flask:
        app = Flask("wrong")

        @app.get(path)
        def verify() -> Any:
            if check(request.args, verify_token):
                return request.args["hub.challenge"]
            return "no", 403

        return app

    return make_app


def test_q1_refuses_an_app_that_ignores_the_token() -> None:
    answer = verification_app(lambda args, token: "hub.challenge" in args)
    incorrect(q1.evaluate(answer), "only the start of yours", "anyone could subscribe")


def test_q1_refuses_a_token_compared_with_in() -> None:
    answer = verification_app(
        lambda args, token: args.get("hub.mode") == "subscribe" and args.get("hub.verify_token", "") in token
    )
    incorrect(q1.evaluate(answer), "only the start of yours")


def test_q1_refuses_a_case_insensitive_token() -> None:
    answer = verification_app(
        lambda args, token: (
            args.get("hub.mode") == "subscribe" and args.get("hub.verify_token", "").lower() == token.lower()
        )
    )
    incorrect(q1.evaluate(answer), "in capitals")


def test_q1_refuses_a_hard_coded_token() -> None:
    answer = verification_app(
        lambda args, token: args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == "ninja-verify-42"
    )
    incorrect(q1.evaluate(answer), "another-token")


def test_q1_refuses_an_app_that_ignores_the_mode() -> None:
    answer = verification_app(lambda args, token: args.get("hub.verify_token") == token)
    incorrect(q1.evaluate(answer), "unsubscribe")


def test_q1_explains_a_crash_on_a_token_that_is_not_ascii() -> None:
    answer = verification_app(
        lambda args, token: (
            args.get("hub.mode") == "subscribe" and hmac.compare_digest(args.get("hub.verify_token", ""), token)
        )
    )
    incorrect(q1.evaluate(answer), "accented", "TypeError", "compare bytes")


def test_q1_refuses_a_challenge_turned_into_a_number() -> None:
    def make_app(verify_token: str) -> Flask:
        app = Flask("number")

        @app.get("/hooks/messenger")
        def verify() -> Any:
            args = request.args
            if args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == verify_token:
                return str(int(args["hub.challenge"]))
            return "no", 403

        return app

    incorrect(q1.evaluate(make_app), "letters and punctuation", "ValueError")


def test_q1_names_the_path_when_the_view_is_elsewhere() -> None:
    answer = verification_app(lambda args, token: args.get("hub.verify_token") == token, path="/webhook")
    incorrect(q1.evaluate(answer), "404", "/hooks/messenger")


def test_q1_explains_a_function_that_returns_no_app() -> None:
    incorrect(q1.evaluate(lambda verify_token: None), "return the Flask app")


def test_q1_refuses_a_missing_parameter_that_crashes() -> None:
    def make_app(verify_token: str) -> Flask:
        app = Flask("crash")

        @app.get("/hooks/messenger")
        def verify() -> Any:
            token = request.args.get("hub.verify_token")
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), verify_token.encode()
            ):
                return request.args["hub.challenge"]
            return "no", 403

        return app

    incorrect(q1.evaluate(make_app), "no hub.verify_token", "AttributeError")


# --- q2: the signature check -------------------------------------------------------------------------


def right_with_fromhex(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    """An unusual right answer: parse the header, compare raw digests, with secrets.compare_digest."""
    scheme, _, given = (header or "").partition("=")
    try:
        given_bytes = bytes.fromhex(given)
    except ValueError:
        return False
    if scheme != "sha256":
        return False
    digests = [hmac.new(key.encode(), body, hashlib.sha256).digest() for key in app_secrets]
    return any([secrets.compare_digest(given_bytes, digest) for digest in digests])


def _expected(body: bytes, secret: str) -> bytes:
    return ("sha256=" + hmac.new(secret.encode(), body, "sha256").hexdigest()).encode()


def right_with_a_helper(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    """An unusual right answer: the comparison happens in a helper function, via hmac.HMAC objects."""
    return header is not None and any(_same(header.encode(), _expected(body, s)) for s in app_secrets)


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


@pytest.mark.parametrize("answer", [right_with_fromhex, right_with_a_helper])
def test_q2_accepts_other_right_answers(answer: Any) -> None:
    assert q2.evaluate(answer).status == "correct"


def reserialised(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    canonical = json.dumps(json.loads(body)).encode()
    return bool(header) and any(hmac.compare_digest(header.encode(), _expected(canonical, s)) for s in app_secrets)


def sha1(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    if not header:
        return False
    for secret in app_secrets:
        sha1_value = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if hmac.compare_digest(header.encode(), sha1_value.encode()) or hmac.compare_digest(
            header.encode(), _expected(body, secret)
        ):
            return True
    return False


def sha1_only(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    if not header:
        return False
    return any(
        hmac.compare_digest(header.encode(), ("sha1=" + hmac.new(s.encode(), body, hashlib.sha1).hexdigest()).encode())
        for s in app_secrets
    )


def with_equals(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return any(header is not None and header.encode() == _expected(body, s) for s in app_secrets)


def crashes_without_header(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return any(hmac.compare_digest(header.encode(), _expected(body, s)) for s in app_secrets)  # type: ignore[union-attr]


def first_secret_only(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return bool(header) and hmac.compare_digest(header.encode(), _expected(body, app_secrets[0]))


def compares_str(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return bool(header) and any(hmac.compare_digest(header, _expected(body, s).decode()) for s in app_secrets)


def decodes_the_body(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    text = body.decode("utf-8")
    return bool(header) and any(hmac.compare_digest(header.encode(), _expected(text.encode(), s)) for s in app_secrets)


def prefix_match(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return (
        bool(header)
        and len(header) > 7
        and any(_expected(body, s).decode().startswith(header) for s in app_secrets)
        and hmac.compare_digest(b"", b"")
    )


def bare_hex(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    return bool(header) and any(
        hmac.compare_digest(header.encode(), hmac.new(s.encode(), body, hashlib.sha256).hexdigest().encode())
        for s in app_secrets
    )


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (reserialised, ["json.dumps(json.loads(body))", "raw bytes"]),
        (sha1, ["SHA1", "too weak"]),
        (sha1_only, ["SHA1 signatures instead"]),
        (with_equals, ["compare_digest", "character by character"]),
        (crashes_without_header, ["no header at all", "AttributeError", "500"]),
        (first_secret_only, ["old secret"]),
        (compares_str, ["non-ASCII", "TypeError"]),
        (decodes_the_body, ["not UTF-8", "UnicodeDecodeError"]),
        (prefix_match, ["first half"]),
        (bare_hex, ["bare hex digest"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_q2_refuses_wrong_answers_with_the_reason(answer: Any, fragments: list[str]) -> None:
    incorrect(q2.evaluate(answer), *fragments)


def test_q2_leaves_compare_digest_unpatched() -> None:
    q2.evaluate(with_equals)
    q2.evaluate(right_with_a_helper)
    assert hmac.compare_digest is secrets.compare_digest
    assert type(hmac.compare_digest).__name__ == "builtin_function_or_method"
    assert globals()["hmac"].compare_digest is hmac.compare_digest


# --- q3: a command bot ---------------------------------------------------------------------------------

HELP = "Commands: /reverse TEXT, /upper TEXT, /help"


def command_bot_with_match(event: dict) -> str | None:
    """An unusual right answer: structural pattern matching and a regular expression."""
    match event:
        case {"message": {"is_echo": True}}:
            return None
        case {"message": {"text": str(text)}}:
            pass
        case _:
            return None
    found = re.fullmatch(r"\s*(/\S+)(?:\s+(.*?))?\s*", text, flags=re.DOTALL)
    if not found:
        return "Try /help."
    command, rest = found.group(1), found.group(2) or ""
    match command:
        case "/help":
            return HELP
        case "/reverse" | "/upper" if not rest:
            return f"{command} needs some text after it"
        case "/reverse":
            return "".join(reversed(rest))
        case "/upper":
            return rest.upper()
        case _:
            return f"Unknown: {command}. /help lists what I know."


def test_q3_accepts_pattern_matching() -> None:
    assert q3.evaluate(command_bot_with_match).status == "correct"


def make_command_bot(
    *, echo: bool = False, split: Callable[[str], tuple[str, str]] | None = None, **rules: bool
) -> Callable[[dict], Any]:
    """A command bot with one mistake switched on (the keyword names it)."""

    def partition(text: str) -> tuple[str, str]:
        command, _, rest = text.strip().partition(" ")
        return command, rest.strip()

    def reply(event: dict) -> Any:
        if rules.get("postbacks") and "postback" in event:
            return HELP
        message = event["message"] if rules.get("index") else event.get("message")
        if not isinstance(message, dict) or (message.get("is_echo") and not echo):
            return None
        text = message.get("text")
        if not isinstance(text, str):
            return None
        command, rest = (split or partition)(text)
        if rules.get("anywhere") and not text.startswith("/"):
            for name in ("/reverse", "/upper"):
                if name in text:
                    command, rest = name, text.split(name, 1)[1].strip()
        if rules.get("prefix"):
            for name in ("/reverse", "/upper"):
                if command.startswith(name):
                    command = name
        if command == "/help":
            return HELP
        if command in ("/reverse", "/upper"):
            if not rest and not rules.get("empty"):
                return f"Send text after {command}"
            return rest[::-1] if command == "/reverse" else rest.upper()
        if command.startswith("/"):
            return f"{command}? Try /help" if not rules.get("unnamed") else "Unknown command. Try /help"
        return "Try /help"

    return reply


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (make_command_bot(echo=True), ["echo", "talk to itself"]),
        (make_command_bot(prefix=True), ["/upperx"]),
        (make_command_bot(anywhere=True), ["middle of the text"]),
        (make_command_bot(split=lambda text: (text.split(" ", 1)[0], text.split(" ", 1)[1])), ["IndexError"]),
        (make_command_bot(split=lambda text: (text.split()[0], " ".join(text.split()[1:]))), ["spaces inside"]),
        (make_command_bot(index=True), ["KeyError", "not every event has a message"]),
        (make_command_bot(postbacks=True), ["postback"]),
        (make_command_bot(empty=True), ["nothing after it"]),
        (make_command_bot(unnamed=True), ["/dance"]),
    ],
    ids=["echo", "prefix", "anywhere", "split-index", "collapses", "keyerror", "postback", "empty", "unnamed"],
)
def test_q3_refuses_wrong_answers_with_the_reason(answer: Any, fragments: list[str]) -> None:
    incorrect(q3.evaluate(answer), *fragments)


def test_q3_wants_every_command_in_the_help() -> None:
    def reply(event: dict) -> Any:
        text = (event.get("message") or {}).get("text", "")
        return "Commands: /reverse, /upper" if text == "/help" else command_bot_with_match(event)

    incorrect(q3.evaluate(reply), "/help should list every command", "/help missing")


# --- q4: forget retries after a while ----------------------------------------------------------------


def _event_id(event: dict) -> str | None:
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and part.get("mid"):
            return part["mid"]
    return None


class DedupWithHeap:
    """An unusual right answer: a heap of expiry times, and "last seen" refreshes the time."""

    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self.expiry: dict[str, float] = {}
        self.heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self.expiry)

    def is_new(self, event: dict) -> bool:
        now = self.clock()
        while self.heap and self.heap[0][0] <= now:
            when, key = heapq.heappop(self.heap)
            if self.expiry.get(key) == when:
                del self.expiry[key]
        key = _event_id(event)
        if key is None:
            return True
        fresh = key not in self.expiry
        self.expiry[key] = now + self.ttl
        heapq.heappush(self.heap, (now + self.ttl, key))
        return fresh


def test_q4_accepts_a_heap_that_refreshes_on_retries() -> None:
    assert q4.evaluate(DedupWithHeap).status == "correct"


class DedupNeverForgets:
    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        self.seen: set[str] = set()

    def __len__(self) -> int:
        return len(self.seen)

    def is_new(self, event: dict) -> bool:
        key = _event_id(event)
        if key is None:
            return True
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class DedupBySender(DedupNeverForgets):
    def is_new(self, event: dict) -> bool:
        key = event["sender"]["id"]
        new = key not in self.seen
        self.seen.add(key)
        return new


class DedupAnyMid(DedupNeverForgets):
    def is_new(self, event: dict) -> bool:
        parts = [value for value in event.values() if isinstance(value, dict) and "mid" in value]
        key = parts[0]["mid"] if parts else None
        if key is None:
            return True
        new = key not in self.seen
        self.seen.add(key)
        return new


class DedupNoneKey(DedupNeverForgets):
    def is_new(self, event: dict) -> bool:
        key = _event_id(event)
        new = key not in self.seen
        self.seen.add(key)  # type: ignore[arg-type]
        return new


class DedupLazy:
    """Expires an id only when that same id comes back: forgotten ids pile up."""

    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock, self.seen = ttl, clock, {}

    def __len__(self) -> int:
        return len(self.seen)

    def is_new(self, event: dict) -> bool:
        key, now = _event_id(event), self.clock()
        if key is None:
            return True
        if key in self.seen and now - self.seen[key] < self.ttl:
            return False
        self.seen[key] = now
        return True


class DedupFixedTtl(DedupLazy):
    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(60, clock)

    def is_new(self, event: dict) -> bool:
        now = self.clock()
        self.seen = {key: when for key, when in self.seen.items() if now - when < self.ttl}
        return super().is_new(event)


class DedupShared(DedupFixedTtl):
    shared: OrderedDict[str, float] = OrderedDict()

    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock, self.seen = ttl, clock, DedupShared.shared

    def is_new(self, event: dict) -> bool:
        now = self.clock()
        for key in [key for key, when in self.seen.items() if now - when >= self.ttl]:
            del self.seen[key]
        return DedupLazy.is_new(self, event)


class DedupNoDefaults(DedupShared):
    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl, self.clock, self.seen = ttl, clock, OrderedDict()


class DedupByTime(DedupLazy):
    """Uses wall-clock time instead of the clock it is given."""

    def is_new(self, event: dict) -> bool:
        self.clock = time.monotonic
        return super().is_new(event)


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (DedupNeverForgets, ["61 s ago", "forgotten"]),
        (DedupBySender, ["same text from the same person"]),
        (DedupAnyMid, ["reaction to message m_a"]),
        (DedupNoneKey, ["second delivery receipt"]),
        (DedupLazy, ["len(dedup) should be 2", "memory grows"]),
        (DedupFixedTtl, ["ttl=5", "use the ttl you are given"]),
        (DedupShared, ["each one remembers its own ids"]),
        (DedupNoDefaults, ["Deduplicator()", "defaults"]),
        (DedupByTime, ["61 s ago"]),
        (dict, ["needs a method is_new"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_q4_refuses_wrong_answers_with_the_reason(answer: Any, fragments: list[str]) -> None:
    DedupShared.shared.clear()
    incorrect(q4.evaluate(answer), *fragments)


def test_q4_placeholder_class_is_not_attempted() -> None:
    class Deduplicator:
        def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
            raise NotImplementedError()

    assert q4.evaluate(Deduplicator).status == "not_attempted"
