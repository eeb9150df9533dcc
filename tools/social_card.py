"""Draw the book's social preview card, _static/social-card.png (1200×630 pixels), with matplotlib.

    .venv/bin/python tools/social_card.py            # rewrite _static/social-card.png
    .venv/bin/python tools/social_card.py OUT.png    # draw it elsewhere (tests/test_book.py compares)

One static card for every page, rather than sphinxext-opengraph's generated
per-page cards: those would work offline here (the extension ships its font),
but they are 1146×600 rather than the 1200×630 the social sites ask for, carry
the Sphinx logo unless the book has one, and cost the build a matplotlib figure
for each of its forty-odd pages. A shared link shows the page's own title and
description as text beside the card anyway.

The card uses only the DejaVu fonts that come with matplotlib (never the
system's), and writes no date or version into the file, so the same matplotlib
draws the same pixels on any machine. The title is the book's, from
``_config.yml``; the card names no URL, so moving the site leaves it current.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import yaml  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "_static" / "social-card.png"
WIDTH, HEIGHT = 1200, 630
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SANS = FontProperties(fname=FONTS / "DejaVuSans.ttf")
BOLD = FontProperties(fname=FONTS / "DejaVuSans-Bold.ttf")
MONO = FontProperties(fname=FONTS / "DejaVuSansMono.ttf")

INK, PAPER, ACCENT, MUTED, CELL = "#f4f1ea", "#1d2433", "#f2b33d", "#9aa5b8", "#2a3347"
CELL_LINES = [
    ("In [1]:", "server = start_server()        # real, on 127.0.0.1"),
    ("In [2]:", "peak = measure(download(server.url, stream=True))"),
    ("In [3]:", "assert peak < 20 * MiB, peak   # the claim, checked"),
]
TOPICS = "Python · JavaScript · Flask · Django · Docker · websockets"


def draw(path: Path, title: str) -> None:
    name, _, subtitle = title.partition(":")
    figure = plt.figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    canvas = figure.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, WIDTH)
    canvas.set_ylim(0, HEIGHT)
    canvas.axis("off")
    canvas.add_patch(Rectangle((0, 0), WIDTH, HEIGHT, color=PAPER))
    canvas.add_patch(Rectangle((0, 0), 18, HEIGHT, color=ACCENT))

    canvas.text(70, 520, name.strip(), color=INK, fontproperties=BOLD, fontsize=60, va="baseline")
    canvas.text(72, 458, subtitle.strip(), color=ACCENT, fontproperties=SANS, fontsize=32, va="baseline")
    canvas.text(72, 405, "Programming lessons you run rather than read", color=INK, fontproperties=SANS, fontsize=24)

    canvas.add_patch(
        FancyBboxPatch((70, 150), 1060, 190, boxstyle="round,pad=0,rounding_size=14", color=CELL, linewidth=0)
    )
    for row, (prompt, code) in enumerate(CELL_LINES):
        y = 292 - row * 52
        canvas.text(96, y, prompt, color=MUTED, fontproperties=MONO, fontsize=19, va="baseline")
        canvas.text(226, y, code, color=INK, fontproperties=MONO, fontsize=19, va="baseline")

    canvas.text(72, 70, TOPICS, color=MUTED, fontproperties=SANS, fontsize=22, va="baseline")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def main(argv: list[str]) -> int:
    title = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    draw(Path(argv[0]) if argv else CARD, title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
