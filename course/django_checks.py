"""Django inside the process that runs a chapter's checks: a notebook's kernel, or the test suite.

Django can be set up only once per process. :func:`setup_django` configures a
small project (the settings given, a SQLite file in a temporary folder removed
at exit) where none is configured yet, and otherwise uses the project already
set up: the test suite runs every chapter in one process (see
``tests/conftest.py``). Each chapter's harness then checks, or adds, the apps
its checks need.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from course.errors import SetupProblem


def setup_django(code: str, *, prefix: str, modules: Sequence[str] = (), **settings: Any) -> None:
    """Set Django up in this process, with ``settings`` if no project is configured yet.

    ``code`` names what the chapter runs ("consumers", "commands") in the setup
    problem raised when Django or one of ``modules`` is not installed.

    Jupyter runs cells while an event loop is running, and Django refuses
    database calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set: the checks
    make their calls from the notebook's thread, one at a time, so it is set
    here.
    """
    try:
        for name in ("django", *modules):
            importlib.import_module(name)
    except ImportError as missing:
        raise SetupProblem(
            f"{missing.name} is not installed, so the chapter's {code} cannot run.",
            fix="run `make setup` (or pip install -r requirements.txt)",
        ) from missing
    import django
    from django.conf import settings as configured

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not configured.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        database = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": folder / "db.sqlite3"}}
        configured.configure(SECRET_KEY="only-for-the-checks", DATABASES=database, USE_TZ=True, **settings)
    django.setup()


__all__ = ["setup_django"]
