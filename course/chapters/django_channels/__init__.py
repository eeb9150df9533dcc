"""Chapter 08: Django Channels 4, with websockets, groups, channel layers and workers run for real."""

from course.chapters import Chapter

CHAPTER = Chapter(
    8,
    "django-channels",
    "Django Channels 4: websockets, groups, channel layers and workers, for real",
    part="Web services",
)
