"""Exercises of chapter 04 (streaming downloads with requests), checked against a real local download host.

- ``q1`` — ``save_and_hash(url, path)``: save a body in constant memory and return the SHA-256 of
  what was saved, computed on the way.
- ``q2`` — ``count_and_total(url)``: aggregate an NDJSON feed line by line, whether it comes chunked
  or with a ``Content-Length``.
- ``q3`` — ``save_with_progress(url, path, on_progress)``: report ``(done, total)`` in one unit, even
  when the body comes compressed with a ``Content-Length`` that counts the compressed bytes.
- ``q4`` — ``resume(url, path)``: continue a partial file with ``Range``, keeping the file's ``ETag``
  beside it and sending it as ``If-Range``, so that two versions are never stitched together.

The checks share one download host (:mod:`.host`) per process, through
:func:`course.servers.shared`, so ``servers.stop_all()`` stops it. Memory
is judged in a fresh Python process (:func:`course.measure.measure`): the learner's
function travels there as source code, with the modules, constants, functions and classes it uses.
Checks judge behaviour, so answers written with ``requests``, a ``Session``, ``urllib3``
or ``httpx`` all pass when they behave; an HTTP error may be ``requests.HTTPError`` or
the error type of the library used. The answers themselves are in
``solutions/04-streaming-downloads.ipynb``.
"""

from __future__ import annotations

import hashlib
import http.client
import math
import tempfile
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import urllib3

from course import servers
from course.chapters.streaming_downloads import CHAPTER
from course.chapters.streaming_downloads.host import (
    CHECKSUM_HEADER,
    MiB,
    content_range,
    content_sha256,
    log_gzip,
    log_sha256,
    ndjson_value,
    start_download_host,
)
from course.checks import Question, bind
from course.checks.expect import Incorrect, call, describe_error, expect_equal, expect_http_error
from course.checks.portable import portable_source
from course.errors import SetupProblem
from course.measure import MeasureError, measure

try:  # httpx is in the course's environment; an answer written with it is judged like any other
    import httpx
except ImportError:  # pragma: no cover - only where httpx is missing
    httpx = None  # type: ignore[assignment]

HTTP_STATUS_ERRORS: tuple[type[BaseException], ...] = (requests.HTTPError, urllib.error.HTTPError) + (
    (httpx.HTTPStatusError,) if httpx else ()
)
"""What "raise on an error status" may raise: requests', urllib's or httpx's error for a 4xx/5xx answer."""

DECODING_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.DecodeError,
) + ((httpx.DecodingError,) if httpx else ())
"""What a client raises when a body announced as gzip does not decode (a resume in compressed bytes)."""

DROP_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.ConnectionError,
    urllib3.exceptions.ProtocolError,
    http.client.IncompleteRead,
    ConnectionError,
) + ((httpx.TransportError,) if httpx else ())
"""What a download may raise when the host drops the connection on purpose (requests, urllib3,
urllib and httpx; requests calls a body cut short a ChunkedEncodingError, whatever its framing)."""


def host_url() -> str:
    """The URL of the checks' shared download host, started on first use (and again if it was stopped)."""
    return servers.shared("download-host", start_download_host).url


def host_counts(base: str) -> dict[str, int]:
    """The host's counters: connections, requests (not counting /stats) and body bytes sent."""
    return requests.get(f"{base}/stats", timeout=10).json()


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


def describe_file(path: Path, size: int, checksum: str | None = None) -> str:
    """What is wrong with the downloaded ``path``, or "" when it holds the ``size``-byte file.

    ``checksum`` is the hex SHA-256 the file must have (that of ``/bytes/<size>`` unless given).
    """
    if not path.exists():
        return "no file was written"
    got = path.stat().st_size
    if got != size:
        return f"the file has {got:,} bytes, expected {size:,}"
    if file_sha256(path) != (checksum or content_sha256(size)):
        return f"the file has the right length ({size:,} bytes) but different content (its sha256 does not match)"
    return ""


def expect_status_error(what: str, action: Callable[[], Any], status: int) -> None:
    """:func:`~course.checks.expect.expect_http_error`, also satisfied by urllib's or httpx's error."""
    expect_http_error(what, action, status, accepted=HTTP_STATUS_ERRORS)


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


MEASURE_TIMEOUT = 60
"""Seconds one run in a fresh process may take (the solutions take about 1 s)."""


def run_measured(function: Any, arguments: str, *, what: str, timeout: float = MEASURE_TIMEOUT) -> tuple[float, Any]:
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
        hint = (
            " (the check runs your function in a fresh Python: modules, constants and the functions and "
            "classes of your notebook go with it; create other objects, such as a Session, inside it)"
        )
        last = lines[-1] if len(lines) > 1 else lines[0]
        raise Incorrect(f"{what} failed: {last}{hint if 'NameError' in last else ''}") from None
    return measured.extra_mib, measured.result


def one_chunk(method: str) -> str:
    """Why memory rose on a body with a Content-Length but stayed flat when the same body came chunked."""
    return (
        f"That is what {method}(chunk_size=None), or a chunk size as large as the body, does: a body sent with "
        "a Content-Length comes out as ONE chunk, all of it in memory, and only a chunked body (no "
        f"Content-Length) comes piece by piece as it arrives. Pass {method} a fixed chunk size, such as "
        "64 KiB to 1 MiB"
    )


# --- the questions ---------------------------------------------------------------------------------------


class SaveAndHash(Question):
    answer_names = ("save_and_hash",)
    hints = (
        """
        A single pass over the body can do two jobs: each chunk that goes into the file can
        also go into a hash object. Which bytes must the hash see — those that crossed the
        network, or those your file ends up holding?
        """,
        """
        Make a `hashlib.sha256()` object first. Ask with `stream=True` inside a `with` block
        and raise on an error status before opening the file. Walk over `iter_content` with a
        fixed chunk size between 64 KiB and 1 MiB (not None: a body with a Content-Length would
        come as one huge chunk); write each chunk and `update` the hash with it. Return the
        hex digest. (Hashing the finished file again, block by block, is correct too.)
        """,
        """
        The shape, with the blanks yours to fill:
            digest = <a new SHA-256 object>
            with <a streamed GET of url> as r:
                <raise on an error status>
                with open(path, "wb") as f:
                    for chunk in <the decoded body, a fixed size at a time>:
                        <write the chunk; feed the same chunk to the digest>
            return <the digest as hex text>
        """,
    )

    time_limit = 2 * MEASURE_TIMEOUT + 60
    """Two runs in a fresh process at most (60 s each); the rest takes about 1 s."""

    LARGE = 256 * MiB
    MEMORY_LIMIT_MIB = 64
    FEED = 2_000
    """Records of the feed saved to see that the hash comes from the bytes: its response has no checksum header."""

    def judge(self, save_and_hash: Any) -> None:
        base = host_url()
        with tempfile.TemporaryDirectory(prefix="course-q1-") as tmp:
            probe = Path(tmp, "probe.bin")
            expect_quick("save_and_hash", lambda: call(save_and_hash, f"{base}/bytes/{PROBE_SIZE}", str(probe)))
            for size in (PROBE_SIZE, 0):
                path = Path(tmp, f"small-{size}.bin")
                got = call(save_and_hash, f"{base}/bytes/{size}", str(path))
                self._expect_saved(f"save_and_hash(…/bytes/{size}, path)", path, got, size)
            path = Path(tmp, "compressed.bin")
            got = call(save_and_hash, f"{base}/gzip/{PROBE_SIZE}", str(path))
            if path.exists() and path.read_bytes()[:2] == b"\x1f\x8b":
                raise Incorrect(
                    "the host sent …/gzip/… compressed (Content-Encoding: gzip) and your file holds the gzip "
                    "bytes themselves (it starts with gzip's signature 1f 8b): r.raw is the stream as it came "
                    "off the network. Set r.raw.decode_content = True before copying r.raw, or use "
                    "r.iter_content, which decodes (with urllib3 itself, pass decode_content=True to stream())"
                )
            what = f"save_and_hash(…/gzip/{PROBE_SIZE}, path) (a gzip-compressed response)"
            self._expect_saved(what, path, got, PROBE_SIZE)
            self._no_checksum_header(save_and_hash, base, Path(tmp, "feed.ndjson"))
            expect_status_error(
                "save_and_hash(…/status/404, path)",
                lambda: save_and_hash(f"{base}/status/404", str(Path(tmp, "error.bin"))),
                404,
            )
            self._large(save_and_hash, base, Path(tmp, "large.bin"))

    @staticmethod
    def _expect_saved(what: str, path: Path, got: Any, size: int) -> None:
        """The file must hold the ``size``-byte file, and ``got`` must be its hex SHA-256."""
        problem = describe_file(path, size)
        if problem:
            raise Incorrect(f"{what}: {problem}")
        expected = content_sha256(size)
        if isinstance(got, bytes) and got == bytes.fromhex(expected):
            raise Incorrect(f"{what} returned the digest as bytes: return it as hex text, with .hexdigest()")
        if hasattr(got, "hexdigest") and not isinstance(got, str):
            raise Incorrect(f"{what} returned the hash object itself: return its .hexdigest()")
        if not isinstance(got, str):
            raise Incorrect(f"{what} should return the SHA-256 of the saved bytes as hex text, got {got!r}")
        if got.strip().lower() != expected:
            raise Incorrect(
                f"{what} returned {got!r}, but the SHA-256 of the file it saved is {expected!r}: feed the "
                "hash exactly the bytes you write to the file, each chunk once, and nothing else"
            )

    def _no_checksum_header(self, save_and_hash: Any, base: str, path: Path) -> None:
        """A feed whose response has no checksum header: the hash must come from the bytes saved.

        The files before came with the host's X-Checksum-SHA256 header, which an
        answer could hand back without hashing anything.
        """
        query = f"ndjson?count={self.FEED}&length=1"
        what = f"save_and_hash(…/{query}, path) (a feed whose response has no {CHECKSUM_HEADER} header)"
        trusted = (
            f"it returned the right SHA-256 for the files before, which came with the host's {CHECKSUM_HEADER} "
            "header. Compute the hash from the bytes you save (a hashlib.sha256() fed each chunk), not from a "
            "header that a server may or may not send"
        )
        try:
            got = call(save_and_hash, f"{base}/{query}", str(path))
        except KeyError as error:
            if CHECKSUM_HEADER.lower() not in str(error).lower():
                raise
            raise Incorrect(f"{what} raised {describe_error(error)}: {trusted}") from None
        length = int(requests.head(f"{base}/{query}", timeout=10).headers["Content-Length"])
        if not path.exists():
            raise Incorrect(f"{what}: no file was written")
        if path.stat().st_size != length:
            raise Incorrect(f"{what}: the file has {path.stat().st_size:,} bytes, expected {length:,}")
        expected = file_sha256(path)  # the records carry the time they were sent: hash what was saved
        if got is None:
            raise Incorrect(f"{what} returned None, although {trusted}")
        if not isinstance(got, str) or got.strip().lower() != expected:
            raise Incorrect(
                f"{what} returned {got!r}, but the SHA-256 of the file it saved is {expected!r}: feed the "
                "hash exactly the bytes you write to the file, each chunk once, and nothing else"
            )

    def _large(self, save_and_hash: Any, base: str, path: Path) -> None:
        url = f"{base}/bytes/{self.LARGE}"
        peak, result = run_measured(save_and_hash, f"{url!r}, {str(path)!r}", what="saving and hashing 256 MiB")
        if peak > self.MEMORY_LIMIT_MIB:
            chunked_peak, _ = run_measured(
                save_and_hash, f"{url + '?chunked=1'!r}, {str(path)!r}", what="saving it chunked"
            )
            if chunked_peak <= self.MEMORY_LIMIT_MIB:
                raise Incorrect(
                    f"memory rose by {peak:.0f} MiB while saving a 256 MiB file sent with a Content-Length, "
                    f"yet only by {chunked_peak:.0f} MiB when the same file came chunked (…?chunked=1). "
                    + one_chunk("iter_content")
                )
            raise Incorrect(
                f"memory rose by {peak:.0f} MiB while saving a 256 MiB file: the whole body, or the whole "
                "file for its hash, was held in memory (r.content, a list of chunks, f.read() of the finished "
                "file). Write r.iter_content(chunk_size=1024 * 1024) to the file chunk by chunk and hash the "
                "same chunks (or re-read the file a block at a time)"
            )
        self._expect_saved("saving the 256 MiB file", path, result, self.LARGE)


class CountAndTotal(Question):
    answer_names = ("count_and_total",)
    hints = (
        """
        The answer needs two running numbers, never the records themselves: read the feed one
        line at a time and let each line go once it is counted. Which lines are not records?
        """,
        """
        Ask with `stream=True` (without it requests reads the whole body before you see a line)
        and raise on an error status. Loop over `iter_lines` with a chunk size of about 64 KiB —
        not None: on a body with a Content-Length that hands over everything at once. Skip the
        empty lines (keep-alive heartbeats); parse the others with `json.loads` and add to a
        count and a total.
        """,
        """
        The shape, with the blanks yours to fill:
            count = total = 0
            with <a streamed GET of url> as r:
                <raise on an error status>
                for line in <the body's lines, read 64 KiB at a time>:
                    if <the line is a record>:
                        <add one to count, and its "value" to total>
            return count, total
        """,
    )

    time_limit = 2 * MEASURE_TIMEOUT + 60
    """Two runs in a fresh process at most (60 s each); the rest takes about 1 s."""

    LARGE_COUNT = 150_000
    PAD = 400
    MEMORY_LIMIT_MIB = 24

    @staticmethod
    def expected(count: int) -> tuple[int, int]:
        return count, sum(ndjson_value(seq) for seq in range(count))

    def judge(self, count_and_total: Any) -> None:
        base = host_url()
        for count, length in ((7, ""), (0, ""), (7, "&length=1")):
            url = f"{base}/ndjson?count={count}{length}"
            got = call(count_and_total, url)
            expect_equal(f"count_and_total(…/ndjson?count={count}{length})", self.expected(count), _as_pair(got))
        for length in ("", "&length=1"):
            query = f"count=50&heartbeat=10{length}"
            try:
                got = call(count_and_total, f"{base}/ndjson?{query}")
            except ValueError as error:  # json.JSONDecodeError is a ValueError
                raise Incorrect(
                    f"the stream …/ndjson?{query} has empty keep-alive lines and your code raised "
                    f"{describe_error(error)}: skip empty lines"
                ) from None
            expect_equal(f"count_and_total(…/ndjson?{query})", self.expected(50), _as_pair(got))
        expect_status_error("count_and_total(…/status/500)", lambda: count_and_total(f"{base}/status/500"), 500)
        self._large(count_and_total, base)

    def _large(self, count_and_total: Any, base: str) -> None:
        """150,000 records (about 70 MB) with a Content-Length; on a rise, the same feed chunked tells why."""
        feed = f"{base}/ndjson?count={self.LARGE_COUNT}&pad={self.PAD}"
        what = "aggregating a 70 MB feed"
        peak, result = run_measured(count_and_total, repr(feed + "&length=1"), what=what)
        if peak > self.MEMORY_LIMIT_MIB:
            chunked_peak, _ = run_measured(count_and_total, repr(feed), what=what + " sent chunked")
            if chunked_peak <= self.MEMORY_LIMIT_MIB:
                raise Incorrect(
                    f"memory rose by {peak:.0f} MiB on a feed of 150,000 records (about 70 MB) sent with a "
                    f"Content-Length, yet only by {chunked_peak:.0f} MiB when the same feed came chunked. "
                    + one_chunk("iter_lines")
                )
            raise Incorrect(
                f"memory rose by {peak:.0f} MiB on a feed of 150,000 records (about 70 MB): the whole body was "
                "held at once. Use stream=True and r.iter_lines(...), keeping only the running count and total"
            )
        expected = list(self.expected(self.LARGE_COUNT))
        if (
            isinstance(result, list)
            and len(result) == 2
            and all(isinstance(value, int) and not isinstance(value, bool) for value in result)
            and result[0] < expected[0]
        ):
            raise Incorrect(
                f"count_and_total on a feed of {expected[0]:,} records (about 70 MB) returned {result[0]:,} records "
                f"with a total of {result[1]:,} (expected {expected[1]:,}): {expected[0] - result[0]:,} records "
                "were lost. That is what happens when a line is cut in two where one chunk of the body ends and "
                "the next begins — splitting each chunk of iter_content on newlines, say, and skipping the halves "
                "that do not parse. Let r.iter_lines(chunk_size=64 * 1024) do it: it joins the pieces of a line "
                "across chunks"
            )
        expect_equal(f"count_and_total on {self.LARGE_COUNT:,} records", expected, result)


def _as_pair(value: Any) -> Any:
    """A tuple/list result as a tuple, so that both compare equal to the expected tuple."""
    return tuple(value) if isinstance(value, list | tuple) else value


class SaveWithProgress(Question):
    answer_names = ("save_with_progress",)
    hints = (
        """
        `done` and `total` must count the same thing. Content-Length counts the bytes that cross
        the network; iter_content hands you the bytes after decoding. When do those two differ,
        and what could you ask for, count or report so that they agree?
        """,
        """
        Any one of three ways works. Ask the server not to compress (the request header
        `Accept-Encoding: identity`): then Content-Length counts the file's own bytes. Or count
        the bytes read off the network (`r.raw.tell()`) rather than the decoded ones. Or admit
        that the total is unknown (None) when the response has a Content-Encoding. Then:
        stream, raise on an error status, write each chunk and report a running count.
        """,
        """
        The shape of the first way, with the blanks yours to fill:
            with <a streamed GET of url that asks for no compression> as r:
                <raise on an error status>
                total = <Content-Length as an int; None when absent or the body is encoded>
                done = 0
                with open(path, "wb") as f:
                    for chunk in <the body, a fixed size at a time>:
                        <write it, add its length to done, report (done, total)>
        """,
    )

    time_limit = 60
    """The check takes under 1 s on the solution: a wide margin for a slow but working answer."""

    SIZE = 8 * MiB + 12_345
    LOG_SIZE = 16 * MiB
    """Large enough that its gzip form (2 MB) takes two or more chunks of up to 1 MiB: a `done` held at
    the compressed total then shows before the text has arrived, see :func:`_held_at_total`."""
    LARGE = 64 * MiB

    def judge(self, save_with_progress: Any) -> None:
        base = host_url()
        size, log = self.SIZE, self.LOG_SIZE
        packed = len(log_gzip(log))
        with tempfile.TemporaryDirectory(prefix="course-q3-") as tmp:
            probe = (f"{base}/bytes/{PROBE_SIZE}", str(Path(tmp, "probe.bin")), lambda *args, **kwargs: None)
            expect_quick("save_with_progress", lambda: call(save_with_progress, *probe))
            cases = [
                # (URL, what it is, decoded size, its sha256, the totals allowed, the size on the wire)
                (f"{base}/bytes/{size}", "sent with a Content-Length", size, content_sha256(size), {size}, None),
                (f"{base}/bytes/{size}?chunked=1", "sent chunked, no Content-Length", size, None, {None}, None),
                (
                    f"{base}/log/{log}",
                    f"a text the host sends gzip-compressed, with Content-Length: {packed:,}, the length of "
                    "the compressed bytes",
                    log,
                    log_sha256(log),
                    {None, log, packed},
                    packed,
                ),
                (f"{base}/gzip/{size}", "sent gzip-compressed and chunked", size, None, {None}, None),
            ]
            for url, kind, length, checksum, totals, wire in cases:
                path = Path(tmp, "case.bin")
                checksum = checksum or content_sha256(size)
                self._case(save_with_progress, url, kind, path, length, checksum, totals, wire)
            self._while_downloading(save_with_progress, base, Path(tmp, "large.bin"))

    def _while_downloading(self, save_with_progress: Any, base: str, path: Path) -> None:
        """The first report must come while most of a 64 MiB body is still on the host's side."""
        sent_at_first_call: list[int] = []

        def on_progress(*args: Any, **kwargs: Any) -> None:
            if not sent_at_first_call:
                sent_at_first_call.append(host_counts(base)["body_bytes_sent"])

        requests.post(f"{base}/stats/reset", timeout=10)
        call(save_with_progress, f"{base}/bytes/{self.LARGE}", str(path), on_progress)
        if sent_at_first_call and sent_at_first_call[0] >= self.LARGE // 2:
            raise Incorrect(
                f"on_progress was first called when the host had already sent {sent_at_first_call[0] // MiB} MiB of "
                "a 64 MiB file: the whole body was downloaded before any progress was reported. Ask with "
                "stream=True so that each chunk is reported as it arrives"
            )

    @staticmethod
    def _pairs(what: str, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> list[tuple[Any, Any]]:
        """The ``(done, total)`` of each call, given by position or by the names done= and total=."""
        pairs = []
        for args, kwargs in calls:
            named = dict(zip(("done", "total"), args, strict=False)) | kwargs
            if len(args) + len(kwargs) != 2 or set(named) != {"done", "total"}:
                shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
                raise Incorrect(
                    f"{what}: call on_progress(done, total) with those two values, got on_progress({shown})"
                )
            pairs.append((named["done"], named["total"]))
        return pairs

    def _case(
        self,
        save_with_progress: Any,
        url: str,
        kind: str,
        path: Path,
        size: int,
        checksum: str,
        totals: set[int | None],
        wire: int | None,
    ) -> None:
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        written: list[int] = []  # the size of the file at each call: how much of the body had arrived

        def on_progress(*args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs))
            written.append(path.stat().st_size if path.exists() else 0)

        call(save_with_progress, url, str(path), on_progress)
        what = f"for …/{url.split('/', 3)[3]} ({kind})"
        problem = describe_file(path, size, checksum)
        if problem:
            raise Incorrect(f"{what}: {problem}")
        if len(calls) < 2:
            raise Incorrect(
                f"{what}: on_progress was called {len(calls)} time(s) for a file of {size // MiB} MiB: "
                "call it after every chunk (chunks of 64 KiB to 1 MiB)"
            )
        pairs = self._pairs(what, calls)
        done = [pair[0] for pair in pairs]
        reported = [pair[1] for pair in pairs]
        if len(set(done)) == 1 and len(set(reported)) > 1:
            raise Incorrect(f"{what}: the arguments are swapped, got {pairs[:2]!r} …: call on_progress(done, total)")
        if len(set(reported)) > 1:
            raise Incorrect(
                f"{what}: `total` should be the same at every call, got {sorted(set(reported), key=repr)[:4]}"
            )
        total = reported[0]
        if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in done):
            raise Incorrect(f"{what}: `done` should be a number of bytes, got {done[0]!r} at the first call")
        if isinstance(total, str):
            raise Incorrect(f"{what}: `total` should be a number (the Content-Length header as an int), got {total!r}")
        if any(later < earlier for earlier, later in zip(done, done[1:], strict=False)):
            raise Incorrect(
                f"{what}: `done` should count all bytes so far and never go down, got {done[:4]} … — "
                "add each chunk's length to a running total"
            )
        if done[-1] == done[0]:
            tell = " (r.raw.tell() counts nothing on a chunked response)" if total is None else ""
            raise Incorrect(
                f"{what}: `done` stayed at {done[0]!r} at every call; it should grow as the bytes arrive{tell}"
            )
        if total not in totals:
            if totals == {None}:
                raise Incorrect(
                    f"{what}: `total` should be None at every call — the response has no Content-Length, so the "
                    f"size is unknown — got {total!r}"
                )
            if len(totals) == 1:
                raise Incorrect(
                    f"{what}: `total` should be {next(iter(totals)):,} at every call (the Content-Length header as "
                    f"an int), got {total!r}"
                )
            raise Incorrect(
                f"{what}: `total` should be the Content-Length as an int ({wire:,} if you count the compressed "
                f"bytes, {size:,} if you asked for the text uncompressed) or None, got {total!r}"
            )
        if total is not None and max(done) > total:
            if wire is not None:
                raise Incorrect(
                    f"{what}: `done` reached {max(done):,} while `total` was {total:,} — done went past total "
                    "because Content-Length counts the compressed bytes on the wire, while iter_content hands "
                    "you the decoded ones. Count both in one unit: ask for the file uncompressed (the header "
                    "Accept-Encoding: identity), or count the bytes read off the wire (r.raw.tell()), or report "
                    "total=None when the response has a Content-Encoding"
                )
            raise Incorrect(f"{what}: `done` reached {max(done):,}, past `total` ({total:,}): count each chunk once")
        if total is not None and done[-1] != total:
            raise Incorrect(f"{what}: the last `done` should equal `total` ({total:,}), got {done[-1]!r}")
        if total is not None and wire is not None and total == wire:
            _held_at_total(what, done, total, written, size)
        if total is None and done[-1] not in (size, wire):
            raise Incorrect(
                f"{what}: the last `done` should be {size:,}, the number of bytes written, got {done[-1]!r}"
            )


def _held_at_total(what: str, done: list[Any], total: int, written: list[int], size: int) -> None:
    """Incorrect when `done` reached the compressed ``total`` long before the decoded text had arrived.

    ``done`` counted the decoded bytes and was held at ``total`` (``min(done,
    total)``) instead of going past it. Counting the bytes off the wire
    (``r.raw.tell()``) may reach ``total`` early too, because urllib3 decodes
    one chunk of compressed bytes into several of text; with chunks of up to
    1 MiB, the text had half arrived by then (measured: 50 % to 100 %). Held
    at ``total``, ``done`` gets there when an eighth of the text has: once the
    decoded count passes the compressed length. When the very first report is
    at ``total`` (a chunk larger than the whole compressed body), the two look
    alike, and the answer passes.
    """
    first = next(index for index, value in enumerate(done) if value >= total)
    arrived = max(written[first] / size, (first + 1) / len(done)) if size else 1.0
    if first == 0 or arrived >= 1 / 3:
        return
    raise Incorrect(
        f"{what}: `done` reached `total` ({total:,}) at call {first + 1} of {len(done)}, when your file held "
        f"only {written[first]:,} of the text's {size:,} bytes, and stayed there while the rest arrived. "
        "`done` counts the decoded bytes and was held at `total` (min(done, total), say), while `total` "
        "counts the compressed bytes on the wire: the progress says 100 % long before the end. Count both "
        "in one unit: ask for the file uncompressed (the header Accept-Encoding: identity), or count the "
        "bytes read off the wire (r.raw.tell()), or report total=None when the response has a "
        "Content-Encoding"
    )


class Resume(Question):
    answer_names = ("resume",)
    hints = (
        """
        A partial file is worth continuing only if the server still has the same file. The
        server can tell you that, if you hand back the version tag it gave you at the start;
        so keep that tag beside the partial file, from one call to the next. And count bytes
        the way your file does.
        """,
        """
        Read the size of your file and the tag saved in `path + ".etag"`. Ask once, with
        `Accept-Encoding: identity` and — when you have both — `Range: bytes=<size>-` plus
        `If-Range: <the tag>`. Then trust the answer: on a 416 whose Content-Range is
        `bytes */<your size>` you are done; any other error status: raise. On a 200, save the
        new ETag first, then write the whole body from byte 0. On a 206, write at the start
        that Content-Range names. Let a dropped connection's exception escape.
        """,
        """
        The shape, with the blanks yours to fill:
            have = <size of path, 0 if missing>
            headers = <a dict that asks for the file uncompressed>
            if <you have bytes and a saved tag>:
                headers.update(<Range from have, If-Range from the tag>)
            with <a streamed GET of url with those headers> as r:
                if <416 naming your size>: return
                <raise on an error status>
                if <a 200>: <save r.headers["ETag"]>; start = 0
                else: start = <the first number of Content-Range>
                with open(path, <"r+b" when it exists, else "wb">) as f:
                    <seek to start, cut what follows, write the chunks>
        """,
    )
    time_limit = 90  # a function that retries inside itself could loop for ever against a host that drops

    SIZE = 5 * MiB + 77
    PARTIAL = 3 * MiB // 2
    DROP = 2 * MiB
    LOG_SIZE = 16 * MiB
    LOG_DROP = 3 * MiB // 2
    """The log's drop: past a 1 MiB chunk (so each call keeps some), and short of the 2 MB its gzip form takes."""

    def judge(self, resume: Any) -> None:
        base = host_url()
        with tempfile.TemporaryDirectory(prefix="course-q4-") as tmp:
            probe = Path(tmp, "probe.bin")
            errors: list[BaseException | None] = []
            expect_quick(
                "resume (into a new file)",
                lambda: errors.append(self._call(resume, base, f"{base}/bytes/{PROBE_SIZE}", probe, "")),
            )
            problem = describe_error(errors[0]) if errors[0] is not None else describe_file(probe, PROBE_SIZE)
            if problem:
                raise Incorrect(f"resume(…/bytes/{PROBE_SIZE}, path), with no file there yet: {problem}")
            self._after_drops(resume, base, Path(tmp, "drops.bin"), republish=False)
            url = f"{base}/bytes/{self.SIZE}"
            self._ignored_range(resume, base, url + "?ignore_range=1", Path(tmp, "whole.bin"))
            self._moved_start(resume, base, url + f"?range_align={MiB}", Path(tmp, "aligned.bin"))
            self._complete(resume, base, url, Path(tmp, "complete.bin"))
            self._error(resume, base, f"{base}/status/503", Path(tmp, "error.bin"))
            self._too_long(resume, base, url, Path(tmp, "too-long.bin"))
            self._after_drops(resume, base, Path(tmp, "republished.bin"), republish=True)
            self._compressed(resume, base, Path(tmp, "log.txt"))
            self._untagged(resume, base, url, Path(tmp, "untagged.bin"))  # last: a stitched file says more

    # --- one call ------------------------------------------------------------------------------------

    @classmethod
    def _call(cls, resume: Any, base: str, url: str, path: Path, what: str) -> BaseException | None:
        """Call ``resume(url, path)``; return what it raised (None if nothing). It must make one request."""
        return cls._call_counting(resume, base, url, path, what)[0]

    @staticmethod
    def _call_counting(resume: Any, base: str, url: str, path: Path, what: str) -> tuple[BaseException | None, int]:
        """Like :meth:`_call`, and also return how many body bytes the host sent meanwhile.

        The host counts the bytes of a file it sends (a 200 or a 206), not the
        few of an error's text (a 416): so the count tells what the request asked for.
        """
        before = host_counts(base)
        error: BaseException | None = None
        try:
            call(resume, url, str(path))
        except (NotImplementedError, SetupProblem, Incorrect):
            raise
        except Exception as raised:
            error = raised
            # Keep the error, not its frames: they hold the answer's response objects, and an
            # unclosed one would keep its pooled connection busy for the answer's next call.
            chained: BaseException | None = raised
            while chained is not None and chained.__traceback__ is not None:
                chained.__traceback__ = None
                chained = chained.__cause__ or chained.__context__
        after = host_counts(base)
        made = after["requests"] - before["requests"]
        if made > 1:
            where = f"{what}: " if what else ""
            raise Incorrect(
                f"{where}one call of resume() made {made} requests to the host; make exactly one — a GET "
                "with Range and If-Range. A HEAD before the GET leaves a moment in which the file can change "
                "between the two (If-Range closes it), and trying again inside the function hides a dropped "
                "connection from the caller: let its exception propagate instead"
            )
        return error, after["body_bytes_sent"] - before["body_bytes_sent"]

    @staticmethod
    def _sidecar(path: Path) -> str | None:
        """What the learner's ``path.etag`` holds (None when there is none)."""
        tag = Path(f"{path}.etag")
        return tag.read_text(errors="replace").strip() if tag.exists() else None

    @staticmethod
    def _prepare(base: str, url: str, path: Path, size: int, length: int) -> None:
        """A partial (or complete, or too long) download of /bytes/<size>, with the ETag kept beside it."""
        write_prefix(path, size, length)
        tag = requests.head(f"{base}/bytes/{size}", timeout=10).headers["ETag"]
        Path(f"{path}.etag").write_text(tag)

    # --- the cases -----------------------------------------------------------------------------------

    def _after_drops(self, resume: Any, base: str, path: Path, republish: bool) -> None:
        """The host drops every response after 2 MiB; a few calls must finish the file, each adding to it.

        With ``republish``, the host publishes a new edition after the first call:
        the finished file must be all of the new edition, never a mix.
        """
        size, drop = self.SIZE, self.DROP
        url = f"{base}/edition/{size}?fail_after={drop}"
        where = f"…/edition/{size}?fail_after={drop}, dropped by the host after {drop // MiB} MiB"
        if republish:
            where += ", republished after your first call"
        head = requests.head(f"{base}/edition/{size}", timeout=10)
        checksum, old_tag = head.headers[CHECKSUM_HEADER], head.headers["ETag"]
        edition, new_tag = -1, old_tag
        kept: str | None = None
        strays: list[str] = []
        known = {file.name for file in path.parent.iterdir()} | {f"{path.name}.etag"}
        sent_before = host_counts(base)["body_bytes_sent"]
        limit = 6 if republish else 5
        before = 0
        for attempt in range(1, limit + 1):
            error, arrived = self._call_counting(resume, base, url, path, f"{where}, call {attempt}")
            now = path.stat().st_size if path.exists() else 0
            if error is not None:
                self._judge_error(error, f"{where}: call {attempt} of resume()")
            elif now != size:
                raise Incorrect(
                    f"{where}: call {attempt} of resume() returned normally, but the file holds {now:,} of "
                    f"{size:,} bytes. When the download is not finished, let the exception propagate (keeping "
                    "the bytes that arrived), so that the caller knows to call again"
                )
            restarted = republish and attempt == 2  # the call after a republish may well start over
            if now <= before and not restarted:
                tag = requests.head(f"{base}/edition/{size}", timeout=10).headers["ETag"]
                older = (old_tag,) if new_tag != old_tag else ()
                said = self._no_progress(path, attempt, now, before, tag, sent=arrived, older=older)
                raise Incorrect(f"{where}: {said}")
            if now == size:
                break
            if attempt == 1:
                kept = self._sidecar(path)
                strays = sorted({file.name for file in path.parent.iterdir()} - known - {path.name})
            if republish and attempt == 1:
                edition = requests.post(f"{base}/edition/publish", timeout=10).json()["edition"]
                head = requests.head(f"{base}/edition/{size}", timeout=10)
                checksum, new_tag = head.headers[CHECKSUM_HEADER], head.headers["ETag"]
            before = now
        else:
            raise Incorrect(f"{where}: after {limit} calls the file holds {before:,} of {size:,} bytes")
        if kept is None and strays:
            raise Incorrect(
                f"{where}: the file was finished, but after the first, dropped call there was no "
                f'{path.name}.etag beside it, only {strays[0]}. Keep the ETag in the file path + ".etag", '
                "exactly as the header gave it: the check prepares partial downloads that way"
            )
        if republish and file_sha256(path) != checksum:
            raise Incorrect(f"{where}: {self._stitched(path, size, edition, (old_tag, new_tag))}")
        problem = describe_file(path, size, checksum)
        if problem:
            raise Incorrect(f"{where}: after the last call, {problem}")
        if republish and kept is None:  # after the check for a stitched file, which says why a tag matters
            raise Incorrect(
                f"{where}: the file was finished, but after the first, dropped call there was no file "
                f'{path.name}.etag beside it. Keep the ETag of a 200 in the file path + ".etag", exactly as the '
                "header gave it, written before the body: a tag kept in a variable is gone when Python "
                "restarts, just when a download needs resuming, and the check prepares partial downloads "
                "that way"
            )
        sent = host_counts(base)["body_bytes_sent"] - sent_before
        allowed = size + (2 * drop if republish else 0) + MiB // 4
        if sent > allowed:
            raise Incorrect(
                f"{where}: the host sent {sent / MiB:.1f} MiB to complete a {size / MiB:.1f} MiB file: a resume "
                "should fetch only the bytes it lacks (Range, with If-Range naming the ETag you kept)"
            )

    @staticmethod
    def _judge_error(error: BaseException, what: str, why: str = "") -> None:
        """A dropped connection is expected; any other exception is the answer's fault (``why`` explains it)."""
        cause: BaseException | None = error
        for _ in range(5):  # `raise DownloadIncomplete(...) from error` is a dropped connection too
            if cause is None:
                break
            if isinstance(cause, DROP_ERRORS) and not isinstance(cause, HTTP_STATUS_ERRORS + DECODING_ERRORS):
                return
            cause = cause.__cause__
        raise Incorrect(
            f"{what} raised {describe_error(error)}: "
            + (why or "the host only dropped the connection, which should be the only reason for a call to fail")
        )

    def _no_progress(
        self,
        path: Path,
        attempt: int,
        now: int,
        before: int,
        tag: str,
        *,
        sent: int = 0,
        older: tuple[str, ...] = (),
    ) -> str:
        """Why a call left the file no longer than it was: no file, no tag kept, a tag mangled or stale,
        chunks too large to survive a drop, or a restart.

        ``tag`` is the host's ETag now, ``older`` those of earlier editions, ``sent``
        how many body bytes the host sent during the call.
        """
        if not path.exists():
            return (
                f"after call {attempt} there is no file at path: write the bytes into path itself as they "
                "arrive, and keep them when the connection drops"
            )
        saved, tag_file = self._sidecar(path), f"{path.name}.etag"
        said = f"after call {attempt} the file had {now:,} bytes, no more than the {before:,} before"
        if saved is None:
            return (
                f"{said}, and there is no {tag_file} beside it. Write the ETag of a 200 response there as "
                "soon as its headers arrive, before the body, so that the next call can send it as If-Range "
                "and continue with a 206"
            )
        if saved in older:
            return (
                f"{said}: {tag_file} still holds {saved}, the ETag of the file before the host republished it; "
                f"the host's ETag is now {tag}. So each call's If-Range names the old file, and the host rightly "
                f"answers with the whole new file (a 200). On a 200, replace {tag_file} with that response's "
                "ETag, before writing the body"
            )
        if saved != tag and saved.strip().strip('"') == tag.strip('"'):
            return (
                f"{said}: {tag_file} holds {saved!r}, but the host's ETag is {tag} (quotes included). Keep it "
                "exactly as it came: the host only sends a range when If-Range equals its ETag, and otherwise "
                "sends the whole file again (a 200)"
            )
        if saved != tag:
            return (
                f"{said}: {tag_file} holds {saved!r}, which is not the host's ETag ({tag}). Write the ETag "
                "header of the 200 there, exactly as it came: the host only sends a range when If-Range "
                "equals its ETag, and otherwise sends the whole file again (a 200)"
            )
        if before == 0 and sent >= 64 * 1024:
            return (
                f"{said}: the host sent {sent:,} bytes before it dropped the connection, and none of them "
                "reached your file. Write each chunk as it arrives, and keep the chunks small: "
                "iter_content(chunk_size=N) hands over nothing until N bytes have arrived, so a drop loses "
                "the whole unfinished chunk. Read 64 KiB to 1 MiB at a time"
            )
        return (
            f"{said}: resume() started over instead of continuing. Send Range: bytes=<size of your file>- "
            "with If-Range, and on a 206 write at the start Content-Range names, keeping what is there"
        )

    def _stitched(self, path: Path, size: int, edition: int, tags: tuple[str, str]) -> str:
        """Say which blocks of ``path`` are not of the new ``edition`` (each 1 MiB block starts with its number)."""
        blocks = math.ceil(size / MiB)
        new = 0
        with open(path, "rb") as file:
            for index in range(blocks):
                file.seek(index * MiB)
                new += int.from_bytes(file.read(8), "big") == index + (edition << 48)
        old_tag, new_tag = tags
        said = "the host published a new edition of the file after your first call"
        if self._sidecar(path) == new_tag:
            return (
                f"{said}; your {path.name}.etag holds its new ETag, so its 200 arrived, yet the finished file "
                f"is not that edition ({new} of its {blocks} blocks of 1 MiB are): a 200 is the whole file, to write "
                "from byte 0, dropping what the file held before"
            )
        if 0 < new < blocks:
            return (
                f"{said}, and your file mixes the two: {blocks - new} of its {blocks} blocks of 1 MiB are from the old "
                "edition, the others from the new one — a stitched file that no checksum accepts. Send the ETag "
                f"you kept (here the old {old_tag}) as If-Range beside Range: the host then sends the rest only "
                "if the file has not changed, and otherwise the whole new file with a 200 (write it from byte 0 "
                "and keep its new ETag)"
            )
        return (
            f"{said}, and the finished file is not that edition (its sha256 does not match): on a 200, write "
            "the new file from byte 0 and keep its new ETag"
        )

    def _compressed(self, resume: Any, base: str, path: Path) -> None:
        """A text the host sends gzip-compressed by default, dropped after 1.5 MiB: identity makes it resumable."""
        size, drop = self.LOG_SIZE, self.LOG_DROP
        url = f"{base}/log/{size}?fail_after={drop}"
        where = f"…/log/{size}?fail_after={drop} (a {size // MiB} MiB text, dropped after {drop / MiB:g} MiB)"
        wire = len(log_gzip(size))
        why = (
            "this text is sent gzip-compressed unless the request says otherwise, and requests asks for gzip "
            f"by default. Then Content-Length ({wire:,}) and Range count the compressed bytes, so a Range "
            "computed from the size of your decoded file points past or into the middle of the compressed "
            "stream. Ask with the header Accept-Encoding: identity, so that the host sends the text itself "
            "and Range counts your file's own bytes"
        )
        limit = math.ceil(size / (drop / 2)) + 2  # chunks up to 1 MiB keep at least half of each drop
        before = 0
        for attempt in range(1, limit + 1):
            error, arrived = self._call_counting(resume, base, url, path, f"{where}, call {attempt}")
            now = path.stat().st_size if path.exists() else 0
            gzip_used = (self._sidecar(path) or "").endswith('-gzip"')
            if error is not None:
                compressed = gzip_used or isinstance(error, DECODING_ERRORS)
                self._judge_error(error, f"{where}: call {attempt} of resume()", why if compressed else "")
            elif now != size:
                raise Incorrect(
                    f"{where}: call {attempt} of resume() returned normally with {now:,} of {size:,} bytes"
                    + (f": {why}" if gzip_used else "")
                )
            if now == size:
                break
            if now <= before:
                tag = requests.head(f"{base}/log/{size}", headers={"Accept-Encoding": "identity"}, timeout=10)
                said = self._no_progress(path, attempt, now, before, tag.headers["ETag"], sent=arrived)
                raise Incorrect(f"{where}: {said}")
            before = now
        else:
            raise Incorrect(f"{where}: after {limit} calls the file holds {before:,} of {size:,} bytes")
        problem = describe_file(path, size, log_sha256(size))
        if problem:
            gzip_used = (self._sidecar(path) or "").endswith('-gzip"')
            raise Incorrect(f"{where}: {problem}" + (f" — {why}" if gzip_used else ""))

    def _complete(self, resume: Any, base: str, url: str, path: Path) -> None:
        self._prepare(base, url, path, self.SIZE, self.SIZE)
        error, sent = self._call_counting(resume, base, url, path, "a file that was already complete")
        if sent > MiB // 4:
            raise Incorrect(
                f"your file was already complete ({self.SIZE:,} bytes, its ETag in {path.name}.etag), and "
                f"the host sent {sent:,} bytes of it again: your request did not ask for the rest. With bytes "
                'in the file and an ETag in path + ".etag", send Range: bytes=<size of your file>- and '
                "If-Range: <that ETag>; for a complete file the host then answers 416 with Content-Range "
                f"'bytes */{self.SIZE}', and there is nothing to fetch"
            )
        if error is not None:
            raise Incorrect(
                f"resume() of a file that is already complete raised {describe_error(error)}: the host's "
                f"416 with Content-Range 'bytes */{self.SIZE}' means there is nothing left to fetch"
            )
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"resume() of a file that was already complete changed it: {problem}")

    def _too_long(self, resume: Any, base: str, url: str, path: Path) -> None:
        """A file longer than the server's gets a 416 naming another size: an error, not a finished download."""
        self._prepare(base, url, path, self.SIZE, self.SIZE)
        with open(path, "ab") as file:
            file.write(b"stale tail")
        longer = self.SIZE + len(b"stale tail")
        error, sent = self._call_counting(resume, base, url, path, "a file longer than the host's")
        if sent > MiB // 4:
            raise Incorrect(
                f"your file had {longer:,} bytes, its ETag in {path.name}.etag, and the host sent {sent:,} bytes "
                f"of its file: your request did not ask for the rest (Range: bytes={longer}- with If-Range), "
                "which the host would have refused with a 416 naming its own size, "
                f"'bytes */{self.SIZE}' — yours is not complete, it is wrong, and that 416 is an error to raise. "
                "With bytes in the file and a saved ETag, send Range and If-Range"
            )
        what = (
            f"your file had {longer:,} bytes and the host answered 416 with Content-Range 'bytes */{self.SIZE}' "
            f"(its file has {self.SIZE:,} bytes, so yours is not complete, it is wrong)"
        )

        def again() -> None:
            if error is not None:
                raise error

        expect_status_error(what, again, 416)
        if not path.exists() or path.stat().st_size != longer:
            raise Incorrect(f"{what}: raise requests.HTTPError and leave the file as it was")

    def _ignored_range(self, resume: Any, base: str, url: str, path: Path) -> None:
        self._prepare(base, url, path, self.SIZE, self.PARTIAL)
        error = self._call(resume, base, url, path, "a host that ignores Range")
        if error is not None:
            raise Incorrect(
                f"the host ignored Range and answered 200 with the whole file, and resume() raised "
                f"{describe_error(error)}: a 200 is a whole file to write from byte 0"
            )
        if path.exists() and path.stat().st_size == self.PARTIAL + self.SIZE:
            raise Incorrect(
                f"the host ignored Range and answered 200 with the whole file, and your file grew to "
                f"{self.PARTIAL:,} + {self.SIZE:,} bytes: on a 200, write the file from the start instead of appending"
            )
        problem = describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(f"when the host answers 200 (whole file) to a Range request: {problem}")

    def _moved_start(self, resume: Any, base: str, url: str, path: Path) -> None:
        self._prepare(base, url, path, self.SIZE, self.PARTIAL)
        error = self._call(resume, base, url, path, "a host that moves the start of ranges")
        problem = describe_error(error) if error is not None else describe_file(path, self.SIZE)
        if problem:
            raise Incorrect(
                f"you had {self.PARTIAL:,} bytes and the host answered 206 with Content-Range "
                f"'bytes {MiB}-{self.SIZE - 1}/{self.SIZE}' (an earlier start than asked, which HTTP allows): "
                f"{problem}. Write the body at the offset Content-Range names, not at the end of the file"
            )

    def _untagged(self, resume: Any, base: str, url: str, path: Path) -> None:
        """A partial file with no ETag beside it: nothing says which version it holds, so ask for all of it."""
        with open(path, "wb") as file:
            for piece in content_range(0, self.PARTIAL, edition=1):  # the start of another version
                file.write(piece)
        error, sent = self._call_counting(resume, base, url, path, "a partial file without its ETag")
        said = (
            f"your file had {self.PARTIAL:,} bytes but no {path.name}.etag beside it, so nothing said which "
            "version of the file they came from (here, an older one)"
        )
        if error is not None:
            raise Incorrect(
                f"{said}, and resume() raised {describe_error(error)}: with no saved ETag, ask for the whole "
                "file and write it from byte 0"
            )
        problem = describe_file(path, self.SIZE)
        if problem and sent < self.SIZE - self.PARTIAL // 2:
            raise Incorrect(
                f"{said}; resume() asked for the rest all the same (the host sent only the {sent:,} bytes after "
                f"them), so {problem}. Without a saved ETag there is nothing to send as If-Range: ask for the "
                "whole file, without Range, and write it from byte 0"
            )
        if problem:
            raise Incorrect(f"{said}; after resume(), {problem}: ask for the whole file and write it from byte 0")

    def _error(self, resume: Any, base: str, url: str, path: Path) -> None:
        self._prepare(base, url, path, self.SIZE, self.PARTIAL)
        expect_status_error("resume(…/status/503, path)", lambda: resume(url, str(path)), 503)
        if describe_file(path, self.PARTIAL):
            raise Incorrect(
                "the server answered 503, and your function changed the partial file: check the status first"
            )


QUESTIONS = bind(CHAPTER, [SaveAndHash, CountAndTotal, SaveWithProgress, Resume], globals())
