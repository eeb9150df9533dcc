"""Measure the peak memory and wall time of a snippet in a fresh Python process.

Measuring in the notebook's own kernel would be wrong twice over: the kernel
already holds everything earlier cells made, and its high-water mark never goes
down. So each measurement starts a new interpreter, runs ``setup`` (imports,
preparing inputs), notes the resident memory, resets the high-water mark, runs
``code``, and reports the new high-water mark minus that baseline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024

_DRIVER = r"""
import json, os, resource, sys, time

def rss_kib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None

def reset_high_water_mark():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False

setup, code, result_path = sys.argv[1], sys.argv[2], sys.argv[3]
namespace = {"__name__": "__measured__"}
exec(compile(setup, "<setup>", "exec"), namespace)
baseline = rss_kib("VmRSS")
resettable = baseline is not None and reset_high_water_mark()
if not resettable:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
exec(compile(code, "<measured>", "exec"), namespace)
seconds = time.perf_counter() - start
peak = rss_kib("VmHWM") if resettable else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.platform == "darwin" and not resettable:
    baseline, peak = baseline // 1024, peak // 1024   # macOS reports bytes
result = namespace.get("result")
try:
    if json.loads(json.dumps(result)) != result:
        raise TypeError("changes in a JSON round trip")
except (TypeError, ValueError):
    result = repr(result)
with open(result_path, "w") as out:
    json.dump({"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds, "result": result}, out)
"""


class MeasureError(RuntimeError):
    """The measured snippet failed; the message holds its error output."""


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
    with the snippet's stderr if it fails or runs past ``timeout`` seconds.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="course-measure-") as tmp:
        result_path = os.path.join(tmp, "result.json")
        argv = [sys.executable, "-c", _DRIVER, textwrap.dedent(setup), textwrap.dedent(code), result_path]
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            os.killpg(process.pid, signal.SIGKILL)  # the snippet and anything it started
            process.communicate()
            raise MeasureError(f"the snippet ran longer than {timeout:g} s and was stopped") from error
        done = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
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


__all__ = ["MiB", "MeasureError", "Measurement", "measure"]
