"""Chapter 07: the DRF browsable API in production, its outage reproduced and fixed."""

from course.chapters import Chapter

CHAPTER = Chapter(
    7,
    "drf-browsable-api",
    "The DRF browsable API in production: an outage reproduced, measured, fixed",
    part="Web services",
)
