"""The class report: grouped messages, escaping, chapters apart; then a real grading run read in Chromium."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from chromium_flags import QUIET_FLAGS

from course import ROOT
from course.grade import Report, Verdict
from course.report import message_groups, normalise, plot, render

REMOTE = re.compile(r"""<[^<>]*\s(?:src|href)\s*=\s*(?!["']?#)|@import|url\(\s*(?!["']?#)|<link\b|<script\b""", re.I)
"""Anything in a page that would make a browser fetch something (links to ``#anchors`` in the page do not)."""


def report(notebook: str, chapter: str = "metaclasses", **verdicts: Verdict) -> Report:
    return Report(notebook, chapter, verdicts, seconds=4.0)


@pytest.mark.parametrize(
    "one, other",
    [
        (
            "list(running_total([3, 1, 4])): expected [3, 4, 8], got [8]",
            "list(running_total([3, 1, 4])): expected [3, 4, 8], got [3, 1, 4, 1.5]",
        ),
        ("expected [3, 4, 8], got [8]", "expected [1, 3], got []"),  # the instructors' page's example
        ("expected a function, got str 'abc'", 'expected a function, got str "x y"'),
        ("got <function f at 0x7f12ab>", "got <function f at 0x55aa>"),
        ("Plugin.registry should be {'csv': Csv}, got {}", "Plugin.registry should be {'csv': Csv}, got {'x': 1}"),
        (
            "make_class('P', (), {'x': 0})(x=3).y: expected 0, got 3",
            "make_class('Q', (), {})(x=-1).y: expected 2, got 5",
        ),
        ("returned (1, 2)", "returned ()"),
        ("the server answered 416", "the server   answered\n200"),
    ],
)
def test_messages_that_differ_only_in_the_values_they_quote_group_together(one, other):
    assert normalise(one) == normalise(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("list(running_total([3])): expected [3], got [3, 3]", "running_total([3]) should be a generator"),
        ("`EnforceFinal` should be a class", "`RequireMethods` should be a class"),
        ("f(x) raised TypeError: bad", "f(x) raised ValueError: bad"),
        ("expected a function, got str 'abc'", "expected a function, got int 3"),
    ],
)
def test_messages_about_different_things_stay_apart(one, other):
    assert normalise(one) != normalise(other)


def test_groups_count_notebooks_most_common_first_with_the_commonest_wording_as_example():
    reports = [
        report("a.ipynb", q1=Verdict("incorrect", "f(1): expected 2, got 3")),
        report("b.ipynb", q1=Verdict("incorrect", "`f` should be a function")),
        report("c.ipynb", q1=Verdict("incorrect", "f(1): expected 2, got 5")),
        report("d.ipynb", q1=Verdict("incorrect", "f(1): expected 2, got 5")),
        report("e.ipynb", q1=Verdict("correct")),
        report("f.ipynb", q1=Verdict("setup_problem", "cannot run 'node'")),
    ]
    groups = message_groups(reports, "q1")
    assert [(group.count, group.example) for group in groups] == [
        (3, "f(1): expected 2, got 5"),
        (1, "`f` should be a function"),
    ]
    assert groups[0].notebooks == ["a.ipynb", "c.ipynb", "d.ipynb"] and len(groups[0].messages) == 2
    assert [group.notebooks for group in message_groups(reports, "q1", "setup_problem")] == [["f.ipynb"]]


def test_everything_a_learner_wrote_is_escaped():
    hostile = "<script>alert(1)</script>"
    reports = [
        Report(
            f"submissions/{hostile}.ipynb",
            "metaclasses",
            {"q1": Verdict("incorrect", f"got {hostile} & <img src=x onerror=alert(2)>"), "q2": Verdict("correct")},
            [f"cell 3 raised NameError: {hostile}"],
            seconds=2.5,
            stopped=f"stopped: {hostile}",
            modified=[hostile],
        )
    ]
    page = render(reports)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp; &lt;img src=x onerror=alert(2)&gt;" in page
    assert not REMOTE.search(page), REMOTE.search(page)


def test_each_chapter_has_its_own_section_in_book_order():
    reports = [
        report("meta-ada.ipynb", q1=Verdict("incorrect", "META_MESSAGE"), q2=Verdict("correct")),
        report("poly-linus.ipynb", "polyglot", q1=Verdict("incorrect", "POLY_MESSAGE"), q2=Verdict("not_run")),
    ]
    page = render(reports)
    preface, metaclasses = page.index('<section id="polyglot">'), page.index('<section id="metaclasses">')
    assert preface < metaclasses
    assert "POLY_MESSAGE" in page[preface:metaclasses] and "META_MESSAGE" in page[metaclasses:]
    assert "poly-linus" not in page[metaclasses:] and "meta-ada" not in page[preface:metaclasses]
    assert page.count("<svg") == 2


STOPPED = "stopped in cell 5: used 2.1 GB of memory, over its limit of 2 GB"


def test_stopped_modified_unreadable_and_setup_problems_need_a_look():
    reports = [
        Report("slow.ipynb", "metaclasses", {"q1": Verdict("not_run")}, seconds=600.0, stopped=STOPPED),
        Report("cheat.ipynb", "metaclasses", {"q1": Verdict("correct")}, seconds=3.0, modified=["Question.check"]),
        Report("machine.ipynb", "metaclasses", {"q1": Verdict("setup_problem", "no node")}, seconds=3.0),
        Report("homework.ipynb", "", {}, ["not graded: cannot tell which chapter this is"]),
    ]
    page = render(reports)
    attention = page[page.index("Needs a look") : page.index("<section")]
    for name in ("slow.ipynb", "cheat.ipynb", "machine.ipynb", "homework.ipynb"):
        assert name in attention
    assert STOPPED in page and "no score: checks were modified" in page and "600.0 s" in page
    assert '<section id="not-graded">' in page and "cannot tell which chapter this is" in page


def test_the_plot_labels_every_segment_with_its_count_and_names_the_verdicts():
    reports = [
        report(f"{i}.ipynb", q1=Verdict("correct" if i < 3 else "incorrect"), q2=Verdict("not_attempted"))
        for i in range(5)
    ]
    svg = plot(
        reports,
        ["q1", "q2"],
        {"q1": "first", "q2": "a `title` long enough to need two lines, and then more than two lines of it"},
    )
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"3", "2", "5", "Correct", "Incorrect", "Not attempted", "q1  first"} <= set(texts)
    assert "q2  a title long enough to need two" in texts and "lines, and then more than two …" in texts
    assert "Not run" not in texts  # no bar, no legend entry


# End to end: two learners hand in chapter 01 under the same file name, in folders of their own.

SOLUTION = ROOT / "solutions" / "01-metaclasses.ipynb"
EXERCISE = ROOT / "exercises" / "01-metaclasses.ipynb"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Grade ada's (solved, with a broken ``make_class``) and linus's (a wrong q1, the rest untouched) notebooks."""
    folder = tmp_path_factory.mktemp("class")
    ada = nbformat.read(SOLUTION, as_version=4)
    check = next(i for i, cell in enumerate(ada.cells) if cell.source.strip() == "q3.check()")
    ada.cells.insert(
        check, nbformat.v4.new_code_cell("def make_class(name, bases, defaults):  # ADA_ANSWER\n    return 42")
    )
    linus = nbformat.read(EXERCISE, as_version=4)
    check = next(i for i, cell in enumerate(linus.cells) if cell.source.strip() == "q1.check()")
    linus.cells[check - 1].source = "class RequireMethods(type):  # LINUS_ANSWER\n    pass"
    for who, notebook in (("ada", ada), ("linus", linus)):
        (folder / who).mkdir()
        nbformat.write(notebook, folder / who / "01-metaclasses.ipynb")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "course.grade",
            "ada/01-metaclasses.ipynb",
            "linus/01-metaclasses.ipynb",
            "--report",
            "report.html",
            "--feedback",
            "feedback",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.mark.slow
def test_a_grading_run_writes_the_report_and_one_page_per_learner(graded):
    page = (graded / "report.html").read_text(encoding="utf-8")
    assert "ada/01-metaclasses.ipynb" in page and "linus/01-metaclasses.ipynb" in page
    assert "make_class" in page and "<svg" in page and not REMOTE.search(page)
    pages = sorted((graded / "feedback").iterdir())
    assert [path.name for path in pages] == ["ada--01-metaclasses.html", "linus--01-metaclasses.html"]
    ada, linus = (path.read_text(encoding="utf-8") for path in pages)
    assert "ADA_ANSWER" in ada and "LINUS_ANSWER" not in ada and "3 of 4 correct" in ada
    assert "LINUS_ANSWER" in linus and "ADA_ANSWER" not in linus and "0 of 4 correct" in linus
    assert "💡 Hint" in ada and "💡 Hint" in linus and not REMOTE.search(ada + linus)


@pytest.mark.slow
@pytest.mark.browser
def test_the_report_and_a_feedback_page_render_offline_in_chromium(graded, require):
    """Do the plot, the tables and the sections show, with no request leaving file:// and data:?"""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=require("chromium", "sudo apt-get install chromium"), args=QUIET_FLAGS
        )
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.on("request", lambda request: requested.append(request.url))
            view.goto((graded / "report.html").as_uri())
            assert view.locator("figure svg").first.is_visible()
            assert view.locator("figure svg").first.bounding_box()["width"] > 500
            assert view.get_by_role("heading", name="01 · Metaclasses").is_visible()
            assert view.locator("table tbody tr").count() == 2 and view.locator("table").first.is_visible()
            assert view.locator(".group").first.is_visible()  # a grouped Incorrect message
            view.goto((graded / "feedback" / "ada--01-metaclasses.html").as_uri())
            assert view.locator("section.question").count() == 4
            assert view.locator("section.question pre").first.is_visible()
            assert view.locator(".hint").first.is_visible() and view.locator(".badge").first.is_visible()
        finally:
            browser.close()
    assert requested and all(url.startswith(("file://", "data:")) for url in requested), requested
