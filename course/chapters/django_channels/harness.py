"""Run consumers inside this process, as the exercise checks (and the tests) do.

:func:`setup` configures a small Django project in the running process when
none is configured yet: the auth and session apps, Channels, the in-memory
channel layer and a SQLite database in a temporary folder that is removed at
exit. :func:`run` runs a coroutine to the end from synchronous code, even in a
notebook, whose own event loop is already running, and gives the run a sync
thread of its own. :func:`fresh_layer` gives a check an empty channel layer, so
that groups left by an earlier answer cannot change the verdict on this one.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from course.django_checks import setup_django
from course.errors import SetupProblem

T = TypeVar("T")

_database: Path | None = None


def setup() -> Path:
    """Set Django up once per process, with every migration applied; return the database.

    Where no Django project is set up yet (an exercise notebook's kernel), a
    small one is configured: the auth and session apps, Channels, the in-memory
    layer, and a SQLite file in a temporary folder removed at exit. Django can
    be set up only once per process, so where a project is set up already (the
    test suite runs every chapter in one process), its settings are used, and
    they must include the auth and session apps.

    The checks make users and sessions from the notebook's thread, one call at
    a time (see :func:`course.django_checks.setup_django`).
    """
    global _database
    if _database is not None:
        return _database
    setup_django(
        "consumers",
        prefix="channels-checks-",
        modules=("channels",),
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "channels"],
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    from django.apps import apps
    from django.conf import settings

    needed = {"django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"}
    missing_apps = needed - {app.name for app in apps.get_app_configs()}
    if missing_apps:
        raise SetupProblem(
            f"Django is already set up in this process without {', '.join(sorted(missing_apps))}, "
            "which the checks need.",
            fix="restart the kernel and run the exercise notebook from the top",
        )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _database = Path(settings.DATABASES["default"]["NAME"])
    return _database


def run(main: Callable[[], Awaitable[T]], timeout: float) -> T:
    """Run ``main()`` in a new event loop on its own thread; return its result or raise its error.

    A notebook's thread already runs an event loop, so ``asyncio.run`` cannot
    be called there. After ``timeout`` s the coroutine is cancelled and
    :class:`TimeoutError` is raised; a consumer that blocks its loop for good
    cannot be cancelled, and is left to the question's time limit.

    Sync consumers, and every consumer's pass to close database connections,
    run in asgiref's one shared "thread-sensitive" thread. Here each run gets
    a thread of its own instead, so an answer that never returns from a sync
    handler holds up only its own check, not the checks after it.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(asyncio.wait_for(_awaited(main), timeout))
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="channels-check", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


async def _awaited(main: Callable[[], Awaitable[T]]) -> T:
    from asgiref.sync import ThreadSensitiveContext

    executor = OneDaemonThread()
    try:
        async with ThreadSensitiveContext(executor=executor):
            return await main()
    finally:
        executor.shutdown(wait=False)


class OneDaemonThread(Executor):
    """Runs calls one at a time on one daemon thread: a call that never returns cannot stop the process exiting."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None]
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._work, name="channels-check-sync", daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._jobs.put(None)  # the thread ends after the calls already given

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # handed to the caller, like ThreadPoolExecutor does
                future.set_exception(error)


@contextmanager
def fresh_layer() -> Iterator[Any]:
    """Make a new, empty in-memory layer the default one inside the block; yield it.

    Consumers look their layer up when a connection starts, so every consumer
    started inside the block uses this one.
    """
    from channels.layers import InMemoryChannelLayer, channel_layers

    layer = InMemoryChannelLayer()
    before = channel_layers.backends.get("default")
    channel_layers.backends["default"] = layer
    try:
        yield layer
    finally:
        if before is None:
            channel_layers.backends.pop("default", None)
        else:
            channel_layers.backends["default"] = before


def session_cookie(username: str, *, staff: bool = False, active: bool = True) -> bytes:
    """A ``Cookie`` header value with a logged-in session of user ``username`` (made if missing)."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    user, _ = User.objects.update_or_create(username=username, defaults={"is_staff": staff, "is_active": active})
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
