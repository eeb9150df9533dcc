"""Chapter 03: generator workflows, with co in Node.js and the same idea in Python."""

from course.chapters import Chapter

CHAPTER = Chapter(
    3,
    "generator-workflows",
    "Generator workflows: co in Node.js, the same idea in Python",
    part="Generators and async",
)
