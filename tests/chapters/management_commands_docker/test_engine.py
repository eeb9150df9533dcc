"""The Docker helpers: labels and clean-up, clear setup problems, pins that match the course's."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml

from course import ROOT
from course.chapters.management_commands_docker import engine, harness
from course.errors import SetupProblem

NOTEBOOK = ROOT / "notebooks" / "06-management-commands-docker.ipynb"


def test_the_image_pins_what_the_course_pins() -> None:
    course = engine.pins(ROOT / "requirements.txt")
    image = engine.pins()
    shared = image.keys() & course.keys()
    assert {"django", "asgiref", "sqlparse", "redis"} <= shared
    assert {name: image[name] for name in shared} == {name: course[name] for name in shared}


def test_a_missing_wheel_is_a_setup_problem_naming_make_setup(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine, "WHEELHOUSE", tmp_path)
    (tmp_path / "django-5.2.19-py3-none-any.whl").touch()
    with pytest.raises(SetupProblem, match="not downloaded yet") as problem:
        engine.wheelhouse()
    assert "gunicorn" in str(problem.value) and "django," not in str(problem.value)
    assert "make setup" in problem.value.fix


def test_the_base_image_named_in_the_environment_wins(monkeypatch) -> None:
    monkeypatch.setenv("COURSE_BASE_IMAGE", "example/python:1")
    monkeypatch.setenv("COURSE_REDIS_IMAGE", "example/redis:1")
    assert engine.base_image() == "example/python:1" and engine.redis_image() == "example/redis:1"


@pytest.mark.docker
def test_a_base_image_nobody_can_get_is_a_setup_problem(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COURSE_BASE_IMAGE", f"polyglot-ninja/no-such-base:{uuid.uuid4().hex[:8]}")
    (tmp_path / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    with pytest.raises(SetupProblem, match="is not on this machine and docker could not download it") as problem:
        engine.build(tmp_path, "polyglot-ninja/never-built:06")
    assert "make docker-base" in problem.value.fix


@pytest.mark.docker
def test_a_failing_command_says_what_ran_and_what_docker_said() -> None:
    with pytest.raises(engine.DockerFailed, match=r"`docker inspect no-such-thing-06` failed with exit code 1"):
        engine.docker("inspect no-such-thing-06")
    assert engine.docker("inspect no-such-thing-06", check=False).returncode == 1


@pytest.mark.docker
def test_remove_all_removes_exactly_what_carries_the_label() -> None:
    label = f"{engine.LABEL_KEY}=06-test-{uuid.uuid4().hex[:6]}"
    name = f"crawler-test-{uuid.uuid4().hex[:6]}"
    engine.docker(["volume", "create", "--label", label, name])
    engine.docker(["network", "create", "--label", label, name])
    unlabelled = engine.docker(["volume", "create"]).stdout.strip()
    try:
        assert engine.leftovers(label) == {"container": [], "network": [name], "volume": [name], "image": []}
        assert engine.remove_all(label)["volume"] == [name]
        assert engine.leftovers(label) == {kind: [] for kind in engine.KINDS}
        assert unlabelled in engine.lines(["volume", "ls", "--format", "{{.Name}}"])
    finally:
        engine.docker(["volume", "rm", unlabelled])


def notebook_file(path: str) -> str:
    """The text a ``%%writefile path`` cell of the lesson writes."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.startswith(f"%%writefile {path}\n"):
            return cell.source.split("\n", 1)[1]
    raise AssertionError(f"no cell writes {path}")


def test_the_compose_file_runs_what_the_image_runs() -> None:
    compose = yaml.safe_load((engine.COMPOSE).read_text())
    web, redis = compose["services"]["web"], compose["services"]["redis"]
    cmd = re.search(r"^CMD (.+)$", engine.DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd is not None and web["command"] == json.loads(cmd.group(1))
    assert web["build"]["args"]["BASE_IMAGE"] == f"${{BASE_IMAGE:-{engine.OFFICIAL_BASE}}}"
    assert redis["image"] == f"${{REDIS_IMAGE:-{engine.OFFICIAL_REDIS}}}"
    assert web["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert web["ports"] == ["127.0.0.1::8000"] and web["volumes"] == ["data:/data"]
    label = dict([engine.LABEL.split("=")])
    assert web["labels"] == redis["labels"] == compose["volumes"]["data"]["labels"] == label


def test_the_settings_read_what_the_containers_set() -> None:
    settings = notebook_file("crawler/src/crawlsite/settings.py")
    compose = yaml.safe_load((engine.COMPOSE).read_text())
    for variable in compose["services"]["web"]["environment"]:
        assert f'"{variable}"' in settings, variable
    health = notebook_file("crawler/src/crawlsite/urls.py")
    assert 'path("health/"' in health and "/health/" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


@pytest.mark.docker
def test_what_a_killed_checking_process_left_is_removed_by_the_next_check() -> None:
    dead = 2**22 + 12345  # above Linux's largest process id: no process has it
    assert not psutil.pid_exists(dead)
    base = engine.base_image()
    label = f"{engine.LABEL_KEY}=06-checks-{dead}"
    orphan = engine.docker(["create", "--label", label, base, "true"]).stdout.strip()
    ours = engine.docker(["create", "--label", harness.CHECK_LABEL, base, "true"]).stdout.strip()
    try:
        assert orphan in harness.remove_orphans()
        remaining = engine.lines(["ps", "--all", "--no-trunc", "--format", "{{.ID}}"])
        assert orphan not in remaining and ours in remaining
    finally:
        engine.docker(["rm", "--force", ours, orphan], check=False)


@pytest.mark.docker
def test_a_check_removes_its_container_when_it_is_done() -> None:
    with harness.check_container() as name:
        assert engine.lines(["ps", "--quiet", "--filter", f"name=^{name}$"])
    assert not engine.lines(["ps", "--all", "--quiet", "--filter", f"name=^{name}$"])
