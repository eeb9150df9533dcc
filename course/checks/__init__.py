"""Instant feedback for the exercise notebooks (Kaggle learntools style).

A chapter's module (``course.checks.polyglot`` …) defines one
:class:`Question` subclass per exercise and exposes instances ``q1``, ``q2`` …
In the notebook the learner calls::

    q1.check()      # Correct / Incorrect: why / Not attempted
    q1.hint()
    q1.solution()

``check()`` finds the learner's answer by name in the notebook's namespace
(or takes it as an argument), runs it against several cases and prints one
line. Every outcome is also appended, as one JSON line, to the file named by
the environment variable ``COURSE_OUTCOMES`` when it is set: that is how
``python -m course.grade`` collects results from a learner's notebook.
"""

from __future__ import annotations

import inspect
import json
import os
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

from course import SetupProblem

OUTCOMES_ENV = "COURSE_OUTCOMES"

Status = Literal["correct", "incorrect", "not_attempted"]

_LABELS: dict[str, str] = {
    "correct": "✅ Correct",
    "incorrect": "❌ Incorrect",
    "not_attempted": "✋ Not attempted",
}


class Incorrect(Exception):
    """Raised by :meth:`Question.judge` with a message saying what was wrong."""


class NotAttempted(Exception):
    """Raised by :meth:`Question.judge` when the answer is still the placeholder."""


@dataclass(frozen=True)
class Outcome:
    """The verdict on one answer."""

    chapter: str
    question: str
    status: Status
    message: str = ""

    @property
    def correct(self) -> bool:
        """True for the Correct verdict."""
        return self.status == "correct"

    def __str__(self) -> str:
        label = _LABELS[self.status]
        return f"{label}: {self.message}" if self.message else label


class _Missing:
    """Marks an answer name that the notebook has not defined."""

    def __repr__(self) -> str:
        return "<not defined>"


MISSING: Any = _Missing()


def record(outcome: Outcome) -> None:
    """Append ``outcome`` to the grading file, if one is being collected."""
    path = os.environ.get(OUTCOMES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(asdict(outcome)) + "\n")


class Question:
    """One exercise question; subclasses fill in the class attributes and ``judge``.

    - ``chapter``: the chapter module's short name, e.g. ``"polyglot"``.
    - ``name``: ``"q1"``, ``"q2"`` …, as used in the notebook.
    - ``answer_names``: the names ``check()`` looks up in the notebook when
      called without arguments (e.g. ``("running_total",)``).
    - ``hint_text``, ``solution_code``, ``solution_language``: what
      :meth:`hint` and :meth:`solution` show.
    """

    chapter: ClassVar[str] = ""
    name: ClassVar[str] = ""
    answer_names: ClassVar[tuple[str, ...]] = ()
    hint_text: ClassVar[str] = ""
    solution_code: ClassVar[str] = ""
    solution_language: ClassVar[str] = "python"

    def judge(self, *answers: Any) -> None:
        """Raise :class:`Incorrect` or :class:`NotAttempted`; return when correct."""
        raise NotImplementedError

    def evaluate(self, *answers: Any) -> Outcome:
        """Judge ``answers`` and return the :class:`Outcome` (nothing printed)."""
        if not answers or any(answer is MISSING or answer is Ellipsis for answer in answers):
            missing = [n for n, a in zip(self.answer_names, answers, strict=False) if a is MISSING or a is Ellipsis]
            what = ", ".join(f"`{n}`" for n in missing) or "your answer"
            return self._outcome("not_attempted", f"define {what} in the cell above, run it, then check again.")
        try:
            self.judge(*answers)
        except NotAttempted as reason:
            return self._outcome("not_attempted", str(reason) or "replace the placeholder with your code.")
        except NotImplementedError:
            return self._outcome("not_attempted", "replace `raise NotImplementedError()` with your code.")
        except Incorrect as reason:
            return self._outcome("incorrect", str(reason))
        except SetupProblem:
            raise  # the machine lacks something: say so, don't blame the answer
        except (Exception, SystemExit) as error:  # learner code may raise anything: explain, no traceback
            return self._outcome("incorrect", f"your code raised {describe_error(error)}")
        return self._outcome("correct")

    def check(self, *answers: Any) -> None:
        """Check the answer (looked up by name in the notebook when not given) and print the verdict."""
        if not answers:
            answers = self._answers_from_caller(inspect.currentframe())
        outcome = self.evaluate(*answers)
        record(outcome)
        print(outcome)

    def hint(self) -> None:
        """Print a hint that points the way without giving the answer."""
        print("💡 Hint:", textwrap.dedent(self.hint_text).strip())

    def solution(self) -> None:
        """Print one correct solution (any other correct one passes too)."""
        print(f"Solution ({self.solution_language}):\n")
        print(textwrap.dedent(self.solution_code).strip())

    def _answers_from_caller(self, frame: Any) -> tuple[Any, ...]:
        caller = frame.f_back if frame is not None else None
        namespace = caller.f_globals if caller is not None else {}
        return tuple(namespace.get(name, MISSING) for name in self.answer_names)

    def _outcome(self, status: Status, message: str = "") -> Outcome:
        return Outcome(self.chapter, self.name, status, message)

    def __repr__(self) -> str:
        return f"<Question {self.chapter}.{self.name}: call .check(), .hint() or .solution()>"


def describe_error(error: BaseException) -> str:
    """``ValueError: bad thing`` — an exception in one line, for feedback."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``function``; a non-callable answer is Incorrect, not a crash."""
    if not callable(function):
        raise Incorrect(f"expected a function, got {type(function).__name__} {function!r}")
    return function(*args, **kwargs)


def expect_equal(what: str, expected: Any, got: Any) -> None:
    """Raise :class:`Incorrect` saying ``what`` was expected and what came back."""
    if got != expected:
        raise Incorrect(f"{what}: expected {expected!r}, got {got!r}")


def questions(module_globals: dict[str, Any]) -> list[Question]:
    """The ``Question`` instances a chapter module defines, in name order (q1, q2 …)."""
    found = [value for value in module_globals.values() if isinstance(value, Question)]
    return sorted(found, key=lambda q: (len(q.name), q.name))


CHAPTERS: dict[str, str] = {
    "00": "polyglot",
    "01": "streaming",
    "05": "metaclasses",
}
"""Chapter number (notebook filename prefix) → module in ``course.checks``."""


def chapter_questions(chapter: str) -> Sequence[Question]:
    """All questions of ``chapter`` (a module name such as ``"polyglot"``)."""
    import importlib

    module = importlib.import_module(f"course.checks.{chapter}")
    return questions(vars(module))


__all__ = [
    "CHAPTERS",
    "MISSING",
    "Incorrect",
    "NotAttempted",
    "Outcome",
    "Question",
    "call",
    "chapter_questions",
    "describe_error",
    "expect_equal",
    "questions",
    "record",
]
