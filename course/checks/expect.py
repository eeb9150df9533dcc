"""Helpers for writing a question's ``judge``: run the learner's code and explain what went wrong.

Each helper raises :class:`Incorrect` with a message that says what was
expected and what happened, so a ``judge`` reads as a list of cases. They all
let the placeholder's ``NotImplementedError`` through (see :func:`is_placeholder`),
so an untouched exercise is reported as Not attempted rather than as a wrong
answer, and a :class:`~course.errors.SetupProblem`, which is never the
learner's fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from course.errors import SetupProblem


class Incorrect(Exception):
    """Raised by a ``judge`` with a message saying what was wrong."""


class NotAttempted(Exception):
    """Raised by a ``judge`` when the answer is still the placeholder."""


def is_placeholder(error: BaseException) -> bool:
    """Whether ``error`` is the exercise placeholder's ``raise NotImplementedError()``.

    Only a ``NotImplementedError`` without a message is: one with a message
    ("Half must implement save") is an answer's own choice of error, judged
    like any other.
    """
    return isinstance(error, NotImplementedError) and not str(error)


def describe_error(error: BaseException) -> str:
    """``ValueError: bad thing`` — an exception in one line, for feedback."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``function``; a non-callable answer is Incorrect, not a crash."""
    if not callable(function):
        raise Incorrect(f"expected a function, got {type(function).__name__} {function!r}")
    return function(*args, **kwargs)


def attempt(what: str, action: Callable[[], Any], why: str = "") -> Any:
    """Run ``action`` (which runs the learner's code) and return its result; a crash is Incorrect.

    ``what`` names the step in the message (``"Point(x=3)"``); ``why`` adds the
    reason it should have worked.
    """
    try:
        return action()
    except SetupProblem:
        raise
    except Exception as error:
        if is_placeholder(error):
            raise
        reason = f" — {why}" if why else ""
        raise Incorrect(f"{what} raised {describe_error(error)}{reason}") from None


def expect_exception(
    what: str,
    action: Callable[[], Any],
    kind: type[Exception] = TypeError,
    *,
    succeeded: Callable[[Any], str] | None = None,
) -> Exception:
    """Run ``action``, which must raise ``kind``; return the exception itself.

    For checks that look further at the error: its type, its attributes (an
    SMTP code), or whether it is the very object a fake raised. When it raises
    something else, or nothing, the answer is Incorrect; ``succeeded(result)``
    may supply the message for the "nothing" case.
    """
    try:
        result = action()
    except SetupProblem:
        raise
    except Exception as error:
        if is_placeholder(error):
            raise
        if isinstance(error, kind):
            return error
        raise Incorrect(f"{what} should raise {kind.__name__}, but it raised {describe_error(error)}") from None
    message = succeeded(result) if succeeded else f"{what} should raise {kind.__name__}, but it succeeded"
    raise Incorrect(message)


def expect_raises(
    what: str,
    action: Callable[[], Any],
    kind: type[Exception] = TypeError,
    *,
    succeeded: Callable[[Any], str] | None = None,
) -> str:
    """Run ``action``, which must raise ``kind``; return the error's message (see :func:`expect_exception`)."""
    return str(expect_exception(what, action, kind, succeeded=succeeded))


def expect_http_error(
    what: str, action: Callable[[], Any], status: int, accepted: tuple[type[BaseException], ...] = ()
) -> None:
    """``action()`` must raise ``requests.HTTPError`` because the server answered ``status``.

    ``accepted`` adds other errors that say the same, for questions that allow
    answers written with another library (httpx, urllib). Unlike the other
    helpers it judges ``NotImplementedError`` as a wrong exception: by the time
    a check asks for an HTTP error, the answer has run.
    """
    import requests

    try:
        action()
    except SetupProblem:
        raise
    except (requests.HTTPError, *accepted):
        return
    except Exception as error:
        raise Incorrect(
            f"{what}: the server answered {status}; expected requests.HTTPError (from r.raise_for_status()), "
            f"but your code raised {describe_error(error)}"
        ) from None
    raise Incorrect(
        f"{what}: the server answered {status}, yet your function returned normally — "
        "call r.raise_for_status() before using the body"
    )


def expect_equal(what: str, expected: Any, got: Any) -> None:
    """Raise :class:`Incorrect` saying ``what`` was expected and what came back."""
    if got != expected:
        raise Incorrect(f"{what}: expected {expected!r}, got {got!r}")


__all__ = [
    "Incorrect",
    "NotAttempted",
    "attempt",
    "call",
    "describe_error",
    "expect_equal",
    "expect_exception",
    "expect_http_error",
    "expect_raises",
]
