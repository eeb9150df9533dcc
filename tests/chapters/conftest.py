"""Django is set up once per process, and the suite runs every chapter in one process.

Chapter 07's project is the one set up, before any chapter's tests are collected: its
apps include everything chapter 08's checks need (auth and sessions), which then use
its settings (see ``course.chapters.django_channels.harness.setup``). In a notebook,
each chapter has a kernel, and so a Django of its own.
"""

from course.chapters.drf_browsable_api import project

project.setup("development")
