"""Chapter 04: the exercise checks, judged against the chapter's download host.

The wrong answers below are plain module-level functions on purpose: the memory
checks send a function's source to a fresh process, as they do for a notebook's.
"""

import json
import os
import shutil

import pytest
import requests

from course import servers
from course.chapters.streaming_downloads.questions import q1, q2, q3, q4
from course.solutions import define

pytestmark = pytest.mark.slow  # the checks download hundreds of MiB and measure memory in fresh processes


@pytest.fixture(scope="module", autouse=True)
def stop_check_host():
    """The checks share one download host per process; stop it after this module."""
    yield
    servers.stop_all()


# --- answers for the checks (module level, so their source can travel) ---------------------------


def save_streamed(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def save_all_at_once(url, path):
    r = requests.get(url, timeout=10)
    r.raise_for_status()
    with open(path, "wb") as f:
        f.write(r.content)


def save_ignoring_status(url, path):
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        for chunk in r.iter_content(chunk_size=1024 * 1024):
            f.write(chunk)


def save_byte_by_byte(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content():
                f.write(chunk)


def save_raw_undecoded(url, path):
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            shutil.copyfileobj(r.raw, f, 1024 * 1024)


def save_stub(url, path):
    raise NotImplementedError()


def test_q1_accepts_a_streamed_download():
    outcome = q1.evaluate(save_streamed)
    assert outcome.status == "correct", outcome.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (save_all_at_once, "held in memory"),
        (save_ignoring_status, "raise_for_status"),
        (save_byte_by_byte, "reads 1 byte at a time"),
        (save_raw_undecoded, "decode_content"),
    ],
)
def test_q1_rejects(answer, words):
    outcome = q1.evaluate(answer)
    assert outcome.status == "incorrect"
    assert words in outcome.message


def test_q1_stub_is_not_attempted():
    assert q1.evaluate(save_stub).status == "not_attempted"


def from_solution(question, name):
    """The reference answer the learner sees with ``qN.solution()``, as a function."""
    return define(question, {"requests": requests, "os": os, "json": json})[name]


save_with_progress = from_solution(q2, "save_with_progress")


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
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        r.raise_for_status()
        total = int(r.headers.get("Content-Length", 0))
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(done, total)


def progress_swapped(url, path, on_progress):
    with requests.get(url, stream=True, timeout=10) as r, open(path, "wb") as f:
        r.raise_for_status()
        length = r.headers.get("Content-Length")
        total = int(length) if length else None
        done = 0
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(total, done)


def progress_not_streamed(url, path, on_progress):
    r = requests.get(url, timeout=10)  # no stream=True: the "progress" starts when the download is over
    r.raise_for_status()
    length = r.headers.get("Content-Length")
    total = int(length) if length else None
    done = 0
    with open(path, "wb") as f:
        for chunk in r.iter_content(chunk_size=256 * 1024):
            done += f.write(chunk)
            on_progress(done, total)


def test_q2_accepts_cumulative_progress():
    outcome = q2.evaluate(save_with_progress)
    assert outcome.status == "correct", outcome.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (progress_per_chunk, "grow at every call"),
        (progress_header_as_text, "as an int"),
        (progress_only_at_the_end, "called 1 time"),
        (progress_zero_total, "`total` should be None"),
        (progress_swapped, "arguments are swapped"),
        (progress_not_streamed, "before any progress was reported"),
    ],
)
def test_q2_rejects(answer, words):
    outcome = q2.evaluate(answer)
    assert outcome.status == "incorrect"
    assert words in outcome.message


def test_q2_stub_is_not_attempted():
    assert q2.evaluate(lambda url, path, on_progress: save_stub(url, path)).status == "not_attempted"


def resume(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        if r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{have}":
            return
        r.raise_for_status()
        start = 0
        if r.status_code == 206:
            start = int(r.headers["Content-Range"].split()[1].split("-")[0])
        if start > have:
            raise ValueError(f"the server skipped bytes {have}-{start - 1}")
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def resume_appending_always(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        if r.status_code == 416:
            return
        r.raise_for_status()
        with open(path, "ab") as f:
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def resume_ignoring_content_range(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        if r.status_code == 416:
            return
        r.raise_for_status()
        with open(path, "ab" if r.status_code == 206 else "wb") as f:
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def resume_raising_on_416(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        r.raise_for_status()
        start = int(r.headers["Content-Range"].split()[1].split("-")[0]) if r.status_code == 206 else 0
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def resume_overwriting(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        if r.status_code == 416:
            return
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def resume_taking_any_416_as_done(url, path):
    have = os.path.getsize(path) if os.path.exists(path) else 0
    with requests.get(url, headers={"Range": f"bytes={have}-"}, stream=True, timeout=10) as r:
        if r.status_code == 416:
            return  # wrong: a 416 for another size means the local file is not that file
        r.raise_for_status()
        start = int(r.headers["Content-Range"].split()[1].split("-")[0]) if r.status_code == 206 else 0
        with open(path, "r+b" if have else "wb") as f:
            f.seek(start)
            f.truncate()
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)


def test_q3_accepts_a_careful_resume():
    outcome = q3.evaluate(resume)
    assert outcome.status == "correct", outcome.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (resume_appending_always, "on a 200, write the file from the start"),
        (resume_ignoring_content_range, "Write the body at the offset Content-Range names"),
        (resume_raising_on_416, "nothing left to fetch"),
        (resume_overwriting, "no more than"),
        (resume_taking_any_416_as_done, "so yours is not complete"),
    ],
)
def test_q3_rejects(answer, words):
    outcome = q3.evaluate(answer)
    assert outcome.status == "incorrect"
    assert words in outcome.message


def test_q3_stub_is_not_attempted():
    assert q3.evaluate(save_stub).status == "not_attempted"


def count_and_total(url):
    count = total = 0
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        for line in r.iter_lines(chunk_size=64 * 1024):
            if line:
                count += 1
                total += json.loads(line)["value"]
    return count, total


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


def test_q4_accepts_a_streamed_aggregate():
    outcome = q4.evaluate(count_and_total)
    assert outcome.status == "correct", outcome.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (total_from_text, "held at once"),
        (total_without_stream, "held at once"),
        (total_tripping_on_heartbeats, "skip empty lines"),
        (total_ignoring_status, "expected requests.HTTPError"),
    ],
)
def test_q4_rejects(answer, words):
    outcome = q4.evaluate(answer)
    assert outcome.status == "incorrect"
    assert words in outcome.message


def test_q4_stub_is_not_attempted():
    assert q4.evaluate(lambda url: save_stub(url, None)).status == "not_attempted"


def test_learner_function_using_an_unportable_global_gets_an_explanation():
    outcome = q1.evaluate(save_with_session)
    assert outcome.status == "incorrect"
    assert "NameError" in outcome.message and "fresh Python" in outcome.message


SESSION = requests.Session()


def save_with_session(url, path):
    with SESSION.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=1024 * 1024):
                f.write(chunk)
