"""Chapter 02: composition over inheritance, with real mail servers."""

from course.chapters import Chapter

CHAPTER = Chapter(
    2,
    "composition",
    "Composition over inheritance: swap the parts, keep the object",
    part="Python objects",
)
