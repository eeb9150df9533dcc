"""course.chapters: each chapter declared once; the book, the files and the README agree with the declarations."""

import re

import pytest
import yaml

from course import ROOT
from course.chapters import Chapter, UnknownChapter, chapters, find, from_file_name


def toc_parts() -> dict[str, list[str]]:
    """Each part's caption → the chapter files listed under it, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {part["caption"]: [entry["file"] for entry in part["chapters"]] for part in toc["parts"]}


def readme_rows() -> list[list[str]]:
    """The rows of the README's chapter table (number, title, part, notebook, exercises)."""
    rows = []
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"\d\d", cells[0]):
            rows.append(cells)
    return rows


def test_chapters_are_numbered_in_book_order_from_the_preface():
    found = chapters()
    assert found and found[0].number == 0, "the preface is chapter 00"
    numbers = [chapter.number for chapter in found]
    assert numbers == sorted(set(numbers)) and all(0 <= number <= 99 for number in numbers)


@pytest.mark.parametrize("chapter", chapters(), ids=lambda chapter: chapter.slug)
def test_each_chapter_has_its_three_notebooks_and_its_tests(chapter: Chapter):
    for folder in ("notebooks", "exercises", "solutions"):
        assert chapter.notebook(folder).exists(), f"{folder}/{chapter.stem}.ipynb is missing"
    assert (ROOT / "tests" / "chapters" / chapter.slug.replace("-", "_")).is_dir()


@pytest.mark.parametrize("chapter", chapters(), ids=lambda chapter: chapter.slug)
def test_each_chapter_has_numbered_questions_with_hints_and_solutions(chapter: Chapter):
    questions = chapter.questions()
    assert len(questions) >= 3
    assert [q.name for q in questions] == [f"q{n}" for n in range(1, len(questions) + 1)]
    for question in questions:
        assert question.chapter == chapter.slug
        ladder = question.hints or (question.hint_text,)
        assert all(rung.strip() for rung in ladder)
        assert question.language in {"python", "javascript"}  # its solution block was found


def test_no_notebook_lacks_a_chapter():
    for folder in ("notebooks", "exercises", "solutions"):
        for path in (ROOT / folder).glob("*.ipynb"):
            chapter = from_file_name(path.name)
            assert chapter is not None and chapter.stem == path.stem, f"{path} belongs to no declared chapter"


def test_the_table_of_contents_lists_each_chapter_under_its_part_in_order():
    parts = toc_parts()
    listed = [file for files in parts.values() for file in files if file.startswith("notebooks/")]
    assert listed == [f"notebooks/{chapter.stem}" for chapter in chapters()], "chapters out of book order"
    for chapter in chapters():
        assert f"notebooks/{chapter.stem}" in parts.get(chapter.part, []), f"{chapter.slug} not under {chapter.part}"
    toc = (ROOT / "_toc.yml").read_text()
    for chapter in chapters():
        for folder in ("exercises", "solutions"):
            assert f"file: {folder}/{chapter.stem}\n" in toc


def test_the_readme_table_matches_the_declarations():
    expected = [
        [
            chapter.code,
            chapter.title,
            chapter.part,
            f"`notebooks/{chapter.stem}.ipynb`",
            f"`exercises/{chapter.stem}.ipynb`",
        ]
        for chapter in chapters()
    ]
    assert readme_rows() == expected


@pytest.mark.parametrize(
    "name, slug",
    [
        ("polyglot", "polyglot"),
        ("4", "streaming-downloads"),
        ("04", "streaming-downloads"),
        ("streaming", "streaming-downloads"),
        ("01-metaclasses", "metaclasses"),
    ],
)
def test_find_takes_a_slug_an_earlier_name_a_number_or_a_stem(name, slug):
    assert find(name).slug == slug


def test_an_unknown_chapter_lists_the_known_ones():
    with pytest.raises(UnknownChapter, match="the chapters are: polyglot, metaclasses"):
        find("django-rest")
