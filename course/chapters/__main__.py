"""``python -m course.chapters [NAME]``: the chapters, or the files (``make test CHAPTER=…``) or questions of one."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from course.chapters import UnknownChapter, chapters, find


def main(argv: list[str] | None = None) -> int:
    """Print a table of the chapters, or with ``NAME --paths`` the test paths of that chapter."""
    parser = argparse.ArgumentParser(prog="python -m course.chapters", description=__doc__)
    parser.add_argument("name", nargs="?", help="a chapter's slug or number")
    parser.add_argument("--paths", action="store_true", help="print its tests and notebooks, for pytest")
    parser.add_argument("--questions", action="store_true", help="print its questions as JSON, for the grader")
    args = parser.parse_args(argv)
    if args.name is None:
        for chapter in chapters():
            print(f"{chapter.code}  {chapter.slug:<28} {chapter.part:<24} {chapter.title}")
        return 0
    try:
        chapter = find(args.name)
    except UnknownChapter as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    package = chapter.slug.replace("-", "_")
    paths = [f"tests/chapters/{package}", f"notebooks/{chapter.stem}.ipynb", f"solutions/{chapter.stem}.ipynb"]
    if args.questions:
        listed = [
            {
                "name": q.name,
                "kind": type(q).__name__,
                "answer_names": list(q.answer_names),
                "hints": [textwrap.dedent(h).strip() for h in q.hints or (q.hint_text,)],
            }
            for q in chapter.questions()
        ]
        print(json.dumps(listed, ensure_ascii=False))
    elif args.paths:
        print(" ".join(paths))
    else:
        print(f"{chapter.code} {chapter.slug}: {chapter.title} (part: {chapter.part})")
        print(f"package: {chapter.package}")
        print("files: " + " ".join([*paths, f"exercises/{chapter.stem}.ipynb"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
