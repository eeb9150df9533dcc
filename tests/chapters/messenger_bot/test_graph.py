"""The Send API stand-in: what it accepts, what it refuses and why, and how it can be made slow or failing."""

from __future__ import annotations

import time

import pytest
import requests

from course.chapters.messenger_bot.graph import SendApiStandIn

TOKEN = "page-token-for-tests"  # the stand-in of conftest.py expects it


def reply(text: str = "hi", **changes: object) -> dict:
    body: dict = {"recipient": {"id": "123"}, "messaging_type": "RESPONSE", "message": {"text": text}}
    body.update(changes)
    return body


def post(
    graph: SendApiStandIn,
    body: object,
    *,
    path: str = "/v25.0/me/messages",
    token: str | None = TOKEN,
    **options: object,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(graph.url + path, json=body, headers=headers, timeout=5, **options)


def test_a_text_reply_is_accepted_and_recorded(graph: SendApiStandIn) -> None:
    answer = post(graph, reply("hello"))
    assert answer.status_code == 200
    assert answer.json()["recipient_id"] == "123" and answer.json()["message_id"].startswith("m_")
    assert [(m.recipient, m.text, m.messaging_type) for m in graph.received] == [("123", "hello", "RESPONSE")]


def test_the_token_may_come_as_a_query_parameter_and_a_page_id_may_replace_me(graph: SendApiStandIn) -> None:
    answer = post(graph, reply(), path=f"/v24.0/1000200030004/messages?access_token={TOKEN}", token=None)
    assert answer.status_code == 200
    post(graph, reply())
    assert [message.via for message in graph.received] == ["query", "header"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_token_is_a_400_with_code_190(graph: SendApiStandIn, token: str | None) -> None:
    answer = post(graph, reply(), token=token)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 190
    assert graph.received == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (reply(recipient={}), "recipient.id"),
        (reply(recipient={"id": 123}), "recipient.id"),
        (reply(messaging_type=None), "messaging_type"),
        (reply(messaging_type="SPAM"), "messaging_type"),
        (reply(messaging_type="MESSAGE_TAG"), "needs a tag"),
        (reply(""), "1 to 2000"),
        (reply("x" * 2001), "1 to 2000"),
        (reply(message={"attachment": {}}), "message.text"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_malformed_body_is_a_400_that_names_the_field(graph: SendApiStandIn, body: object, fragment: str) -> None:
    answer = post(graph, body)
    assert answer.status_code == 400
    assert fragment in answer.json()["error"]["message"]


def test_a_body_that_is_not_json_is_a_400(graph: SendApiStandIn) -> None:
    answer = requests.post(
        graph.url + "/v25.0/me/messages", data=b"text=hi", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert answer.status_code == 400 and "JSON" in answer.json()["error"]["message"]


def test_other_paths_and_methods_are_refused(graph: SendApiStandIn) -> None:
    assert post(graph, reply(), path="/me/messages").status_code == 404  # no version
    assert requests.get(graph.url + "/v25.0/me/messages", timeout=5).status_code == 405


def test_failures_come_in_order_then_it_works(graph: SendApiStandIn) -> None:
    graph.fail_next(500, 429, (400, 613), (400, 100))
    answers = [post(graph, reply()) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [500, 429, 400, 400, 200]
    assert [answer.json()["error"]["is_transient"] for answer in answers[:4]] == [True, True, True, False]
    assert [(attempt.status, attempt.code) for attempt in graph.attempts] == [
        (500, 2),
        (429, 4),
        (400, 613),
        (400, 100),
        (200, None),
    ]
    assert len(graph.received) == 1


def test_a_failure_it_cannot_produce_is_refused(graph: SendApiStandIn) -> None:
    with pytest.raises(ValueError, match="not 418"):
        graph.fail_next(418)


def test_failures_wait_for_a_valid_request(graph: SendApiStandIn) -> None:
    graph.fail_next(500)
    assert post(graph, reply(), token="wrong").status_code == 400  # refused for its own reason first
    assert post(graph, reply()).status_code == 500


@pytest.mark.parametrize("length", ["-1", "abc", str(10**9)])
def test_a_bad_content_length_is_a_400(graph: SendApiStandIn, length: str) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", graph.port), timeout=5) as sock:
        sock.sendall(f"POST /v25.0/me/messages HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
        answer = sock.makefile("rb").read().decode()  # the server closes the connection after it
    assert answer.startswith("HTTP/1.1 400") and "Content-Length must be" in answer


def test_a_delay_slows_every_answer(graph: SendApiStandIn) -> None:
    graph.delay = 0.3
    started = time.perf_counter()
    post(graph, reply())
    assert time.perf_counter() - started >= 0.3


def test_wait_for_gives_up_after_its_timeout_with_what_arrived(graph: SendApiStandIn) -> None:
    post(graph, reply())
    started = time.perf_counter()
    assert len(graph.wait_for(2, timeout=0.2)) == 1
    assert time.perf_counter() - started >= 0.2
