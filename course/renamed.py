"""Old module names, kept working for notebooks handed out before the package was reshaped.

Exercise notebooks copied before the chapters got their own packages import,
for example, ``from course.checks.streaming import q1`` and ``from
course.downloads import start_download_host``. This finder answers those
names with today's modules (the very same module objects), so an old copy
still runs and checks. New code uses the new names.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

RENAMED: dict[str, str] = {
    "course.downloads": "course.chapters.streaming_downloads.host",
    "course.jscheck": "course.checks.javascript",
    "course.checks.polyglot": "course.chapters.polyglot.questions",
    "course.checks.metaclasses": "course.chapters.metaclasses.questions",
    "course.checks.streaming": "course.chapters.streaming_downloads.questions",
}
"""Old module name → the module that holds its contents now."""


class RenamedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old name in :data:`RENAMED` as its new module."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname not in RENAMED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(RENAMED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the new module was imported by :meth:`create_module`."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (after the normal finders, which know no old name)."""
    if not any(isinstance(finder, RenamedFinder) for finder in sys.meta_path):
        sys.meta_path.append(RenamedFinder())


__all__ = ["RENAMED", "RenamedFinder", "install"]
