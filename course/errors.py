"""The course's one family of errors.

Every error the course itself raises derives from :class:`CourseError`, so a
caller can tell the course's failures from the learner's. The line that
matters most to a learner is the one between the two branches:

- :class:`SetupProblem`: the machine lacks something, or something failed to
  start (a program, a free port, redis, node, Docker, a server that never
  answers). It is never the learner's fault: a check shows it as a setup
  problem with the command that fixes it, and the grader lists it as such,
  never as a wrong answer.
- every other :class:`CourseError`: a mistake in how the course's helpers were
  called, or in a notebook given to the grader, explained in its message.
"""

from __future__ import annotations

SETUP_PAGE = "book/setup.md"
"""Where the course explains how to install what it needs."""


class CourseError(Exception):
    """Base class of every error the course's helpers raise."""


class SetupProblem(CourseError):
    """Something is missing from the machine or failed to start: not a mistake in the learner's code.

    ``fix`` is the one thing to do about it (usually a command); it is shown
    after the message, in checks, in tracebacks and in the grader's report.
    """

    def __init__(self, message: str, fix: str = f"follow the course's setup page ({SETUP_PAGE})") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\nTo fix it: {self.fix}"

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the message already says what to do."""
        return [f"{type(self).__name__} (a setup problem, not a mistake in your code): {self}"]


class ServerError(SetupProblem):
    """A server (or any helper process) did not start, or did not answer in time.

    It is a setup problem because the servers the course starts are the
    course's own. A future check that starts a server the *learner* wrote must
    catch it and raise Incorrect itself, since there the fault is the answer's.
    """


__all__ = ["SETUP_PAGE", "CourseError", "ServerError", "SetupProblem"]
