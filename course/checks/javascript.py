"""Judge a learner's JavaScript answer by running it with Node.js against test cases.

An exercise answered in a ``%%node --save NAME`` cell leaves its source in
``NAME``. A check appends a *harness* to that source — JavaScript that calls the
learner's function on each test case inside ``__case(label, () => ...)``, where
the thunk may return a value or a promise — runs the whole script with
:func:`course.node.run_node`, and reads back one JSON line of results. This
module builds that harness and turns what Node reports into the course's
verdicts:

- a case that throws ``NotImplementedError: ...`` (the exercise stub) →
  :class:`~course.checks.expect.NotAttempted`;
- a syntax error, a crash before the cases ran, a script that never ends, or a
  promise rejected with nothing to handle it →
  :class:`~course.checks.expect.Incorrect` with the first line of Node's error;
- a case whose promise never settles → its result is the error "never settled";
- otherwise the :class:`JsCase` results, for the question to compare
  (:func:`expect_js` does the usual comparison).

A missing Node.js is a :class:`~course.node.NodeMissing` setup problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from course.checks.expect import Incorrect, NotAttempted
from course.node import run_node

MARKER = "@@course-check@@"
"""Prefix of the one stdout line that carries the harness's results."""

_HARNESS = """
;(async () => {{
  const __results = [];
  const __cases = [];
  const __unhandled = [];
  let __current = "(before the cases)";
  const __text = (error) =>
    error instanceof Error ? `${{error.name}}: ${{error.message}}` : `threw ${{String(error)}}`;
  process.on("unhandledRejection", (reason) => {{
    __unhandled.push({{ label: __current, error: __text(reason) }});
  }});
  const __case = (label, thunk) => {{ __cases.push([label, thunk]); }};
  const __defined = typeof {name} === "function";
  if (__defined) {{
{body}
  }}
  let __stuck = null;
  for (const [label, thunk] of __cases) {{
    __current = label;
    if (__stuck !== null) {{
      __results.push({{ label, error: `not run: ${{__stuck}} never settled` }});
      continue;
    }}
    let timer;
    const late = new Promise((_, reject) => {{
      timer = setTimeout(() => reject(new Error("__late__")), {case_ms});
    }});
    try {{
      const json = JSON.stringify(await Promise.race([thunk(), late]));
      __results.push(json === undefined ? {{ label, undefined: true }} : {{ label, json }});
    }} catch (error) {{
      if (error instanceof Error && error.message === "__late__") {{
        __stuck = label;
        __results.push({{ label, error: "never settled: no result after {case_s} s" }});
      }} else {{
        __results.push({{ label, error: __text(error) }});
      }}
    }} finally {{
      clearTimeout(timer);
    }}
    await new Promise((resolve) => setImmediate(resolve)); // let rejections be reported
  }}
  const report = {{ defined: __defined, results: __results, unhandled: __unhandled }};
  console.log("{marker}" + JSON.stringify(report));
  process.exit(0); // stray timers of the answer must not keep the check waiting
}})();
"""

_ERROR_LINE = re.compile(r"^(?:[A-Z]\w*)?Error\b.*$", re.MULTILINE)
_WHERE = re.compile(r"^.*\.js:(\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class JsCase:
    """What one test case produced: a JSON-decoded ``value``, ``undefined``, or an ``error`` line."""

    label: str
    value: Any = None
    undefined: bool = False
    error: str | None = None

    def shown(self) -> str:
        """The result as a JavaScript programmer would read it, for feedback messages."""
        if self.error is not None:
            return f"an exception, {self.error}"
        return "undefined" if self.undefined else json.dumps(self.value, ensure_ascii=False)


def harness(function_name: str, body: str, *, case_timeout: float = 2.0) -> str:
    """JavaScript to append to the learner's source: run ``body`` (``__case(...)`` calls) if the function exists.

    Each case's thunk may return a value or a promise; cases run one after
    another, each awaited for at most ``case_timeout`` seconds. After a case
    that never settles the rest are not run (each would wait as long).
    """
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return _HARNESS.format(
        name=function_name,
        body=indented,
        marker=MARKER,
        case_ms=round(case_timeout * 1000),
        case_s=f"{case_timeout:g}",
    )


@dataclass(frozen=True)
class JsReport:
    """Everything one run of the cases reported: each case's result, and any unhandled rejections."""

    cases: list[JsCase]
    unhandled: list[tuple[str, str]]
    """``(label of the case running at the time, the rejection's error)`` for each unhandled rejection."""

    def by_label(self) -> dict[str, JsCase]:
        """The cases by their labels."""
        return {case.label: case for case in self.cases}

    def raise_unhandled(self) -> None:
        """Incorrect when a promise was rejected with nothing to handle it (Node.js 20 would stop)."""
        if self.unhandled:
            label, error = self.unhandled[0]
            raise Incorrect(
                f"{label}: a promise was rejected ({error}) while nothing was waiting for it. "
                "Node.js 20 stops a program for such an unhandled rejection: await every promise you start, "
                "or wait for several at once with Promise.all"
            )


def run_cases(
    source: Any, function_name: str, body: str, *, timeout: float = 10.0, case_timeout: float = 2.0
) -> list[JsCase]:
    """Run the learner's ``source`` plus the cases in ``body``; return each case's result.

    A case may return a promise: its settled value (or rejection) is the
    result, and one that has not settled after ``case_timeout`` seconds is
    reported as an error "never settled". ``timeout`` bounds the whole run.

    Raises :class:`NotAttempted` when the stub's ``NotImplementedError`` is
    thrown, and :class:`Incorrect` when the script cannot be tested (not a
    string, syntax error, crash, endless loop, or ``function_name`` missing)
    or when a promise was rejected with nothing to handle it (Node.js 20
    stops a program for that).
    """
    report = run_report(source, function_name, body, timeout=timeout, case_timeout=case_timeout)
    report.raise_unhandled()
    return report.cases


def run_report(
    source: Any, function_name: str, body: str, *, timeout: float = 10.0, case_timeout: float = 2.0
) -> JsReport:
    """Like :func:`run_cases`, but unhandled rejections are returned, for a check to judge when it chooses."""
    if not isinstance(source, str):
        raise Incorrect(f"expected the JavaScript source saved by `%%node --save`, got {type(source).__name__}")
    done = run_node(source + "\n" + harness(function_name, body, case_timeout=case_timeout), timeout=timeout)
    payload = next((line for line in done.stdout.splitlines() if line.startswith(MARKER)), None)
    if payload is None:
        if "NotImplementedError" in done.stderr:
            raise NotAttempted('replace the `throw new Error("NotImplementedError: ...")` line with your code.')
        if done.returncode == -9:
            raise Incorrect(f"your JavaScript did not finish within {timeout:g} s: is there an endless loop?")
        if done.returncode == 0:
            raise Incorrect(
                f"your JavaScript stopped before `{function_name}` could be tested: "
                "does it call process.exit(), or `return` outside a function?"
            )
        if done.returncode > 0 and not done.stderr.strip():  # no error shown: the script ended itself
            raise Incorrect(
                f"your JavaScript stopped with exit code {done.returncode} and no error message before "
                f"`{function_name}` could be tested: does it call process.exit()?"
            )
        raise Incorrect(f"your JavaScript could not be run: {node_error(done.stderr, source)}")
    report = json.loads(payload[len(MARKER) :])
    if not report["defined"]:
        raise Incorrect(f"your JavaScript does not define a function named `{function_name}`; keep the exercise's name")
    cases = [
        JsCase(r["label"], json.loads(r["json"]) if "json" in r else None, r.get("undefined", False), r.get("error"))
        for r in report["results"]
    ]
    stub_ran = any(
        "NotImplementedError" in (case.error or "") or "NotImplementedError" in json.dumps(case.value) for case in cases
    )
    if stub_ran:  # thrown, or caught by a case that reports a rejection
        raise NotAttempted('replace the `throw new Error("NotImplementedError: ...")` line with your code.')
    return JsReport(cases, [(item["label"], item["error"]) for item in report["unhandled"]])


def node_error(stderr: str, source: str) -> str:
    """The first ``...Error: ...`` line of Node's ``stderr``, with its line number when it is in ``source``."""
    found = _ERROR_LINE.search(stderr)
    message = found.group(0).strip() if found else (stderr.strip().splitlines() or ["no error message"])[-1]
    where = _WHERE.search(stderr)
    if where and int(where.group(1)) <= len(source.splitlines()):
        message += f" (line {where.group(1)} of your cell)"
    return message


def expect_js(label: str, expected: Any, got: JsCase) -> None:
    """Incorrect unless the JavaScript case ``got`` returned ``expected`` (compared as JSON values)."""
    if got.error is not None or got.undefined or got.value != expected:
        forgot = " (did you forget `return`?)" if got.undefined else ""
        raise Incorrect(f"{label}: expected {json.dumps(expected, ensure_ascii=False)}, got {got.shown()}{forgot}")


__all__ = ["MARKER", "JsCase", "JsReport", "expect_js", "harness", "node_error", "run_cases", "run_report"]
