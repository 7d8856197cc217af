"""The CI recipes' shell, run as a runner would:

- the upstream watch of both the GitHub and the GitLab recipe, with a stub ``dictgen``, for each
  exit code of ``dictgen fetch --check``: 0 does nothing, 1 records and opens a pull request, 2
  fails the job, and nothing else happens in either case;
- the pull request diff, with the real dictgen and git.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.diffcases import BASE, edited, set_label
from tests.support.helpers import write_snapshot
from tests.support.recipes import (
    DIFF_WORKFLOW,
    GITLAB,
    PINNED,
    WATCH_WORKFLOW,
    clean_env,
    commit_all,
    git,
    load,
)

FAKE_KEY = "test-key-0123456789"
MARKDOWN = "| kind | dictionary | code |\n|---|---|---|\n| entry_added | seatClass | 55 |\n"
# What the record step runs after `fetch --check` exits 1, in order, on both platforms.
RECORDED = ["fetch", "generate", "check", "diff --format markdown --fail-on never"]


# --- the upstream watch's shell, run with stubs --------------------------------------------------

STUB = r"""#!/usr/bin/env bash
# Records how it was called (and whether it saw the key), like the real command would be.
name="$(basename "$0")"
printf '%s\t%s\t%s\n' "$name" "$*" "${JUHE_KEY:+key}" >>"$STUB_LOG"
case "$name $*" in
  "dictgen fetch --check") exit "$FETCH_CHECK_EXIT" ;;
  "dictgen diff --format markdown"*) printf '%s' "$STUB_MARKDOWN" ;;
  "curl "*)
    while [ $# -gt 0 ]; do
      if [ "$1" = "-o" ]; then echo '{"iid": 7}' >"$2"; fi
      shift
    done
    printf 201 ;;
esac
exit 0
"""


@dataclass
class Job:
    """One simulated job: its exit code, output and the commands the stubs saw."""

    code: int
    output: str
    calls: list[tuple[str, str, bool]] = field(default_factory=list)
    pull_request: dict[str, Any] | None = None

    def dictgen(self) -> list[str]:
        return [args for name, args, _ in self.calls if name == "dictgen"]


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    """A folder of stub commands to put first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("dictgen", "python", "git", "curl"):
        (folder / name).write_text(STUB, encoding="utf-8")
        (folder / name).chmod(stat.S_IRWXU)
    return folder


def read_calls(log: Path) -> list[tuple[str, str, bool]]:
    if not log.exists():
        return []
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    return [(name, args, seen == "key") for name, args, seen in rows]


def stub_env(stubs: Path, work: Path, code: int, **extra: str) -> dict[str, str]:
    (work / "tmp").mkdir(exist_ok=True)
    return clean_env(
        PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}",
        STUB_LOG=str(work / "calls.log"),
        FETCH_CHECK_EXIT=str(code),
        STUB_MARKDOWN=MARKDOWN,
        TMPDIR=str(work / "tmp"),
        **extra,
    )


def workspace(work: Path) -> Path:
    """The job's working directory: the checkout, where everything new gets committed."""
    folder = work / "workspace"
    folder.mkdir()
    return folder


def expression(value: str, context: dict[str, str]) -> str:
    """Substitute the ``${{ name }}`` expressions the recipes use; any other one is a test failure."""

    def one(match: re.Match[str]) -> str:
        assert match.group(1) in context, f"unexpected expression {match.group(0)}"
        return context[match.group(1)]

    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", one, value)


def condition(test: str, outputs: dict[str, dict[str, str]]) -> bool:
    """Evaluate the one form of ``if:`` the recipes use: ``steps.ID.outputs.NAME == 'VALUE'``."""
    match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'", test)
    assert match, f"unexpected condition {test!r}"
    step, name, value = match.groups()
    assert step in outputs, f"{test!r}: no earlier step has the id {step!r}"
    return outputs[step].get(name) == value


def run_github_job(
    path: Path, checkout: Path, context: dict[str, str], env: dict[str, str]
) -> tuple[int, str, dict[str, dict[str, str]]]:
    """Run a one-job workflow's steps as a runner would: bash -eo pipefail, env, outputs and if:.

    Returns the exit code, the output, and each action a ``uses:`` step reached with its ``with:``.
    """
    workflow = load(path)
    [job] = workflow["jobs"].values()
    assert workflow["defaults"]["run"]["shell"] == "bash"
    outputs: dict[str, dict[str, str]] = {}
    used: dict[str, dict[str, str]] = {}
    output = ""
    for number, step in enumerate(job["steps"]):
        if "if" in step and not condition(step["if"], outputs):
            continue
        if "uses" in step:
            given = step.get("with", {}).items()
            used[step["uses"].split("@")[0]] = {k: expression(str(v), context) for k, v in given}
            continue
        output_file = checkout.parent / f"output-{number}"
        output_file.touch()
        step_env = {**workflow["env"], **step.get("env", {}), "GITHUB_OUTPUT": str(output_file)}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=checkout,
            env={**env, **{k: expression(str(v), context) for k, v in step_env.items()}},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        output += proc.stdout + proc.stderr
        lines = output_file.read_text(encoding="utf-8").splitlines()
        outputs[step.get("id", f"#{number}")] = dict(line.split("=", 1) for line in lines)
        if proc.returncode != 0:
            return proc.returncode, output, used
    return 0, output, used


def run_github_watch(stubs: Path, work: Path, code: int) -> Job:
    """Run upstream-watch.yml's steps with stubs for dictgen, python, git and curl."""
    temp = work / "runner-temp"
    temp.mkdir()
    context = {"secrets.JUHE_KEY": FAKE_KEY, "runner.temp": str(temp)}
    summary = str(work / "summary.md")
    env = stub_env(stubs, work, code, RUNNER_TEMP=str(temp), GITHUB_STEP_SUMMARY=summary)
    status, output, used = run_github_job(WATCH_WORKFLOW, workspace(work), context, env)
    pull_request = used.get("peter-evans/create-pull-request")
    return Job(status, output, read_calls(work / "calls.log"), pull_request)


def run_gitlab_watch(stubs: Path, work: Path, code: int) -> Job:
    """Run the GitLab watch job's before_script and script as one bash -eo pipefail script."""
    doc = load(GITLAB)
    job = doc["dictgen-upstream-watch"]
    script = [*doc[job["extends"]]["before_script"], *job["script"]]
    gitlab = {
        "CI_SERVER_HOST": "gitlab.example",
        "CI_PROJECT_PATH": "group/app",
        "CI_PROJECT_ID": "42",
        "CI_DEFAULT_BRANCH": "main",
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
        "JUHE_KEY": FAKE_KEY,
        "DICTGEN_BOT_TOKEN": "bot-token",
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(script)],
        cwd=workspace(work),
        env=stub_env(stubs, work, code, **gitlab, **doc["variables"], **job["variables"]),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return Job(proc.returncode, proc.stdout + proc.stderr, read_calls(work / "calls.log"))


@pytest.mark.parametrize("code", [0, 1, 2, 130])
def test_github_watch_branches_on_the_exit_code(stubs: Path, tmp_path: Path, code: int) -> None:
    job = run_github_watch(stubs, tmp_path, code)
    assert ("python", f"-m pip install {PINNED}", False) in job.calls
    assert all(seen for name, args, seen in job.calls if name == "dictgen" and "fetch" in args)
    if code == 0:
        assert (job.code, job.dictgen(), job.pull_request) == (0, ["fetch --check"], None)
        assert "nothing to do" in job.output
    elif code == 1:
        assert job.code == 0, job.output
        assert job.dictgen() == ["fetch --check", *RECORDED, "diff --format github --fail-on never"]
        assert job.pull_request is not None
        body = Path(job.pull_request["body-path"])
        assert body.read_text(encoding="utf-8") == MARKDOWN
        assert not body.is_relative_to(tmp_path / "workspace"), "the body must not be committed"
        assert (tmp_path / "summary.md").read_text(encoding="utf-8") == MARKDOWN
    else:  # an error, or an interruption: never a pull request, never a second fetch
        assert (job.code, job.dictgen(), job.pull_request) == (code, ["fetch --check"], None)
        assert "::error title=dictgen fetch failed::" in job.output
        if code == 2:
            assert "JUHE_KEY" in job.output and "Nothing was recorded" in job.output


@pytest.mark.parametrize("code", [0, 1, 2, 130])
def test_gitlab_watch_branches_on_the_exit_code(stubs: Path, tmp_path: Path, code: int) -> None:
    job = run_gitlab_watch(stubs, tmp_path, code)
    assert job.calls[0] == ("python", f"-m pip install {PINNED}", True)
    others = [(name, args) for name, args, _ in job.calls if name in ("git", "curl")]
    if code == 0:
        assert (job.code, job.dictgen(), others) == (0, ["fetch --check"], [])
        assert "nothing to do" in job.output
    elif code == 1:
        assert job.code == 0, job.output
        assert job.dictgen() == ["fetch --check", *RECORDED]
        assert [name for name, _ in others] == ["git", "git", "git", "git", "curl"]
        push = others[3][1]
        remote = "https://oauth2:bot-token@gitlab.example/group/app.git"
        assert push == f"push --force {remote} HEAD:refs/heads/dictgen/upstream"
        body = re.search(r"--data-urlencode description@(\S+)", others[4][1])
        assert body and Path(body.group(1)).read_text(encoding="utf-8") == MARKDOWN
        assert not Path(body.group(1)).is_relative_to(
            tmp_path / "workspace"
        ), "the body must not be committed"
        assert "Opened a merge request from dictgen/upstream." in job.output
    else:
        assert (job.code, job.dictgen(), others) == (code, ["fetch --check"], [])
        if code == 2:
            assert "JUHE_KEY" in job.output and "Nothing was recorded" in job.output


# --- the pull request diff, run with the real dictgen and git ---------------------------------------

# `python -m pip install "$DICTGEN"` does nothing; `dictgen` is this checkout's.
PIP_STUB = '#!/usr/bin/env bash\n[ "$*" = "-m pip install $DICTGEN" ]\n'
DICTGEN_SHIM = '#!/usr/bin/env bash\nexec "$DICTGEN_PYTHON" -m dictgen "$@"\n'


def pull_request_checkout(work: Path, result: dict[str, Any] | None) -> Path:
    """What actions/checkout leaves for a pull request that adds snapshot 1.1.0 of ``result`` (None:
    an invalid file): a shallow clone at the merge commit, without the base branch's remote ref."""
    seed = work / "seed"
    write_snapshot(seed / "snapshots", "1.0.0", BASE)
    commit_all(seed)
    git("clone", "-q", "--bare", str(seed), str(work / "origin"), cwd=work)
    checkout = work / "workspace"
    git("clone", "-q", "--depth=1", f"file://{work / 'origin'}", str(checkout), cwd=work)
    if result is None:
        (checkout / "snapshots" / "1.1.0.json").write_text("{", encoding="utf-8")
    else:
        write_snapshot(checkout / "snapshots", "1.1.0", result)
    commit_all(checkout)
    git("remote", "set-head", "origin", "--delete", cwd=checkout)
    git("update-ref", "-d", "refs/remotes/origin/main", cwd=checkout)
    return checkout


def run_diff_recipe(work: Path, result: dict[str, Any] | None) -> tuple[int, str, dict[str, dict[str, str]]]:
    checkout = pull_request_checkout(work, result)
    stubs, temp = work / "bin", work / "runner-temp"
    for folder in (stubs, temp):
        folder.mkdir()
    for name, text in (("python", PIP_STUB), ("dictgen", DICTGEN_SHIM)):
        (stubs / name).write_text(text, encoding="utf-8")
        (stubs / name).chmod(stat.S_IRWXU)
    env = clean_env(
        PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}",
        DICTGEN_PYTHON=sys.executable,
        RUNNER_TEMP=str(temp),
        GITHUB_STEP_SUMMARY=str(work / "summary.md"),
    )
    context = {"github.base_ref": "main", "runner.temp": str(temp)}
    return run_github_job(DIFF_WORKFLOW, checkout, context, env)


@pytest.mark.parametrize(
    ("name", "code"), [("added", 0), ("removed", 1), ("invalid", 2)], ids=["added", "removed", "invalid"]
)
def test_the_pull_request_diff_comments_the_report(tmp_path: Path, name: str, code: int) -> None:
    result = {
        "added": edited(set_label("seat", "6", "无座")),
        "removed": edited(lambda r: r["seat"]["data"].pop("4")),
        "invalid": None,
    }[name]
    status, output, used = run_diff_recipe(tmp_path, result)
    assert status == code, output
    comment = used.get("marocchino/sticky-pull-request-comment")
    if code == 2:
        assert comment is None, "an error posts no comment"
        assert "error: snapshots/1.1.0.json: invalid JSON" in output
        assert "::error title=dictgen diff failed::Could not compare with origin/main (exit 2)" in output
        return
    assert comment == {"header": "dictgen-diff", "path": str(tmp_path / "runner-temp" / "dictgen-diff.md")}
    report = Path(comment["path"]).read_text(encoding="utf-8")
    assert report.startswith("### Dictionary changes 1.0.0 -> 1.1.0\n")
    assert ("entry_removed" if code else "entry_added") in report
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == report
    assert ("::error title=Breaking dictionary change::" in output) is bool(code)
