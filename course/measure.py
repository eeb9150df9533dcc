"""Measure the peak memory and wall time of a snippet in a fresh Python process.

Measuring in the notebook's own kernel would be wrong twice over: the kernel
already holds everything earlier cells made, and its high-water mark never goes
down. So each measurement starts a new interpreter (this very module, run as
``python -m course.measure``), runs ``setup`` (imports, preparing inputs),
notes the resident memory, resets the high-water mark, runs ``code``, and
reports the new high-water mark minus that baseline.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.processes import run

MiB = 1024 * 1024


class MeasureError(CourseError):
    """The measured snippet failed or ran too long; the message holds its error output."""


@dataclass(frozen=True)
class Measurement:
    """Peak memory above the baseline, and wall time, of one run of a snippet."""

    baseline_bytes: int
    peak_bytes: int
    seconds: float
    result: object = None

    @property
    def extra_bytes(self) -> int:
        """How far memory rose above the baseline while the snippet ran."""
        return max(0, self.peak_bytes - self.baseline_bytes)

    @property
    def extra_mib(self) -> float:
        """:attr:`extra_bytes` in MiB, for tables and plots."""
        return self.extra_bytes / MiB


def measure(code: str, *, setup: str = "", timeout: float = 120.0, cwd: str | Path | None = None) -> Measurement:
    """Run ``setup`` then ``code`` in a fresh ``python`` and measure ``code`` alone.

    A variable named ``result`` left by the snippet is returned (JSON values
    as they are, anything else as its ``repr``). Raises :class:`MeasureError`
    with the snippet's stderr if it fails or runs past ``timeout`` seconds;
    everything the snippet started is stopped with it.
    """
    with tempfile.TemporaryDirectory(prefix="course-measure-") as tmp:
        result_path = os.path.join(tmp, "result.json")
        argv = [sys.executable, "-m", "course.measure", textwrap.dedent(setup), textwrap.dedent(code), result_path]
        done = run(argv, timeout=timeout, cwd=cwd)  # the snippet and anything it started are stopped after it
        if done.timed_out:
            raise MeasureError(f"the snippet ran longer than {timeout:g} s and was stopped")
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            raise MeasureError(f"the snippet failed (exit {done.returncode}):\n{tail}")
        with open(result_path) as file:
            data = json.load(file)
    return Measurement(
        baseline_bytes=int(data["baseline_kib"]) * 1024,
        peak_bytes=int(data["peak_kib"]) * 1024,
        seconds=float(data["seconds"]),
        result=data["result"],
    )


# --- the child side: ``python -m course.measure SETUP CODE RESULT_PATH`` -------------------------------


def _status_kib(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of ``/proc/self/status`` in KiB (None where there is no /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_high_water_mark() -> bool:
    """Reset the kernel's peak-RSS counter for this process (Linux ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _max_rss_kib() -> int:
    """Peak RSS from ``getrusage``, in KiB (macOS reports bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def _jsonable(value: object) -> object:
    """``value`` if it survives a JSON round trip unchanged, else its ``repr``."""
    try:
        if json.loads(json.dumps(value)) != value:
            raise TypeError("changes in a JSON round trip")
    except (TypeError, ValueError):
        return repr(value)
    return value


def run_snippet(setup: str, code: str, result_path: str) -> None:
    """Run ``setup``, then ``code`` under measurement; write the figures as JSON to ``result_path``."""
    namespace: dict[str, object] = {"__name__": "__measured__"}
    exec(compile(setup, "<setup>", "exec"), namespace)
    baseline = _status_kib("VmRSS")
    resettable = baseline is not None and _reset_high_water_mark()
    if not resettable:
        baseline = _max_rss_kib()
    start = time.perf_counter()
    exec(compile(code, "<measured>", "exec"), namespace)
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM") if resettable else _max_rss_kib()
    result = _jsonable(namespace.get("result"))
    with open(result_path, "w") as out:
        json.dump({"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds, "result": result}, out)


__all__ = ["MiB", "MeasureError", "Measurement", "measure", "run_snippet"]

if __name__ == "__main__":
    run_snippet(*sys.argv[1:4])
