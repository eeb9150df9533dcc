"""The class report: ``python -m course.grade NOTEBOOK... --report report.html``.

One self-contained HTML page for the instructor (inline CSS, plots as inline
SVG drawn by matplotlib: it opens offline, from a mail attachment or a USB
stick). For each chapter graded in the run it shows

- a stacked bar per question: how many notebooks got it correct, incorrect,
  not attempted, not run or met a setup problem;
- per question, the "Incorrect" messages grouped by what they say rather than
  by the values they quote (:func:`normalise`), most common first: what to go
  over in the next lesson;
- one row per notebook: its verdicts, score and grading time, and whether it
  was stopped by a limit, changed the checks or had cells that failed.

Learners' messages and file names are untrusted: everything taken from a
report goes through :func:`html.escape`. The per-learner pages are made by
:mod:`course.feedback`, which shares the styles and helpers below.
"""

from __future__ import annotations

import html
import io
import re
import statistics
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from course import chapters
from course.grade import SYMBOLS

if TYPE_CHECKING:
    from course.grade import Report


@dataclass(frozen=True)
class Style:
    """How one verdict status is shown: words, a badge, the table's mark, colours."""

    label: str
    badge: str
    """The emoji learners see in the notebook (``course.checks.LABELS``), for the feedback pages."""
    mark: str
    """The symbol of the grader's text table, for the report's table."""
    colour: str
    """From the Okabe–Ito palette, which people with any colour-vision deficiency can tell apart."""
    ink: str
    """Text colour readable on ``colour``."""


STYLES: dict[str, Style] = {
    "correct": Style("Correct", "✅", SYMBOLS["correct"], "#009E73", "#ffffff"),
    "incorrect": Style("Incorrect", "❌", SYMBOLS["incorrect"], "#D55E00", "#ffffff"),
    "not_attempted": Style("Not attempted", "✋", SYMBOLS["not_attempted"], "#C9C9C9", "#222222"),
    "not_run": Style("Not run", "⏹️", SYMBOLS["not_run"], "#CC79A7", "#ffffff"),
    "setup_problem": Style("Setup problem", "🔧", SYMBOLS["setup_problem"], "#56B4E9", "#222222"),
}
"""Every verdict status, in the order the plots stack them."""

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.8em; margin: 0 0 4px; }
h2 { font-size: 1.4em; margin: 40px 0 8px; padding-top: 12px; border-top: 3px solid var(--ink); }
h3 { font-size: 1.15em; margin: 28px 0 6px; }
h4 { font-size: 1.02em; margin: 22px 0 4px; }
.meta { color: var(--muted); margin: 0 0 16px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
            font-size: 0.88em; }
:not(pre) > code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px;
                   padding: 0 4px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
      overflow-x: auto; margin: 6px 0; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: 0.85rem; font-weight: 600;
         white-space: nowrap; vertical-align: middle; border: 2px solid; color: var(--ink); }
.notice { border-left: 5px solid #E69F00; background: #fff8e6; padding: 10px 14px; margin: 12px 0;
          border-radius: 0 6px 6px 0; }
.notice ul { margin: 4px 0 0; padding-left: 20px; }
figure { margin: 8px 0 16px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mark { text-align: center; width: 2.2em; }
.mark span { display: inline-block; min-width: 1.7em; border-radius: 4px; font-weight: 700; }
.notes { margin: 0; padding-left: 18px; overflow-wrap: anywhere; }
.group { display: grid; grid-template-columns: 4.5em 1fr; gap: 2px 12px; margin: 8px 0 14px; }
.count { font-weight: 700; font-size: 1.1em; text-align: right; font-variant-numeric: tabular-nums; }
.who { color: var(--muted); font-size: 0.88em; grid-column: 2; overflow-wrap: anywhere; }
.tally { color: var(--muted); margin: 0 0 6px; }
.none { color: var(--muted); font-style: italic; }
"""
"""The page style both the report and the feedback pages use (no web font, nothing fetched)."""

QUESTION_HEADING = re.compile(r"^(?P<level>#{1,6})\s+Question\s+(?P<number>\d+)\b(?P<rest>.*)$", re.IGNORECASE)
"""A question's heading in an exercise notebook: ``## Question 2 — `@final` methods that really are final``."""

SHOWN_GROUPS = 5
"""Message groups listed per question before the rest are folded away."""


def escape(text: object) -> str:
    """``text`` made safe to put in HTML, quotes included."""
    return html.escape(str(text), quote=True)


def inline(text: str) -> str:
    """``text`` escaped, with Markdown's `code` spans (which checks and hints use) as ``<code>``."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escape(text))


def badge(status: str, text: str | None = None) -> str:
    """A coloured pill for ``status``: its emoji and label unless ``text`` is given."""
    style = STYLES[status]
    shown = escape(text) if text is not None else f"{style.badge} {escape(style.label)}"
    return f'<span class="badge" style="border-color:{style.colour};background:{style.colour}26">{shown}</span>'


def page(title: str, body: str, css: str = "") -> str:
    """A whole HTML document with the shared style and ``css``; ``body`` must already be escaped."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}{css}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def shown_score(report: Report) -> str:
    """The score as the report and the feedback pages show it: none when the checks were modified."""
    return "no score: checks were modified" if report.modified else report.shown_score


@cache
def question_titles(slug: str) -> dict[str, str]:
    """``{"q1": "required methods, checked when the class is created", …}`` from the chapter's exercise headings.

    Read from the course's own exercise notebook, never from a learner's copy.
    """
    notebook = nbformat.read(chapters.find(slug).notebook("exercises"), as_version=4)
    titles = {}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            found = QUESTION_HEADING.match(line)
            if found:
                titles[f"q{found['number']}"] = found["rest"].strip(" —–:-") or f"Question {found['number']}"
    return titles


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_VALUE = r"(?:#|'…'|\[…\]|\{…\}|\(…\)|0x…|True|False|None)"
_LIST = re.compile(rf"\[\s*(?:{_VALUE}\s*[,:]?\s*)*\]")
_DICT_OR_SET = re.compile(rf"\{{\s*(?:{_VALUE}\s*[,:]?\s*)*\}}")
_TUPLE = re.compile(rf"\(\s*(?:(?:{_VALUE}\s*,\s*)+(?:{_VALUE}\s*)?)?\)")


def normalise(message: str) -> str:
    """What ``message`` says once the values it quotes are blanked: the key that groups similar messages.

    Memory addresses, quoted strings and numbers become placeholders, then any
    list, dict, set or tuple made only of placeholders becomes one, so
    ``expected [3, 4, 8], got [3]`` and ``expected [1, 3], got []`` group
    together while messages about different things stay apart. A call's
    parentheses are kept: ``f(…)`` still names ``f``.
    """
    text = " ".join(message.split())
    text = _ADDRESS.sub("0x…", text)
    text = _QUOTED.sub("'…'", text)
    text = _NUMBER.sub("#", text)
    previous = None
    while previous != text:  # collapse nested literals from the inside out
        previous = text
        text = _LIST.sub("[…]", text)
        text = _DICT_OR_SET.sub("{…}", text)
        text = _TUPLE.sub("(…)", text)
    return text


@dataclass
class MessageGroup:
    """Messages that differ only in the values they quote, and the notebooks that got them."""

    key: str
    """The message normalised (:func:`normalise`)."""
    messages: Counter[str] = field(default_factory=Counter)
    notebooks: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many notebooks got a message of this group."""
        return len(self.notebooks)

    @property
    def example(self) -> str:
        """The group's most frequent exact message (the first seen among equals)."""
        return self.messages.most_common(1)[0][0]


def message_groups(reports: Iterable[Report], question: str, status: str = "incorrect") -> list[MessageGroup]:
    """The messages of ``question``'s verdicts with ``status``, grouped, the most common group first."""
    groups: dict[str, MessageGroup] = {}
    for report in reports:
        verdict = report.questions.get(question)
        if verdict is None or verdict.status != status:
            continue
        key = normalise(verdict.message)
        group = groups.setdefault(key, MessageGroup(key))
        group.messages[verdict.message] += 1
        group.notebooks.append(report.notebook)
    return sorted(groups.values(), key=lambda group: -group.count)  # stable: first seen first among equals


def _plot_label(name: str, title: str) -> str:
    """``q1  required methods, checked when`` / ``the class is created``: at most two short lines."""
    lines = textwrap.wrap(f"{name}  {title.replace('`', '')}", 36, max_lines=2, placeholder=" …")
    return "\n".join(lines)


def plot(reports: list[Report], names: list[str], titles: dict[str, str]) -> str:
    """Stacked horizontal bars, one per question, of how many notebooks got each verdict, as inline SVG.

    Every segment is labelled with its count and the legend names the
    statuses, so the plot reads without telling colours apart.
    """
    import matplotlib  # imported here: only a report needs it, and it takes a while to load
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = {name: Counter(r.questions[name].status for r in reports if name in r.questions) for name in names}
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 10}):  # real text: crisp, selectable
        figure = Figure(figsize=(10, 0.45 * len(names) + 1.1), layout="constrained")
        axes = figure.subplots()
        left = [0] * len(names)
        for status, style in STYLES.items():
            widths = [counts[name][status] for name in names]
            if not any(widths):
                continue
            bars = axes.barh(
                range(len(names)), widths, left=left, color=style.colour, label=style.label, edgecolor="white"
            )
            axes.bar_label(bars, [str(w) if w else "" for w in widths], label_type="center", color=style.ink)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_yticks(range(len(names)), [_plot_label(name, titles.get(name, "")) for name in names])
        axes.invert_yaxis()
        axes.set_xlim(0, max(left + [1]))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("notebooks")
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(STYLES), frameon=False)
        out = io.StringIO()
        figure.savefig(out, format="svg")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG sits inside HTML


def _chapter_heading(slug: str) -> str:
    chapter = chapters.find(slug)
    return f"{chapter.code} · {chapter.title}"


def _notes(report: Report) -> str:
    items = []
    if report.stopped:
        items.append(f"<li><strong>{inline(report.stopped)}</strong></li>")
    if report.modified:
        items.append(f"<li><strong>Checks were modified:</strong> {inline(', '.join(report.modified))}</li>")
    items += [f"<li>{inline(problem)}</li>" for problem in report.problems]
    return f'<ul class="notes">{"".join(items)}</ul>' if items else ""


def _seconds(report: Report) -> str:
    return f"{report.seconds:.1f} s" if report.seconds else "—"


def _notebook_table(reports: list[Report], names: list[str]) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in names)
    rows = []
    for report in reports:
        marks = []
        for name in names:
            verdict = report.questions.get(name)
            if verdict is None:
                marks.append('<td class="mark"></td>')
                continue
            style = STYLES[verdict.status]
            marks.append(
                f'<td class="mark"><span title="{escape(style.label)}" '
                f'style="background:{style.colour};color:{style.ink}">{escape(style.mark)}</span></td>'
            )
        rows.append(
            f"<tr><td>{escape(report.notebook)}</td>{''.join(marks)}"
            f'<td class="num">{escape(shown_score(report))}</td><td class="num">{_seconds(report)}</td>'
            f"<td>{_notes(report)}</td></tr>"
        )
    legend = " &nbsp; ".join(f"{escape(style.mark)} {escape(style.label.lower())}" for style in STYLES.values())
    return (
        f"<table><thead><tr><th>Notebook</th>{head}"
        '<th class="num">Score</th><th class="num">Time</th><th>Notes</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table><p class="tally">{legend}</p>'
    )


def _groups_html(groups: list[MessageGroup], noun: str) -> str:
    def one(group: MessageGroup) -> str:
        variants = len(group.messages)
        similar = f" (and {variants - 1} similar)" if variants > 1 else ""
        who = ", ".join(escape(notebook) for notebook in group.notebooks)
        return (
            f'<div class="group"><div class="count">×{group.count}</div>'
            f'<div class="message">{inline(group.example)}</div>'
            f'<div class="who">{noun}{similar}: {who}</div></div>'
        )

    shown = "".join(one(group) for group in groups[:SHOWN_GROUPS])
    rest = groups[SHOWN_GROUPS:]
    if rest:
        more = sum(group.count for group in rest)
        shown += (
            f"<details><summary>{len(rest)} other messages ({more} notebooks)</summary>"
            f"{''.join(one(group) for group in rest)}</details>"
        )
    return shown


def _question_section(reports: list[Report], name: str, title: str) -> str:
    tally = Counter(report.questions[name].status for report in reports if name in report.questions)
    counts = " · ".join(f"{tally[status]} {style.label.lower()}" for status, style in STYLES.items() if tally[status])
    wrong = message_groups(reports, name)
    body = _groups_html(wrong, "got by") if wrong else '<p class="none">No incorrect answers.</p>'
    setup = message_groups(reports, name, "setup_problem")
    if setup:
        body += "<p><strong>Setup problems</strong> (the grading machine, not the answers):</p>"
        body += _groups_html(setup, "met by")
    return f'<h4>{escape(name)} — {inline(title)}</h4><p class="tally">{escape(counts)}</p>{body}'


def _chapter_section(slug: str, reports: list[Report]) -> str:
    names = sorted({name for report in reports for name in report.questions}, key=lambda n: (len(n), n))
    titles = question_titles(slug)
    scores = [report.score for report in reports if not report.modified]
    times = [report.seconds for report in reports if report.seconds]
    summary = [f"{len(reports)} notebook{'s' * (len(reports) != 1)}"]
    if scores:
        summary.append(f"mean score {statistics.mean(scores):.1f}/{len(names)}")
    if times:
        summary.append(f"median time {statistics.median(times):.1f} s, longest {max(times):.1f} s")
    questions = "".join(_question_section(reports, name, titles.get(name, "")) for name in names)
    return (
        f'<section id="{escape(slug)}"><h2>{escape(_chapter_heading(slug))}</h2>'
        f'<p class="meta">{escape(" · ".join(summary))}</p>'
        f'<figure role="img" aria-label="verdicts per question">{plot(reports, names, titles)}'
        "<figcaption>How many notebooks got each verdict, per question.</figcaption></figure>"
        f"<h3>Incorrect answers per question, most common first</h3>{questions}"
        f"<h3>Notebooks</h3>{_notebook_table(reports, names)}</section>"
    )


def _attention(reports: list[Report]) -> str:
    """The notebooks an instructor must look at before trusting the numbers."""
    items = []
    for report in reports:
        reasons = []
        if not report.chapter:
            reasons.append("not graded")
        if report.stopped:
            reasons.append(report.stopped)  # it says so itself: "stopped in cell 5: used …"
        if report.modified:
            reasons.append("its checks were modified, so it has no score")
        if report.setup_problems:
            reasons.append(f"setup problem in {', '.join(report.setup_problems)}: grade it again once fixed")
        if reasons:
            items.append(f"<li>{escape(report.notebook)}: {inline('; '.join(reasons))}</li>")
    if not items:
        return ""
    return f'<div class="notice"><strong>Needs a look</strong><ul>{"".join(items)}</ul></div>'


def render(reports: list[Report]) -> str:
    """The class report for ``reports`` as one HTML document."""
    by_chapter: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        by_chapter[report.chapter].append(report)
    graded = sorted((slug for slug in by_chapter if slug), key=lambda slug: chapters.find(slug).number)
    sections = [_chapter_section(slug, by_chapter[slug]) for slug in graded]
    if "" in by_chapter:
        refused = by_chapter[""]
        sections.append(
            '<section id="not-graded"><h2>Not graded</h2>'
            + "".join(f"<p>{escape(r.notebook)}</p>{_notes(r)}" for r in refused)
            + "</section>"
        )
    names = ", ".join(_chapter_heading(slug) for slug in graded) or "no chapter"
    meta = f"{len(reports)} notebooks · {names} · graded {datetime.now():%Y-%m-%d %H:%M}"
    body = f'<h1>Class report</h1><p class="meta">{escape(meta)}</p>{_attention(reports)}{"".join(sections)}'
    return page("Class report", body)


def write_report(reports: list[Report], path: Path) -> None:
    """Write the class report of ``reports`` to ``path``."""
    path.write_text(render(reports), encoding="utf-8")


__all__ = [
    "CSS",
    "STYLES",
    "MessageGroup",
    "Style",
    "badge",
    "escape",
    "inline",
    "message_groups",
    "normalise",
    "page",
    "plot",
    "question_titles",
    "render",
    "shown_score",
    "write_report",
]
