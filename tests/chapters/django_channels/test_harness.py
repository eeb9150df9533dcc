"""The checks' harness: Django set up once, coroutines run from sync code, a fresh layer per check."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth.models import User

from course.chapters.django_channels import harness


def test_setup_runs_once_and_keeps_its_database():
    assert harness.setup() == harness.setup()
    assert harness.setup().exists()


def test_run_works_where_an_event_loop_is_already_running():
    """Does run() work from inside a running loop, as in a notebook cell?"""

    async def in_a_notebook():
        async def answer():
            await asyncio.sleep(0.01)
            return 42

        return harness.run(answer, timeout=2)

    assert asyncio.run(in_a_notebook()) == 42


def test_run_gives_back_the_error_and_stops_at_the_timeout():
    async def fails():
        raise ValueError("from the coroutine")

    with pytest.raises(ValueError, match="from the coroutine"):
        harness.run(fails, timeout=2)

    async def endless():
        await asyncio.sleep(60)

    with pytest.raises(TimeoutError):
        harness.run(endless, timeout=0.2)


def test_fresh_layer_is_empty_and_the_old_one_comes_back():
    before = get_channel_layer()
    with harness.fresh_layer() as layer:
        assert get_channel_layer() is layer is not before
        assert layer.groups == {}
    assert get_channel_layer() is before


def test_session_cookie_logs_a_user_in_and_updates_the_account():
    cookie = harness.session_cookie("grace", staff=True)
    assert cookie.startswith(b"sessionid=") and len(cookie) > len(b"sessionid=") + 20
    assert User.objects.get(username="grace").is_staff
    harness.session_cookie("grace", active=False)
    grace = User.objects.get(username="grace")
    assert not grace.is_active and not grace.is_staff


def test_the_diagram_draws_every_part_and_connection():
    import matplotlib.pyplot as plt

    from course.chapters.django_channels import diagram

    figure = diagram.draw()
    try:
        texts = {text.get_text() for text in figure.axes[0].texts}
        assert {box[2] for box in diagram.BOXES.values()} <= texts
        assert len(figure.axes[0].patches) == len(diagram.BOXES) + len(diagram.ARROWS)
    finally:
        plt.close(figure)
