"""Chapter 05: a Messenger bot with Flask, its webhooks signed and tested locally."""

from course.chapters import Chapter

CHAPTER = Chapter(
    5,
    "messenger-bot",
    "A Messenger bot with Flask: signed webhooks, fully local",
    part="Web services",
)
