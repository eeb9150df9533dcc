"""Set up the chapter's Django project (a fresh database, removed at exit) before the tests import DRF."""

from course.chapters.drf_browsable_api import project

project.setup("development")
