"""Chapter 04: the exercise checks, judged against the chapter's download host.

Every question gets its published solution, at least three plausible wrong
answers (each must be judged Incorrect with a message that says why) and at
least one unusual but correct answer (another library or structure), which
must pass. The answers are plain module-level functions on purpose: the memory
checks send a function's source to a fresh process, as they do for a notebook's.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
import requests
import urllib3
from checking import incorrect

from course import servers
from course.chapters import streaming_downloads
from course.chapters.streaming_downloads.questions import MEASURE_TIMEOUT, host_url, q1, q2, q3, q4
from course.checks.expect import Incorrect
from course.solutions import define, reference

pytestmark = pytest.mark.slow  # the checks download hundreds of MiB and measure memory in fresh processes

MiB = 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def stop_check_host():
    """The checks share one download host per process; stop it after this module."""
    yield
    servers.stop_all()


def from_solution(question, name):
    """The reference answer the learner sees with ``qN.solution()``, as a function."""
    namespace = {"requests": requests, "os": os, "json": json, "hashlib": hashlib}
    return define(question, namespace)[name]


def exercise_stubs():
    """The untouched answer cells of the generated exercise notebook, run: name -> stub function."""
    notebook = streaming_downloads.CHAPTER.notebook("exercises")
    namespace = {"requests": requests, "os": os, "json": json, "hashlib": hashlib}
    for cell in json.loads(notebook.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "raise NotImplementedError()" in source:
            exec(compile(source, str(notebook), "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "question, name",
    [(q1, "save_and_hash"), (q2, "count_and_total"), (q3, "save_with_progress"), (q4, "resume")],
)
def test_untouched_exercise_is_not_attempted(question, name):
    """Is the exercise notebook's placeholder, as a learner first sees it, judged Not attempted?"""
    outcome = question.evaluate(exercise_stubs()[name])
    assert outcome.status == "not_attempted", outcome


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=["q1", "q2", "q3", "q4"])
def test_hints_climb_a_ladder_without_giving_the_code(question):
    """Are there three rungs (nudge, method, shape), sharing few of the solution's lines?"""
    assert len(question.hints) == 3
    lines = [line.strip() for line in reference(question).source.splitlines()]
    code = [line for line in lines if line and not line.startswith(('"""', "#", "def "))]
    ladder = " ".join(question.hints)
    given = [line for line in code if line in ladder]
    assert len(given) <= len(code) // 4, given


# --- q1: save_and_hash ---------------------------------------------------------------------------------


def save_all_at_once(url, path):
    r = requests.get(url, timeout=10)
    r.raise_for_status()
    with open(path, "wb") as f:
        f.write(r.content)
    return hashlib.sha256(r.content).hexdigest()


def save_ignoring_status(url, path):
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        for chunk in r.iter_content(chunk_size=MiB):
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def save_byte_by_byte(url, path):
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content():
                f.write(chunk)
                digest.update(chunk)
    return digest.hexdigest()


def save_raw_undecoded(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            shutil.copyfileobj(r.raw, f, MiB)
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def save_with_chunk_size_none(url, path):
    """stream=True and iter_content(chunk_size=None): "as it arrives", so it seems."""
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=None):
                f.write(chunk)
                digest.update(chunk)
    return digest.hexdigest()


def save_returning_bytes(url, path):
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
                digest.update(chunk)
    return digest.digest()


def save_hashing_each_chunk_afresh(url, path):
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=64 * 1024):
                f.write(chunk)
                digest = hashlib.sha256(chunk)  # wrong: starts over at every chunk
    return digest.hexdigest()


def save_then_hash_whole_file(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.parametrize(
    "answer, words",
    [
        (save_all_at_once, ["held in memory"]),
        (save_ignoring_status, ["the server answered 404", "raise_for_status"]),
        (save_byte_by_byte, ["reads 1 byte at a time"]),
        (save_raw_undecoded, ["r.raw is the stream as it came off the network", "decode_content"]),
        (save_with_chunk_size_none, ["when the same file came chunked", "iter_content(chunk_size=None)", "ONE chunk"]),
        (save_returning_bytes, ["as bytes", ".hexdigest()"]),
        (save_hashing_each_chunk_afresh, ["feed the hash exactly the bytes you write"]),
        (save_then_hash_whole_file, ["f.read() of the finished file"]),
    ],
)
def test_q1_rejects(answer, words):
    """Is each plausible mistake judged Incorrect, with a message that names it?"""
    incorrect(q1.evaluate(answer), *words)


def save_with_httpx(url, path):
    """httpx, and the finished file hashed again with hashlib.file_digest."""
    with httpx.stream("GET", url, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_bytes(chunk_size=256 * 1024):
                f.write(chunk)
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def save_with_urllib3(url, path):
    """urllib3 straight, the status judged by hand."""
    r = urllib3.request("GET", url, preload_content=False, timeout=10)
    try:
        if r.status >= 400:
            raise requests.HTTPError(f"{r.status} for {url}")
        digest = hashlib.sha256()
        with open(path, "wb") as f:
            for chunk in r.stream(512 * 1024, decode_content=True):
                f.write(chunk)
                digest.update(chunk)
        return digest.hexdigest()
    finally:
        r.release_conn()


class HashingWriter:
    """A file-like object that writes to ``file`` and hashes the same bytes."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def write(self, data):
        self.digest.update(data)
        return self.file.write(data)


def save_with_copyfileobj(url, path):
    """A Session, r.raw decoded, and shutil.copyfileobj into a hashing writer."""
    with requests.Session() as session, session.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        r.raw.decode_content = True
        with open(path, "wb") as f:
            writer = HashingWriter(f)
            shutil.copyfileobj(r.raw, writer, 256 * 1024)
    return writer.digest.hexdigest().upper()


@pytest.mark.parametrize(
    "answer",
    [from_solution(q1, "save_and_hash"), save_with_httpx, save_with_urllib3, save_with_copyfileobj],
    ids=["solution", "httpx", "urllib3", "copyfileobj"],
)
def test_q1_accepts(answer):
    """Do the solution and unusual but correct answers pass?"""
    outcome = q1.evaluate(answer)
    assert outcome.status == "correct", outcome.message


SESSION = requests.Session()


def save_with_a_global_session(url, path):
    digest = hashlib.sha256()
    with SESSION.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
                digest.update(chunk)
    return digest.hexdigest()


def test_q1_explains_a_global_that_cannot_travel():
    """Is a function that needs a notebook object in the fresh process told to create it inside?"""
    incorrect(q1.evaluate(save_with_a_global_session), "NameError", "fresh Python")


def save_trusting_the_checksum_header(url, path):
    """Saves the body, but hands back the host's checksum header instead of hashing."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
        return r.headers.get("X-Checksum-SHA256")


def save_indexing_the_checksum_header(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
        return r.headers["X-Checksum-SHA256"]


@pytest.mark.parametrize(
    "answer, words",
    [
        (save_trusting_the_checksum_header, ["returned None", "no X-Checksum-SHA256 header", "from the bytes"]),
        (save_indexing_the_checksum_header, ["raised KeyError", "from the bytes you save"]),
    ],
)
def test_q1_rejects_a_hash_taken_from_the_checksum_header(answer, words):
    """Is a hash read from the X-Checksum-SHA256 header, not computed, judged Incorrect on a feed without it?"""
    incorrect(q1.evaluate(answer), *words)


def save_with_urllib_request(url, path):
    """urllib.request from the standard library, gzip decoded by hand; `import urllib.request` at the top."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=10) as response, open(path, "wb") as f:
        compressed = response.headers.get("Content-Encoding") == "gzip"
        source = gzip.GzipFile(fileobj=response) if compressed else response
        while chunk := source.read(256 * 1024):
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


HEADERS = {"User-Agent": "polyglot-course-test"}
TIMEOUT = (5, 30)
CHUNK = 1024 * 1024


def save_with_settings_at_module_level(url, path):
    """A dict of headers and a (connect, read) timeout tuple, both defined beside the function."""
    digest = hashlib.sha256()
    with requests.get(url, headers=HEADERS, stream=True, timeout=TIMEOUT) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=512 * 1024):
                f.write(chunk)
                digest.update(chunk)
    return digest.hexdigest()


def save_with_a_default_chunk_size(url, path, chunk_size=CHUNK):
    """CHUNK appears only in the default value, which the `def` evaluates, not the body."""
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size):
                f.write(chunk)
                digest.update(chunk)
    return digest.hexdigest()


class HashedFile(io.RawIOBase):
    """A writable raw stream that hashes what it writes: its base class comes from io."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def writable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        return self.file.write(data)


def save_through_a_raw_io_subclass(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            writer = HashedFile(f)
            for chunk in r.iter_content(chunk_size=256 * 1024):
                writer.write(chunk)
    return writer.digest.hexdigest()


@pytest.mark.parametrize(
    "answer",
    [
        save_with_urllib_request,
        save_with_settings_at_module_level,
        save_with_a_default_chunk_size,
        save_through_a_raw_io_subclass,
    ],
    ids=["urllib.request", "dict-and-tuple-constants", "default-argument", "io-base-class"],
)
def test_q1_accepts_what_must_travel_to_the_fresh_process(answer):
    """Does everything the function needs reach the fresh process: a dotted module, containers of
    constants, a name used only in a default value, a class whose base comes from another module?"""
    outcome = q1.evaluate(answer)
    assert outcome.status == "correct", outcome.message


# --- q2: count_and_total -------------------------------------------------------------------------------


def total_from_text(url):
    r = requests.get(url, timeout=10)
    r.raise_for_status()
    records = [json.loads(line) for line in r.text.splitlines() if line]
    return len(records), sum(record["value"] for record in records)


def total_without_stream(url):
    count = total = 0
    r = requests.get(url, timeout=10)  # no stream=True: iter_lines walks a body already in memory
    r.raise_for_status()
    for line in r.iter_lines():
        if line:
            count += 1
            total += json.loads(line)["value"]
    return count, total


def total_tripping_on_heartbeats(url):
    count = total = 0
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        for line in r.iter_lines(chunk_size=64 * 1024):
            count += 1
            total += json.loads(line)["value"]
    return count, total


def total_ignoring_status(url):
    count = total = 0
    with requests.get(url, stream=True, timeout=10) as r:
        for line in r.iter_lines(chunk_size=64 * 1024):
            if line:
                count += 1
                total += json.loads(line)["value"]
    return count, total


def total_with_chunk_size_none(url):
    """iter_lines(chunk_size=None): fine on a chunked feed, the whole body at once with a Content-Length."""
    count = total = 0
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        for line in r.iter_lines(chunk_size=None):
            if line:
                count += 1
                total += json.loads(line)["value"]
    return count, total


@pytest.mark.parametrize(
    "answer, words",
    [
        (total_from_text, ["held at once"]),
        (total_without_stream, ["held at once"]),
        (total_tripping_on_heartbeats, ["skip empty lines"]),
        (total_ignoring_status, ["expected requests.HTTPError"]),
        (total_with_chunk_size_none, ["when the same feed came chunked", "ONE chunk", "iter_lines(chunk_size=None)"]),
    ],
)
def test_q2_rejects(answer, words):
    """Is each plausible mistake judged Incorrect, with a message that names it?"""
    incorrect(q2.evaluate(answer), *words)


def total_with_httpx(url):
    count = total = 0
    with httpx.stream("GET", url, timeout=10) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.strip():
                count += 1
                total += json.loads(line)["value"]
    return [count, total]


def total_with_urllib3_lines(url):
    """urllib3's response is a file: iterating over it gives lines."""
    r = urllib3.request("GET", url, preload_content=False, timeout=10)
    if r.status >= 400:
        r.release_conn()
        raise requests.HTTPError(f"{r.status} for {url}")
    records = (json.loads(line) for line in r if line.strip())
    count = total = 0
    for record in records:
        count, total = count + 1, total + record["value"]
    r.release_conn()
    return count, total


@pytest.mark.parametrize(
    "answer",
    [from_solution(q2, "count_and_total"), total_with_httpx, total_with_urllib3_lines],
    ids=["solution", "httpx", "urllib3"],
)
def test_q2_accepts(answer):
    """Do the solution and unusual but correct answers pass?"""
    outcome = q2.evaluate(answer)
    assert outcome.status == "correct", outcome.message


def total_splitting_chunks_on_newlines(url):
    """Each chunk split on newlines by hand: a record cut at a chunk's edge fails to parse and is skipped."""
    count = total = 0
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        for chunk in r.iter_content(chunk_size=64 * 1024):
            for line in chunk.split(b"\n"):
                if line.strip():
                    try:
                        total += json.loads(line)["value"]
                        count += 1
                    except ValueError:
                        pass
    return count, total


def test_q2_explains_records_lost_at_chunk_edges():
    """Is a count short by the records cut at chunk boundaries explained, not only shown as two numbers?"""
    incorrect(q2.evaluate(total_splitting_chunks_on_newlines), "records were lost", "cut in two", "iter_lines")


def total_with_urllib_request(url):
    """urllib.request's response is a file: iterating over it gives lines."""
    count = total = 0
    with urllib.request.urlopen(url, timeout=10) as response:
        for line in response:
            if line.strip():
                count += 1
                total += json.loads(line)["value"]
    return count, total


def test_q2_accepts_urllib_request():
    """Does `import urllib.request` travel to the fresh process as the submodule, not the bare package?"""
    outcome = q2.evaluate(total_with_urllib_request)
    assert outcome.status == "correct", outcome.message


# --- q3: save_with_progress ----------------------------------------------------------------------------


def progress_as_in_the_chapter(url, path, on_progress):
    """The chapter's way, decoded bytes against Content-Length: wrong when the body is compressed."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length is not None else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=256 * 1024):
                f.write(chunk)
                done += len(chunk)
                on_progress(done, total)


def progress_per_chunk(url, path, on_progress):
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        total = int(r.headers.get("Content-Length", 0)) or None
        for chunk in r.iter_content(chunk_size=256 * 1024):
            f.write(chunk)
            on_progress(len(chunk), total)


def progress_header_as_text(url, path, on_progress):
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            f.write(chunk)
            done += len(chunk)
            on_progress(done, r.headers.get("Content-Length"))


def progress_only_at_the_end(url, path, on_progress):
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
        on_progress(done, int(r.headers["Content-Length"]))


def progress_zero_total(url, path, on_progress):
    headers = {"Accept-Encoding": "identity"}
    with requests.get(url, headers=headers, stream=True, timeout=10) as r, open(path, "wb") as f:
        r.raise_for_status()
        total = int(r.headers.get("Content-Length", 0))
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(done, total)


def progress_swapped(url, path, on_progress):
    headers = {"Accept-Encoding": "identity"}
    with requests.get(url, headers=headers, stream=True, timeout=10) as r, open(path, "wb") as f:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(total, done)


def progress_not_streamed(url, path, on_progress):
    r = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)  # no stream=True
    r.raise_for_status()
    length = r.headers.get("Content-Length")
    total = int(length) if length else None
    done = 0
    with open(path, "wb") as f:
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(done, total)


def progress_by_raw_tell_always(url, path, on_progress):
    """Wire bytes from r.raw.tell() — which stays at 0 on a chunked response."""
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        for chunk in r.iter_content(chunk_size=256 * 1024):
            f.write(chunk)
            on_progress(r.raw.tell(), total)


@pytest.mark.parametrize(
    "answer, words",
    [
        (progress_as_in_the_chapter, ["done went past total", "Content-Length counts the compressed bytes"]),
        (progress_per_chunk, ["never go down"]),
        (progress_header_as_text, ["as an int"]),
        (progress_only_at_the_end, ["called 1 time"]),
        (progress_zero_total, ["`total` should be None"]),
        (progress_swapped, ["arguments are swapped"]),
        (progress_not_streamed, ["before any progress was reported"]),
        (progress_by_raw_tell_always, ["stayed at 0", "counts nothing on a chunked response"]),
    ],
)
def test_q3_rejects(answer, words):
    """Is each plausible mistake judged Incorrect, with a message that names it?"""
    incorrect(q3.evaluate(answer), *words)


def progress_in_wire_bytes(url, path, on_progress):
    """Approach (b): count the bytes read off the network where there is a Content-Length."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=256 * 1024):
                f.write(chunk)
                done = r.raw.tell() if total is not None else done + len(chunk)
                on_progress(done, total)


def progress_unknown_when_encoded(url, path, on_progress):
    """Approach (c): no total for an encoded body; keyword arguments; a Session."""
    with requests.Session() as session, session.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = None if length is None or "Content-Encoding" in r.headers else int(length)
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=128 * 1024):
                done += f.write(chunk)
                on_progress(done=done, total=total)


def progress_with_httpx(url, path, on_progress):
    """httpx counts the bytes it downloaded (before decoding) in num_bytes_downloaded."""
    with httpx.stream("GET", url, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_bytes(chunk_size=256 * 1024):
                f.write(chunk)
                done = r.num_bytes_downloaded if total is not None else done + len(chunk)
                on_progress(done, total)


@pytest.mark.parametrize(
    "answer",
    [
        from_solution(q3, "save_with_progress"),
        progress_in_wire_bytes,
        progress_unknown_when_encoded,
        progress_with_httpx,
    ],
    ids=["solution", "wire-bytes", "none-when-encoded", "httpx"],
)
def test_q3_accepts(answer):
    """Do the solution and unusual but correct answers pass?"""
    outcome = q3.evaluate(answer)
    assert outcome.status == "correct", outcome.message


def progress_held_at_total(url, path, on_progress):
    """Decoded bytes against the compressed Content-Length, with done held at total so it never goes past."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=256 * 1024):
                f.write(chunk)
                done += len(chunk)
                on_progress(min(done, total) if total else done, total)


def progress_snapped_to_total(url, path, on_progress):
    """The same mistake, hidden another way: once done passes total, report (total, total)."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=256 * 1024):
                f.write(chunk)
                done += len(chunk)
                if total is not None and done > total:
                    on_progress(total, total)
                else:
                    on_progress(done, total)


@pytest.mark.parametrize("answer", [progress_held_at_total, progress_snapped_to_total], ids=["min", "snapped"])
def test_q3_rejects_done_held_at_the_compressed_total(answer):
    """Is a `done` that reaches the compressed total long before the text has arrived judged Incorrect?"""
    incorrect(q3.evaluate(answer), "`done` reached `total`", "was held at `total`", "Accept-Encoding: identity")


def progress_in_wire_bytes_reported_first(url, path, on_progress):
    """Wire bytes in 1 MiB chunks, reported before each write: urllib3 has read all 2 MB of gzip by the
    time half the text is out, so done sits at total for the second half."""
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                done = r.raw.tell() if total is not None else done + len(chunk)
                on_progress(done, total)
                f.write(chunk)


def test_q3_accepts_wire_bytes_that_reach_total_early():
    """Does counting the bytes off the wire still pass when they are all read before the text is written?"""
    outcome = q3.evaluate(progress_in_wire_bytes_reported_first)
    assert outcome.status == "correct", outcome.message


# --- q4: resume ----------------------------------------------------------------------------------------


def _start_of(content_range):
    return int(content_range.split()[1].split("-")[0])


def resume_without_if_range(url, path):
    """The chapter's fetch_part, with identity: nothing notices that the file changed."""
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity", "Range": f"bytes={have}-"}
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_compressed(url, path, identity=False, keep_tag_at_end=False, tag_as=str.strip):
    """The published answer's steps, with switches for three mistakes."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"} if identity else {}
    if have and os.path.exists(tag_file):
        with open(tag_file) as f:
            headers["If-Range"] = f.read().strip()
        headers["Range"] = f"bytes={have}-"
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200 and not keep_tag_at_end:
            with open(tag_file, "w") as f:
                f.write(tag_as(r.headers["ETag"]))
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
        if r.status_code == 200 and keep_tag_at_end:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])


def resume_asking_for_gzip(url, path):
    """If-Range and all, but with requests' default Accept-Encoding (gzip)."""
    resume_compressed(url, path)


def resume_keeping_tag_at_the_end(url, path):
    """The ETag is written only once the body is complete: a dropped call leaves none."""
    resume_compressed(url, path, identity=True, keep_tag_at_end=True)


def resume_unquoting_the_tag(url, path):
    """The ETag is kept without its quotes: If-Range never matches."""
    resume_compressed(url, path, identity=True, tag_as=lambda tag: tag.strip('"'))


def resume_sending_the_newline_back(url, path):
    """The tag is kept with a newline, and read back with it: not a valid header value."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                print(r.headers["ETag"], file=f)
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_keeping_the_tag_elsewhere(url, path):
    """Right but for the name of the tag file: path.tag instead of path + ".etag"."""
    tag_file = os.path.splitext(path)[0] + ".tag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_always_from_scratch(url, path):
    with requests.get(url, headers={"Accept-Encoding": "identity"}, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(f"{path}.etag", "w") as f:
            f.write(r.headers["ETag"])
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_with_head_first(url, path):
    """A HEAD to compare ETags, then a GET: two requests, and a moment for the file to change between them."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    head = requests.head(url, headers=headers, timeout=10)
    saved = open(tag_file).read() if os.path.exists(tag_file) else None
    if have and saved == head.headers.get("ETag"):
        headers["Range"] = f"bytes={have}-"
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def _careful(url, path, write):
    """Everything right up to the status; ``write(r, f, have)`` puts the body in the file."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers["If-Range"] = open(tag_file).read()
        headers["Range"] = f"bytes={have}-"
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            write(r, f, have)


def resume_appending_always(url, path):
    def append(r, f, have):
        f.seek(0, os.SEEK_END)
        for chunk in r.iter_content(chunk_size=MiB):
            f.write(chunk)

    _careful(url, path, append)


def resume_ignoring_content_range(url, path):
    def at_the_end_on_206(r, f, have):
        f.seek(have if r.status_code == 206 else 0)
        f.truncate()
        for chunk in r.iter_content(chunk_size=MiB):
            f.write(chunk)

    _careful(url, path, at_the_end_on_206)


def resume_swallowing_the_drop(url, path):
    def quietly(r, f, have):
        f.seek(_start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0)
        f.truncate()
        try:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
        except requests.RequestException:
            pass  # wrong: the caller cannot tell the file is incomplete

    _careful(url, path, quietly)


def resume_raising_on_416(url, path):
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        r.raise_for_status()  # wrong: a 416 naming your own size means the file is complete
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_taking_any_416_as_done(url, path):
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416:
            return  # wrong: a 416 for another size means the local file is not that file
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


@pytest.mark.parametrize(
    "answer, words",
    [
        (resume_without_if_range, ["your file mixes the two", "as If-Range"]),
        (resume_asking_for_gzip, ["Range count the compressed bytes", "Accept-Encoding: identity"]),
        (resume_keeping_tag_at_the_end, ["there is no drops.bin.etag", "before the body"]),
        (resume_unquoting_the_tag, ["quotes included"]),
        (resume_sending_the_newline_back, ["call 2 of resume() raised InvalidHeader"]),
        (resume_keeping_the_tag_elsewhere, ["no drops.bin.etag beside it, only drops.tag", 'path + ".etag"']),
        (resume_always_from_scratch, ["no more than the", "started over"]),
        (resume_with_head_first, ["made 2 requests", "HEAD"]),
        (resume_appending_always, ["on a 200, write the file from the start"]),
        (resume_ignoring_content_range, ["Write the body at the offset Content-Range names"]),
        (resume_swallowing_the_drop, ["returned normally", "let the exception propagate"]),
        (resume_raising_on_416, ["nothing left to fetch"]),
        (resume_taking_any_416_as_done, ["so yours is not complete"]),
    ],
)
def test_q4_rejects(answer, words):
    """Is each plausible mistake judged Incorrect, with a message that names it?"""
    incorrect(q4.evaluate(answer), *words)


def resume_with_httpx(url, path):
    """httpx, pathlib, and a range whose start is read with a regular expression."""
    import re

    target, tag_file = Path(path), Path(f"{path}.etag")
    have = target.stat().st_size if target.exists() else 0
    headers = {"Accept-Encoding": "identity"}
    if have and tag_file.exists():
        headers |= {"Range": f"bytes={have}-", "If-Range": tag_file.read_text().strip()}
    with httpx.stream("GET", url, headers=headers, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("content-range") == f"bytes */{have}":
            return
        r.raise_for_status()
        if r.status_code == 206:
            start = int(re.match(r"bytes (\d+)-", r.headers["content-range"]).group(1))
        else:
            start = 0
            tag_file.write_text(r.headers["etag"] + "\n")
        with target.open("r+b" if target.exists() else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_bytes(512 * 1024):
                f.write(chunk)


def resume_with_a_session(url, path):
    """A Session with identity as its default, the tag file removed on a 200 until it is rewritten."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.Session() as session:
        session.headers["Accept-Encoding"] = "identity"
        extra = {}
        if have and os.path.exists(tag_file):
            with open(tag_file) as f:
                extra = {"Range": f"bytes={have}-", "If-Range": f.read()}
        with session.get(url, headers=extra, stream=True, timeout=10) as r:
            if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
                return
            r.raise_for_status()
            if r.status_code == 206:
                offset = _start_of(r.headers["Content-Range"])
                mode = "r+b"
            else:
                offset, mode = 0, "wb"
                with open(tag_file, "w") as f:
                    f.write(r.headers["ETag"])
            with open(path, mode) as f:
                f.seek(offset)
                f.truncate()
                for chunk in r.iter_content(chunk_size=200_000):
                    f.write(chunk)


@pytest.mark.parametrize(
    "answer",
    [from_solution(q4, "resume"), resume_with_httpx, resume_with_a_session],
    ids=["solution", "httpx", "session"],
)
def test_q4_accepts(answer):
    """Do the solution and unusual but correct answers pass?"""
    outcome = q4.evaluate(answer)
    assert outcome.status == "correct", outcome.message


def resume_keeping_the_first_tag(url, path):
    """Writes the ETag only when there is none yet: after a republish, the tag is never the new one."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        if r.status_code == 200 and not os.path.exists(tag_file):
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_in_4_mib_chunks(url, path):
    """Right but for the chunk size: a drop after 2 MiB loses the whole unfinished 4 MiB chunk."""

    def in_large_chunks(r, f, have):
        f.seek(_start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0)
        f.truncate()
        for chunk in r.iter_content(chunk_size=4 * MiB):
            f.write(chunk)

    _careful(url, path, in_large_chunks)


TAGS = {}


def resume_with_tags_in_a_dict(url, path):
    """The ETag kept in a module-level dict instead of path + ".etag": gone when Python restarts."""
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and path in TAGS:
        headers.update({"Range": f"bytes={have}-", "If-Range": TAGS[path]})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        if r.status_code == 200:
            TAGS[path] = r.headers["ETag"]
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


def resume_with_range_but_no_tag(url, path):
    """Asks for the rest whenever there are bytes, with If-Range only when a tag was saved."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        if os.path.exists(tag_file):
            headers["If-Range"] = open(tag_file).read()
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        if r.status_code == 200:
            with open(tag_file, "w") as f:
                f.write(r.headers["ETag"])
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)


@pytest.mark.parametrize(
    "answer, words",
    [
        (resume_keeping_the_first_tag, ["still holds", "before the host republished it", "replace"]),
        (resume_in_4_mib_chunks, ["none of them reached your file", "iter_content(chunk_size=N)", "64 KiB"]),
        (resume_with_tags_in_a_dict, ["already complete", "did not ask for the rest", 'path + ".etag"']),
        (resume_with_range_but_no_tag, ["no untagged.bin.etag beside it", "asked for the rest all the same"]),
    ],
    ids=["tag-never-updated", "4-mib-chunks", "tags-in-a-dict", "range-without-a-tag"],
)
def test_q4_names_the_real_mistake(answer, words):
    """Is each mistake found by the adversarial test judged Incorrect, with a message that names its cause?"""
    incorrect(q4.evaluate(answer), *words)


def test_q4_too_long_file_message_says_what_the_request_asked(tmp_path):
    """When the answer asks for the whole file, is it told so, rather than about a 416 it never got?"""
    base = host_url()
    with pytest.raises(Incorrect, match="did not ask for the rest") as caught:
        q4._too_long(resume_always_from_scratch, base, f"{base}/bytes/{q4.SIZE}", tmp_path / "long.bin")
    assert "answered 416" not in str(caught.value)


class DownloadIncomplete(Exception):
    """The answer's own error for a dropped download."""


def resume_wrapping_the_drop(url, path):
    """Raises its own error, chained to the dropped connection with `raise ... from`."""

    def wrapping(r, f, have):
        f.seek(_start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0)
        f.truncate()
        try:
            for chunk in r.iter_content(chunk_size=MiB):
                f.write(chunk)
        except requests.RequestException as error:
            raise DownloadIncomplete("the connection dropped: call again") from error

    _careful(url, path, wrapping)


def resume_writing_the_tag_last(url, path):
    """Writes the ETag in a `finally`, after the body: it is still there when the connection drops."""
    tag_file = f"{path}.etag"
    have = os.path.getsize(path) if os.path.exists(path) else 0
    headers = {"Accept-Encoding": "identity"}
    if have and os.path.exists(tag_file):
        headers.update({"If-Range": open(tag_file).read(), "Range": f"bytes={have}-"})
    with requests.get(url, headers=headers, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = _start_of(r.headers["Content-Range"]) if r.status_code == 206 else 0
        try:
            with open(path, "r+b" if have else "wb") as f:
                f.seek(start)
                f.truncate()
                for chunk in r.iter_content(chunk_size=MiB):
                    f.write(chunk)
        finally:
            if r.status_code == 200:
                with open(tag_file, "w") as f:
                    f.write(r.headers["ETag"])


@pytest.mark.parametrize(
    "answer", [resume_wrapping_the_drop, resume_writing_the_tag_last], ids=["wrapped-drop", "tag-in-finally"]
)
def test_q4_accepts_other_ways_to_survive_a_drop(answer):
    """Does an answer pass that chains its own error to the drop, or saves the tag in a `finally`?"""
    outcome = q4.evaluate(answer)
    assert outcome.status == "correct", outcome.message


# --- every question: a time limit ----------------------------------------------------------------------


def save_never_returning(url, path):
    time.sleep(3600)


def total_never_returning(url):
    time.sleep(3600)


def progress_never_returning(url, path, on_progress):
    time.sleep(3600)


def save_retrying_for_ever(url, path):
    """Right, except that it retries any failure for ever: the 404 never goes away."""
    while True:
        try:
            digest = hashlib.sha256()
            with requests.get(url, stream=True, timeout=10) as r:
                r.raise_for_status()
                with open(path, "wb") as f:
                    for chunk in r.iter_content(chunk_size=MiB):
                        f.write(chunk)
                        digest.update(chunk)
            return digest.hexdigest()
        except requests.RequestException:
            time.sleep(0.5)


@pytest.mark.parametrize(
    "question, answer",
    [
        (q1, save_never_returning),
        (q1, save_retrying_for_ever),
        (q2, total_never_returning),
        (q3, progress_never_returning),
    ],
    ids=["q1-sleep", "q1-retry-404", "q2-sleep", "q3-sleep"],
)
def test_an_answer_that_never_returns_is_stopped(question, answer, monkeypatch):
    """Is an answer that sleeps or retries for ever stopped and called endless (limit shortened here)?"""
    monkeypatch.setattr(type(question), "time_limit", 5)
    incorrect(question.evaluate(answer), "stopped your code after 5 s", "never ends")


def test_time_limits_leave_room_for_a_slow_but_working_answer():
    """Does every question have a limit, beyond two runs in a fresh process where a check makes them?"""
    assert all(question.time_limit is not None for question in (q1, q2, q3, q4))
    assert min(q1.time_limit, q2.time_limit) >= 2 * MEASURE_TIMEOUT + 30
    assert min(q3.time_limit, q4.time_limit) >= 60
