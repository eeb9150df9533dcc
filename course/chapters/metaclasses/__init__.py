"""Chapter 01: metaclasses, and the lighter hooks that replace most of them."""

from course.chapters import Chapter

CHAPTER = Chapter(1, "metaclasses", "Metaclasses: classes are objects too", part="Python objects")
