"""Chapter 06: Django management commands, written, tested, and run inside real containers."""

from course.chapters import Chapter

CHAPTER = Chapter(
    6,
    "management-commands-docker",
    "Django management commands, written, tested and run in real containers",
    part="Web services",
)
