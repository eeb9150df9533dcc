"""The chapter's bot, through Flask's test client: verification, signatures, every event kind, retries, no 500."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from course import servers
from course.chapters.messenger_bot import bot, events
from course.chapters.messenger_bot.graph import SendApiStandIn
from course.chapters.messenger_bot.launch import start_bot

VERIFY = "verify-token-for-tests"
SECRET = "app-secret-for-tests"
PAGE = "page-token-for-tests"  # the stand-in of conftest.py expects it


@pytest.fixture
def settings(graph: SendApiStandIn) -> bot.Settings:
    return bot.Settings(VERIFY, SECRET, PAGE, graph_url=graph.url, reply_mode="inline")


@pytest.fixture
def client(settings: bot.Settings) -> FlaskClient:
    return bot.create_app(settings).test_client()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot, "RETRY_DELAYS", (0.01, 0.01, 0.01, 0.01))


def post(client: FlaskClient, payload: Any, *, secret: str = SECRET, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post("/webhook", data=body, headers={bot.SIGNATURE_HEADER: bot.sign(body, secret)})


def texts(graph: SendApiStandIn) -> list[str]:
    return [message.text for message in graph.received]


# --- settings ------------------------------------------------------------------------------------------


def test_settings_come_from_the_environment_with_defaults() -> None:
    env = {"MESSENGER_VERIFY_TOKEN": "v", "MESSENGER_APP_SECRET": "s", "MESSENGER_PAGE_TOKEN": "p"}
    settings = bot.Settings.from_env(env)
    assert (settings.verify_token, settings.app_secret, settings.page_token) == ("v", "s", "p")
    assert settings.send_url == "https://graph.facebook.com/v25.0/me/messages"
    assert settings.reply_mode == "queue"
    local = bot.Settings.from_env({**env, "GRAPH_API_URL": "http://127.0.0.1:9/", "GRAPH_API_VERSION": "v26.0"})
    assert local.send_url == "http://127.0.0.1:9/v26.0/me/messages"


def test_settings_never_show_their_secrets() -> None:
    settings = bot.Settings("the-verify-token", "the-app-secret", "the-page-token")
    assert "the-" not in repr(settings) and "the-" not in str(settings)


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(bot.MissingSetting) as error:
        bot.Settings.from_env({"MESSENGER_VERIFY_TOKEN": "v", "MESSENGER_APP_SECRET": ""})
    assert "MESSENGER_APP_SECRET, MESSENGER_PAGE_TOKEN" in str(error.value)


def test_an_unknown_reply_mode_is_refused() -> None:
    env = {"MESSENGER_VERIFY_TOKEN": "v", "MESSENGER_APP_SECRET": "s", "MESSENGER_PAGE_TOKEN": "p"}
    with pytest.raises(ValueError, match="queue or inline"):
        bot.Settings.from_env({**env, "MESSENGER_REPLY_MODE": "later"})


def test_main_exits_with_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MESSENGER_VERIFY_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exit_:
        bot.main(["--port", "9"])
    assert "MESSENGER_VERIFY_TOKEN" in str(exit_.value.code)


# --- verification --------------------------------------------------------------------------------------


def test_verification_answers_the_challenge_as_plain_text(client: FlaskClient) -> None:
    answer = client.get(
        "/webhook", query_string={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "<b>42</b>"}
    )
    assert (answer.status_code, answer.text, answer.mimetype) == (200, "<b>42</b>", "text/plain")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY[:-1], "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "vérifié", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY},
        {"hub.verify_token": VERIFY, "hub.challenge": "1"},
        {},
    ],
)
def test_every_other_verification_is_a_403(client: FlaskClient, query: dict[str, str]) -> None:
    answer = client.get("/webhook", query_string=query)
    assert answer.status_code == 403 and "verification failed" in answer.text


# --- signatures and malformed bodies ---------------------------------------------------------------------


def test_a_signed_text_gets_its_reply(client: FlaskClient, graph: SendApiStandIn) -> None:
    answer = post(client, events.batch(events.text("drawer")))
    assert (answer.status_code, answer.text) == (200, "EVENT_RECEIVED\n")
    assert [(m.recipient, m.messaging_type, m.text) for m in graph.received] == [(events.USER, "RESPONSE", "reward")]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "missing or wrong"),
        ({bot.SIGNATURE_HEADER: bot.sign(b"other body", SECRET)}, "missing or wrong"),
        ({bot.SIGNATURE_HEADER: "sha256=" + "0" * 64}, "missing or wrong"),
        ({bot.SIGNATURE_HEADER: "sha256=é"}, "missing or wrong"),
        ({"X-Hub-Signature": "sha1=0123"}, "SHA1"),
        ({"X-Hub-Signature": "sha1=0123", bot.SIGNATURE_HEADER: "sha256=00"}, "missing or wrong"),
    ],
)
def test_unsigned_or_forged_requests_are_a_403(
    client: FlaskClient, graph: SendApiStandIn, headers: dict, fragment: str
) -> None:
    body = json.dumps(events.batch(events.text("forged"))).encode()
    answer = client.post("/webhook", data=body, headers=headers)
    assert answer.status_code == 403 and fragment in answer.text
    assert graph.received == []


def test_a_body_signed_with_another_secret_is_a_403(client: FlaskClient) -> None:
    assert post(client, events.batch(events.text("x")), secret="guess").status_code == 403


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"[" * 100_000, "RecursionError"),
        (b"[]", '"object": "page"'),
        (b'{"object": "instagram", "entry": []}', '"object": "page"'),
        (b'{"object": "page"}', '"entry" must be a list'),
        (b'{"object": "page", "entry": [3]}', "entry[0] must be an object"),
        (b'{"object": "page", "entry": [{"messaging": {}}]}', "entry[0].messaging must be a list"),
        (b'{"object": "page", "entry": [{"messaging": [[]]}]}', "entry[0].messaging[0] must be an object"),
    ],
)
def test_a_signed_body_that_is_not_a_batch_is_a_400(client: FlaskClient, raw: bytes, fragment: str) -> None:
    answer = post(client, None, raw=raw)
    assert answer.status_code == 400 and fragment in answer.text


def test_an_entry_without_messaging_is_fine(client: FlaskClient, graph: SendApiStandIn) -> None:
    answer = post(client, {"object": "page", "entry": [{"id": "1", "time": 1, "standby": []}]})
    assert answer.status_code == 200 and graph.received == []


def test_an_oversized_body_is_a_413_before_any_signature_check(client: FlaskClient) -> None:
    answer = client.post("/webhook", data=b"x" * (bot.MAX_BODY + 1))
    assert answer.status_code == 413 and str(bot.MAX_BODY) in answer.text


def test_other_methods_and_paths_get_a_line_of_text(client: FlaskClient) -> None:
    put = client.put("/webhook")
    assert put.status_code == 405 and put.mimetype == "text/plain"
    assert set(put.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.text.startswith("404 Not Found")


# --- events ----------------------------------------------------------------------------------------------


def test_each_event_kind_gets_its_documented_reply(client: FlaskClient, graph: SendApiStandIn) -> None:
    batch = events.batch(
        events.text("abc"),
        events.echo("not me"),
        events.delivery("m_1"),
        events.read(),
        events.reaction("m_1"),
        events.postback("Get Started", "GET_STARTED"),
        events.postback("Menu", "MENU"),
        events.quick_reply("Blue", "COLOUR_BLUE"),
        events.attachment("audio"),
    )
    assert post(client, batch).status_code == 200
    assert texts(graph) == [
        "cba",
        bot.GREETING,
        "You pressed “Menu”.",
        "You picked “Blue”.",
        "Thanks! I can only read text, though.",
    ]


def test_retried_events_are_answered_once(client: FlaskClient, graph: SendApiStandIn) -> None:
    retried = events.batch(events.text("once"), events.postback("Menu", "MENU", mid="pb-1"))
    assert [post(client, retried).status_code for _ in range(3)] == [200, 200, 200]
    assert texts(graph) == ["ecno", "You pressed “Menu”."]


def test_the_same_text_with_a_new_mid_is_answered_again(client: FlaskClient, graph: SendApiStandIn) -> None:
    post(client, events.batch(events.text("hi")))
    post(client, events.batch(events.text("hi")))
    assert texts(graph) == ["ih", "ih"]


def test_seen_ids_forget_the_oldest_beyond_capacity() -> None:
    seen = bot.SeenIds(capacity=2)
    first, second, third = (events.text("x") for _ in range(3))
    assert [seen.first_time(e) for e in (first, second, third)] == [True, True, True]
    assert seen.first_time(first) is True  # forgotten
    assert seen.first_time(third) is False


def test_events_without_a_sender_are_skipped(client: FlaskClient, graph: SendApiStandIn) -> None:
    event = events.text("lost")
    del event["sender"]
    assert post(client, events.batch(event, events.text("kept"))).status_code == 200
    assert texts(graph) == ["tpek"]


def test_no_signed_body_ever_gets_a_500(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    """Is every random mutation of a valid batch answered 200 or 400, without an exception inside?"""
    rng = random.Random(2016)
    odd = [None, True, 0, 2.5, "", "text", "🙂", [], [None], {}, {"id": 1}, {"mid": []}]

    def mutate(value: Any) -> Any:
        if rng.random() < 0.2:
            return rng.choice(odd)
        if isinstance(value, dict):
            return {key: mutate(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mutate(item) for item in value]
        return value

    kinds = [
        events.text("a"),
        events.echo("b"),
        events.delivery("m"),
        events.read(),
        events.reaction("m"),
        events.postback("P", "GET_STARTED"),
        events.quick_reply("Q", "q"),
        events.attachment(),
    ]
    statuses = set()
    with caplog.at_level(logging.ERROR, logger="bot"):
        for _ in range(500):
            answer = post(client, mutate(events.batch(*rng.sample(kinds, 4))))
            statuses.add(answer.status_code)
    assert statuses == {200, 400}
    assert caplog.records == []


# --- sending ---------------------------------------------------------------------------------------------


def test_a_failing_send_api_is_retried_until_it_works(
    settings: bot.Settings, graph: SendApiStandIn, fast_retries: None
) -> None:
    graph.fail_next(500, 429, 503)
    assert bot.SendApi(settings).send("42", "hello") is True
    assert [a.status for a in graph.attempts] == [500, 429, 503, 200]
    assert texts(graph) == ["hello"]


def test_a_rate_limit_reported_as_a_400_is_retried(
    settings: bot.Settings, graph: SendApiStandIn, fast_retries: None
) -> None:
    graph.fail_next((400, 613))
    assert bot.SendApi(settings).send("42", "hello") is True
    assert [(a.status, a.code) for a in graph.attempts] == [(400, 613), (200, None)]


def test_a_4xx_that_is_not_transient_is_not_retried(
    settings: bot.Settings, graph: SendApiStandIn, fast_retries: None
) -> None:
    graph.fail_next((400, 100))
    assert bot.SendApi(settings).send("42", "hello") is False
    assert [a.status for a in graph.attempts] == [400]


def test_a_read_timeout_is_not_retried_because_the_reply_may_have_arrived(
    settings: bot.Settings, graph: SendApiStandIn, fast_retries: None
) -> None:
    graph.delay = 0.6
    assert bot.SendApi(settings, timeout=0.2).send("42", "only once") is False
    graph.wait_for(1, timeout=2)
    time.sleep(0.3)
    assert texts(graph) == ["only once"]  # it did arrive, once


def test_worth_retrying_reads_graph_errors() -> None:
    import requests

    def answer(status: int, body: bytes) -> requests.Response:
        response = requests.Response()
        response.status_code, response._content = status, body
        return response

    assert bot.worth_retrying(answer(503, b""))
    assert bot.worth_retrying(answer(400, b'{"error": {"code": 1200}}'))
    assert bot.worth_retrying(answer(400, b'{"error": {"code": 99, "is_transient": true}}'))
    assert not bot.worth_retrying(answer(400, b'{"error": {"code": 100, "is_transient": false}}'))
    assert not bot.worth_retrying(answer(400, b"[1]"))
    assert not bot.worth_retrying(answer(400, b"not json"))
    assert not bot.worth_retrying(answer(403, b'{"error": "nope"}'))


def test_it_gives_up_after_five_tries_without_logging_the_token(
    settings: bot.Settings, fast_retries: None, caplog: pytest.LogCaptureFixture
) -> None:
    closed = bot.Settings(VERIFY, SECRET, PAGE, graph_url=f"http://127.0.0.1:{servers.free_port()}")
    with caplog.at_level(logging.INFO, logger="bot"):
        assert bot.SendApi(closed).send("42", "hello") is False
    assert [r.getMessage() for r in caplog.records][-1] == "gave up on a reply to 42 after 5 tries"
    assert sum("unreachable" in r.getMessage() for r in caplog.records) == 5
    assert not any(PAGE in r.getMessage() for r in caplog.records)


def test_a_long_reply_is_cut_to_the_send_api_limit(settings: bot.Settings, graph: SendApiStandIn) -> None:
    assert bot.SendApi(settings).send("42", "x" * 5000) is True
    assert len(texts(graph)[0]) == 2000


def test_the_queue_keeps_each_persons_replies_in_order(settings: bot.Settings, graph: SendApiStandIn) -> None:
    graph.delay = 0.05
    queue = bot.ReplyQueue(bot.SendApi(settings), workers=3)
    for n in range(6):
        for person in ("1", "2", "3"):
            queue.put(person, f"{person}:{n}")
    received = graph.wait_for(18, timeout=10)
    for person in ("1", "2", "3"):
        assert [m.text for m in received if m.recipient == person] == [f"{person}:{n}" for n in range(6)]


def test_a_full_reply_queue_asks_the_platform_to_send_again(
    graph: SendApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is a batch refused with 503 when the queue is full, and answered when it comes back?"""
    graph.reset()
    graph.delay = 0.5
    monkeypatch.setattr(bot, "QUEUE_LIMIT", 1)
    settings = bot.Settings(VERIFY, SECRET, PAGE, graph_url=graph.url, reply_mode="queue", workers=1)
    client = bot.create_app(settings).test_client()
    assert post(client, events.batch(events.text("one"))).status_code == 200  # the worker takes it
    time.sleep(0.1)
    assert post(client, events.batch(events.text("two"))).status_code == 200  # waits in the queue
    third = events.batch(events.text("three"))
    answer = post(client, third)
    assert answer.status_code == 503 and "try again later" in answer.text
    graph.wait_for(2, timeout=5)
    assert post(client, third).status_code == 200  # the platform's retry is not taken for a repeat
    assert [m.text for m in graph.wait_for(3, timeout=5)] == ["eno", "owt", "eerht"]
    graph.delay = 0.0


# --- the real server ---------------------------------------------------------------------------------------


def test_the_launched_bot_answers_at_once_and_replies_from_its_queue(graph: SendApiStandIn) -> None:
    graph.reset()
    graph.delay = 0.5
    env = {
        "MESSENGER_VERIFY_TOKEN": VERIFY,
        "MESSENGER_APP_SECRET": SECRET,
        "MESSENGER_PAGE_TOKEN": PAGE,
        "GRAPH_API_URL": graph.url,
        "MESSENGER_REPLY_MODE": "queue",
    }
    import requests

    with start_bot(env) as server:
        body = json.dumps(events.batch(events.text("queued"))).encode()
        started = time.perf_counter()
        answer = requests.post(
            server.url + "/webhook", data=body, headers={bot.SIGNATURE_HEADER: bot.sign(body, SECRET)}, timeout=5
        )
        assert answer.status_code == 200 and time.perf_counter() - started < 0.5
        assert [m.text for m in graph.wait_for(1)] == ["deueuq"]
        server.wait_for_output("replied to")
        assert PAGE not in server.output(100) and SECRET not in server.output(100)
    graph.delay = 0.0


def test_a_bot_without_its_settings_does_not_start() -> None:
    with pytest.raises(servers.ServerError) as error:
        start_bot({"MESSENGER_VERIFY_TOKEN": "", "MESSENGER_APP_SECRET": "", "MESSENGER_PAGE_TOKEN": ""})
    assert "MESSENGER_VERIFY_TOKEN" in str(error.value)
