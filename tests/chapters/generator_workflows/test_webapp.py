"""Chapter 03's Hapi server: routes written as co.wrap generators, started as a Node.js process."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from course.chapters.generator_workflows import webapp
from course.errors import SetupProblem
from course.servers import ProcessServer, port_answers

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def app() -> Iterator[ProcessServer]:
    server = webapp.start_server()
    yield server
    server.stop()


@pytest.mark.parametrize(
    "path, status, body",
    [
        ("/users/2", 200, {"id": 2, "name": "Grace"}),
        ("/users/0", 400, {"error": "the user id must be a positive whole number"}),
        ("/users/1.5", 400, {"error": "the user id must be a positive whole number"}),
        ("/users/7", 404, {"error": "no user with id 7"}),
        ("/users/7/summary", 404, {"error": "no user with id 7"}),
    ],
)
def test_routes_answer_with_a_status_and_json(app: ProcessServer, path: str, status: int, body: dict) -> None:
    response = requests.get(app.url + path, timeout=5)
    assert (response.status_code, response.json()) == (status, body)


def test_the_summary_waits_for_its_two_queries_together(app: ProcessServer) -> None:
    summary = requests.get(app.url + "/users/2/summary", timeout=5).json()
    assert {key: summary[key] for key in ("name", "orders", "spent")} == {"name": "Grace", "orders": 0, "spent": 0}
    assert 40 <= summary["ms"] < 80  # each query takes 40 ms


def test_a_rejected_promise_is_a_500_for_the_client_and_a_log_line_for_the_server(app: ProcessServer) -> None:
    response = requests.get(app.url + "/reports/orders", timeout=5)
    assert response.status_code == 500
    assert response.json()["message"] == "An internal server error occurred"  # no detail leaks out
    deadline = time.monotonic() + 5
    while "database is down" not in app.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "GET /reports/orders: Error: the orders database is down" in app.output()


def test_the_server_listens_on_loopback_only_and_stops() -> None:
    server = webapp.start_server()
    assert server.url.startswith("http://127.0.0.1:")
    server.stop()
    assert not server.running and not port_answers(server.port)


def test_a_missing_node_is_a_setup_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SetupProblem, match="Node.js was not found"):
        webapp.start_server()
