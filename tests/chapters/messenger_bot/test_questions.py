"""Chapter 05's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import functools
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
from checking import incorrect
from flask import Blueprint, Flask, abort, make_response, request
from werkzeug.wrappers import Request, Response

from course.chapters.messenger_bot import events
from course.chapters.messenger_bot.questions import q1, q2, q3, q4
from course.checks import MISSING
from course.solutions import define


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
        "abort": abort,
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


# --- q1: one webhook URL per app ------------------------------------------------------------------

SHOP, SUPPORT = "shop-verify-7f3a", "support-verify-91c2"


def flask_app_with_a_blueprint(verify_tokens: dict[str, str]) -> Flask:
    """An unusual right answer: a blueprint, abort(403), a Response built by hand, a refusal that echoes the query."""
    hooks = Blueprint("hooks", __name__)

    @hooks.route("/<name>", methods=["GET"])
    def verify(name: str) -> Any:
        expected = verify_tokens.get(name)
        if expected is None:
            abort(404)
        mode, token = request.args.get("hub.mode"), request.args.get("hub.verify_token")
        challenge = request.args.get("hub.challenge")
        if mode != "subscribe" or token is None or not challenge:
            return f"refused: {request.query_string.decode()}", 403
        if not secrets.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            abort(403)
        response = make_response(challenge)
        response.mimetype = "text/plain"
        return response

    app = Flask("unusual")
    app.register_blueprint(hooks, url_prefix="/hooks")
    return app


def plain_wsgi_app(verify_tokens: dict[str, str]) -> Callable[..., Any]:
    """An unusual right answer: no Flask at all, a bare WSGI function with Werkzeug's wrappers."""
    tokens = dict(verify_tokens)

    def app(environ: dict, start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        name = path.removeprefix("/hooks/")
        if not path.startswith("/hooks/") or name not in tokens:
            return Response("no such app", status=404)(environ, start_response)
        args = Request(environ).args
        ok = (
            args.get("hub.mode") == "subscribe"
            and hmac.compare_digest(args.get("hub.verify_token", "").encode(), tokens[name].encode())
            and args.get("hub.challenge")
        )
        response = Response(args["hub.challenge"]) if ok else Response("no", status=403)
        return response(environ, start_response)

    return app


@pytest.mark.parametrize("answer", [flask_app_with_a_blueprint, plain_wsgi_app])
def test_q1_accepts_other_ways_to_build_the_app(answer: Any) -> None:
    assert q1.evaluate(answer).status == "correct"


def verification_app(
    check: Callable[[Any, str], bool],
    *,
    path: str = "/hooks/<name>",
    shared: dict | None = None,
    need_challenge: bool = True,
) -> Callable[[dict[str, str]], Flask]:
    """A make_app whose view answers the challenge when ``check(args, that app's token)`` says so."""

    def make_app(verify_tokens: dict[str, str]) -> Flask:
        tokens = shared if shared is not None else verify_tokens
        if shared is not None:
            shared.update(verify_tokens)
        app = Flask("wrong")

        @app.get(path)
        def verify(name: str = "shop") -> Any:
            if name not in tokens:
                abort(404)
            challenge = request.args.get("hub.challenge", "")
            if check(request.args, tokens[name]) and (challenge or not need_challenge):
                return challenge
            return "no", 403

        return app

    return make_app


def right_mode(args: Any) -> bool:
    return args.get("hub.mode") == "subscribe"


def test_q1_refuses_an_app_that_ignores_the_token() -> None:
    answer = verification_app(lambda args, token: "hub.challenge" in args)
    incorrect(q1.evaluate(answer), "support app's token", "anyone could subscribe")


def test_q1_refuses_a_token_compared_with_in() -> None:
    answer = verification_app(lambda args, token: right_mode(args) and args.get("hub.verify_token", "") in token)
    incorrect(q1.evaluate(answer), "only the start of the shop's")


def test_q1_refuses_a_case_insensitive_token() -> None:
    answer = verification_app(
        lambda args, token: right_mode(args) and args.get("hub.verify_token", "").lower() == token.lower()
    )
    incorrect(q1.evaluate(answer), "in capitals")


def test_q1_refuses_any_known_token_for_any_app() -> None:
    answer = verification_app(lambda args, token: right_mode(args) and args.get("hub.verify_token") in (SHOP, SUPPORT))
    incorrect(q1.evaluate(answer), "the support app's token")


def test_q1_refuses_tokens_kept_in_a_global() -> None:
    answer = verification_app(lambda args, token: right_mode(args) and args.get("hub.verify_token") == token, shared={})
    incorrect(q1.evaluate(answer), "asked again after a second one was made")


def test_q1_refuses_an_app_that_ignores_the_mode() -> None:
    answer = verification_app(lambda args, token: args.get("hub.verify_token") == token)
    incorrect(q1.evaluate(answer), "unsubscribe")


def test_q1_refuses_an_empty_challenge_answered_200() -> None:
    answer = verification_app(
        lambda args, token: right_mode(args) and args.get("hub.verify_token") == token, need_challenge=False
    )
    incorrect(q1.evaluate(answer), "no hub.challenge", "answered 200")


def test_q1_explains_a_crash_on_a_token_that_is_not_ascii() -> None:
    answer = verification_app(
        lambda args, token: right_mode(args) and hmac.compare_digest(args.get("hub.verify_token", ""), token)
    )
    incorrect(q1.evaluate(answer), "accented", "TypeError", "compare bytes")


def test_q1_refuses_a_challenge_turned_into_a_number() -> None:
    def make_app(verify_tokens: dict[str, str]) -> Flask:
        app = Flask("number")

        @app.get("/hooks/<name>")
        def verify(name: str) -> Any:
            args = request.args
            if args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == verify_tokens.get(name):
                return str(int(args["hub.challenge"]))
            return "no", 403

        return app

    incorrect(q1.evaluate(make_app), "ValueError")


def test_q1_wants_a_404_for_an_unknown_app() -> None:
    def make_app(verify_tokens: dict[str, str]) -> Flask:
        app = Flask("no404")

        @app.get("/hooks/<name>")
        def verify(name: str) -> Any:
            args = request.args
            ok = args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == verify_tokens.get(name)
            return (args["hub.challenge"], 200) if ok and args.get("hub.challenge") else ("no", 403)

        return app

    incorrect(q1.evaluate(make_app), "'billing' is not in verify_tokens", "expected 404, got 403")


def test_q1_names_the_path_when_the_view_is_elsewhere() -> None:
    answer = verification_app(lambda args, token: args.get("hub.verify_token") == token, path="/webhook")
    incorrect(q1.evaluate(answer), "404", "/hooks/<name>")


def test_q1_explains_a_function_that_returns_no_app() -> None:
    incorrect(q1.evaluate(lambda verify_tokens: None), "return the app itself")
    incorrect(q1.evaluate(lambda verify_tokens: Flask), "return the app itself")


def test_q1_leaves_the_learners_app_config_as_it_was() -> None:
    app = flask_app_with_a_blueprint({"shop": SHOP, "support": SUPPORT})
    before = app.config.get("PROPAGATE_EXCEPTIONS")
    assert q1.evaluate(lambda verify_tokens: app).status == "incorrect"  # one app for every call
    assert app.config.get("PROPAGATE_EXCEPTIONS") == before


# --- q2: the signature check -------------------------------------------------------------------------


def _sha256_digest(header: str | None) -> bytes | None:
    """The raw digest of a ``sha256=<hex>`` header, or None for any other header."""
    scheme, _, given = (header or "").partition("=")
    try:
        return bytes.fromhex(given) if scheme == "sha256" else None
    except ValueError:
        return None


def right_with_fromhex(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    """An unusual right answer: parse the header, compare raw digests, with secrets.compare_digest."""
    given_bytes = _sha256_digest(header)
    if given_bytes is None:
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
    """Compares the header with as much of the expected one as it is long: half a signature passes."""
    return bool(header) and any(
        hmac.compare_digest(header.encode(), _expected(body, s)[: len(header.encode())]) for s in app_secrets
    )


def prefix_only_in_constant_time(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
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
        (prefix_only_in_constant_time, ["new secret", "never on the whole signature"]),
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
        (make_command_bot(split=lambda text: (text.split(" ", 1)[0], text.split(" ", 1)[1].strip())), ["IndexError"]),
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
        (DedupFixedTtl, ["with ttl=5"]),
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


# --- answers found by an adversarial review ------------------------------------------------------------


def strips_any_scheme(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    digest = (header or "=").split("=", 1)[1]
    return any(
        hmac.compare_digest(digest.encode(), hmac.new(s.encode(), body, hashlib.sha256).hexdigest().encode())
        for s in app_secrets
    )


_EVERY_SECRET: set[str] = set()


def remembers_retired_secrets(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    _EVERY_SECRET.update(app_secrets)
    return bool(header) and any(hmac.compare_digest(header.encode(), _expected(body, s)) for s in sorted(_EVERY_SECRET))


def first_and_last_only(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    new, old = app_secrets[0], app_secrets[-1]
    return bool(header) and any(hmac.compare_digest(header.encode(), _expected(body, s)) for s in (new, old))


def equals_for_the_new_secret(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    if not header:
        return False
    if header.encode() == _expected(body, app_secrets[0]):
        return True
    return any(hmac.compare_digest(header.encode(), _expected(body, s)) for s in app_secrets[1:])


def prefix_in_constant_time_digest_with_equals(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    if not header or not hmac.compare_digest(header[:7].encode(), b"sha256="):
        return False
    return any(header[7:] == _expected(body, s).decode()[7:] for s in app_secrets)


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (strips_any_scheme, ["without the 'sha256='"]),
        (remembers_retired_secrets, ["removed from the list"]),
        (first_and_last_only, ["three secrets"]),
        (
            equals_for_the_new_secret,
            ["new secret", "without calling hmac.compare_digest", "compares signatures with =="],
        ),
        (prefix_in_constant_time_digest_with_equals, ["never on the whole signature"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_q2_refuses_subtler_wrong_answers(answer: Any, fragments: list[str]) -> None:
    _EVERY_SECRET.clear()
    incorrect(q2.evaluate(answer), *fragments)


class CallableChecker:
    """An unusual right answer: a callable object, with compare_digest imported by name."""

    def __call__(self, body: bytes, header: str | None, app_secrets: list[str]) -> bool:
        from hmac import compare_digest

        return bool(header) and any(compare_digest(header.encode(), _expected(body, s)) for s in app_secrets)


def _partial_target(hash_name: str, body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    if not header:
        return False
    for secret in app_secrets:
        digest = hmac.new(secret.encode(), body, hash_name).hexdigest()
        if hmac.compare_digest(header.encode(), f"sha256={digest}".encode()):
            return True
    return False


@pytest.mark.parametrize(
    "answer", [CallableChecker(), functools.partial(_partial_target, "sha256")], ids=["callable", "partial"]
)
def test_q2_watches_callables_and_partials(answer: Any) -> None:
    assert q2.evaluate(answer).status == "correct"


def test_q2_notices_a_replaced_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: a == b)
    incorrect(q2.evaluate(right_with_fromhex), "has been replaced", "Restart the kernel")


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (
            make_command_bot(split=lambda text: (text.split(" ", 1)[0], text.split(" ", 1)[1] if " " in text else "")),
            ["deddap"],
        ),
        (
            lambda event: (
                command_bot_with_match(
                    {**event, "message": {**event["message"], "text": event["message"]["text"].lower()}}
                )
                if "message" in event and "text" in event["message"]
                else None
            ),
            ["dlroW olleH"],
        ),
        (
            lambda event: None if event.get("sender", {}).get("id") != "7001002003" else command_bot_with_match(event),
            ["got None"],
        ),
        (
            make_command_bot(
                split=lambda text: (
                    text.strip().partition(" ")[0],
                    text.strip().partition(" ")[2].strip().encode()[::-1].decode("utf-8", "ignore")[::-1],
                )
            ),
            ["café ñandú"],
        ),
    ],
    ids=["no-strip", "lowercases", "one-sender", "bytes"],
)
def test_q3_refuses_subtler_wrong_answers(answer: Any, fragments: list[str]) -> None:
    incorrect(q3.evaluate(answer), *fragments)


class DedupLenLies(DedupLazy):
    """Counts only recent ids in len(), but never deletes any."""

    def __len__(self) -> int:
        now = self.clock()
        return sum(1 for when in self.seen.values() if now - when < self.ttl)


class DedupInclusive(DedupWithHeap):
    """Keeps an id seen exactly ttl seconds ago."""

    def is_new(self, event: dict) -> bool:
        now = self.clock()
        while self.heap and self.heap[0][0] < now:
            when, key = heapq.heappop(self.heap)
            if self.expiry.get(key) == when:
                del self.expiry[key]
        key = _event_id(event)
        if key is None:
            return True
        fresh = key not in self.expiry
        self.expiry.setdefault(key, now + self.ttl)
        heapq.heappush(self.heap, (self.expiry[key], key))
        return fresh


class DedupPopsTheMid(DedupWithHeap):
    """Takes the mid out of the event it is given (the check must not be fooled by its own copies)."""

    def is_new(self, event: dict) -> bool:
        part = event.get("message") or event.get("postback")
        if isinstance(part, dict) and "mid" in part:
            part["mid"] = part.pop("mid")
        return super().is_new(event)


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [(DedupLenLies, ["still held", "whatever len() says"]), (DedupInclusive, ["exactly 5 s"])],
    ids=["len-lies", "inclusive"],
)
def test_q4_refuses_subtler_wrong_answers(answer: Any, fragments: list[str]) -> None:
    incorrect(q4.evaluate(answer), *fragments)


def test_q4_answers_that_touch_the_events_do_not_fool_the_check() -> None:
    assert q4.evaluate(DedupPopsTheMid).status == "correct"


def test_an_endless_answer_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(q3), "time_limit", 0.5)

    def forever(event: dict) -> str:
        while True:
            pass

    incorrect(q3.evaluate(forever), "never ends")


# --- answers found by a second adversarial review --------------------------------------------------------


def with_a_default_argument(
    body: bytes, header: str | None, app_secrets: list[str], _same: Any = hmac.compare_digest
) -> bool:
    return bool(header) and any(_same(header.encode(), _expected(body, s)) for s in app_secrets)


def make_closure_checker() -> Callable[..., bool]:
    same = hmac.compare_digest

    def check(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
        return bool(header) and any(same(header.encode(), _expected(body, s)) for s in app_secrets)

    return check


class BaseChecker:
    def __call__(self, body: bytes, header: str | None, app_secrets: list[str]) -> bool:
        return bool(header) and any(hmac.compare_digest(header.encode(), _expected(body, s)) for s in app_secrets)


class InheritedCall(BaseChecker):
    pass


def compares_base64(body: bytes, header: str | None, app_secrets: list[str]) -> bool:
    import base64

    given_raw = _sha256_digest(header)
    if given_raw is None:
        return False
    return any(
        hmac.compare_digest(
            base64.b64encode(given_raw), base64.b64encode(hmac.new(s.encode(), body, hashlib.sha256).digest())
        )
        for s in app_secrets
    )


@pytest.mark.parametrize(
    "answer",
    [with_a_default_argument, make_closure_checker(), InheritedCall(), compares_base64],
    ids=["default-argument", "closure", "inherited-call", "base64"],
)
def test_q2_accepts_compare_digest_reached_in_other_ways(answer: Any) -> None:
    assert q2.evaluate(answer).status == "correct"


def empty_falls_through_to_unknown(event: dict) -> str | None:
    """Forgets the empty case: "/reverse" alone is called an unknown command."""
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo") or not isinstance(message.get("text"), str):
        return None
    command, _, rest = message["text"].strip().partition(" ")
    rest = rest.strip()
    if command == "/help":
        return HELP
    if command in ("/reverse", "/upper") and rest:
        return rest[::-1] if command == "/reverse" else rest.upper()
    if command.startswith("/"):
        return f"I don't know {command}. Try /help"
    return "Try /help"


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (
            make_command_bot(
                split=lambda text: (
                    "/help" if text.startswith("/help") else text.strip().partition(" ")[0],
                    text.strip().partition(" ")[2].strip(),
                )
            ),
            ["/helpme"],
        ),
        (make_command_bot(empty=True), ["nothing after it"]),
        (empty_falls_through_to_unknown, ["same reply as an unknown command"]),
        (
            lambda event: (
                lambda got: got.encode("ascii", "ignore").decode() if isinstance(got, str) and "ÑANDÚ" in got else got
            )(command_bot_with_match(event)),
            ["CAFÉ ÑANDÚ"],
        ),
    ],
    ids=["startswith-help", "empty-text", "empty-as-unknown", "ascii-only-upper"],
)
def test_q3_refuses_answers_of_the_second_review(answer: Any, fragments: list[str]) -> None:
    incorrect(q3.evaluate(answer), *fragments)


class DedupBytesLies(DedupLenLies):
    """Stores the ids as bytes and lies in len()."""

    def is_new(self, event: dict) -> bool:
        key = _event_id(event)
        return True if key is None else super().is_new({"message": {"mid": key}}) and True


class DedupInAClosure:
    """Keeps everything in a closure, and lies in len()."""

    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        seen: dict[bytes, float] = {}

        def is_new(event: dict) -> bool:
            key, now = _event_id(event), clock()
            if key is None:
                return True
            old = seen.get(key.encode())
            if old is not None and now - old < ttl:
                return False
            seen[key.encode()] = now
            return True

        self.is_new = is_new
        self._live = lambda: sum(1 for when in seen.values() if clock() - when < ttl)

    def __len__(self) -> int:
        return self._live()


class DedupPerClass:
    """Keeps every instance's ids in one class-level dict keyed by id(self), and lies in len()."""

    store: dict[int, dict[str, float]] = {}

    def __init__(self, ttl: float = 86_400, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        DedupPerClass.store[id(self)] = {}

    def __len__(self) -> int:
        now = self.clock()
        return sum(1 for when in DedupPerClass.store[id(self)].values() if now - when < self.ttl)

    def is_new(self, event: dict) -> bool:
        seen, key, now = DedupPerClass.store[id(self)], _event_id(event), self.clock()
        if key is None:
            return True
        if key in seen and now - seen[key] < self.ttl:
            return False
        seen[key] = now
        return True


@pytest.mark.parametrize("answer", [DedupInAClosure, DedupPerClass], ids=["closure", "per-class"])
def test_q4_finds_expired_ids_wherever_they_are_kept(answer: Any) -> None:
    incorrect(q4.evaluate(answer), "still held")
