"""Chapter 00, the preface: one problem solved idiomatically in Python and in JavaScript."""

from course.chapters import Chapter

CHAPTER = Chapter(0, "polyglot", "Preface: one problem, two languages", part="Preface")
