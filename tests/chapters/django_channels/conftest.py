"""Configure Django for the chapter's consumers (a fresh database, removed at exit) before the tests import Channels."""

from course.chapters.django_channels import harness

harness.setup()
