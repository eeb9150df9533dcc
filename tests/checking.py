"""Helpers shared by the chapters' tests of their exercise checks (importable as ``checking``)."""

from course.checks import Outcome


def incorrect(outcome: Outcome, *fragments: str) -> None:
    """Assert the outcome is Incorrect and its message contains every fragment."""
    assert outcome.status == "incorrect", outcome
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message
