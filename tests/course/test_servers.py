"""course.servers: free ports, real servers on loopback, readiness, clean stops, clear failures, no files left."""

import sys
import tempfile
import textwrap
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from course import probes, servers


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_free_port_is_bindable_on_loopback():
    import socket

    port = servers.free_port()
    assert 1024 <= port <= 65535
    assert not servers.port_answers(port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_process_server_answers_then_stops():
    port = servers.free_port()
    cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with servers.start_process(cmd, port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(server.url + "/") as response:
            assert response.status == 200
        pid = server.process.pid
    assert not server.running
    assert not servers.port_answers(port)
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(pid, 0)


def test_process_that_exits_early_is_reported_with_its_output():
    port = servers.free_port()
    cmd = [sys.executable, "-c", "import sys; print('config file missing'); sys.exit(3)"]
    with pytest.raises(servers.ServerError) as error:
        servers.start_process(cmd, port=port, timeout=5)
    message = str(error.value)
    assert "exited before it answered" in message
    assert "config file missing" in message
    assert sys.executable in message


def test_process_that_never_listens_times_out_and_is_killed():
    port = servers.free_port()
    cmd = [sys.executable, "-c", "import time; print('still booting', flush=True); time.sleep(60)"]
    started = time.monotonic()
    with pytest.raises(servers.ServerError) as error:
        servers.start_process(cmd, port=port, timeout=1)
    assert time.monotonic() - started < 10
    assert "nothing answered" in str(error.value)
    assert "still booting" in str(error.value)
    assert not list(servers.live())


def test_missing_program_says_what_to_install():
    with pytest.raises(servers.ServerError, match="install .no-such-program-xyz. and make sure it is on PATH"):
        servers.start_process(["no-such-program-xyz"], port=servers.free_port())


def test_thread_server_serves_on_a_chosen_free_port_and_stops():
    with servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Hello)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url) as response:
            assert response.read() == b"hello"
    assert not servers.port_answers(server.port)


def test_stop_all_stops_everything_started():
    port = servers.free_port()
    process = servers.start_process([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port=port)
    thread = servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Hello))
    servers.stop_all()
    assert not process.running
    assert not servers.port_answers(port)
    assert not servers.port_answers(thread.port)


def test_children_die_with_their_parent(tmp_path):
    """A kernel killed with SIGKILL does not get to run atexit: the child must still go."""
    import os
    import signal
    import subprocess

    port = servers.free_port()
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from course import servers\n"
            f"command = [sys.executable, '-m', 'http.server', '{port}', '--bind', '127.0.0.1']\n"
            f"servers.start_process(command, port={port})\n"
            "print('up', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "up"
    assert servers.port_answers(port)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while servers.port_answers(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not servers.port_answers(port)


def test_a_server_nobody_kept_is_still_stopped():
    import gc

    port = servers.free_port()
    servers.start_process([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port=port)
    gc.collect()
    servers.stop_all()
    assert not servers.port_answers(port)


def _processes_running(marker: str) -> list[int]:
    import psutil

    return [p.pid for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])]


def test_the_whole_group_goes_even_when_its_leader_already_exited():
    marker = "sleep 313"
    with pytest.raises(servers.ServerError, match="exited before it answered"):
        servers.start_process(["sh", "-c", f"{marker} & exit 1"], port=servers.free_port(), timeout=5)
    deadline = time.monotonic() + 5
    while _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_running(marker)


def test_a_stranger_on_the_port_is_not_taken_for_our_server():
    import socket

    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        with pytest.raises(servers.ServerError) as error:
            servers.start_process([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port=port)
    assert "Address already in use" in str(error.value) or "port is taken" in str(error.value)
    assert not servers.live()


def test_a_thread_server_that_never_serves_is_cleaned_up():
    class Broken(ThreadingHTTPServer):
        def server_activate(self) -> None:  # forgets to listen()
            pass

    with pytest.raises(servers.ServerError, match=r"nothing answered(.|\n)*Broken"):
        servers.start_thread(lambda addr: Broken(addr, Hello), timeout=1)
    assert not servers.live()


def test_a_failure_to_start_is_a_setup_problem_with_a_fix():
    from course.errors import SetupProblem

    with pytest.raises(SetupProblem) as error:
        servers.start_process(["no-such-program-xyz"], port=servers.free_port())
    assert isinstance(error.value, servers.ServerError)
    assert "To fix it: install 'no-such-program-xyz'" in str(error.value)


def test_the_http_probe_waits_until_the_app_answers_below_500():
    """A server that accepts connections but answers 503 while it boots is not ready yet."""
    port = servers.free_port()
    booting = textwrap.dedent(
        f"""
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        ready_at = time.monotonic() + 0.5

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status = 200 if time.monotonic() > ready_at else 503
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer(("127.0.0.1", {port}), Handler).serve_forever()
        """
    )
    started = time.monotonic()
    with servers.start_process([sys.executable, "-c", booting], port=port, probe=probes.http("/")) as server:
        assert time.monotonic() - started >= 0.5
        with urllib.request.urlopen(server.url) as response:
            assert response.status == 200


def test_a_server_that_never_answers_its_probe_is_reported_and_stopped():
    port = servers.free_port()
    silent = f"import socket, time; s = socket.create_server(('127.0.0.1', {port})); time.sleep(60)"
    with pytest.raises(servers.ServerError, match="accepted connections but did not answer as expected"):
        servers.start_process([sys.executable, "-c", silent], port=port, timeout=1, probe=probes.redis())
    assert not servers.port_answers(port)
    assert not servers.live()


def test_ownership_check_can_be_switched_off_for_a_listener_that_is_not_our_child():
    """A container's published port is served by the engine, not by the process we start."""
    with servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Hello)) as elsewhere:
        with pytest.raises(servers.ServerError, match="already taken"):
            servers.start_process(["sleep", "30"], port=elsewhere.port, owned=False)
    port = servers.free_port()
    # the listener is a grandchild that leaves our process tree (as a container's proxy is not ours)
    detached = (
        f"import subprocess, sys; subprocess.Popen([sys.executable, '-m', 'http.server', '{port}', "
        "'--bind', '127.0.0.1'], start_new_session=True); import time; time.sleep(60)"
    )
    with servers.start_process([sys.executable, "-c", detached], port=port, owned=False) as server:
        with urllib.request.urlopen(server.url + "/") as response:
            assert response.status == 200
    assert not servers.port_answers(port)


def test_shared_servers_are_started_once_and_emptied_by_stop_all():
    started = []

    def start():
        started.append(1)
        return servers.start_thread(lambda addr: ThreadingHTTPServer(addr, Hello))

    first = servers.shared("demo", start)
    assert servers.shared("demo", start) is first and len(started) == 1
    first.stop()
    second = servers.shared("demo", start)
    assert second is not first and len(started) == 2
    servers.stop_all()
    assert not second.running
    assert servers.shared("demo", start) is not second and len(started) == 3
    servers.stop_all()


def test_a_server_leaves_no_file_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # forget the cached temporary folder
    try:
        port = servers.free_port()
        command = [
            sys.executable,
            "-c",
            "print('booting', flush=True); import http.server, sys; "
            f"sys.argv = ['x', '{port}', '--bind', '127.0.0.1']; http.server.test(bind='127.0.0.1', port={port})",
        ]
        with servers.start_process(command, port=port) as server:
            assert "booting" in server.output()
        with pytest.raises(servers.ServerError, match="config file missing"):
            servers.start_process([sys.executable, "-c", "print('config file missing')"], port=port, timeout=5)
    finally:
        tempfile.tempdir = None
    assert list(tmp_path.iterdir()) == []


def test_wait_for_output_returns_a_line_written_after_the_start():
    port = servers.free_port()
    script = textwrap.dedent(
        f"""
        import http.server, sys, threading, time
        server = http.server.ThreadingHTTPServer(("127.0.0.1", {port}), http.server.BaseHTTPRequestHandler)
        print("early: job done", flush=True)
        threading.Timer(0.5, lambda: print("later: job done", flush=True)).start()
        server.serve_forever()
        """
    )
    with servers.start_process([sys.executable, "-c", script], port=port) as server:
        assert server.wait_for_output("job done") == "early: job done"
        mark = server.lines_written
        assert mark >= 1 and "later" not in server.output()
        assert server.wait_for_output("job done", since=mark) == "later: job done"
        assert server.lines_written == mark + 1
        with pytest.raises(TimeoutError, match="'never written'"):
            server.wait_for_output("never written", timeout=0.2)


def test_a_worker_is_started_once_it_says_it_is_ready_and_then_stopped():
    script = "import time; time.sleep(0.3); print('worker ready', flush=True); time.sleep(60)"
    started = time.monotonic()
    worker = servers.start_worker([sys.executable, "-c", script], ready="worker ready")
    assert time.monotonic() - started >= 0.3
    assert worker.running and worker in servers.live()
    assert "worker" in repr(worker) and worker.port is None
    with pytest.raises(AttributeError, match="listens on no port"):
        _ = worker.url
    worker.stop()
    assert not worker.running and worker not in servers.live()


def test_a_worker_that_exits_or_stays_silent_is_reported_with_its_output():
    crash = [sys.executable, "-c", "print('no such channel layer'); raise SystemExit(1)"]
    with pytest.raises(servers.ServerError, match="exited before it was ready") as error:
        servers.start_worker(crash, ready="Running worker")
    assert "no such channel layer" in str(error.value)
    silent = [sys.executable, "-c", "print('booting', flush=True); import time; time.sleep(60)"]
    with pytest.raises(servers.ServerError, match="did not within 0.5 s say it was ready"):
        servers.start_worker(silent, ready="Running worker", timeout=0.5)
    assert not servers.live()
