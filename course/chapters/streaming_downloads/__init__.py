"""Chapter 04: downloading large files with requests, against a local download host (:mod:`.host`)."""

from course.chapters import Chapter

CHAPTER = Chapter(
    4,
    "streaming-downloads",
    "Downloading large files with requests: streaming, measured",
    part="Data over the network",
    aliases=("streaming",),
)
