"""Drive the Docker engine from Python: run the CLI, build the chapter's image, and clean up.

Everything the chapter makes in Docker (containers, volumes, networks, images)
carries the label :data:`LABEL`, so that :func:`remove_all` finds and removes
it all: at the end of the lesson, after a check, and when the kernel exits,
even after a failure. :func:`leftovers` lists what is still there.

The image is built from the chapter's ``Dockerfile`` on a base image with
Python (:func:`base_image`), and installs its packages from wheels downloaded
at install time (:func:`wheelhouse`), so building needs no network at all.
"""

from __future__ import annotations

import atexit
import os
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from course import HOME
from course.errors import CourseError, SetupProblem
from course.requires import missing, requires

HERE = Path(__file__).parent
DOCKERFILE = HERE / "Dockerfile"
REQUIREMENTS = HERE / "image-requirements.txt"
COMPOSE = HERE / "compose.yaml"
WHEELHOUSE = HOME / ".wheelhouse"
"""Where ``make setup`` downloads the wheels the image installs."""

LABEL_KEY = "ninja.polyglot.chapter"
LABEL = f"{LABEL_KEY}=06"
"""The label on everything the chapter makes in Docker: what :func:`remove_all` removes."""

OFFICIAL_BASE = "python:3.13-slim"
"""The Dockerfile's default base image, from Docker Hub."""
OFFICIAL_REDIS = "redis:7.4-alpine"
"""The redis image of Docker Hub."""
LOCAL_BASE = "polyglot-ninja/python-base:bookworm"
"""The image ``make docker-base`` builds from Debian's packages, for machines without Docker Hub:
Python for the chapter's image, and redis-server for its redis container."""

KINDS = ("container", "network", "volume", "image")


class DockerFailed(CourseError):
    """A docker command exited with an error; the message shows the command and what it printed."""

    def __init__(self, args: Sequence[str], result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        output = (result.stderr or result.stdout).strip()
        super().__init__(f"`{shlex.join(args)}` failed with exit code {result.returncode}:\n{output}")


def docker(
    command: str | Sequence[str], *, input: str | None = None, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run one docker command (a command line after ``docker``, or its words) and return the result.

    The output is captured as text. With ``check`` (the default) a non-zero exit
    raises :class:`DockerFailed` with what docker printed; without it, the
    caller reads ``returncode``, ``stdout`` and ``stderr`` itself. ``input`` is
    sent to the command's standard input, which is never a terminal here.
    """
    requires("docker")
    words = shlex.split(command) if isinstance(command, str) else list(command)
    args = ["docker", *words]
    _register_cleanup(words)
    result = subprocess.run(
        args, input=input if input is not None else "", capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise DockerFailed(args, result)
    return result


def missing_engine() -> bool:
    """True when no Docker engine answers here (no client, or an engine that is not running)."""
    return bool(missing("docker"))


def lines(command: str | Sequence[str]) -> list[str]:
    """The non-empty lines a docker command prints (``docker ps -q`` gives one id a line)."""
    return [line for line in docker(command).stdout.splitlines() if line.strip()]


def image_exists(name: str) -> bool:
    """True when the image ``name`` is on this machine (no download is tried)."""
    return docker(["image", "inspect", name], check=False).returncode == 0


def base_image() -> str:
    """The image the chapter's image is built on.

    ``COURSE_BASE_IMAGE`` names it when set. Otherwise the official Python image
    when it is here already, else the local base of ``make docker-base`` when
    that is here, else the official image, which docker then downloads.
    """
    return _image("COURSE_BASE_IMAGE", OFFICIAL_BASE)


def redis_image() -> str:
    """The image of the redis container: like :func:`base_image`, with ``COURSE_REDIS_IMAGE``."""
    return _image("COURSE_REDIS_IMAGE", OFFICIAL_REDIS)


def _image(variable: str, official: str) -> str:
    chosen = os.environ.get(variable, "").strip()
    if chosen:
        return chosen
    if not image_exists(official) and image_exists(LOCAL_BASE):
        return LOCAL_BASE
    return official


def pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file, by lower-case name."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def wheelhouse() -> Path:
    """The folder of wheels the image installs from; a setup problem when one is missing."""
    have = {path.name.split("-")[0].lower().replace("_", "-") for path in WHEELHOUSE.glob("*.whl")}
    absent = [name for name in pins() if name.replace("_", "-") not in have]
    if absent:
        raise SetupProblem(
            f"the wheels the chapter's image installs are not downloaded yet ({', '.join(absent)} missing "
            f"from {WHEELHOUSE}).",
            fix="run `make setup`, which downloads them into .wheelhouse/",
        )
    return WHEELHOUSE


def build(context: Path, tag: str, *, label: str = LABEL) -> str:
    """Build ``context`` (a folder with the Dockerfile) as ``tag`` on :func:`base_image`; return the image id.

    The image, and so every container started from it, carries ``label``.

    A base image that is neither here nor downloadable is a setup problem,
    with the command that builds a local one.
    """
    base = base_image()
    result = docker(
        ["build", "--quiet", "--label", label, "--build-arg", f"BASE_IMAGE={base}", "--tag", tag, str(context)],
        check=False,
    )
    if result.returncode != 0:
        if not image_exists(base):
            raise SetupProblem(
                f"the base image {base} is not on this machine and docker could not download it:\n"
                f"{result.stderr.strip()}",
                fix=f"run `make docker-base`, which builds {LOCAL_BASE} from Debian's packages; "
                f"the chapter uses it when {OFFICIAL_BASE} is absent",
            )
        raise DockerFailed(["docker", "build", str(context)], result)
    return result.stdout.strip()


def leftovers(label: str = LABEL) -> dict[str, list[str]]:
    """What carries ``label`` and is still there, by kind: names, and ``name:tag`` for images (the id
    of an image whose tag moved to a newer build)."""
    label = f"label={label}"
    return {
        "container": lines(["ps", "--all", "--filter", label, "--format", "{{.Names}}"]),
        "network": lines(["network", "ls", "--filter", label, "--format", "{{.Name}}"]),
        "volume": lines(["volume", "ls", "--filter", label, "--format", "{{.Name}}"]),
        "image": [
            name if not name.endswith("<none>") else image_id
            for name, image_id in (
                line.split()
                for line in lines(["images", "--filter", label, "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
            )
        ],
    }


def remove_all(label: str = LABEL) -> dict[str, list[str]]:
    """Remove every container, network, volume and image tag with ``label``; return what went.

    Containers go first (with their anonymous volumes), since a network, a
    volume or an image in use cannot be removed.
    """
    found = leftovers(label)
    if found["container"]:
        docker(["rm", "--force", "--volumes", *found["container"]])
    if found["network"]:
        docker(["network", "rm", *found["network"]])
    if found["volume"]:
        docker(["volume", "rm", "--force", *found["volume"]])
    if found["image"]:
        docker(["rmi", "--force", *found["image"]])
    return found


_labels_used: set[str] = set()


def _register_cleanup(words: Sequence[str]) -> None:
    """Remember the labels this process puts on things, to remove those things when it exits."""
    if not _labels_used:
        atexit.register(_remove_at_exit)
    pairs = zip(words, words[1:], strict=False)
    _labels_used.update(value for flag, value in pairs if flag == "--label" and value.startswith(LABEL_KEY))


def _remove_at_exit() -> None:
    for label in sorted(_labels_used):
        try:
            remove_all(label)
        except (CourseError, subprocess.SubprocessError, OSError):
            pass  # the engine went away before the process: nothing of ours can be left in it


__all__ = [
    "COMPOSE",
    "DOCKERFILE",
    "KINDS",
    "LABEL",
    "LOCAL_BASE",
    "OFFICIAL_BASE",
    "OFFICIAL_REDIS",
    "REQUIREMENTS",
    "WHEELHOUSE",
    "DockerFailed",
    "base_image",
    "build",
    "docker",
    "image_exists",
    "leftovers",
    "lines",
    "missing_engine",
    "pins",
    "redis_image",
    "remove_all",
    "wheelhouse",
]
