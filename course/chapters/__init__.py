"""The chapters of the course, each declared once in its own package.

A chapter lives in ``course/chapters/<package>/``: its ``__init__.py``
declares :data:`CHAPTER` (number, slug, title, part), its ``questions.py``
holds the exercise checks, and its other modules and files are the servers and
project files the notebook shows. Everything else (the grader's chapter
lookup, the exercise generator, the consistency tests against ``_toc.yml``,
the file names and the README) derives from these declarations.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from course import ROOT
from course.errors import CourseError

if TYPE_CHECKING:
    from course.checks import Question


class UnknownChapter(CourseError):
    """No chapter has the given name, number or file name."""


@dataclass(frozen=True)
class Chapter:
    """One chapter: where it sits in the book and what its files are called."""

    number: int
    """Position in the book's reading order (0 is the preface); the ``NN`` of its file names."""
    slug: str
    """Short name in file names, notebook metadata and grades, e.g. ``"streaming-downloads"``."""
    title: str
    """The chapter's title as the book and the README show it."""
    part: str
    """The caption of the book part it belongs to (``_toc.yml``)."""
    aliases: tuple[str, ...] = ()
    """Names the chapter was known by earlier, so notebooks recorded under them are still recognised."""

    @property
    def code(self) -> str:
        """The two-digit number, ``"04"``."""
        return f"{self.number:02d}"

    @property
    def stem(self) -> str:
        """The file name without suffix shared by its three notebooks, ``"04-streaming-downloads"``."""
        return f"{self.code}-{self.slug}"

    @property
    def package(self) -> str:
        """The chapter's Python package, ``"course.chapters.streaming_downloads"``."""
        return f"{__name__}.{self.slug.replace('-', '_')}"

    def notebook(self, folder: str = "notebooks") -> Path:
        """The chapter's notebook in ``folder`` (``notebooks``, ``exercises`` or ``solutions``)."""
        return ROOT / folder / f"{self.stem}.ipynb"

    def questions(self) -> list[Question]:
        """The chapter's exercise questions in order (q1, q2 …), from its ``questions`` module."""
        module = importlib.import_module(f"{self.package}.questions")
        return list(module.QUESTIONS)

    def summary(self) -> list[QuestionSummary]:
        """Each question's name, class and hints, read in a separate process (see :func:`summary`)."""
        return list(summary(self.slug))

    def names(self) -> set[str]:
        """Every name this chapter answers to: slug, aliases, number and file stem."""
        return {self.slug, *self.aliases, self.code, self.stem}


@cache
def chapters() -> tuple[Chapter, ...]:
    """Every chapter, in book order, found by scanning this package's sub-packages."""
    found: list[Chapter] = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        chapter = getattr(module, "CHAPTER", None)
        if not isinstance(chapter, Chapter):
            raise CourseError(f"{module.__name__} declares no CHAPTER = Chapter(...)")
        if chapter.package != module.__name__:
            raise CourseError(f"{module.__name__}: the package of chapter {chapter.slug!r} must be {chapter.package}")
        found.append(chapter)
    found.sort(key=lambda chapter: chapter.number)
    for kind in ("number", "slug"):
        values = [getattr(chapter, kind) for chapter in found]
        repeated = sorted({str(value) for value in values if values.count(value) > 1})
        if repeated:
            raise CourseError(f"two chapters share the {kind} {', '.join(repeated)}")
    return tuple(found)


def find(name: str) -> Chapter:
    """The chapter called ``name``: a slug, an earlier name, a number (``"4"``, ``"04"``) or a file stem."""
    key = name.strip()
    if key.isdigit():
        key = f"{int(key):02d}"
    for chapter in chapters():
        if key in chapter.names():
            return chapter
    known = ", ".join(chapter.slug for chapter in chapters())
    raise UnknownChapter(f"no chapter is called {name!r}; the chapters are: {known}")


@dataclass(frozen=True)
class QuestionSummary:
    """What the grader needs to know about one question without importing its checks."""

    name: str
    """``q1``, ``q2`` …"""
    kind: str
    """The name of the question's class in the chapter's ``questions`` module."""
    answer_names: tuple[str, ...]
    """The names its check looks up in the notebook."""
    hints: tuple[str, ...]
    """The hint ladder, first rung first."""


@cache
def summary(slug: str) -> tuple[QuestionSummary, ...]:
    """The questions of chapter ``slug``, listed by ``python -m course.chapters SLUG --questions``.

    The chapters that use Django each configure it for their own apps, and one
    process can only be configured once: a grader that imported the checks of
    chapters 06 and 07 in turn would fail. So the list comes from a child
    process, one per chapter, and the grader imports no chapter's checks.
    """
    from course.processes import run

    done = run([sys.executable, "-m", "course.chapters", slug, "--questions"], timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise CourseError(f"cannot list the questions of chapter {slug!r}: {last}")
    return tuple(
        QuestionSummary(item["name"], item["kind"], tuple(item["answer_names"]), tuple(item["hints"]))
        for item in json.loads(done.stdout)
    )


_STEM = re.compile(r"^(?P<code>\d\d)(?:$|[-_. ])")


def from_file_name(name: str) -> Chapter | None:
    """The chapter a notebook's file name points to (``04-streaming-downloads-ada.ipynb``), or None.

    The name after the number decides (the slug, or a name the chapter had
    before), so a notebook named before the book was renumbered
    (``01-streaming-downloads.ipynb``) still finds its chapter; a bare number
    (``04-homework.ipynb``) is read in today's numbering.
    """
    stem = Path(name).name.removesuffix(".ipynb")
    candidates = sorted(
        ((alias, chapter) for chapter in chapters() for alias in (chapter.slug, *chapter.aliases)),
        key=lambda pair: -len(pair[0]),  # the longest name first: "streaming-downloads" before "streaming"
    )
    for alias, chapter in candidates:
        if re.match(rf"^\d\d-{re.escape(alias)}(?=$|[-_. ])", stem):
            return chapter
    match = _STEM.match(stem)
    if match:
        try:
            return find(match.group("code"))
        except UnknownChapter:
            return None
    return None


__all__ = ["Chapter", "QuestionSummary", "UnknownChapter", "chapters", "find", "from_file_name", "summary"]
