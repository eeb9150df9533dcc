"""The GitHub Actions workflows: CI, publishing the book to Pages, and the weekly canary.

Two linters read them, both pinned in requirements-test.txt and run from this
environment: check-jsonschema against GitHub's workflow schema, and zizmor,
offline, for security smells (unpinned actions, template injection, leaked
credentials, too many permissions). Each is also shown a bad workflow, so that a
linter that silently checks nothing cannot pass. The rest reads the YAML: what
triggers each workflow, what it runs, what it may do, and what it keeps.

PyYAML reads YAML 1.1, where the key ``on`` is the boolean True: :func:`triggers`.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from course import ROOT
from course.requires import in_ci

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = {name: WORKFLOWS / f"{name}.yml" for name in ("ci", "publish", "canary")}
BIN = Path(sys.executable).parent
ZIZMOR, CHECK_JSONSCHEMA = BIN / "zizmor", BIN / "check-jsonschema"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
PAGES_ACTIONS = {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"}


def load(name: str) -> dict:
    return yaml.safe_load(FILES[name].read_text())


def triggers(workflow: dict) -> dict:
    """The ``on:`` mapping (YAML 1.1 reads the key ``on`` as True)."""
    found = workflow.get("on", workflow.get(True))
    return {found: None} if isinstance(found, str) else dict(found)


def steps(workflow: dict):
    """Every (job name, step) of the workflow, in order."""
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def action(step: dict) -> str | None:
    """``owner/repo`` of a step's ``uses:``, without the ref."""
    return step["uses"].split("@")[0] if "uses" in step else None


def tool(path: Path) -> Path:
    if not path.exists():
        message = f"{path.name} is not installed: make test installs it, from requirements-test.txt"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    return path


def zizmor(*inputs: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """zizmor offline (no GitHub token, no network) on ``inputs``: its process and its findings."""
    env = {key: value for key, value in os.environ.items() if key not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    command = [str(tool(ZIZMOR)), "--offline", "--no-progress", "--format", "json", *map(str, inputs)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    return done, json.loads(done.stdout or "[]")


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    command = [str(tool(CHECK_JSONSCHEMA)), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_every_workflow_is_valid_under_githubs_schema():
    """Does check-jsonschema, with its vendored GitHub workflow schema, accept every workflow here?"""
    assert all(path.exists() for path in FILES.values())
    done = check_jsonschema(*sorted(WORKFLOWS.glob("*.y*ml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    """Can that check fail: does it reject a workflow with no ``on:`` and a misspelt ``runs-on``?"""
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\njobs:\n  test:\n    run-on: ubuntu-24.04\n    steps:\n      - run: echo hi\n")
    done = check_jsonschema(broken)
    assert done.returncode != 0
    assert "'on' is a required property" in done.stdout and "'runs-on' is a required property" in done.stdout


def test_zizmor_finds_nothing():
    """Does zizmor (offline, default persona) report no finding on .github/workflows/?"""
    done, findings = zizmor(WORKFLOWS)
    assert (done.returncode, findings) == (0, []), done.stderr


def test_zizmor_flags_a_dangerous_workflow(tmp_path):
    """Can zizmor fail here: does it flag unpinned actions, kept credentials and template injection?"""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non: push\npermissions: write-all\njobs:\n  bad:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: some-owner/some-action@v1\n"
        '      - run: echo "${{ secrets.X }} ${{ github.event.head_commit.message }}"\n'
    )
    done, findings = zizmor(bad)
    assert done.returncode != 0
    assert {"unpinned-uses", "artipacked", "template-injection"} <= {finding["ident"] for finding in findings}


@pytest.mark.parametrize("name", FILES)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(name):
    """Is every ``uses:`` an ``owner/repo@<40 hex digits>``, followed by a ``# vX.Y.Z`` comment?"""
    uses = [step["uses"] for _, step in steps(load(name)) if "uses" in step]
    assert uses and all(PINNED.match(ref) for ref in uses), uses
    lines = [line.strip() for line in FILES[name].read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert len(lines) == len(uses)
    assert all(re.fullmatch(r"(- )?uses: \S+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line) for line in lines), lines


def test_the_same_action_is_pinned_to_the_same_commit_everywhere():
    """Across the three workflows, does each action have a single pin (one SHA, one version)?"""
    pins: dict[str, set[str]] = {}
    for other in FILES:
        for _, step in steps(load(other)):
            if "uses" in step:
                pins.setdefault(action(step), set()).add(step["uses"])
    assert {owner: refs for owner, refs in pins.items() if len(refs) > 1} == {}


@pytest.mark.parametrize("name", FILES)
def test_permissions_are_none_at_the_top_and_read_only_in_every_job_but_the_pages_deploy(name):
    """Top-level ``permissions: {}``, each job its own, read-only but for publish's deploy (Pages and OIDC)?"""
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        if (name, job_name) == ("publish", "deploy"):
            assert job["permissions"] == {"pages": "write", "id-token": "write"}
        else:
            assert job["permissions"] == {"contents": "read"}, f"{name}: {job_name}"


@pytest.mark.parametrize("name", FILES)
def test_no_secret_no_credential_no_expression_in_a_script_no_cache(name):
    """No ``secrets.``; checkout keeps no credentials; no ``${{ }}`` inside ``run:``; no cache of any kind?"""
    text = FILES[name].read_text()
    assert "secrets." not in text
    for job_name, step in steps(load(name)):
        assert "${{" not in step.get("run", ""), f"{job_name}: {step.get('name')}"
        if action(step) == "actions/checkout":
            assert step["with"]["persist-credentials"] is False
        assert action(step) != "actions/cache" and "cache" not in (step.get("with") or {})


@pytest.mark.parametrize("name", FILES)
def test_every_job_runs_on_ubuntu_24_04_within_a_time_limit(name):
    """Does every job name its runner (ubuntu-24.04) and a ``timeout-minutes``?"""
    for job in load(name)["jobs"].values():
        assert job["runs-on"] == "ubuntu-24.04" and 0 < job.get("timeout-minutes", 0) <= 120


def test_ci_runs_ci_run_on_every_push_and_pull_request():
    """Does CI start on push and pull_request, and run .ci/run with CI=true, as root in Debian?"""
    workflow = load("ci")
    assert {"push", "pull_request"} <= triggers(workflow).keys()
    (job,) = workflow["jobs"].values()
    assert job["container"]["image"].startswith("debian:")  # no sudo: a container's steps run as root
    runs = [step for _, step in steps(workflow) if ".ci/run" in step.get("run", "")]
    assert [step["run"].strip() for step in runs] == ["bash .ci/run"]
    assert runs[0]["env"]["CI"] == "true"


def test_publish_builds_the_book_and_deploys_it_with_the_pages_actions():
    """On push to main: build with full history, upload _build/html, deploy in github-pages, one at a time?"""
    workflow = load("publish")
    assert triggers(workflow)["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers(workflow)
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert PAGES_ACTIONS <= {action(step) for _, step in steps(workflow)}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    checkout = next(step for step in build["steps"] if action(step) == "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0
    assert any("make book" in step.get("run", "") for step in build["steps"])
    upload = next(step for step in build["steps"] if action(step) == "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == "_build/html"
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert any(action(step) == "actions/deploy-pages" and step["id"] == "deployment" for step in deploy["steps"])


def test_canary_runs_weekly_both_checks_and_keeps_both_reports():
    """Weekly and on demand; test-latest and linkcheck both run; the reports are kept and summarised?"""
    workflow = load("canary")
    on = triggers(workflow)
    assert "workflow_dispatch" in on and len(on["schedule"]) == 1
    minute, hour, day, month, weekday = on["schedule"][0]["cron"].split()
    assert day == month == "*" and weekday.isdigit(), "once a week: a fixed weekday, every month"
    named = {step.get("run", "").strip(): step for _, step in steps(workflow)}
    assert "make test-latest" in named and "if" not in named["make test-latest"]
    assert named["make linkcheck"].get("if") == "always()", "linkcheck must run even when test-latest failed"
    for step in named["make test-latest"], named["make linkcheck"]:
        assert "continue-on-error" not in step, "a failed check must fail the run"
    summary = next(step for run, step in named.items() if "GITHUB_STEP_SUMMARY" in run)
    assert summary.get("if") == "always()" and "_build/canary/report.md" in summary["run"]
    upload = next(step for _, step in steps(workflow) if action(step) == "actions/upload-artifact")
    assert upload.get("if") == "always()"
    assert set(upload["with"]["path"].split()) == {"_build/canary/", "!_build/canary/venv/**", "_build/linkcheck/"}


def test_the_canary_reads_ci_runs_package_list():
    """Does the canary's own line that reads .ci/run's ``packages=(...)`` give .ci/run's packages?"""
    script = next(step["run"] for _, step in steps(load("canary")) if "packages=(" in step.get("run", ""))
    line = next(line for line in script.splitlines() if line.startswith("read "))
    done = subprocess.run(
        ["bash", "-c", line + '\nprintf "%s\\n" "${packages[@]}"'], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    listed = re.search(r"^packages=\(([^)]*)\)", (ROOT / ".ci" / "run").read_text(), re.M)
    assert done.returncode == 0 and listed and done.stdout.split() == listed[1].split()
