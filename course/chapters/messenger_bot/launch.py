"""Run the chapter's bot in its own process, served by waitress on a free port."""

from __future__ import annotations

import sys

from course import probes, servers
from course.servers import ProcessServer


def start_bot(env: dict[str, str]) -> ProcessServer:
    """Start ``python -m course.chapters.messenger_bot.bot`` with settings ``env``.

    ``env`` holds the ``MESSENGER_*`` and ``GRAPH_API_*`` variables that
    :meth:`~course.chapters.messenger_bot.bot.Settings.from_env` reads. The bot
    counts as started once ``GET /webhook`` answers (a 403 without a token).
    A bot that exits first (a missing variable, say) raises
    :class:`~course.errors.ServerError` with its last output.
    """
    port = servers.free_port()
    command = [sys.executable, "-m", "course.chapters.messenger_bot.bot"]
    return servers.start_process(
        [*command, "--port", str(port)],
        port=port,
        env=env,
        probe=probes.http("/webhook"),
    )
