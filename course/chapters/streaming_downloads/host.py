"""A local download host: a real HTTP server on 127.0.0.1 that the streaming chapter downloads from.

It stands in for a file server on the internet. Every file is generated on the
fly, one 1 MiB block at a time, so it can serve 4 GiB without holding more than
a block in memory. What it offers:

``GET|HEAD /bytes/<n>``
    ``n`` bytes of deterministic content (:func:`content_range`), with
    ``Content-Length``, ``Accept-Ranges: bytes``, an ``ETag`` and the SHA-256 of
    the whole file in ``X-Checksum-SHA256``. Honours one ``Range: bytes=…`` (206
    with ``Content-Range``; 416 with ``Content-Range: bytes */n`` when it cannot
    be satisfied), and ``If-Range``: the range is sent only when ``If-Range``
    names the current ``ETag``, otherwise the whole file comes with a 200.
    Query options that make it misbehave on purpose:

    - ``fail_after=N``: close the connection after N body bytes (a dropped download);
    - ``ignore_range=1``: answer 200 with the whole file even when a range was asked for;
    - ``range_align=N``: move the start of a range down to a multiple of N (a 206 that
      does not start where the client asked — allowed, and done by some caches);
    - ``chunked=1``: no ``Content-Length``, ``Transfer-Encoding: chunked`` instead.
``GET|HEAD /edition/<n>``, ``POST /edition/publish``
    Like ``/bytes/<n>`` (same options), but for a file the host republishes: each
    ``POST /edition/publish`` makes a new edition with other content, checksum
    and ``ETag``. Edition 0 is the content of ``/bytes/<n>``.
``GET /gzip/<n>``
    The same content gzip-compressed on the fly (``Content-Encoding: gzip``,
    chunked); the checksum header is that of the *decoded* content.
``GET|HEAD /log/<n>``
    ``n`` bytes of a text log (:func:`log_text`), which compresses well. When the
    request's ``Accept-Encoding`` allows gzip (requests asks for it by default),
    the host sends it the way a server with precompressed files does:
    ``Content-Encoding: gzip`` with the ``Content-Length`` of the *compressed*
    bytes, and ``Range`` counted in compressed bytes too. With
    ``Accept-Encoding: identity`` it sends the text itself. Each representation
    has its own ``ETag``; the checksum header is that of the text. Same options as
    ``/bytes`` except ``chunked``.
``GET /ndjson?count=N&interval=S&pad=P&heartbeat=K&length=L&array=A``
    N JSON records, one line each, every S seconds (``pad`` adds a P-character
    ``note`` field; ``heartbeat`` sends an empty keep-alive line after every K
    records). Sent chunked, or with a ``Content-Length`` when ``length=1``;
    ``array=1`` sends one JSON array with no newline at all instead.
``GET /status/<code>``
    Answers with that 4xx/5xx status and a short text body.
``GET /stats``, ``POST /stats/reset``
    How many connections, requests and body bytes the server has *handed to the network*
    (the reset answers the counts it cleared).

Bad requests get a 4xx status with a one-line text explanation. Run it with
``python -m course.chapters.streaming_downloads.host --port N`` or, from Python,
:func:`start_download_host`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from course import probes, servers
from course.errors import CourseError

MiB = 1024 * 1024
BLOCK = MiB
"""Content is generated, hashed and sent in blocks of this size."""

MAX_SIZE = 4 * 1024 * MiB
"""The largest file the host will serve (hashing it takes a few seconds)."""

CHECKSUM_HEADER = "X-Checksum-SHA256"

_BASE_BLOCK = random.Random(2017).randbytes(BLOCK)


def block(index: int, edition: int = 0) -> bytes:
    """Block ``index`` of every file: random-looking bytes that start with the block's number.

    The number makes the content non-periodic, so a download that puts bytes at
    the wrong offset never produces the right checksum by accident. Another
    ``edition`` changes the first bytes of every block.
    """
    return (index + (edition << 48)).to_bytes(8, "big") + _BASE_BLOCK[8:]


def content_range(start: int, stop: int, edition: int = 0) -> Iterator[memoryview]:
    """The bytes ``start`` up to (not including) ``stop`` of the content, as pieces of at most one block."""
    position = start
    while position < stop:
        index, offset = divmod(position, BLOCK)
        piece = memoryview(block(index, edition))[offset : min(BLOCK, offset + stop - position)]
        yield piece
        position += len(piece)


def content(size: int, edition: int = 0) -> bytes:
    """The whole content of ``/bytes/<size>`` in memory (for tests and small files only)."""
    return b"".join(content_range(0, size, edition))


@lru_cache(maxsize=64)
def content_sha256(size: int, edition: int = 0) -> str:
    """Hex SHA-256 of the ``size``-byte file, computed by streaming its blocks once and cached."""
    digest = hashlib.sha256()
    for piece in content_range(0, size, edition):
        digest.update(piece)
    return digest.hexdigest()


def etag(checksum: str, encoding: str = "") -> str:
    """The strong ``ETag`` of a representation: its content's checksum, and its encoding if any."""
    return f'"{checksum[:16]}{"-" + encoding if encoding else ""}"'


LOG_LINE = 64
"""Every line of the log has this many bytes, newline included, so any offset is easy to find."""

LOG_MAX_SIZE = 16 * MiB
"""The largest log the host serves (it compresses the whole log in memory, once)."""


def log_range(start: int, stop: int) -> bytes:
    """The bytes ``start`` up to ``stop`` of the log: numbered requests of a made-up web server."""
    first, last = start // LOG_LINE, (stop + LOG_LINE - 1) // LOG_LINE
    lines = []
    for n in range(first, last):
        minute, second = divmod(n % 3600, 60)
        text = f"{n:09d} 2017-06-01T09:{minute:02d}:{second:02d}Z GET /pages/{n * 7919 % 1000:03d}.html 200"
        lines.append(text.ljust(LOG_LINE - 1).encode() + b"\n")
    data = b"".join(lines)
    return data[start - first * LOG_LINE : stop - first * LOG_LINE]


def log_text(size: int) -> bytes:
    """The whole ``size``-byte log (for tests and small files only)."""
    return log_range(0, size)


@lru_cache(maxsize=8)
def log_sha256(size: int) -> str:
    """Hex SHA-256 of the ``size``-byte log."""
    return hashlib.sha256(log_text(size)).hexdigest()


@lru_cache(maxsize=4)
def log_gzip(size: int) -> bytes:
    """The log compressed as one gzip file, always the same bytes (no timestamp inside)."""
    return gzip.compress(log_text(size), compresslevel=6, mtime=0)


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip`` or ``*``, with a q-value above 0)."""
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            wanted = float(q) > 0
        except ValueError:
            wanted = False
        if name.strip().lower() in ("gzip", "x-gzip", "*") and wanted:
            return True
    return False


def ndjson_value(seq: int) -> int:
    """The ``value`` field of record ``seq`` of ``/ndjson`` (so a check can know the right total)."""
    return (seq * 7919) % 1000


class BadRequest(CourseError):
    """A request the host refuses; carries the status and the explanation sent to the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int]:
    """The half-open byte interval ``[start, stop)`` one ``Range`` header asks for, in a file of ``size`` bytes.

    Raises :class:`BadRequest` (416) for a range that is malformed, asks for
    several ranges, or lies outside the file.
    """
    unsatisfiable = {"Content-Range": f"bytes */{size}"}
    match = _RANGE.match(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        raise BadRequest(416, f"Range must be one 'bytes=START-END', 'bytes=START-' or 'bytes=-N'; got {header!r}")
    first, last = match.groups()
    if first == "":  # bytes=-N: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise BadRequest(416, f"the range {header!r} selects no bytes of a {size}-byte file", unsatisfiable)
        return max(0, size - suffix), size
    start = int(first)
    stop = size if last == "" else int(last) + 1
    if last != "" and stop <= start:
        raise BadRequest(416, f"the range {header!r} ends before it starts", unsatisfiable)
    if start >= size:
        raise BadRequest(416, f"the range {header!r} starts at or past the end of a {size}-byte file", unsatisfiable)
    return start, min(stop, size)


class Stats:
    """Counters shared by all handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"connections": 0, "requests": 0, "body_bytes_sent": 0}

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def snapshot(self, reset: bool = False) -> dict[str, int]:
        with self._lock:
            counts = dict(self._counts)
            if reset:
                self._counts = dict.fromkeys(counts, 0)
        return counts


class DownloadServer(ThreadingHTTPServer):
    """A threading HTTP server with the byte counters."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, DownloadHandler)
        self.stats = Stats()
        self.edition = 0
        """The edition ``/edition/<n>`` serves; ``POST /edition/publish`` moves it on."""
        self.edition_lock = threading.Lock()

    def publish(self) -> int:
        """Make a new edition of ``/edition/<n>``; return its number."""
        with self.edition_lock:
            self.edition += 1
            return self.edition


class Dropped(Exception):
    """The fault mode cut the connection on purpose."""


class DownloadHandler(BaseHTTPRequestHandler):
    """Answers the endpoints described in the module docstring."""

    protocol_version = "HTTP/1.1"
    # Send small answers at once: with Nagle's algorithm on, a body written after its headers waits
    # for the client's delayed ACK, and every request on a kept-alive connection took 40 ms here.
    disable_nagle_algorithm = True
    server: DownloadServer
    # Errors the base class answers itself (a malformed request line, say) come as one line of text too.
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s: %(explain)s\n"
    _FILE_OPTIONS = {"fail_after", "ignore_range", "range_align", "chunked"}
    _OPTIONS = {
        "bytes": _FILE_OPTIONS,
        "edition": _FILE_OPTIONS,
        "gzip": set(),
        "log": _FILE_OPTIONS - {"chunked"},
        "ndjson": {"count", "interval", "pad", "heartbeat", "length", "array"},
        "status": set(),
        "stats": set(),
    }

    def setup(self) -> None:
        super().setup()
        self.server.stats.add("connections")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Stay quiet: a download lesson makes thousands of requests."""

    def do_GET(self) -> None:
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/stats/reset":
            self._send_json(self.server.stats.snapshot(reset=True))
        elif path == "/edition/publish":
            self._send_json({"edition": self.server.publish()})
        else:
            self._send_text(405, f"POST is only for /stats/reset and /edition/publish; use GET for {path}")

    def _refuse_method(self) -> None:
        self._send_text(405, f"{self.command} is not supported here; download with GET (or HEAD for the headers)")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _dispatch(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        endpoint, args = segments[0], segments[1:]
        try:
            if endpoint not in self._OPTIONS:
                raise BadRequest(
                    404, f"no such endpoint {parts.path!r}; try /bytes/<n>, /edition/<n>, /gzip/<n>, /log/<n>, /ndjson"
                )
            query = self._query(parts.query, self._OPTIONS[endpoint])
            if endpoint == "stats":
                if args:
                    raise BadRequest(405, "read the counters with GET /stats; reset them with POST /stats/reset")
                self._send_json(self.server.stats.snapshot())
                return
            self.server.stats.add("requests")
            if endpoint == "bytes":
                self._bytes(self._size(args), query, send_body)
            elif endpoint == "edition":
                self._bytes(self._size(args), query, send_body, edition=self.server.edition)
            elif endpoint == "log":
                self._log(self._size(args, LOG_MAX_SIZE), query, send_body)
            elif endpoint == "gzip":
                self._gzip(self._size(args), send_body)
            elif endpoint == "ndjson":
                self._ndjson(query, send_body)
            else:
                self._status(args)
        except BadRequest as bad:
            self._send_text(bad.status, bad.message, bad.headers)
        except Dropped:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-body: nothing to answer

    # --- parsing -------------------------------------------------------------------------

    @staticmethod
    def _query(text: str, allowed: set[str]) -> dict[str, str]:
        query = {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}
        unknown = sorted(set(query) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            raise BadRequest(400, f"unknown query parameter {unknown[0]!r}; this endpoint accepts: {known}")
        return query

    @staticmethod
    def _size(args: list[str], limit: int = MAX_SIZE) -> int:
        if len(args) != 1 or not args[0].isdigit():
            raise BadRequest(400, "give the size as a whole number of bytes, e.g. /bytes/1048576")
        size = int(args[0])
        if size > limit:
            raise BadRequest(400, f"size {size} is larger than this endpoint's limit of {limit} bytes")
        return size

    @staticmethod
    def _number(query: dict[str, str], name: str, default: float, low: float, high: float) -> float:
        if name not in query:
            return default
        try:
            value = float(query[name])
        except ValueError:
            raise BadRequest(400, f"{name} must be a number, got {query[name]!r}") from None
        if not low <= value <= high:
            raise BadRequest(400, f"{name} must be between {low:.10g} and {high:.10g}, got {query[name]}")
        return value

    # --- endpoints -----------------------------------------------------------------------

    def _bytes(self, size: int, query: dict[str, str], send_body: bool, edition: int = 0) -> None:
        checksum = content_sha256(size, edition)
        headers = {"Content-Type": "application/octet-stream", "ETag": etag(checksum), CHECKSUM_HEADER: checksum}
        self._file(size, lambda start, stop: content_range(start, stop, edition), headers, query, send_body)

    def _log(self, size: int, query: dict[str, str], send_body: bool) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept-Encoding"}
        if accepts_gzip(self.headers.get("Accept-Encoding")):
            packed = log_gzip(size)
            headers |= {"Content-Encoding": "gzip", "ETag": etag(log_sha256(size), "gzip")}
            headers[CHECKSUM_HEADER] = log_sha256(size)
            self._file(len(packed), lambda start, stop: iter([packed[start:stop]]), headers, query, send_body)
        else:
            headers |= {"ETag": etag(log_sha256(size)), CHECKSUM_HEADER: log_sha256(size)}
            self._file(size, lambda start, stop: _pieces(log_range, start, stop), headers, query, send_body)

    def _file(
        self,
        size: int,
        pieces: Callable[[int, int], Iterator[bytes | memoryview]],
        headers: dict[str, str],
        query: dict[str, str],
        send_body: bool,
    ) -> None:
        """Send a ``size``-byte representation, honouring ``Range``, ``If-Range`` and the fault options."""
        fail_after = int(self._number(query, "fail_after", -1, 0, MAX_SIZE))
        align = int(self._number(query, "range_align", 1, 1, MAX_SIZE))
        chunked = self._number(query, "chunked", 0, 0, 1) == 1
        ignore_range = self._number(query, "ignore_range", 0, 0, 1) == 1
        headers = {"Accept-Ranges": "bytes", **headers}
        start, stop, status = 0, size, 200
        range_header = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        # If-Range: send the range only if the client's copy is this very representation (strong match).
        current = if_range is None or if_range.strip() == headers["ETag"]
        if range_header is not None and current and not ignore_range:
            try:
                start, stop = parse_range(range_header, size)
            except BadRequest as bad:  # a 416 still names the file's checksum, ETag and length
                bad.headers = {key: headers[key] for key in ("ETag", CHECKSUM_HEADER)} | bad.headers
                raise
            start -= start % align
            status = 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        self._start(status, headers, length=None if chunked else stop - start)
        if send_body:
            self._send_pieces(pieces(start, stop), chunked=chunked, fail_after=fail_after)

    def _gzip(self, size: int, send_body: bool) -> None:
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Encoding": "gzip",
            CHECKSUM_HEADER: content_sha256(size),
        }
        self._start(200, headers, length=None)
        if send_body:
            self._send_pieces(_gzipped(content_range(0, size)), chunked=True)

    def _ndjson(self, query: dict[str, str], send_body: bool) -> None:
        count = int(self._number(query, "count", 10, 0, 10_000_000))
        interval = self._number(query, "interval", 0.0, 0.0, 5.0)
        pad = int(self._number(query, "pad", 0, 0, 100_000))
        heartbeat = int(self._number(query, "heartbeat", 0, 0, 10_000_000))
        with_length = self._number(query, "length", 0, 0, 1) == 1
        array = self._number(query, "array", 0, 0, 1) == 1
        kind = "application/json" if array else "application/x-ndjson"
        length = _records_length(count, pad, heartbeat, array) if with_length else None
        self._start(200, {"Content-Type": kind}, length=length)
        if send_body:
            self._send_pieces(_records(count, interval, pad, heartbeat, array), chunked=length is None)

    def _status(self, args: list[str]) -> None:
        if len(args) != 1 or not args[0].isdigit() or not 400 <= int(args[0]) <= 599:
            raise BadRequest(400, "ask for an error status between 400 and 599, e.g. /status/503")
        code = int(args[0])
        self._send_text(code, f"you asked for a {code} and got one")

    # --- writing -------------------------------------------------------------------------

    def _start(self, status: int, headers: dict[str, str], length: int | None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send_pieces(self, pieces: Iterator[bytes | memoryview], chunked: bool, fail_after: int = -1) -> None:
        """Send the body, counting each byte handed to the socket; drop it after ``fail_after`` bytes."""
        sent = 0
        for piece in pieces:
            if 0 <= fail_after < sent + len(piece):
                piece = piece[: fail_after - sent]
                self._write(piece, chunked)
                self._drop()
            self._write(piece, chunked)
            sent += len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write(self, piece: bytes | memoryview, chunked: bool) -> None:
        if not piece:
            return
        # Counted before the write, so that a client which has the bytes always finds them
        # counted (the counter is read by other threads); uncounted if the socket refuses them.
        self.server.stats.add("body_bytes_sent", len(piece))
        try:
            if chunked:
                self.wfile.write(f"{len(piece):x}\r\n".encode() + bytes(piece) + b"\r\n")
            else:
                self.wfile.write(piece)
        except OSError:
            self.server.stats.add("body_bytes_sent", -len(piece))
            raise

    def _drop(self) -> None:
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise Dropped

    def _send_text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = (message + "\n").encode()
        self._start(status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, length=len(body))
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, value: object) -> None:
        body = json.dumps(value).encode()
        self._start(200, {"Content-Type": "application/json"}, length=len(body))
        if self.command != "HEAD":
            self.wfile.write(body)


def _gzipped(pieces: Iterator[memoryview]) -> Iterator[bytes]:
    """Compress ``pieces`` as one gzip stream, piece by piece."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: gzip framing
    for piece in pieces:
        out = compressor.compress(piece)
        if out:
            yield out
    yield compressor.flush()


def _pieces(source: Callable[[int, int], bytes], start: int, stop: int) -> Iterator[bytes]:
    """``source(start, stop)`` cut into pieces of at most one block, so that no piece is large."""
    for position in range(start, stop, BLOCK):
        yield source(position, min(stop, position + BLOCK))


def _record(seq: int, pad: int) -> bytes:
    """One record as JSON. ``sent_at`` always has the same width, so a feed's length is known in advance."""
    note = f', "note": "{"x" * pad}"' if pad else ""
    return f'{{"seq": {seq}, "value": {ndjson_value(seq)}, "sent_at": {time.time():.6f}{note}}}'.encode()


def _records_length(count: int, pad: int, heartbeat: int, array: bool) -> int:
    """The length in bytes of the feed :func:`_records` sends with these options."""
    if array:
        return 2 + max(count - 1, 0) + sum(len(_record(seq, pad)) for seq in range(count))
    beats = count // heartbeat if heartbeat else 0
    return sum(len(_record(seq, pad)) + 1 for seq in range(count)) + beats


def _records(count: int, interval: float, pad: int, heartbeat: int, array: bool = False) -> Iterator[bytes]:
    """The feed: NDJSON lines, or one JSON array; one record per piece when slow, 64 KiB pieces when not."""
    batch: list[bytes] = [b"["] if array else []
    batched = 0
    for seq in range(count):
        if seq and interval:
            time.sleep(interval)
        if array:
            line = (b"," if seq else b"") + _record(seq, pad)
        else:
            line = _record(seq, pad) + b"\n"
            if heartbeat and (seq + 1) % heartbeat == 0:
                line += b"\n"
        batch.append(line)
        batched += len(line)
        if interval or batched >= 64 * 1024:
            yield b"".join(batch)
            batch, batched = [], 0
    if array:
        batch.append(b"]")
    if batch:
        yield b"".join(batch)


def start_download_host(timeout: float = 15.0) -> servers.ProcessServer:
    """Start the host in a child process on a free port of 127.0.0.1 and wait until it answers.

    A separate process keeps the server's own memory and CPU out of the
    measurements the notebook makes in its kernel. Stop it with ``.stop()``.
    """
    import sys

    port = servers.free_port()
    command = [sys.executable, "-m", __name__, "--port", str(port)]
    return servers.start_process(command, port=port, timeout=timeout, probe=probes.http("/stats"))


def main(argv: list[str] | None = None) -> None:
    """Command line: serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(description="Local download host for the streaming chapter.")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    options = parser.parse_args(argv)
    server = DownloadServer((servers.HOST, options.port))
    print(f"download host on http://{servers.HOST}:{options.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
