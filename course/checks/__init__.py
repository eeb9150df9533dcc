"""Instant feedback for the exercise notebooks (Kaggle learntools style).

A chapter's ``questions`` module defines one :class:`Question` subclass per
exercise and binds them, in order, with :func:`bind`, which names them
``q1``, ``q2`` … In the notebook the learner calls::

    q1.check()      # Correct / Incorrect: why / Not attempted
    q1.hint()
    q1.solution()   # the answer, read from the solution notebook

``check()`` finds the learner's answer by name in the notebook's namespace
(or takes it as an argument), runs it against several cases and prints one
line. When the machine, not the answer, is at fault (a missing program, a
server that will not start) the verdict is a *setup problem* with the command
that fixes it. Every outcome is also appended, as one JSON line, to the file
named by the environment variable ``COURSE_OUTCOMES`` when it is set: that is
how ``python -m course.grade`` collects results from a learner's notebook.

Shared helpers for writing ``judge`` methods are in :mod:`course.checks.expect`
(Python answers) and :mod:`course.checks.javascript` (answers run by Node.js).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import signal
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from course import solutions
from course.checks.expect import Incorrect, NotAttempted, describe_error, is_placeholder
from course.errors import SetupProblem

if TYPE_CHECKING:
    from course.chapters import Chapter

OUTCOMES_ENV = "COURSE_OUTCOMES"

Status = Literal["correct", "incorrect", "not_attempted", "setup_problem"]

LABELS: dict[str, str] = {
    "correct": "✅ Correct",
    "incorrect": "❌ Incorrect",
    "not_attempted": "✋ Not attempted",
    "setup_problem": "🔧 Setup problem (not your code)",
}


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
        label = LABELS[self.status]
        return f"{label}: {self.message}" if self.message else label


class _Missing:
    """Marks an answer name that the notebook has not defined."""

    def __repr__(self) -> str:
        return "<not defined>"


MISSING: Any = _Missing()


class TimeLimit(BaseException):
    """Raised inside a check that ran past its question's ``time_limit``.

    A BaseException, so that the learner's ``except Exception`` cannot swallow it.
    """


REPEAT = 0.5
"""After the time limit, :class:`TimeLimit` is raised again every this many seconds: a bare
``except:`` in a retry loop may catch one, but when the loop pauses between tries for at least
this long, the next one lands in the pause, outside the ``try``, and gets out. A loop that spends
(almost) no time outside its ``try`` cannot be stopped from inside the kernel: the notebook's
interrupt button stops it, and the grader stops its kernel."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the block after ``seconds``, and again every :data:`REPEAT` s (main thread only)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    earlier, interval = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if earlier:  # give back a timer the notebook had set, minus the time spent here
            remaining = max(earlier - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)


def record(outcome: Outcome) -> None:
    """Append ``outcome`` to the grading file, if one is being collected."""
    path = os.environ.get(OUTCOMES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(asdict(outcome)) + "\n")


class Question:
    """One exercise question; subclasses fill in the class attributes and ``judge``.

    - ``answer_names``: the names ``check()`` looks up in the notebook when
      called without arguments (e.g. ``("running_total",)``).
    - ``hints``: the hint ladder, one rung per :meth:`hint` call — a nudge,
      then the method, then the shape of the code (the solution stays with
      :meth:`solution`); ``hint_text`` is a ladder of one rung.

    The chapter, the name (``q1`` …) and the solution notebook are given by
    :func:`bind`; the solution itself is read from that notebook.
    """

    answer_names: ClassVar[tuple[str, ...]] = ()
    hint_text: ClassVar[str] = ""
    hints: ClassVar[tuple[str, ...]] = ()
    time_limit: ClassVar[float | None] = None
    """Seconds the whole ``judge`` may take before the answer is called endless
    (Incorrect); None for no limit. Enforced with a timer signal, so only when
    the check runs in the main thread (as in a notebook)."""

    def __init__(self, chapter: str, name: str, solutions_path: Path) -> None:
        self.chapter = chapter
        self.name = name
        self.solutions_path = solutions_path
        self.hints_given = 0

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
            with _time_limit(self.time_limit):
                self.judge(*answers)
        except TimeLimit:
            return self._outcome(
                "incorrect",
                f"the check stopped your code after {self.time_limit:g} s: it looks like a loop that never ends",
            )
        except NotAttempted as reason:
            return self._outcome("not_attempted", str(reason) or "replace the placeholder with your code.")
        except NotImplementedError as error:
            if not is_placeholder(error):  # the answer's own NotImplementedError("…"): a wrong answer
                return self._outcome("incorrect", f"your code raised {describe_error(error)}")
            return self._outcome("not_attempted", "replace `raise NotImplementedError()` with your code.")
        except Incorrect as reason:
            return self._outcome("incorrect", str(reason))
        except SetupProblem as problem:  # the machine lacks something: say so, never blame the answer
            return self._outcome("setup_problem", str(problem))
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
        """Print the next hint of the ladder (the last one again once all were given)."""
        ladder = [textwrap.dedent(rung).strip() for rung in self.hints or (self.hint_text,)]
        level = min(self.hints_given, len(ladder) - 1)
        self.hints_given += 1
        if len(ladder) == 1:
            print("💡 Hint:", ladder[0])
            return
        after = (
            f"call {self.name}.hint() again for more"
            if level + 1 < len(ladder)
            else (f"that was the last hint; {self.name}.solution() shows an answer")
        )
        print(f"💡 Hint {level + 1} of {len(ladder)}: {ladder[level]}\n({after})")

    def solution(self) -> None:
        """Print the answer from the solution notebook (any other correct one passes too)."""
        answer = solutions.solution(self.solutions_path, self.name)
        print(f"Solution ({answer.language}):\n")
        print(answer.source)

    @property
    def language(self) -> str:
        """The language the answer is written in, ``"python"`` or ``"javascript"``."""
        return solutions.solution(self.solutions_path, self.name).language

    def _answers_from_caller(self, frame: Any) -> tuple[Any, ...]:
        caller = frame.f_back if frame is not None else None
        namespace = caller.f_globals if caller is not None else {}
        return tuple(namespace.get(name, MISSING) for name in self.answer_names)

    def _outcome(self, status: Status, message: str = "") -> Outcome:
        return Outcome(self.chapter, self.name, status, message)

    def __repr__(self) -> str:
        return f"<Question {self.chapter}.{self.name}: call .check(), .hint() or .solution()>"


def bind(chapter: Chapter, kinds: Sequence[type[Question]], namespace: dict[str, Any]) -> list[Question]:
    """Make one question of each class in ``kinds``, named ``q1``, ``q2`` … in that order.

    Each is also put into ``namespace`` (the chapter module's ``globals()``) under
    its name, so that ``from course.chapters.<package>.questions import q1`` works.
    The numbering comes from the order of the list alone: never typed by hand.
    """
    made = [kind(chapter.slug, f"q{number}", chapter.notebook("solutions")) for number, kind in enumerate(kinds, 1)]
    namespace.update((question.name, question) for question in made)
    return made


__all__ = [
    "LABELS",
    "MISSING",
    "OUTCOMES_ENV",
    "Incorrect",
    "NotAttempted",
    "Outcome",
    "Question",
    "Status",
    "TimeLimit",
    "bind",
    "record",
]
