"""course.checks.javascript: running a learner's JavaScript answer against cases with Node.js."""

from __future__ import annotations

import pytest

from course.checks import Incorrect, NotAttempted
from course.checks import javascript as jscheck
from course.checks.javascript import JsCase, expect_js
from course.node import run_node

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


def test_an_exit_with_an_error_code_and_no_message_points_at_process_exit() -> None:
    """Is ``process.exit(1)`` told as an exit, not as "could not be run: no error message"?"""
    with pytest.raises(Incorrect) as raised:
        jscheck.run_cases("function f() { process.exit(1); }", "f", '__case("call", () => f());')
    message = str(raised.value)
    assert "stopped with exit code 1 and no error message before `f` could be tested" in message
    assert "process.exit()" in message and "could not be run" not in message


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


def test_expect_js_shows_accented_text_as_it_is() -> None:
    with pytest.raises(Incorrect) as raised:
        expect_js("names()", ["Émile"], JsCase("names()", value=["Zoë"]))
    assert 'expected ["Émile"], got ["Zoë"]' in str(raised.value)


def test_run_cases_awaits_promises_and_reports_rejections() -> None:
    source = "const later = (value, ms) => new Promise((resolve) => setTimeout(() => resolve(value), ms));"
    body = (
        '__case("resolved", () => later(7, 20));\n'
        '__case("rejected", () => later(0, 5).then(() => { throw new TypeError("late no"); }));\n'
        '__case("async", async () => (await later(2, 5)) * 3);'
    )
    cases = jscheck.run_cases(source, "later", body)
    assert [case.value for case in cases] == [7, None, 6]
    assert cases[1].error == "TypeError: late no"


def test_a_promise_that_never_settles_is_reported_and_stops_the_cases() -> None:
    body = '__case("stuck", () => new Promise(() => {}));\n__case("after", () => 1);'
    cases = jscheck.run_cases("const f = () => 1;", "f", body, case_timeout=0.3)
    assert cases[0].error == "never settled: no result after 0.3 s"
    assert cases[1].error == "not run: stuck never settled"


def test_an_unhandled_rejection_is_incorrect_and_names_its_case() -> None:
    source = "function f() { Promise.reject(new Error('lost')); return 1; }"
    with pytest.raises(Incorrect, match=r"^second: a promise was rejected \(Error: lost\) while nothing was waiting"):
        jscheck.run_cases(source, "f", '__case("first", () => 0);\n__case("second", () => f());')


def test_stray_timers_of_an_answer_do_not_delay_the_verdict() -> None:
    source = "const f = () => { setTimeout(() => {}, 60000); return 1; };"
    done = run_node(source + jscheck.harness("f", '__case("one", () => f());'), timeout=5)
    assert done.returncode == 0 and jscheck.MARKER in done.stdout
