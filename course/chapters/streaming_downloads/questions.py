"""Exercises of chapter 04 (streaming downloads with requests), checked against a real local download host.

- ``q1`` — ``save_streamed(url, path)``: save a file in constant memory; fail on an HTTP error.
- ``q2`` — ``save_with_progress(url, path, on_progress)``: report ``(done, total)`` after every chunk.
- ``q3`` — ``resume(url, path)``: continue a partial file with ``Range``, whatever the server answers.
- ``q4`` — ``count_and_total(url)``: aggregate an NDJSON stream line by line.

The checks share one download host (:mod:`.host`) per process, through
:func:`course.servers.shared`, so ``servers.stop_all()`` stops it. Memory
is judged in a fresh Python process (:func:`course.measure.measure`): the learner's
function travels there as source code, with the modules and simple constants it uses.
The answers themselves are in ``solutions/04-streaming-downloads.ipynb``.
"""

from __future__ import annotations

import hashlib
import http.client
import inspect
import tempfile
import textwrap
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import urllib3

from course import servers
from course.chapters.streaming_downloads import CHAPTER
from course.chapters.streaming_downloads.host import (
    MiB,
    content_range,
    content_sha256,
    ndjson_value,
    start_download_host,
)
from course.checks import Question, bind
from course.checks.expect import Incorrect, call, describe_error, expect_equal, expect_http_error
from course.measure import MeasureError, measure

NETWORK_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, ConnectionError)
"""What a download may raise when the host drops the connection on purpose."""


def host_url() -> str:
    """The URL of the checks' shared download host, started on first use (and again if it was stopped)."""
    return servers.shared("download-host", start_download_host).url


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while piece := file.read(MiB):
            digest.update(piece)
    return digest.hexdigest()


def write_prefix(path: Path, size: int, length: int) -> None:
    """Write the first ``length`` bytes of the ``size``-byte file to ``path``: a partial download."""
    with open(path, "wb") as file:
        for piece in content_range(0, min(length, size)):
            file.write(piece)


def describe_file(path: Path, size: int) -> str:
    """What is wrong with the downloaded ``path``, or "" when it holds exactly the ``size``-byte file."""
    if not path.exists():
        return "no file was written"
    got = path.stat().st_size
    if got != size:
        return f"the file has {got} bytes, expected {size}"
    if file_sha256(path) != content_sha256(size):
        return f"the file has the right length ({size} bytes) but different content (its sha256 does not match)"
    return ""


PROBE_SIZE = 300_007
"""A small file that any sensible chunk size saves in milliseconds (about 6 ms with 64 KiB chunks),
while the 1-byte default of ``iter_content()`` needs seconds (2–3 s measured here): a clear margin
on either side of the 0.5 s limit, even on a much faster or busier machine."""


def expect_quick(what: str, action: Callable[[], Any], limit: float = 0.5) -> None:
    """Run ``action`` (a download of :data:`PROBE_SIZE` bytes); Incorrect if it is far too slow.

    Catches the 1-byte default of ``iter_content()`` on a small file, before a
    large one would keep the learner waiting for minutes.
    """
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    if seconds > limit:
        raise Incorrect(
            f"{what} took {seconds:.1f} s for {PROBE_SIZE:,} bytes: pass a chunk size of 64 KiB to 1 MiB "
            "(iter_content() with no argument reads 1 byte at a time)"
        )


# --- running the learner's function in a fresh process ------------------------------------------------


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names


def portable_source(function: Any, _seen: set[int] | None = None) -> str:
    """Source that defines ``function`` in a fresh interpreter: imports and constants it uses, then its ``def``.

    Modules become imports, numbers and strings become assignments, functions
    and classes from a notebook come along as source; anything else is left
    out (the fresh process then reports a NameError that the check explains).
    """
    seen = _seen if _seen is not None else set()
    seen.add(id(function))
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        raise Incorrect(
            f"cannot read the source of {getattr(function, '__name__', function)!r}: define it with `def` in a cell"
        ) from None
    lines: list[str] = []
    namespace = getattr(function, "__globals__", {})
    for name in sorted(_global_names(function.__code__)):
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            lines.append(f"import {value.__name__} as {name}")
        elif isinstance(value, bool | int | float | str | bytes | type(None)):
            lines.append(f"{name} = {value!r}")
        elif getattr(value, "__module__", None) in ("__main__", function.__module__) and id(value) not in seen:
            if inspect.isfunction(value) or inspect.isclass(value):
                lines.append(portable_source(value, seen))
        elif inspect.isfunction(value) or inspect.isclass(value) or inspect.isbuiltin(value):
            module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
            if module and "." not in qualname:
                lines.append(f"from {module} import {qualname} as {name}")
    return "\n".join([*lines, source])


def run_measured(function: Any, arguments: str, *, timeout: float, what: str) -> tuple[float, Any]:
    """Run ``function(<arguments>)`` in a fresh process; return (peak MiB above baseline, its return value).

    ``arguments`` is Python source for the call's arguments. A failure in the
    learner's code becomes Incorrect with the last line of its error.
    """
    name = getattr(function, "__name__", "answer")
    setup = portable_source(function)
    try:
        code = f"result = {name}({arguments})\nif isinstance(result, tuple):\n    result = list(result)"
        measured = measure(code, setup=setup, timeout=timeout)
    except MeasureError as error:
        lines = str(error).strip().splitlines()
        if "longer than" in lines[0]:
            raise Incorrect(
                f"{what} did not finish within {timeout:g} s: read the body in chunks of 64 KiB or more "
                "(iter_content's default chunk_size is 1 byte)"
            ) from None
        hint = " (the check runs your function in a fresh Python: define what it uses inside it)"
        last = lines[-1] if len(lines) > 1 else lines[0]
        raise Incorrect(f"{what} failed: {last}{hint if 'NameError' in last else ''}") from None
    return measured.extra_mib, measured.result


# --- the questions ---------------------------------------------------------------------------------------


class SaveStreamed(Question):
    answer_names = ("save_streamed",)
    hint_text = """
        Ask with `stream=True` inside a `with` block, call `r.raise_for_status()` first, then write
        `r.iter_content(chunk_size=1024 * 1024)` to a file opened in "wb" mode, one chunk at a time.
        Never touch `r.content` or `r.text`: they read the whole body into memory.
    """

    LARGE = 256 * MiB
    MEMORY_LIMIT_MIB = 64

    def judge(self, save_streamed: Any) -> None:
        base = host_url()
        with tempfile.TemporaryDirectory(prefix="course-q1-") as tmp:
            probe = Path(tmp, "probe.bin")
            expect_quick("save_streamed", lambda: call(save_streamed, f"{base}/bytes/{PROBE_SIZE}", str(probe)))
            for size in (PROBE_SIZE, 0):
                path = Path(tmp, f"small-{size}.bin")
                call(save_streamed, f"{base}/bytes/{size}", str(path))
                problem = describe_file(path, size)
                if problem:
                    raise Incorrect(f"save_streamed(…/bytes/{size}, path): {problem}")
            path = Path(tmp, "compressed.bin")
            call(save_streamed, f"{base}/gzip/{PROBE_SIZE}", str(path))
            if path.exists() and path.read_bytes()[:2] == b"\x1f\x8b":
                raise Incorrect(
                    "the host sent …/gzip/… compressed (Content-Encoding: gzip) and your file holds the gzip "
                    "bytes: set r.raw.decode_content = True before copying r.raw, or use r.iter_content"
                )
            problem = describe_file(path, PROBE_SIZE)
            if problem:
                raise Incorrect(f"save_streamed(…/gzip/{PROBE_SIZE}, path), a compressed response: {problem}")
            expect_http_error(
                "save_streamed(…/status/404, path)",
                lambda: save_streamed(f"{base}/status/404", str(Path(tmp, "error.bin"))),
                404,
            )
            path = Path(tmp, "large.bin")
            peak, _ = run_measured(
                save_streamed,
                f"{base + '/bytes/' + str(self.LARGE)!r}, {str(path)!r}",
                timeout=60,
                what="downloading 256 MiB",
            )
            if peak > self.MEMORY_LIMIT_MIB:
                raise Incorrect(
                    f"memory rose by {peak:.0f} MiB while saving a 256 MiB file: the body was held in memory "
                    "(r.content, a list of chunks, or a huge chunk_size). Use stream=True and write "
                    "r.iter_content(chunk_size=1024 * 1024) to the file chunk by chunk"
                )
            problem = describe_file(path, self.LARGE)
            if problem:
                raise Incorrect(f"saving the 256 MiB file: {problem}")


class SaveWithProgress(Question):
    answer_names = ("save_with_progress",)
    hint_text = """
        Read `total` once from `r.headers.get("Content-Length")` (convert it with `int`, keep `None` when the
        header is missing), keep a running `done` count, and after writing each chunk call
        `on_progress(done, total)`.
    """

    SIZE = 8 * MiB + 12_345
    LARGE = 64 * MiB

    def judge(self, save_with_progress: Any) -> None:
        base = host_url()
        with tempfile.TemporaryDirectory(prefix="course-q2-") as tmp:
            probe = (f"{base}/bytes/{PROBE_SIZE}", str(Path(tmp, "probe.bin")), lambda *args: None)
            expect_quick("save_with_progress", lambda: call(save_with_progress, *probe))
            self._case(save_with_progress, f"{base}/bytes/{self.SIZE}", Path(tmp, "a.bin"), self.SIZE)
            self._case(save_with_progress, f"{base}/bytes/{self.SIZE}?chunked=1", Path(tmp, "b.bin"), None)
            self._while_downloading(save_with_progress, base, Path(tmp, "c.bin"))

    def _while_downloading(self, save_with_progress: Any, base: str, path: Path) -> None:
        """The first report must come while most of a 64 MiB body is still on the host's side."""
        sent_at_first_call: list[int] = []

        def on_progress(*args: Any) -> None:
            if not sent_at_first_call:
                sent_at_first_call.append(requests.get(f"{base}/stats", timeout=10).json()["body_bytes_sent"])

        requests.post(f"{base}/stats/reset", timeout=10)
        call(save_with_progress, f"{base}/bytes/{self.LARGE}", str(path), on_progress)
        if sent_at_first_call and sent_at_first_call[0] >= self.LARGE // 2:
            raise Incorrect(
                f"on_progress was first called when the host had already sent {sent_at_first_call[0] // MiB} MiB of "
                "a 64 MiB file: the whole body was downloaded before any progress was reported. Ask with "
                "stream=True so that each chunk is reported as it arrives"
            )

    def _case(self, save_with_progress: Any, url: str, path: Path, total: int | None) -> None:
        calls: list[tuple[Any, ...]] = []
        call(save_with_progress, url, str(path), lambda *args: calls.append(args))
        what = f"for …/{url.rsplit('/', 1)[1]}" + (" (sent without Content-Length)" if total is None else "")
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"{what}: {problem}")
        if len(calls) < 2:
            raise Incorrect(
                f"{what}: on_progress was called {len(calls)} time(s) for an 8 MiB file: "
                "call it after every chunk (chunks of 64 KiB to 1 MiB)"
            )
        if any(len(args) != 2 for args in calls):
            raise Incorrect(f"{what}: call on_progress(done, total) with two arguments, got {calls[0]!r}")
        done = [args[0] for args in calls]
        if len(set(done)) == 1 and calls[-1][1] == self.SIZE:
            raise Incorrect(f"{what}: the arguments are swapped, got {calls[0]!r}: call on_progress(done, total)")
        if any(later <= earlier for earlier, later in zip(done, done[1:], strict=False)):
            raise Incorrect(
                f"{what}: `done` should count all bytes written so far and grow at every call, "
                f"got {done[:4]} … — add each chunk's length to a running total"
            )
        expect_equal(f"{what}: the last `done`", self.SIZE, done[-1])
        totals = {args[1] for args in calls}
        if totals != {total}:
            reason = "the Content-Length header as an int" if total else "there is no Content-Length"
            raise Incorrect(
                f"{what}: `total` should be {total!r} at every call ({reason}), got {sorted(totals, key=repr)}"
            )


class Resume(Question):
    answer_names = ("resume",)
    hint_text = """
        Ask for `Range: bytes=<size of the partial file>-`. Then look at the status: on a 416 whose Content-Range is
        `bytes */<your size>` the file is already complete; any other error: `r.raise_for_status()`. A 200 carries the
        whole file (start at byte 0); a 206's `Content-Range: bytes START-END/TOTAL` says where its bytes go.
        Open the file with "r+b" (or "wb" when it does not exist), `seek(START)`, `truncate()`, and write the chunks.
    """

    SIZE = 5 * MiB + 77
    PARTIAL = 3 * MiB // 2

    def judge(self, resume: Any) -> None:
        base = host_url()
        with tempfile.TemporaryDirectory(prefix="course-q3-") as tmp:
            probe = str(Path(tmp, "probe.bin"))
            expect_quick("resume (into a new file)", lambda: call(resume, f"{base}/bytes/{PROBE_SIZE}", probe))
            self._after_drops(resume, f"{base}/bytes/{self.SIZE}?fail_after={2 * MiB}", Path(tmp, "drops.bin"))
            self._complete(resume, f"{base}/bytes/{self.SIZE}", Path(tmp, "complete.bin"))
            self._ignored_range(resume, f"{base}/bytes/{self.SIZE}?ignore_range=1", Path(tmp, "whole.bin"))
            self._moved_start(resume, f"{base}/bytes/{self.SIZE}?range_align={MiB}", Path(tmp, "aligned.bin"))
            self._error(resume, f"{base}/status/503", Path(tmp, "error.bin"))
            self._too_long(resume, f"{base}/bytes/{self.SIZE}", Path(tmp, "too-long.bin"))

    def _after_drops(self, resume: Any, url: str, path: Path) -> None:
        """The host drops every response after 2 MiB: three calls must finish the file, each adding to it."""
        before = 0
        for attempt in range(1, 6):
            try:
                call(resume, url, str(path))
            except NETWORK_ERRORS:
                pass
            now = path.stat().st_size if path.exists() else 0
            if now == self.SIZE:
                break
            if now <= before:
                raise Incorrect(
                    f"the host drops the connection after 2 MiB; after call {attempt} of resume() the file had {now} "
                    f"bytes, no more than the {before} before: keep what arrived, and on a 206 add to the file"
                )
            before = now
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"resuming a download the host kept dropping after 2 MiB: {problem}")

    def _complete(self, resume: Any, url: str, path: Path) -> None:
        write_prefix(path, self.SIZE, self.SIZE)
        try:
            call(resume, url, str(path))
        except requests.HTTPError as error:
            raise Incorrect(
                f"resume() of a file that is already complete raised {describe_error(error)}: the host's "
                f"416 with Content-Range 'bytes */{self.SIZE}' means there is nothing left to fetch"
            ) from None
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"resume() of a file that was already complete changed it: {problem}")

    def _too_long(self, resume: Any, url: str, path: Path) -> None:
        """A file longer than the server's gets a 416 naming another size: an error, not a finished download."""
        write_prefix(path, self.SIZE, self.SIZE)
        with open(path, "ab") as file:
            file.write(b"stale tail")
        longer = self.SIZE + len(b"stale tail")
        what = (
            f"your file had {longer} bytes and the host answered 416 with Content-Range 'bytes */{self.SIZE}' "
            f"(its file has {self.SIZE} bytes, so yours is not complete, it is wrong)"
        )
        expect_http_error(what, lambda: resume(url, str(path)), 416)
        if not path.exists() or path.stat().st_size != longer:
            raise Incorrect(f"{what}: raise requests.HTTPError and leave the file as it was")

    def _ignored_range(self, resume: Any, url: str, path: Path) -> None:
        write_prefix(path, self.SIZE, self.PARTIAL)
        call(resume, url, str(path))
        if path.exists() and path.stat().st_size == self.PARTIAL + self.SIZE:
            raise Incorrect(
                f"the host ignored Range and answered 200 with the whole file, and your file grew to {self.PARTIAL} + "
                f"{self.SIZE} bytes: on a 200, write the file from the start instead of appending"
            )
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"when the host answers 200 (whole file) to a Range request: {problem}")

    def _moved_start(self, resume: Any, url: str, path: Path) -> None:
        write_prefix(path, self.SIZE, self.PARTIAL)
        call(resume, url, str(path))
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(
                f"you had {self.PARTIAL} bytes and the host answered 206 with Content-Range "
                f"'bytes {MiB}-{self.SIZE - 1}/{self.SIZE}' (an earlier start than asked, which HTTP allows): "
                f"{problem}. Write the body at the offset Content-Range names, not at the end of the file"
            )

    def _error(self, resume: Any, url: str, path: Path) -> None:
        write_prefix(path, self.SIZE, self.PARTIAL)
        expect_http_error("resume(…/status/503, path)", lambda: resume(url, str(path)), 503)
        if describe_file(path, self.PARTIAL):
            raise Incorrect(
                "the server answered 503, and your function changed the partial file: check the status first"
            )


class CountAndTotal(Question):
    answer_names = ("count_and_total",)
    hint_text = """
        Ask with `stream=True` (else requests reads the whole body before you see a line), `raise_for_status()`,
        then loop over `r.iter_lines(chunk_size=64 * 1024)`; skip empty lines (keep-alive heartbeats) and
        `json.loads` the others. Keep only the two numbers, never a list of lines or records.
    """

    LARGE_COUNT = 150_000
    PAD = 400
    MEMORY_LIMIT_MIB = 24

    @staticmethod
    def expected(count: int) -> tuple[int, int]:
        return count, sum(ndjson_value(seq) for seq in range(count))

    def judge(self, count_and_total: Any) -> None:
        base = host_url()
        for count in (7, 0):
            got = call(count_and_total, f"{base}/ndjson?count={count}")
            expect_equal(f"count_and_total(…/ndjson?count={count})", self.expected(count), _as_pair(got))
        url = f"{base}/ndjson?count=50&heartbeat=10"
        try:
            got = call(count_and_total, url)
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            raise Incorrect(
                f"the stream …/ndjson?count=50&heartbeat=10 has empty keep-alive lines and your code raised "
                f"{describe_error(error)}: skip empty lines"
            ) from None
        expect_equal("count_and_total(…/ndjson?count=50&heartbeat=10)", self.expected(50), _as_pair(got))
        expect_http_error("count_and_total(…/status/500)", lambda: count_and_total(f"{base}/status/500"), 500)
        large = f"{base}/ndjson?count={self.LARGE_COUNT}&pad={self.PAD}"
        peak, result = run_measured(count_and_total, repr(large), timeout=60, what="aggregating a 70 MB feed")
        if peak > self.MEMORY_LIMIT_MIB:
            raise Incorrect(
                f"memory rose by {peak:.0f} MiB on a feed of 150,000 records (about 70 MB): the whole body was "
                "held at once. Use stream=True and r.iter_lines(...), keeping only the running count and total"
            )
        expect_equal(f"count_and_total on {self.LARGE_COUNT} records", list(self.expected(self.LARGE_COUNT)), result)


def _as_pair(value: Any) -> Any:
    """A tuple/list result as a tuple, so that both compare equal to the expected tuple."""
    return tuple(value) if isinstance(value, list | tuple) else value


QUESTIONS = bind(CHAPTER, [SaveStreamed, SaveWithProgress, Resume, CountAndTotal], globals())
