"""course.sandbox: what a graded notebook may see and use, and that nothing it started outlives it."""

import json
import os
import re
from pathlib import Path

import nbformat
import psutil
import pytest

from course import ROOT
from course.chapters import find
from course.grade import grade, grade_all
from course.sandbox import Cgroup, Limits, environment, format_size, parse_size

SOLUTION = ROOT / "solutions" / "01-metaclasses.ipynb"
TOTAL = len(find("metaclasses").questions())


def learner_copy(folder: Path, name: str, cell: str) -> tuple[Path, int]:
    """The solved notebook with ``cell`` inserted before the last check; the path and that cell's number."""
    notebook = nbformat.read(SOLUTION, as_version=4)
    last = max(i for i, existing in enumerate(notebook.cells) if f"q{TOTAL}.check()" in existing.source)
    notebook.cells.insert(last, nbformat.v4.new_code_cell(cell))
    path = folder / name
    nbformat.write(notebook, path)
    return path, last + 1


def solved_copy(folder: Path) -> Path:
    path = folder / "01-metaclasses-solved.ipynb"
    nbformat.write(nbformat.read(SOLUTION, as_version=4), path)
    return path


def gone(pid: int, created: float) -> bool:
    """True when the process ``pid`` that started at ``created`` no longer runs (a zombie has ended)."""
    try:
        process = psutil.Process(pid)
        return process.create_time() != created or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def listening(port: int) -> bool:
    return any(
        connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
        for connection in psutil.net_connections(kind="inet")
    )


def recording_cgroup(record: Path, cell: str) -> str:
    """``cell``, preceded by a line that writes the kernel's cgroups (``/proc/self/cgroup``) to ``record``."""
    return f"open({str(record)!r}, 'w').write(open('/proc/self/cgroup').read())\n{cell}"


def cgroup_removed(cgroups: str) -> bool:
    """True unless the kernel that listed ``cgroups`` ran in a pids cgroup of the grader's that still exists."""
    if Cgroup.folder("probe") is None or os.geteuid() != 0:
        return True  # no cgroup here: the grader makes none
    (path,) = [line.split(":", 2)[2] for line in cgroups.splitlines() if "pids" in line.split(":", 2)[1].split(",")]
    name = path.rsplit("/", 1)[-1]
    assert name.startswith("course-grade-"), f"the kernel ran outside a cgroup of its own: {path}"
    return Cgroup.named(name) is None


def test_sizes_are_binary_units_and_a_bare_number_is_mib():
    assert parse_size("2GiB") == parse_size("2 G") == 2 * 2**30
    assert parse_size("512MiB") == parse_size("512m") == parse_size("512") == 512 * 2**20
    assert parse_size("1.5GB") == 1_500_000_000
    for wrong in ("lots", "2 GiBs", "-1G", ""):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(wrong)


def test_sizes_are_shown_in_gib_or_mib():
    assert [format_size(size) for size in (2 * 2**30, int(3.14 * 2**30), 700 * 2**20)] == [
        "2 GiB",
        "3.1 GiB",
        "700 MiB",
    ]


def test_only_the_allowed_variables_are_kept():
    given = {
        "PATH": "/usr/bin",
        "HOME": "/home/ada",
        "LC_ALL": "C.UTF-8",
        "DOCKER_HOST": "unix:///run/docker.sock",
        "COURSE_PROCESS_TAGS": "course-1",
        "COURSE_TEST_TOKEN": "s3cret",
        "SOME_SECRET": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
    }
    assert set(environment(given)) == {"PATH", "HOME", "LC_ALL", "DOCKER_HOST", "COURSE_PROCESS_TAGS"}


RECORD_CONFINEMENT = """\
import json, os, resource
record = {
    "environ": dict(os.environ),
    "parent": open(f"/proc/{os.getppid()}/environ", "rb").read().decode(errors="replace"),
    "cgroup": open("/proc/self/cgroup").read(),
    "cpu": resource.getrlimit(resource.RLIMIT_CPU),
}
open(RECORD, "w").write(json.dumps(record))"""


@pytest.mark.slow
def test_the_notebook_sees_none_of_the_graders_secrets_and_runs_confined(tmp_path, monkeypatch):
    """Can a learner's cell read COURSE_TEST_TOKEN or SOME_SECRET, from its own environment or its parent's?"""
    monkeypatch.setenv("COURSE_TEST_TOKEN", "s3cret")
    monkeypatch.setenv("SOME_SECRET", "x")
    record = tmp_path / "seen.json"
    path, _ = learner_copy(
        tmp_path, "01-metaclasses-env.ipynb", RECORD_CONFINEMENT.replace("RECORD", repr(str(record)))
    )
    report = grade(path)
    assert (report.score, report.problems) == (TOTAL, [])
    seen = json.loads(record.read_text())
    assert "COURSE_TEST_TOKEN" not in seen["environ"] and "SOME_SECRET" not in seen["environ"]
    assert "s3cret" not in seen["parent"] and "SOME_SECRET" not in seen["parent"]
    assert {"PATH", "HOME", "COURSE_OUTCOMES"} <= set(seen["environ"])
    assert "COURSE_SANDBOX" not in seen["environ"]  # the launcher's settings are its own
    assert not Path(seen["environ"]["TMPDIR"]).exists()  # a temporary folder of its own, deleted since
    assert seen["cpu"] == [Limits().cpu_time + 5] * 2
    assert cgroup_removed(seen["cgroup"])


ESCAPE = """\
import socket, subprocess, sys, time
from pathlib import Path

import psutil

sleeper = subprocess.Popen(["sleep", "600"], start_new_session=True, env={})  # no tag reaches it
DAEMON = '''
import os, socket, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print(os.getpid(), server.getsockname()[1], flush=True)
time.sleep(600)
'''
record = Path(RECORD)
with record.open("w") as out:
    subprocess.run([sys.executable, "-c", DAEMON], stdout=out, env={}, timeout=30)
while not record.read_text().strip():
    time.sleep(0.05)
daemon, port = map(int, record.read_text().split())
socket.create_connection(("127.0.0.1", port), timeout=5).close()  # it does listen
record.write_text(json.dumps({
    "sleeper": [sleeper.pid, psutil.Process(sleeper.pid).create_time()],
    "daemon": [daemon, psutil.Process(daemon).create_time()],
    "port": port,
}))"""


@pytest.mark.slow
def test_nothing_the_notebook_started_survives_its_grading(tmp_path):
    """A sleep in a new session with no environment, a double-forked daemon listening: are both gone?"""
    record, cgroups = tmp_path / "escaped.json", tmp_path / "cgroups"
    escape = "import json\n" + ESCAPE.replace("RECORD", repr(str(record)))
    path, _ = learner_copy(tmp_path, "01-metaclasses-escape.ipynb", recording_cgroup(cgroups, escape))
    report = grade(path)
    assert (report.score, report.problems, report.stopped) == (TOTAL, [], "")
    escaped = json.loads(record.read_text())
    assert gone(*escaped["sleeper"]) and gone(*escaped["daemon"])
    assert not listening(escaped["port"])
    assert cgroup_removed(cgroups.read_text())


MEMORY_BOMB = """\
import time
blocks = []
for _ in range(20):  # 2 GiB at most, should nothing stop it
    blocks.append(b"x" * (100 * 2**20))
time.sleep(60)  # holding it all"""

FORK_BOMB = """\
import os, time
for _ in range(10):  # every process forks again: 1024 at most, should nothing stop them
    try:
        os.fork()
    except OSError:  # no more processes allowed: wait like the others
        break
time.sleep(60)"""


@pytest.mark.slow
def test_a_notebook_over_its_memory_limit_is_stopped_and_the_others_are_graded(tmp_path):
    cgroups = tmp_path / "cgroups"
    bomb, cell = learner_copy(tmp_path, "01-metaclasses-memory.ipynb", recording_cgroup(cgroups, MEMORY_BOMB))
    solved = solved_copy(tmp_path)
    stopped, graded = grade_all([bomb, solved], jobs=2, limits=Limits(memory=400 * 2**20))
    match = re.fullmatch(
        rf"stopped in cell {cell}: used ([\d.]+) (MiB|GiB) of memory, over its limit of 400 MiB", stopped.stopped
    )
    assert match, stopped.stopped
    assert float(match[1]) * (1024 if match[2] == "GiB" else 1) > 400
    assert [stopped.questions[f"q{n}"].status for n in range(1, TOTAL + 1)] == ["correct"] * (TOTAL - 1) + ["not_run"]
    assert (graded.score, graded.stopped, graded.problems) == (TOTAL, "", [])
    assert cgroup_removed(cgroups.read_text())


@pytest.mark.slow
def test_a_fork_bomb_is_stopped_and_the_others_are_graded(tmp_path):
    cgroups = tmp_path / "cgroups"
    bomb, cell = learner_copy(tmp_path, "01-metaclasses-forks.ipynb", recording_cgroup(cgroups, FORK_BOMB))
    solved = solved_copy(tmp_path)
    stopped, graded = grade_all([bomb, solved], jobs=2, limits=Limits(processes=8))
    match = re.fullmatch(rf"stopped in cell {cell}: ran (\d+) processes at once, over its limit of 8", stopped.stopped)
    assert match and int(match[1]) > 8, stopped.stopped
    assert [stopped.questions[f"q{n}"].status for n in range(1, TOTAL + 1)] == ["correct"] * (TOTAL - 1) + ["not_run"]
    assert (graded.score, graded.stopped, graded.problems) == (TOTAL, "", [])
    assert cgroup_removed(cgroups.read_text())


@pytest.mark.slow
def test_a_kernel_that_dies_or_kills_its_worker_loses_only_its_own_notebook(tmp_path):
    """The kernel's parent is the grader's worker: killing it, or the kernel itself, loses that notebook only."""
    dies, cell = learner_copy(tmp_path, "01-metaclasses-dies.ipynb", "import os\nos._exit(3)")
    cgroups = tmp_path / "cgroups"
    killer, _ = learner_copy(
        tmp_path, "01-metaclasses-killer.ipynb", recording_cgroup(cgroups, "import os\nos.kill(os.getppid(), 9)")
    )
    solved = solved_copy(tmp_path)
    died, lost, graded = grade_all([dies, killer, solved], jobs=1)
    unverified = (
        "the grader's final re-check did not run: the verdicts shown are the notebook's own checks', not verified"
    )
    assert died.problems == [f"could not be executed in cell {cell}: DeadKernelError: Kernel died", unverified]
    assert lost.problems == ["could not be executed: its grading process was killed (signal 9)", unverified]
    for report in (died, lost):
        assert report.questions["q1"].status == "correct" and report.questions[f"q{TOTAL}"].status == "not_run"
    assert (graded.score, graded.problems) == (TOTAL, [])
    assert cgroup_removed(cgroups.read_text())
