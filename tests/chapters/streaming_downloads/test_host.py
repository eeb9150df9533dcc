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
    LOG_LINE,
    MiB,
    accepts_gzip,
    content,
    content_sha256,
    etag,
    log_sha256,
    log_text,
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


def test_if_range_sends_the_range_only_for_the_current_etag(host):
    url = f"{host.url}/bytes/5000"
    tag = requests.head(url, timeout=10).headers["ETag"]
    assert tag == etag(content_sha256(5000)) and tag.startswith('"')
    same = requests.get(url, headers={"Range": "bytes=100-", "If-Range": tag}, timeout=10)
    assert same.status_code == 206 and same.content == content(5000)[100:]
    for stale in ('"0123456789abcdef"', f"W/{tag}", "Wed, 21 Oct 2015 07:28:00 GMT"):
        other = requests.get(url, headers={"Range": "bytes=100-", "If-Range": stale}, timeout=10)
        assert other.status_code == 200 and other.content == content(5000), stale


def test_edition_changes_content_and_etag_when_published(host):
    url = f"{host.url}/edition/{MiB + 7}"
    before = requests.get(url, timeout=10)
    edition = requests.post(f"{host.url}/edition/publish", timeout=10).json()["edition"]
    after = requests.get(url, timeout=10)
    assert after.content == content(MiB + 7, edition) != before.content
    assert after.headers[CHECKSUM_HEADER] == content_sha256(MiB + 7, edition)
    assert after.headers["ETag"] != before.headers["ETag"]
    # a resume that names the old edition's ETag gets the whole new file, not a stitched one
    stale = requests.get(url, headers={"Range": "bytes=10-", "If-Range": before.headers["ETag"]}, timeout=10)
    assert stale.status_code == 200 and stale.content == after.content
    assert content(100, 0) == content(100)  # edition 0 is /bytes


def test_log_is_text_of_fixed_width_lines():
    text = log_text(3 * LOG_LINE + 5)
    lines = text.split(b"\n")
    assert len(text) == 3 * LOG_LINE + 5 and all(len(line) == LOG_LINE - 1 for line in lines[:3])
    assert lines[1].startswith(b"000000001 ") and log_text(LOG_LINE)[:4] == b"0000"


def test_log_is_gzip_with_compressed_length_unless_identity_is_asked(host):
    size = MiB
    url = f"{host.url}/log/{size}"
    packed = requests.get(url, stream=True, timeout=10)
    wire = packed.raw.read()  # undecoded
    packed.close()
    assert packed.headers["Content-Encoding"] == "gzip" and packed.headers["Vary"] == "Accept-Encoding"
    assert int(packed.headers["Content-Length"]) == len(wire) < size // 4
    assert gzip.decompress(wire) == log_text(size)
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers and int(plain.headers["Content-Length"]) == size
    assert plain.content == log_text(size) and plain.headers[CHECKSUM_HEADER] == log_sha256(size)
    assert plain.headers["ETag"] != packed.headers["ETag"]  # one ETag per representation


def test_log_range_counts_the_bytes_of_the_representation_sent(host):
    url = f"{host.url}/log/{MiB}"
    plain = requests.get(url, headers={"Accept-Encoding": "identity", "Range": "bytes=1000-"}, timeout=10)
    assert plain.status_code == 206 and plain.content == log_text(MiB)[1000:]
    with pytest.raises(requests.exceptions.ContentDecodingError):
        requests.get(url, headers={"Range": "bytes=1000-"}, timeout=10)  # the middle of a gzip stream


@pytest.mark.parametrize(
    "header, allowed",
    [
        ("gzip, deflate", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("", False),
        (None, False),
        ("gzip;q=x", False),
    ],
)
def test_accepts_gzip_reads_accept_encoding(header, allowed):
    assert accepts_gzip(header) is allowed


@pytest.mark.parametrize("options", ["", "&heartbeat=2&pad=3", "&array=1"])
def test_ndjson_with_length_sends_a_content_length_that_matches(host, options):
    r = requests.get(f"{host.url}/ndjson?count=9&length=1{options}", timeout=10)
    assert "Transfer-Encoding" not in r.headers and int(r.headers["Content-Length"]) == len(r.content)


def test_ndjson_array_is_one_json_document_without_newlines(host):
    r = requests.get(f"{host.url}/ndjson?count=4&array=1&interval=0.01", timeout=10)
    assert b"\n" not in r.content and r.headers["Content-Type"] == "application/json"
    assert [record["seq"] for record in json.loads(r.content)] == [0, 1, 2, 3]
    assert json.loads(requests.get(f"{host.url}/ndjson?count=0&array=1", timeout=10).content) == []


@pytest.mark.parametrize(
    "method, path, status, words",
    [
        ("GET", "/bytes/abc", 400, "whole number"),
        ("GET", "/bytes/-5", 400, "whole number"),
        ("GET", f"/bytes/{8 * 1024**3}", 400, "limit"),
        ("GET", "/bytes/10?fail_after=x", 400, "must be a number"),
        ("GET", f"/log/{32 * MiB}", 400, "limit of 16777216"),
        ("GET", "/log/10?chunked=1", 400, "unknown query parameter 'chunked'"),
        ("GET", "/ndjson?length=2", 400, "between 0 and 1"),
        ("POST", "/edition/10", 405, "/edition/publish"),
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
