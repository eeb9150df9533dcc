"""Infrastructure for the Polyglot Ninja executable course.

The notebooks import these small helpers so that each lesson can stay about
its own topic: starting local servers, measuring memory and time, running
Node.js cells, and giving feedback on exercises. What a chapter teaches lives
in the notebook or in the chapter's own package, ``course.chapters.<package>``
(the slug with ``_`` for ``-``: ``course.chapters.streaming_downloads``).
"""

from pathlib import Path

from course import renamed
from course.errors import CourseError, SetupProblem

renamed.install()  # notebooks handed out before the reshape import the old module names

ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root (where ``node_modules`` and the notebooks live)."""

__all__ = ["ROOT", "CourseError", "SetupProblem"]
