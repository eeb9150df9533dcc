"""course.checks.portable: a function's source, with what it uses, runs in a fresh interpreter."""

import subprocess
import sys
import textwrap

import pytest

from course.checks.expect import Incorrect
from course.checks.portable import portable_source


def run_fresh(source: str, call: str) -> str:
    """Run source, then print(call), in a new Python; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", f"{source}\nprint({call})"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_modules_submodules_constants_defaults_and_helpers_travel(tmp_path):
    module = tmp_path / "answer_module.py"
    module.write_text(
        textwrap.dedent(
            """
            import urllib.request
            import urllib
            HEADERS = {"User-Agent": "me", "sizes": (1, 2.5, None)}
            CHUNK = 1 << 16

            def helper(x):
                return x * 2

            def answer(n, chunk=CHUNK):
                return [helper(n), chunk, HEADERS["sizes"], urllib.request.__name__]
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import answer_module

        source = portable_source(answer_module.answer)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("answer_module", None)
    assert run_fresh(source, "answer(21)") == "[42, 65536, (1, 2.5, None), 'urllib.request']"


def test_a_function_without_readable_source_is_incorrect_with_a_reason():
    with pytest.raises(Incorrect, match="define it with `def` in a cell"):
        portable_source(eval("lambda: 1"))
