"""Feedback pages: ``python -m course.grade NOTEBOOK... --feedback DIR``.

One self-contained HTML page per graded notebook, to hand back to its learner
as it is: for each question the verdict and its message, the learner's own
code for it, and for a wrong answer the first rung of the question's hint
ladder. A page holds nothing of any other learner. Its file name comes from
the notebook's path (:func:`page_names`), so ``ada/01-metaclasses.ipynb`` and
``linus/01-metaclasses.ipynb`` get pages of their own.

Which cells are a question's answer (:func:`answer_cells`): an exercise
notebook gives each question a heading (``## Question 2 — …``), the cells the
learner fills in, and a ``q2.check()`` cell. The answer is the code under the
heading, down to the next heading of the same level or above, less what the
course gave unchanged (cells identical to the exercise notebook's, and the
``qN.check()``/``hint()``/``solution()`` calls). A learner may have moved
things: as the grader's final re-check judges whatever the answer's names
(``running_total``) last meant, the cell that last defines each of them is
added wherever it is. Without the heading, the section is the cells after the
previous check, down to this question's check.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from course import chapters
from course.report import QUESTION_HEADING, STYLES, badge, escape, inline, page, question_titles, shown_score
from course.solutions import CHECK, NODE_MAGIC

if TYPE_CHECKING:
    from course.grade import Report

HEADING = re.compile(r"^(?P<level>#{1,6})\s+\S")
CALL = re.compile(r"^\s*q\d+\.(?:check|hint|solution)\(.*\)\s*;?\s*(?:#.*)?$")
"""A line that only calls a question's check, hint or solution."""
PLACEHOLDER = "YOUR CODE HERE"
"""In the exercise notebook, the mark of a cell the learner fills in (``#`` or ``//`` before it)."""

EXPLAINED = {
    "correct": "Your answer passed every case the check tried.",
    "not_run": "No verdict: your notebook was stopped before this question could be checked.",
    "setup_problem": "The grading machine lacked something this check needs. This is not about your code: "
    "it will be graded again once the machine is fixed.",
}
"""What a verdict means, for the statuses whose message alone would not say it."""


@dataclass(frozen=True)
class AnswerCell:
    """One cell of a learner's answer, as the page shows it."""

    number: int
    """Position in the learner's notebook, counting from 1 as the grader's problems do."""
    source: str
    """The cell's code, less the lines that only call ``qN.check()`` and the like."""
    elsewhere: bool = False
    """Found outside the question's section: it holds the last definition of an answer's name."""


def _heading_level(cell: nbformat.NotebookNode, number: int | None = None) -> int | None:
    """The level of the cell's first heading (of question ``number``, when given), or None."""
    if cell.cell_type != "markdown":
        return None
    for line in cell.source.splitlines():
        if number is None and (found := HEADING.match(line)):
            return len(found["level"])
        if number is not None and (found := QUESTION_HEADING.match(line)) and int(found["number"]) == number:
            return len(found["level"])
    return None


def _section(cells: list[nbformat.NotebookNode], question: str) -> range:
    """The indexes of the cells that belong to ``question`` (see the module's docstring)."""
    number = int(question.removeprefix("q"))
    for start, cell in enumerate(cells):
        level = _heading_level(cell, number)
        if level is not None:
            end = next(
                (i for i in range(start + 1, len(cells)) if (_heading_level(cells[i]) or 7) <= level),
                len(cells),
            )
            return range(start + 1, end)
    checks = [i for i, cell in enumerate(cells) if cell.cell_type == "code" and question in _checked(cell)]
    if not checks:
        return range(0)
    before = [
        i
        for i in range(checks[0])
        if _heading_level(cells[i]) is not None or (_checked(cells[i]) - {question} and cells[i].cell_type == "code")
    ]
    return range(before[-1] + 1 if before else 0, checks[0] + 1)


def _checked(cell: nbformat.NotebookNode) -> set[str]:
    return {found["name"] for line in cell.source.splitlines() if (found := CHECK.match(line))}


def _defines(name: str) -> re.Pattern[str]:
    """A top-level line that gives ``name`` a value: def, class, assignment or ``%%node --save``."""
    word = re.escape(name)
    return re.compile(
        rf"^(?:(?:async\s+)?def\s+{word}\b|class\s+{word}\b|{word}\s*(?::[^=\n]*)?=(?!=)|%%node\b.*--save\s+{word}\b)",
        re.MULTILINE,
    )


@cache
def given_cells(slug: str) -> frozenset[str]:
    """The code cells the chapter's exercise notebook gives ready-made (no placeholder), stripped."""
    notebook = nbformat.read(chapters.find(slug).notebook("exercises"), as_version=4)
    return frozenset(
        cell.source.strip() for cell in notebook.cells if cell.cell_type == "code" and PLACEHOLDER not in cell.source
    )


def _without_calls(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not CALL.match(line)).strip("\n")


def answer_cells(
    notebook: nbformat.NotebookNode, question: str, answer_names: tuple[str, ...], given: frozenset[str]
) -> list[AnswerCell]:
    """The learner's code for ``question`` in ``notebook``, in notebook order (see the module's docstring)."""
    cells = notebook.cells
    found: dict[int, AnswerCell] = {}
    for index in _section(cells, question):
        cell = cells[index]
        if cell.cell_type != "code" or cell.source.strip() in given:
            continue
        code = _without_calls(cell.source)
        if code.strip():
            found[index] = AnswerCell(index + 1, code)
    for name in answer_names:
        defining = [
            i for i, cell in enumerate(cells) if cell.cell_type == "code" and _defines(name).search(cell.source)
        ]
        if defining and defining[-1] not in found:
            index = defining[-1]
            found[index] = AnswerCell(index + 1, _without_calls(cells[index].source), elsewhere=True)
    return [found[index] for index in sorted(found)]


def page_names(notebooks: list[str]) -> list[str]:
    """A distinct, safe HTML file name for each notebook path, in order.

    The name is the path below the folder all the notebooks share, its parts
    joined by ``--`` (``ada--01-metaclasses.html``), folded to ASCII letters,
    digits, ``.``, ``_`` and ``-``. Names that still clash, also when told
    apart only by case (as on macOS or Windows), get ``-2``, ``-3`` …
    """
    paths = [Path(os.path.abspath(notebook)) for notebook in notebooks]
    common = Path(os.path.commonpath([path.parent for path in paths])) if paths else Path()
    names: list[str] = []
    taken: set[str] = set()
    for path in paths:
        parts = path.relative_to(common).with_suffix("").parts
        ascii_text = unicodedata.normalize("NFKD", "--".join(parts)).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")[:100] or "notebook"
        name, copy = stem, 1
        while name.lower() in taken:
            copy += 1
            name = f"{stem}-{copy}"
        taken.add(name.lower())
        names.append(f"{name}.html")
    return names


def _highlight(source: str) -> str:
    """``source`` as highlighted, escaped HTML (inline styles): Python, or JavaScript under ``%%node``."""
    from ipython_pygments_lexers import IPython3Lexer
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import JavascriptLexer

    formatter = HtmlFormatter(nowrap=True, noclasses=True, style="default")
    first, _, rest = source.partition("\n")
    if NODE_MAGIC.match(first):  # the magic line is not JavaScript: shown plain, the rest highlighted as JavaScript
        return f"{escape(first)}\n{highlight(rest, JavascriptLexer(), formatter)}"
    return highlight(source, IPython3Lexer(), formatter)


@cache
def _questions(slug: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """``{"q1": (answer_names, first hint)}`` for the chapter's questions."""
    found = {}
    for question in chapters.find(slug).summary():  # never imported here: see chapters.summary
        found[question.name] = (question.answer_names, question.hints[0])
    return found


def _paragraphs(text: str) -> str:
    """A hint as HTML paragraphs: blank lines part them, other line breaks are the source's wrapping."""
    return "".join(f"<p>{inline(' '.join(part.split()))}</p>" for part in re.split(r"\n\s*\n", text) if part.strip())


def _question_card(name: str, title: str, status: str, message: str, cells: list[AnswerCell], hint: str) -> str:
    style = STYLES[status]
    explained = "" if status == "not_run" and message else EXPLAINED.get(status, "")  # a reason given wins
    said = "".join(
        f'<div class="message">{inline(text)}</div>' for text in (explained, message) if text
    )  # a setup problem has both: what it means, then the machine's reason
    if cells:
        code = "".join(
            f'<p class="cell">cell {cell.number}{" (elsewhere in your notebook)" * cell.elsewhere}</p>'
            f"<pre><code>{_highlight(cell.source)}</code></pre>"
            for cell in cells
        )
    else:
        code = '<p class="none">No code for this question was found in your notebook.</p>'
    tip = f'<div class="hint"><strong>💡 Hint</strong>{_paragraphs(hint)}</div>' if status == "incorrect" else ""
    return (
        f'<section class="question" id="{escape(name)}" style="border-left-color:{style.colour}">'
        f"<h2>{escape(name)} — {inline(title)} {badge(status)}</h2>{said}"
        f"<h3>Your answer</h3>{code}{tip}</section>"
    )


FEEDBACK_CSS = """
.question { border: 1px solid var(--line); border-left: 6px solid; border-radius: 6px; padding: 4px 18px 12px;
            margin: 18px 0; }
.question h2 { border: 0; margin: 10px 0 8px; padding: 0; font-size: 1.2em; }
.question h3 { font-size: 0.95em; margin: 14px 0 2px; color: var(--muted); }
.cell { margin: 8px 0 0; color: var(--muted); font-size: 0.85em; }
.hint { background: #eef6fc; border-left: 5px solid #0072B2; padding: 8px 14px; margin: 12px 0 4px;
        border-radius: 0 6px 6px 0; }
.hint p { margin: 4px 0; }
.score { font-size: 1.25em; margin: 8px 0 4px; }
.score a { text-decoration: none; }
"""
"""Styles the feedback pages add to :data:`course.report.CSS`."""


def render(report: Report) -> str:
    """The feedback page of one graded notebook, as one HTML document."""
    file = Path(report.notebook).name  # the name only: the instructor's folders are no business of the page
    notices = []
    if report.stopped:
        notices.append(f"Your notebook did not run to its end: {report.stopped}.")
    if report.modified:
        notices.append(f"Your notebook changed the course's checks ({', '.join(report.modified)}), so no score.")
    notices += [f"In your notebook, {problem}." for problem in report.problems]
    notice = (
        '<div class="notice"><strong>About your notebook</strong><ul>'
        + "".join(f"<li>{inline(text)}</li>" for text in notices)
        + "</ul></div>"
        if notices
        else ""
    )
    if not report.chapter:
        heading = "Feedback"
        cards = ""
    else:
        chapter = chapters.find(report.chapter)
        heading = f"Feedback: {chapter.code} · {chapter.title}"
        try:
            notebook = nbformat.read(report.notebook, as_version=4)
        except (OSError, ValueError):  # moved or damaged since it was graded: the verdicts still stand
            notebook = nbformat.v4.new_notebook()
        questions, titles, given = (
            _questions(report.chapter),
            question_titles(report.chapter),
            given_cells(report.chapter),
        )
        cards = ""
        for name, verdict in report.questions.items():
            answer_names, hint = questions[name]
            cells = answer_cells(notebook, name, answer_names, given)
            cards += _question_card(name, titles.get(name, ""), verdict.status, verdict.message, cells, hint)
    correct = f"{report.score} of {report.total} correct" if report.questions else "not graded"
    score = escape(shown_score(report) if report.modified else correct)
    overview = " ".join(
        f'<a href="#{escape(name)}">{badge(verdict.status, f"{name} {STYLES[verdict.status].badge}")}</a>'
        for name, verdict in report.questions.items()
    )
    body = (
        f"<h1>{escape(heading)}</h1>"
        f'<p class="meta">{escape(file)} · graded {datetime.now():%Y-%m-%d %H:%M}</p>'
        f'<p class="score"><strong>{score}</strong> &nbsp; {overview}</p>{notice}{cards}'
    )
    return page(f"{heading} — {file}", body, FEEDBACK_CSS)


def write_feedback(reports: list[Report], folder: Path) -> list[Path]:
    """Write one feedback page per report into ``folder`` (made if missing); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for report, name in zip(reports, page_names([report.notebook for report in reports]), strict=True):
        path = folder / name
        path.write_text(render(report), encoding="utf-8")
        written.append(path)
    return written


__all__ = ["AnswerCell", "answer_cells", "given_cells", "page_names", "render", "write_feedback"]
