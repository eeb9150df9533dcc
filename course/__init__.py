"""Infrastructure for the Polyglot Ninja executable course.

The notebooks import these small helpers so that each lesson can stay about
its own topic: starting local servers, measuring memory and time, running
Node.js cells, and giving feedback on exercises. What a chapter teaches lives
in the notebook or in the chapter's own package, ``course.chapters.<package>``
(the slug with ``_`` for ``-``: ``course.chapters.streaming_downloads``).
"""

import os
from pathlib import Path

from course import renamed
from course.errors import CourseError, SetupProblem

renamed.install()  # notebooks handed out before the reshape import the old module names

# Where the course's files are is decided here, and only here. A clone of the repository has them
# around this package. A wheel (pip install from the repository, as a notebook opened alone in
# Colab does) carries copies in course/_data, put there by the build step in setup.py.
_PACKAGE = Path(__file__).resolve().parent
_BUNDLE = _PACKAGE / "_data"

STANDALONE: bool = _BUNDLE.is_dir()
"""True when the course runs from an installed wheel rather than from a clone of its repository."""

ROOT: Path = _BUNDLE if STANDALONE else _PACKAGE.parent
"""Where the course's files are: ``solutions/``, ``notebooks/data/``, ``package.json`` …

In a clone, the repository root. In an installed wheel, the copies it carries, in the same layout
(``course/_data/solutions/…``); a wheel holds only what the notebooks need at run time.
"""

HOME: Path = Path(os.environ.get("COURSE_HOME") or Path.home() / ".cache" / "polyglot-ninja") if STANDALONE else ROOT
"""A folder of the learner's where the course installs what it needs: ``node_modules``.

In a clone, the repository root (``npm ci`` runs there). In an installed wheel, whose folder may not be
writable, ``$COURSE_HOME`` if set, else ``~/.cache/polyglot-ninja``.
"""

__all__ = ["HOME", "ROOT", "STANDALONE", "CourseError", "SetupProblem"]
