"""Infrastructure for the Polyglot Ninja executable course.

The notebooks import these small helpers so that each lesson can stay about
its own topic: starting local servers, measuring memory and time, running
Node.js cells, and giving feedback on exercises.
"""

from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root (where ``node_modules`` and the notebooks live)."""


class SetupProblem(RuntimeError):
    """Something is missing from the learner's machine (not a mistake in their code).

    Exercise checks let these through instead of calling the answer incorrect.
    """


__all__ = ["ROOT", "SetupProblem"]
