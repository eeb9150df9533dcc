"""course.checks.javascript: running a learner's JavaScript answer against cases with Node.js."""

from __future__ import annotations

import pytest

from course.checks import Incorrect, NotAttempted
from course.checks import javascript as jscheck
from course.checks.javascript import JsCase, expect_js

pytestmark = pytest.mark.node

JS_STUB = '  // YOUR CODE HERE\n  throw new Error("NotImplementedError: replace this line with your code");\n'


def test_run_cases_reports_values_undefined_and_errors() -> None:
    body = '__case("value", () => f(2));\n__case("nothing", () => undefined);\n__case("throws", () => g());'
    cases = jscheck.run_cases(
        "const f = (x) => ({ twice: x * 2 });\nfunction g() { throw new RangeError('no'); }", "f", body
    )
    assert [case.label for case in cases] == ["value", "nothing", "throws"]
    assert cases[0].value == {"twice": 4} and cases[0].shown() == '{"twice": 4}'
    assert cases[1].undefined and cases[1].shown() == "undefined"
    assert cases[2].error == "RangeError: no" and "an exception" in cases[2].shown()


def test_run_cases_ignores_what_the_learner_prints() -> None:
    cases = jscheck.run_cases('console.log("debugging");\nconst f = () => 1;', "f", '__case("one", () => f());')
    assert cases[0].value == 1


def test_run_cases_stops_an_endless_loop() -> None:
    with pytest.raises(Incorrect, match="did not finish within 1 s"):
        jscheck.run_cases("while (true) {}", "f", "", timeout=1)


def test_run_cases_reports_a_crash_with_nodes_error_line() -> None:
    with pytest.raises(Incorrect, match=r"could not be run: ReferenceError: nope is not defined \(line 2"):
        jscheck.run_cases("const f = 1;\nnope();", "f", "")


def test_run_cases_not_attempted_when_the_stub_throws_inside_a_case() -> None:
    with pytest.raises(NotAttempted):
        jscheck.run_cases("function f() {\n" + JS_STUB + "}", "f", '__case("call", () => f());')


def test_node_error_leaves_out_line_numbers_outside_the_learners_cell() -> None:
    stderr = "/tmp/cell-x.js:40\n}\n^\n\nSyntaxError: Unexpected end of input\n    at wrapSafe\n"
    assert jscheck.node_error(stderr, "line one\nline two") == "SyntaxError: Unexpected end of input"
    assert jscheck.node_error("", "x") == "no error message"


def test_expect_js_explains_a_forgotten_return() -> None:
    with pytest.raises(Incorrect, match=r"expected \[1\], got undefined \(did you forget `return`\?\)"):
        expect_js("f()", [1], JsCase("f()", undefined=True))
    expect_js("f()", [1], JsCase("f()", value=[1]))
