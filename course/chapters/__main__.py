"""``python -m course.chapters [NAME]``: list the chapters, or the files of one (used by ``make test CHAPTER=…``)."""

from __future__ import annotations

import argparse
import sys

from course.chapters import UnknownChapter, chapters, find


def main(argv: list[str] | None = None) -> int:
    """Print a table of the chapters, or with ``NAME --paths`` the test paths of that chapter."""
    parser = argparse.ArgumentParser(prog="python -m course.chapters", description=__doc__)
    parser.add_argument("name", nargs="?", help="a chapter's slug or number")
    parser.add_argument("--paths", action="store_true", help="print its tests and notebooks, for pytest")
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
    if args.paths:
        print(" ".join(paths))
    else:
        print(f"{chapter.code} {chapter.slug}: {chapter.title} (part: {chapter.part})")
        print(f"package: {chapter.package}")
        print("files: " + " ".join([*paths, f"exercises/{chapter.stem}.ipynb"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
