"""Run management commands inside this process, as the exercise checks (and the tests) do.

:func:`setup` gives the process a Django with the crawler's ``pages`` app and
its table: a small project on a SQLite file removed at exit where no Django is
set up yet (an exercise notebook's kernel), or the project already set up,
with the app added, where there is one (the test suite runs every chapter in
one process). :func:`run_cli` runs a command class the way ``manage.py`` does,
exit code included; :func:`seed` fills the table with pages of known ages;
:func:`check_container` gives a check a real container to run a docker command
line against.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from course.chapters.management_commands_docker import engine
from course.django_checks import setup_django

APP = "course.chapters.management_commands_docker.pages"
CHECK_LABEL = f"{engine.LABEL_KEY}=06-checks-{os.getpid()}"
"""The label of what this process's checks make in Docker (a container and an image tag,
removed after each check): never mixed up with the lesson's things or with another kernel's
checks, and known by :func:`remove_orphans` for an orphan once the process is gone."""
CHECK_IMAGE = "polyglot-ninja/crawler-checks:06"

_ready = False


def setup() -> None:
    """Set Django up once per process with the ``pages`` app and its table (see the module's docstring).

    The project configured where none is: the auth app and ``pages`` on a
    SQLite file removed at exit (:func:`course.django_checks.setup_django`).
    """
    global _ready
    if _ready:
        return
    setup_django(
        "commands",
        prefix="commands-checks-",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", APP],
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    from django.apps import apps

    if not apps.is_installed(APP):
        from django.test.utils import modify_settings

        modify_settings(INSTALLED_APPS={"append": APP}).enable()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    _ready = True


@dataclass
class Ran:
    """What one run of a command did, seen from the shell: exit code and both streams."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(command_class: type, name: str, *argv: str) -> Ran:
    """Run ``command_class`` as ``python manage.py name argv…`` would, and return what the shell sees.

    Django's ``run_from_argv`` turns a ``CommandError`` into a message on
    standard error and ``sys.exit(returncode)``; argparse prints its own errors
    to ``sys.stderr`` and exits with 2. Both streams are captured, ``print``
    included, as a shell would see them. Any other exception is left to the
    caller (``manage.py`` would print its traceback).
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    command = command_class(stdout=stdout, stderr=stderr, no_color=True)
    code = 0
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            command.run_from_argv(["manage.py", name, *argv])
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        if isinstance(exit.code, str):
            stderr.write(exit.code)
    return Ran(code, stdout.getvalue(), stderr.getvalue())


def seed(ages: Iterable[timedelta], *, now: datetime | None = None, status: int = 200) -> list[Any]:
    """Replace every page with one per age (fetched that long ago), URLs numbered in order; return them."""
    from django.utils import timezone

    from course.chapters.management_commands_docker.pages.models import Page

    now = now or timezone.now()
    Page.objects.all().delete()
    return [
        Page.objects.create(url=f"https://example.org/page-{number}", status=status, fetched_at=now - age)
        for number, age in enumerate(ages, 1)
    ]


@contextmanager
def check_container() -> Iterator[str]:
    """A new container with the ``pages`` app and an empty table, for one check: its name.

    Each call builds the image from the chapter's Dockerfile with a small
    project (``checks_project/``, whose settings module is
    ``crawlsite.settings`` as in the lesson, and the ``pages`` app), and
    starts a new container from it, so that nothing an earlier answer did to
    the last one can change the verdict on the next. The container and the image's tag
    are removed when the ``with`` block ends: a kernel may be stopped without
    a chance to clean up, so nothing is kept between checks but Docker's build
    cache, which makes the next build take a second or two. What a process
    killed in the middle of a check left behind is removed by the next check.
    """
    engine.wheelhouse()
    remove_orphans()
    with tempfile.TemporaryDirectory(prefix="crawler-checks-") as folder:
        context = Path(folder)
        shutil.copy(engine.DOCKERFILE, context / "Dockerfile")
        shutil.copy(engine.REQUIREMENTS, context / "requirements.txt")
        shutil.copytree(engine.WHEELHOUSE, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        shutil.copytree(engine.HERE / "checks_project", context / "src", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(engine.HERE / "pages", context / "src" / "pages", ignore=shutil.ignore_patterns("__pycache__"))
        image = engine.build(context, CHECK_IMAGE, label=CHECK_LABEL)
    name = f"crawler-checks-{os.getpid()}"
    try:
        engine.docker(["rm", "--force", name], check=False)
        engine.docker(["run", "--detach", "--label", CHECK_LABEL, "--name", name, image, "sleep", "infinity"])
        engine.docker(["exec", name, "python", "manage.py", "migrate", "--run-syncdb", "--verbosity", "0"])
        yield name
    finally:
        engine.docker(["rm", "--force", name], check=False)
        engine.docker(["rmi", "--force", "--no-prune", image], check=False)  # the tag; the cache stays


def remove_orphans() -> list[str]:
    """Remove the check containers and images of processes that are gone (killed kernels); return their ids."""
    key = engine.LABEL_KEY
    owner = '{{.ID}} {{.Label "' + key + '"}}'
    containers = engine.lines(["ps", "--all", "--no-trunc", "--filter", f"label={key}", "--format", owner])
    image_ids = sorted(set(engine.lines(["images", "--quiet", "--filter", f"label={key}"])))
    owner = '{{.Id}} {{index .Config.Labels "' + key + '"}}'
    images = engine.lines(["image", "inspect", "--format", owner, *image_ids]) if image_ids else []
    orphans = []
    for command, listed in (("rm", containers), ("rmi", images)):
        for line in listed:
            object_id, _, value = line.partition(" ")
            pid = value.removeprefix("06-checks-")
            if pid != value and pid.isdigit() and not psutil.pid_exists(int(pid)):
                keep_cache = ["--no-prune"] if command == "rmi" else []
                engine.docker([command, "--force", *keep_cache, object_id], check=False)
                orphans.append(object_id)
    return orphans


__all__ = ["APP", "CHECK_IMAGE", "CHECK_LABEL", "Ran", "check_container", "remove_orphans", "run_cli", "seed", "setup"]
