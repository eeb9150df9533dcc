"""Django in a checking process: a small project where none is set up, and a clear setup problem."""

import subprocess
import sys
from pathlib import Path

import pytest

from course.django_checks import setup_django
from course.errors import SetupProblem


def test_a_missing_package_is_a_setup_problem_naming_it() -> None:
    with pytest.raises(SetupProblem, match="no_such_package_xyz is not installed, so the chapter's commands"):
        setup_django("commands", prefix="unused-", modules=("no_such_package_xyz",))


def test_without_a_project_a_small_one_is_configured_and_its_database_removed_at_exit(tmp_path: Path) -> None:
    script = (
        "from course.django_checks import setup_django\n"
        "setup_django('commands', prefix='course-django-test-', INSTALLED_APPS=['django.contrib.contenttypes'])\n"
        "from django.conf import settings\n"
        "import os\n"
        "print(settings.DATABASES['default']['NAME'], settings.USE_TZ, os.environ['DJANGO_ALLOW_ASYNC_UNSAFE'])\n"
    )
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)}
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    database, use_tz, unsafe = ran.stdout.split()
    assert Path(database).parent.name.startswith("course-django-test-") and use_tz == "True" and unsafe == "true"
    assert not Path(database).parent.exists()
