"""course.measure: peak memory above a baseline, in a fresh process."""

import pytest

from course.measure import MeasureError, MiB, measure


def test_allocation_is_measured_above_the_baseline():
    result = measure("block = bytearray(100 * 1024 * 1024); result = len(block)")
    assert 100 <= result.extra_mib < 110
    assert result.result == 100 * MiB


def test_wall_time_covers_the_snippet_and_not_the_setup():
    result = measure("time.sleep(0.3)", setup="import time; time.sleep(1)")
    assert 0.3 <= result.seconds < 0.9


def test_setup_memory_is_not_counted():
    result = measure("total = sum(range(10))", setup="big = bytearray(200 * 1024 * 1024)")
    assert result.extra_mib < 10
    assert result.baseline_bytes > 200 * MiB


def test_a_failing_snippet_reports_its_error():
    with pytest.raises(MeasureError, match="ZeroDivisionError"):
        measure("1 / 0")


def test_a_snippet_past_its_timeout_is_stopped():
    with pytest.raises(MeasureError, match="longer than 1 s"):
        measure("import time; time.sleep(30)", timeout=1)


def test_non_json_results_come_back_as_repr():
    assert measure("result = {1, 2}").result == "{1, 2}"
    assert measure("result = [b'x']").result == "[b'x']"
    assert measure("result = {1: 'a'}").result == "{1: 'a'}"
    assert measure("result = {'a': [1, 2.5]}").result == {"a": [1, 2.5]}


def test_the_child_side_is_a_module_that_writes_its_figures(tmp_path):
    """``python -m course.measure`` runs run_snippet; called directly it measures in this process."""
    import json

    from course.measure import run_snippet

    path = tmp_path / "result.json"
    run_snippet("import math", "result = math.factorial(5)", str(path))
    figures = json.loads(path.read_text())
    assert figures["result"] == 120
    assert figures["peak_kib"] >= 0 and figures["seconds"] >= 0


def test_nothing_a_snippet_starts_outlives_it():
    import psutil

    found = measure("import subprocess; result = subprocess.Popen(['sleep', '600'], start_new_session=True).pid")
    assert not psutil.pid_exists(found.result) or psutil.Process(found.result).status() == psutil.STATUS_ZOMBIE
