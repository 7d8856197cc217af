"""What the CI recipe and pre-commit tests share: the recipe files, YAML and git helpers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.helpers import ROOT

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
