"""course.integrity: the obvious ways of faking a grade are found, and honest kernels are left alone."""

import json
import subprocess
import sys

import pytest

from course import ROOT
from course.chapters import chapters

PROBE = """
import json, sys
dumps, write = json.dumps, sys.stdout.write  # kept: some tamperings replace print and json.dumps
from course.chapters import find
chapter = find(sys.argv[1])
questions = chapter.questions()
q1 = questions[0]
{tamper}
from course.integrity import modified
write(dumps(modified(chapter.slug)) + "\\n")
"""


def changes(tamper: str, chapter: str = "metaclasses") -> list[str]:
    """What :func:`course.integrity.modified` finds in a fresh interpreter after ``tamper`` ran."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(tamper=tamper), chapter],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("chapter", [chapter.slug for chapter in chapters()])
def test_nothing_is_reported_when_nothing_was_changed(chapter):
    assert changes("", chapter) == []


TAMPERS = {
    "the issue's one line": (
        "import course.checks\n"
        "course.checks.Question.evaluate = lambda self, *a: course.checks.Outcome(self.chapter, self.name, 'correct')",
        "course.checks.Question.evaluate was replaced",
    ),
    "a method replaced on the question object": (
        "q1.evaluate = lambda *a: None",
        "q1.evaluate was replaced on the question object",
    ),
    "the question's judge replaced on its class": (
        "type(q1).judge = lambda self, *a: None",
        "course.chapters.metaclasses.questions.RequiredMethods.judge was replaced",
    ),
    "a helper replaced in its own module": (
        "import course.checks.expect as e\ne.expect_equal = lambda *a, **k: None",
        "course.checks.expect.expect_equal was replaced",
    ),
    "a helper replaced where the questions imported it": (
        "import course.chapters.metaclasses.questions as m\nm.expect_equal = lambda *a, **k: None",
        "course.chapters.metaclasses.questions.expect_equal no longer is course.checks.expect.expect_equal",
    ),
    "a method deleted": (
        "import course.chapters.metaclasses.questions as m\ndel m.RequiredMethods.judge",
        "course.chapters.metaclasses.questions.RequiredMethods.judge was deleted",
    ),
    "a method added to a base class": (
        "import course.checks\n"
        "course.checks.Question.__getattribute__ = lambda self, name: object.__getattribute__(self, name)",
        "course.checks.Question.__getattribute__ was added by the notebook",
    ),
    "a constant of the checks changed": (
        "import course.chapters.metaclasses.questions as m\nm.TIME_LIMIT = 1e9",
        "course.chapters.metaclasses.questions.TIME_LIMIT was changed",
    ),
    "the question list emptied": (
        "import course.chapters.metaclasses.questions as m\nm.QUESTIONS.clear()",
        "course.chapters.metaclasses.questions.QUESTIONS is [], not "
        "['RequiredMethods', 'FinalMethods', 'MakeClass', 'LevelledRegistry']",
    ),
    "a question swapped for a class of the notebook's": (
        "class Always(type(q1)):\n    def judge(self, *a): pass\nq1.__class__ = Always",
        "q1 is a Always, not a class of course.chapters.metaclasses.questions",
    ),
    "a builtin replaced": (
        "import builtins\nbuiltins.print = lambda *a, **k: None",
        "builtins.print was replaced",
    ),
    "json, which writes the records, replaced": (
        "import json as j\nj.dumps = lambda *a, **k: '{}'",
        "json.dumps was replaced",
    ),
    "a method run with other globals": (
        "import types, course.checks as c\n"
        "f = c.Question.evaluate\n"
        "c.Question.evaluate = types.FunctionType(f.__code__, {**f.__globals__, 'is_placeholder': lambda e: 1})",
        "course.checks.Question.evaluate was replaced",
    ),
    "a partialmethod added to a question class": (
        "import functools\ndef fake(self, *a):\n    return None\ntype(q1).judge2 = functools.partialmethod(fake)",
        "course.chapters.metaclasses.questions.RequiredMethods.judge2 was added by the notebook",
    ),
    "a descriptor of the notebook's put on a class": (
        "import course.checks as c\n"
        "class Always:\n    def __get__(self, obj, kind=None):\n        return 'correct'\n"
        "c.Outcome.status = Always()",
        "course.checks.Outcome.status was added by the notebook",
    ),
    "the import machinery replaced": (
        "import builtins\nreal = builtins.__import__\nbuiltins.__import__ = lambda *a, **k: real(*a, **k)",
        "builtins.__import__ was replaced",
    ),
    "the write of the records replaced": (
        "import os\nos.write = lambda fd, data: len(data)",
        "os.write was replaced",
    ),
    "a trace function set": (
        "sys.settrace(lambda *a: None)",
        "a trace or profile function (sys.settrace, sys.setprofile) is set",
    ),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_each_obvious_tampering_is_named(name):
    tamper, expected = TAMPERS[name]
    assert expected in changes(tamper)


def test_reloading_a_checks_module_is_not_taken_for_a_change():
    """A learner who reloads the course's modules (autoreload does) changes nothing the re-check relies on."""
    assert changes("import importlib, course.checks\nimportlib.reload(course.checks)") == []
