"""The one build step pyproject.toml cannot declare: the repository's files a notebook needs, in the wheel.

A notebook opened alone (in Colab, say) installs the course from its repository as a wheel, with no
clone around it. Yet ``qN.solution()`` reads ``solutions/``, chapter 00 reads ``notebooks/data/``,
``%%node`` cells need the packages of ``package.json``, and the version checks compare with
``requirements.txt``. So the wheel carries copies of those files in ``course/_data/``, in the
repository's layout, where ``course.ROOT`` points in an installed copy (see course/__init__.py).

An editable install (``pip install -e .``, as in a clone) copies nothing: there ``course.ROOT`` is the
repository itself. Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("solutions/*.ipynb", "notebooks/data/*", "package.json", "package-lock.json", "requirements.txt")
"""The files outside ``course/`` that the wheel carries, as globs from the repository's root."""


class BuildPyWithData(build_py):
    """``build_py``, then copies of the :data:`BUNDLED` files into ``course/_data`` of the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "course" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # a file deleted since the last build must not linger
        for pattern in BUNDLED:
            found = sorted(path for path in root.glob(pattern) if path.is_file())
            if not found:
                raise SystemExit(f"setup.py: no file matches {pattern!r}, which the wheel must carry")
            for source in found:
                copy = target / source.relative_to(root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildPyWithData})
