"""The shortener's manage.py.

Run it as ``python -m course.chapters.drf_browsable_api.manage COMMAND``.
"""

import os
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE",
        "course.chapters.drf_browsable_api.shortener.settings",
    )
    execute_from_command_line(sys.argv)
