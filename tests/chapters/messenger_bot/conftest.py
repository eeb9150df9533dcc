"""What the chapter's tests share: one Send API stand-in per test module, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from course.chapters.messenger_bot.graph import SendApiStandIn, start_send_api

PAGE_TOKEN = "page-token-for-tests"


@pytest.fixture(scope="module")
def graph() -> Iterator[SendApiStandIn]:
    """A Send API stand-in expecting ``PAGE_TOKEN``, stopped after the module's tests."""
    stand_in = start_send_api(PAGE_TOKEN)
    yield stand_in
    stand_in.stop()


@pytest.fixture(autouse=True)
def fresh(request: pytest.FixtureRequest) -> None:
    """Empty the stand-in before each test that uses it."""
    if "graph" in request.fixturenames:
        request.getfixturevalue("graph").reset()
