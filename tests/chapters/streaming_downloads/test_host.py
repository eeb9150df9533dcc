"""Chapter 04: the local download host, a real HTTP server on 127.0.0.1 (course.chapters.streaming_downloads.host)."""

import gzip
import hashlib
import json
import socket
import time

import pytest
import requests

from course.chapters.streaming_downloads.host import (
    BLOCK,
    CHECKSUM_HEADER,
    MiB,
    content,
    content_sha256,
    parse_range,
    start_download_host,
)


@pytest.fixture(scope="module")
def host():
    server = start_download_host()
    yield server
    server.stop()


def stats(host):
    return requests.get(f"{host.url}/stats", timeout=5).json()


# --- the content ---------------------------------------------------------------------------------


def test_content_is_deterministic_and_not_periodic():
    data = content(2 * BLOCK + 10)
    assert len(data) == 2 * BLOCK + 10
    assert data[:BLOCK] != data[BLOCK : 2 * BLOCK]  # block numbers differ, so a shifted resume cannot match
    assert content_sha256(len(data)) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "header, size, expected",
    [
        ("bytes=0-", 100, (0, 100)),
        ("bytes=10-19", 100, (10, 20)),
        ("bytes=90-500", 100, (90, 100)),
        ("bytes=-30", 100, (70, 100)),
        ("bytes=-300", 100, (0, 100)),
        ("bytes = 5 - 6", 100, (5, 7)),
    ],
)
def test_parse_range_accepts_one_byte_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    "header, size",
    [("bytes=100-", 100), ("bytes=5-4", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=0-1,5-6", 100), ("x", 9)],
)
def test_parse_range_rejects_with_416(header, size):
    with pytest.raises(Exception) as raised:
        parse_range(header, size)
    assert raised.value.status == 416


# --- the running host ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, BLOCK - 1, BLOCK + 1, 3 * BLOCK])
def test_bytes_serves_exact_size_length_and_checksum(host, size):
    r = requests.get(f"{host.url}/bytes/{size}", timeout=10)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == size
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.content == content(size)
    assert r.headers[CHECKSUM_HEADER] == hashlib.sha256(r.content).hexdigest()


def test_head_sends_headers_only(host):
    r = requests.head(f"{host.url}/bytes/{5 * MiB}", timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == 5 * MiB


def test_range_answers_206_with_content_range(host):
    size = 3 * MiB
    r = requests.get(f"{host.url}/bytes/{size}", headers={"Range": f"bytes={MiB - 5}-{MiB + 4}"}, timeout=10)
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes {MiB - 5}-{MiB + 4}/{size}"
    assert r.content == content(size)[MiB - 5 : MiB + 5]
    assert r.headers[CHECKSUM_HEADER] == content_sha256(size)  # the checksum is always the whole file's


def test_unsatisfiable_range_answers_416_with_size(host):
    r = requests.get(f"{host.url}/bytes/1000", headers={"Range": "bytes=1000-"}, timeout=10)
    assert r.status_code == 416
    assert r.headers["Content-Range"] == "bytes */1000"
    assert "past the end" in r.text


def test_range_options_ignore_and_align(host):
    whole = requests.get(f"{host.url}/bytes/5000?ignore_range=1", headers={"Range": "bytes=10-"}, timeout=10)
    assert whole.status_code == 200 and whole.content == content(5000)
    aligned = requests.get(f"{host.url}/bytes/5000?range_align=1024", headers={"Range": "bytes=1500-"}, timeout=10)
    assert aligned.status_code == 206
    assert aligned.headers["Content-Range"] == "bytes 1024-4999/5000"
    assert aligned.content == content(5000)[1024:]


def test_chunked_option_has_no_content_length(host):
    r = requests.get(f"{host.url}/bytes/70000?chunked=1", timeout=10)
    assert "Content-Length" not in r.headers and r.headers["Transfer-Encoding"] == "chunked"
    assert r.content == content(70000)


def test_fault_mode_drops_the_connection_after_n_bytes(host):
    requests.post(f"{host.url}/stats/reset", timeout=5)
    with requests.get(f"{host.url}/bytes/{3 * MiB}?fail_after=123456", stream=True, timeout=10) as r:
        assert r.raw.read(200_000) == content(123456)  # a raw read returns what came before the close
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _ in r.iter_content(65536):
                pass
    assert stats(host)["body_bytes_sent"] == 123456


def test_gzip_endpoint_is_compressed_and_checksum_is_of_decoded(host):
    size = 300_000
    with requests.get(f"{host.url}/gzip/{size}", stream=True, timeout=10) as r:
        raw = r.raw.read()  # undecoded: the gzip bytes as sent
        assert r.headers["Content-Encoding"] == "gzip"
        assert r.headers[CHECKSUM_HEADER] == content_sha256(size)
    assert raw[:2] == b"\x1f\x8b"
    assert gzip.decompress(raw) == content(size)
    assert requests.get(f"{host.url}/gzip/{size}", timeout=10).content == content(size)


def test_ndjson_records_heartbeats_and_pacing(host):
    r = requests.get(f"{host.url}/ndjson?count=6&heartbeat=3&pad=5", timeout=10)
    lines = r.text.split("\n")
    records = [json.loads(line) for line in lines if line]
    assert [rec["seq"] for rec in records] == list(range(6))
    assert all(rec["note"] == "xxxxx" for rec in records)
    assert lines.count("") == 3  # two heartbeats and the final newline
    start = time.perf_counter()
    requests.get(f"{host.url}/ndjson?count=3&interval=0.1", timeout=10)
    assert time.perf_counter() - start >= 0.2


@pytest.mark.parametrize(
    "method, path, status, words",
    [
        ("GET", "/bytes/abc", 400, "whole number"),
        ("GET", "/bytes/-5", 400, "whole number"),
        ("GET", f"/bytes/{8 * 1024**3}", 400, "limit"),
        ("GET", "/bytes/10?fail_after=x", 400, "must be a number"),
        ("GET", "/bytes/10?colour=red", 400, "unknown query parameter 'colour'"),
        ("GET", "/ndjson?interval=60", 400, "between"),
        ("GET", "/nothing", 404, "no such endpoint"),
        ("GET", "/status/200", 400, "between 400 and 599"),
        ("GET", "/status/503", 503, "503"),
        ("POST", "/bytes/10", 405, "POST"),
        ("GET", "/stats/reset", 405, "POST /stats/reset"),
        ("GET", "/bytes/10?ignore_range=yes", 400, "ignore_range must be a number"),
        ("GET", "/bytes/10?range_align=0", 400, "between 1 and 4294967296, got 0"),
        ("PUT", "/bytes/10", 405, "download with GET"),
        ("DELETE", "/stats", 405, "download with GET"),
    ],
)
def test_bad_requests_get_a_status_and_a_message(host, method, path, status, words):
    r = requests.request(method, f"{host.url}{path}", timeout=10)
    assert r.status_code == status
    assert words in r.text


def test_malformed_request_gets_a_plain_text_error(host):
    with socket.create_connection(("127.0.0.1", host.port), timeout=5) as client:
        client.sendall(b"BREW /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n")  # a method no handler knows
        answer = client.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 501") and "text/plain" in answer and "<html" not in answer.lower()
    assert "Unsupported method ('BREW')" in answer


def test_head_of_stats_sends_no_body(host):
    with socket.create_connection(("127.0.0.1", host.port), timeout=5) as client:
        client.sendall(b"HEAD /stats HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        answer = client.recv(65536).decode()
    head, second = answer.split("\r\n\r\n", 1)  # nothing may follow the HEAD's headers but the next answer
    assert head.startswith("HTTP/1.1 200") and second.startswith("HTTP/1.1 200")


def test_byte_counter_counts_what_was_sent_and_resets(host):
    requests.post(f"{host.url}/stats/reset", timeout=5)
    requests.get(f"{host.url}/bytes/12345", timeout=10)
    requests.get(f"{host.url}/bytes/1000", headers={"Range": "bytes=-10"}, timeout=10)
    counts = stats(host)
    assert counts["body_bytes_sent"] == 12345 + 10 and counts["requests"] == 2
    cleared = requests.post(f"{host.url}/stats/reset", timeout=5).json()
    assert cleared["body_bytes_sent"] == 12345 + 10
    assert stats(host)["body_bytes_sent"] == 0


def test_streamed_response_leaves_most_of_the_body_unsent(host):
    requests.post(f"{host.url}/stats/reset", timeout=5)
    with requests.get(f"{host.url}/bytes/{256 * MiB}", stream=True, timeout=10) as r:
        r.raw.read(10)
        time.sleep(0.2)
        assert stats(host)["body_bytes_sent"] < 64 * MiB


def test_stop_frees_the_port():
    server = start_download_host()
    port = server.port
    assert requests.get(f"{server.url}/stats", timeout=5).ok
    server.stop()
    assert not server.running
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
