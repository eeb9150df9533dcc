"""Give the process the crawler's ``pages`` app and table before the tests import the questions."""

from course.chapters.management_commands_docker import harness

harness.setup()
