"""Start the chapter's Hapi server (``server.js``) with Node.js on a free port."""

from __future__ import annotations

from pathlib import Path

from course import probes, servers
from course.node import NODE_MODULES, node_executable
from course.servers import ProcessServer

SERVER_JS = Path(__file__).with_name("server.js")
"""The server's source, shown in the chapter."""


def start_server() -> ProcessServer:
    """Run ``node server.js PORT`` on a free 127.0.0.1 port; return once it answers.

    A missing Node.js is a :class:`~course.node.NodeMissing` setup problem; a
    server that does not start (no ``node_modules``, say) raises
    :class:`~course.errors.ServerError` with its last output.
    """
    port = servers.free_port()
    return servers.start_process(
        [node_executable(), str(SERVER_JS), str(port)],
        port=port,
        probe=probes.http("/"),
        env={"NODE_PATH": str(NODE_MODULES)},
    )
