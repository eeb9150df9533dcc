"""Run the chapter's URL shortener: Django in this process, and real servers beside it.

:func:`setup` configures Django in the running process (a notebook's kernel,
or the checks) on a fresh SQLite file that is deleted when the process exits.
:func:`start_server` serves the same database from a multi-threaded WSGI
server (waitress) in its own process, with the environment variables that
``shortener/settings.py`` reads.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from course import probes, servers
from course.errors import SetupProblem
from course.servers import ProcessServer

SETTINGS = "course.chapters.drf_browsable_api.shortener.settings"
WSGI_APP = "course.chapters.drf_browsable_api.shortener.wsgi:application"

_database: Path | None = None
_urlconfs = itertools.count(1)

VIEW_SETTINGS = {
    "renderer_classes": "DEFAULT_RENDERER_CLASSES",
    "parser_classes": "DEFAULT_PARSER_CLASSES",
    "authentication_classes": "DEFAULT_AUTHENTICATION_CLASSES",
    "permission_classes": "DEFAULT_PERMISSION_CLASSES",
    "throttle_classes": "DEFAULT_THROTTLE_CLASSES",
    "pagination_class": "DEFAULT_PAGINATION_CLASS",
    "content_negotiation_class": "DEFAULT_CONTENT_NEGOTIATION_CLASS",
}
"""The view attributes that DRF sets from REST_FRAMEWORK once, on ``APIView``, at import."""


def setup(environment: str = "development") -> Path:
    """Configure Django here, once per process, on a new database; return its path.

    The database lives in a temporary folder removed at exit, and every
    migration is applied. Calling again (a notebook run twice in one kernel)
    returns the same database: empty it with :func:`empty_tables`.

    Jupyter runs cells while an asyncio event loop is running, and Django then
    refuses database calls unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set, as
    Django's documentation advises for notebooks: a cell's ORM calls run one at
    a time, so nothing is unsafe about them.
    """
    global _database
    if _database is not None:
        return _database
    try:
        import django
        import rest_framework  # noqa: F401 - fail early with a setup message
    except ImportError as missing:
        raise SetupProblem(
            f"{missing.name} is not installed, so the chapter's project cannot run.",
            fix="run `make setup` (or pip install -r requirements.txt)",
        ) from missing
    folder = Path(tempfile.mkdtemp(prefix="shortener-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    database = folder / "db.sqlite3"
    os.environ.update(
        SHORTENER_DB=str(database),
        SHORTENER_ENV=environment,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _database = database
    return database


def empty_tables() -> None:
    """Delete every URL and visit (and with them nothing else)."""
    from course.chapters.drf_browsable_api.links.models import URL, URLVisit

    URLVisit.objects.all().delete()
    URL.objects.all().delete()


def start_server(env: dict[str, str], threads: int = 4) -> ProcessServer:
    """Serve the shortener with waitress (``threads`` worker threads) on a free port.

    ``env`` adds to this process's environment: ``SHORTENER_ENV``,
    ``SHORTENER_SECRET_KEY``, ``SHORTENER_SELECT_CUTOFF``. The server uses
    the database of :func:`setup`. It counts as started once ``/robots.txt``
    answers.
    """
    database = setup()
    port = servers.free_port()
    command = [
        sys.executable,
        "-m",
        "waitress",
        f"--listen={servers.HOST}:{port}",
        f"--threads={threads}",
        WSGI_APP,
    ]
    return servers.start_process(
        command,
        port=port,
        env={"SHORTENER_DB": str(database), **env},
        probe=probes.http("/robots.txt"),
    )


@contextmanager
def api_with(
    rest_framework: Mapping[str, Any] | None = None,
    **viewsets: Mapping[str, Any],
) -> Iterator[None]:
    """Route ``/api/`` to views made anew under ``rest_framework``, for Django's test client.

    DRF reads the renderer, parser, authentication, permission, throttle and
    pagination classes from the settings once, when ``rest_framework.views``
    is imported: they become class attributes of ``APIView`` (and
    ``GenericAPIView``), which every view inherits. Overriding
    ``REST_FRAMEWORK`` in a running process therefore changes nothing for the
    views. A server started with the settings has them from the start: this
    gives the API's viewsets those attributes explicitly, as the settings say,
    and points ``ROOT_URLCONF`` at them for the ``with`` block. ``viewsets``
    sets further attributes by viewset name, e.g.
    ``URLVisitViewSet={"pagination_class": VisitPages}``.

    Values that DRF's own classes read at import (``PAGE_SIZE`` for its
    paginators, ``DEFAULT_THROTTLE_RATES``) are not made anew: the chapter
    shows those on a real server.
    """
    from django.test import override_settings
    from django.urls import include, path
    from rest_framework.routers import APIRootView, DefaultRouter
    from rest_framework.settings import api_settings

    from course.chapters.drf_browsable_api.links import views
    from course.chapters.drf_browsable_api.shortener import urls

    unknown = set(viewsets) - {"URLViewSet", "URLVisitViewSet"}
    if unknown:
        raise TypeError(f"no viewset named {', '.join(sorted(unknown))}")
    overrides = {} if rest_framework is None else {"REST_FRAMEWORK": dict(rest_framework)}
    with override_settings(**overrides):
        made = {name: getattr(api_settings, key) for name, key in VIEW_SETTINGS.items()}
        router = DefaultRouter()
        router.APIRootView = type("APIRootView", (APIRootView,), made)
        for prefix, viewset in [
            ("urls", views.URLViewSet),
            ("url-visits", views.URLVisitViewSet),
        ]:
            attributes = {**made, **viewsets.get(viewset.__name__, {})}
            router.register(prefix, type(viewset.__name__, (viewset,), attributes))
        name = f"{__name__}.urlconf_{next(_urlconfs)}"
        module = types.ModuleType(name)
        module.urlpatterns = [  # type: ignore[attr-defined]
            path("api/", include(router.urls)),
            *[pattern for pattern in urls.urlpatterns if not str(pattern.pattern).startswith("api/")],
        ]
        sys.modules[name] = module
        try:
            with override_settings(ROOT_URLCONF=name):
                yield
        finally:
            del sys.modules[name]
