"""The chapter's picture of Channels, drawn with matplotlib (no CDN, no image file to keep in sync)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

BOXES = {
    "clients": (0.4, 3.0, "browsers and\nwebsocket clients", "#e8eef7"),
    "nginx": (3.5, 3.0, "nginx\n(reverse proxy)", "#eeeeee"),
    "daphne1": (6.6, 4.4, "daphne process 1\ninterface server\n+ consumers", "#dff0d8"),
    "daphne2": (6.6, 1.6, "daphne process 2\ninterface server\n+ consumers", "#dff0d8"),
    "wsgi": (3.5, 0.5, "WSGI server\n(plain HTTP)", "#eeeeee"),
    "layer": (9.7, 3.0, "channel layer\n(redis):\ngroups, channels", "#fcf8e3"),
    "worker": (13.0, 3.0, "runworker:\nworker consumers\n(custom channels)", "#f2dede"),
}
ARROWS = [
    ("clients", "nginx", "HTTP,\nwebsockets"),
    ("nginx", "daphne1", "/chat/…"),
    ("nginx", "daphne2", ""),
    ("nginx", "wsgi", "the rest"),
    ("daphne1", "layer", "group_send"),
    ("daphne2", "layer", ""),
    ("layer", "worker", '"thumbnails"'),
]
WIDTH, HEIGHT = 1.9, 1.1


def draw() -> Figure:
    """Clients, nginx, two interface servers, the channel layer and a worker, with what flows between them.

    The figure is pyplot's current one, so ``plt.show()`` shows it in a notebook.
    """
    figure = plt.figure(figsize=(12, 4.6))
    axes = figure.add_subplot()
    for x, y, text, colour in BOXES.values():
        axes.add_patch(
            FancyBboxPatch(
                (x - WIDTH / 2, y - HEIGHT / 2),
                WIDTH,
                HEIGHT,
                boxstyle="round,pad=0.05",
                facecolor=colour,
                edgecolor="#555555",
            )
        )
        axes.text(x, y, text, ha="center", va="center", fontsize=9)
    for start, end, label in ARROWS:
        _arrow(axes, start, end, label)
    axes.set_xlim(-0.7, 14.1)
    axes.set_ylim(-0.2, 5.2)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title("A Channels deployment: who talks to whom", fontsize=11)
    figure.tight_layout()
    return figure


def _arrow(axes: Axes, start: str, end: str, label: str) -> None:
    (x0, y0, *_), (x1, y1, *_) = BOXES[start], BOXES[end]
    axes.add_patch(
        FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="<|-|>",
            mutation_scale=12,
            color="#444444",
            shrinkA=42,
            shrinkB=42,
        )
    )
    if label:
        # Above a level arrow; above and on the open side of a slanted one.
        side = "center" if y0 == y1 else ("right" if y1 > y0 else "left")
        shift = {"center": 0.0, "right": -0.15, "left": 0.15}[side]
        axes.text(
            (x0 + x1) / 2 + shift,
            (y0 + y1) / 2 + 0.12,
            label,
            ha=side,
            va="bottom",
            fontsize=8,
            color="#333333",
        )
