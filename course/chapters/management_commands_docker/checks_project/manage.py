#!/usr/bin/env python
"""The manage.py of the small project the exercise checks run in a container."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crawlsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
