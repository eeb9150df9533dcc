"""Build the chapter's base image from Debian's packages, for machines that cannot reach Docker Hub.

``python -m course.chapters.management_commands_docker.base`` (or ``make
docker-base``) installs a minimal Debian 12 with Python 3.11, its venv
module and redis-server into a temporary folder with ``debootstrap``, then
imports that folder as the image :data:`~.engine.LOCAL_BASE`: about a minute.
It needs root (debootstrap does) and Debian's package repository. The chapter
then builds its image on it, and runs its redis container from it, whenever
the official Python and redis images are absent.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course.chapters.management_commands_docker.engine import LOCAL_BASE, docker, image_exists
from course.errors import SetupProblem

PACKAGES = ("python3", "python3-venv", "ca-certificates", "redis-server")
SUITE = "bookworm"


def build_base(name: str = LOCAL_BASE, *, rebuild: bool = False) -> str:
    """Build the base image ``name`` unless it is here already (or ``rebuild``); return its name."""
    if image_exists(name) and not rebuild:
        return name
    if shutil.which("debootstrap") is None:
        raise SetupProblem("debootstrap is not installed.", fix="sudo apt-get install debootstrap")
    with tempfile.TemporaryDirectory(prefix="python-base-") as folder:
        root = Path(folder) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        archive = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        assert archive.stdout is not None
        subprocess.run(["docker", "import", "-", name], stdin=archive.stdout, check=True, stdout=subprocess.DEVNULL)
        archive.stdout.close()
        if archive.wait() != 0:
            raise SetupProblem(f"tar could not pack {root} for docker import.", fix="run again as root")
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build again even if the image is here")
    options = parser.parse_args()
    started = time.perf_counter()
    name = build_base(rebuild=options.rebuild)
    size = docker(["image", "inspect", "--format", "{{.Size}}", name]).stdout.strip()
    print(f"{name}: {int(size) / 1e6:.0f} MB, ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
