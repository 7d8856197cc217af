"""diff --against REF: the newest snapshot at a git revision against the working tree's, in real repos."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dictgen.choices import REPORT_FORMATS
from dictgen.upstream import gitrev
from tests.conftest import Run
from tests.support.diffcases import BASE, Result, edited, set_label
from tests.support.helpers import dictgen, git, write_snapshot

SETTINGS = '[tool.dictgen]\nsnapshots = "{}"\n'


def commit(repo: Path, message: str, tag: str | None = None) -> None:
    """Commit everything in ``repo``, and tag the commit when ``tag`` is given."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", message)
    if tag is not None:
        git(repo, "tag", tag)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose main holds snapshot 1.0.0 of BASE, as the working directory."""
    folder = tmp_path / "repo"
    folder.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # tmp_path is in no repository
    monkeypatch.setenv("LC_ALL", "C")  # git's messages in English
    git(folder, "init", "-q", "-b", "main")
    (folder / "pyproject.toml").write_text(SETTINGS.format("snapshots"), encoding="utf-8")
    write_snapshot(folder / "snapshots", "1.0.0", BASE)
    commit(folder, "snapshot 1.0.0")
    monkeypatch.chdir(folder)
    return folder


def git_state(repo: Path) -> dict[str, bytes]:
    """Every file below .git, to show that nothing was written there."""
    return {str(p): p.read_bytes() for p in sorted((repo / ".git").rglob("*")) if p.is_file()}


EDITS: dict[str, tuple[Callable[[Result], object], str, int]] = {  # name: edit, change kind, exit code
    "added": (set_label("seat", "6", "无座"), "entry_added", 0),
    "removed": (lambda r: r["seat"]["data"].pop("4"), "entry_removed", 1),
    "renamed": (lambda r: r["seat"]["data"].__setitem__("44", r["seat"]["data"].pop("4")), "code_renamed", 1),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_the_working_tree_against_a_branch(repo: Path, run: Run, name: str) -> None:
    edit, kind, code = EDITS[name]
    write_snapshot(repo / "snapshots", "1.1.0", edited(edit))
    before = git_state(repo)
    outcome = run("diff", "--against", "main")
    assert outcome.exit_code == code, outcome.output
    [summary, line] = outcome.stdout.splitlines()
    assert summary.startswith("1.0.0 -> 1.1.0: bump ")
    assert line[:1] == {0: " ", 1: "!"}[code]  # "!": a change that fails the diff
    assert line[2:].split()[:2] == [{0: "dangerous", 1: "breaking"}[code], kind]
    assert git_state(repo) == before, "diff --against writes nothing in the repository"


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_the_report_is_the_one_diff_gives_for_the_two_files(repo: Path, run: Run, fmt: str) -> None:
    write_snapshot(repo / "snapshots", "1.1.0", edited(EDITS["added"][0]))
    against = run("diff", "--against", "main", "--format", fmt, "--fail-on", "dangerous")
    files = run("diff", "1.0.0", "1.1.0", "--format", fmt, "--fail-on", "dangerous")
    assert (against.exit_code, against.stdout) == (files.exit_code, files.stdout) == (1, files.stdout)
    assert "entry_added" in against.stdout


def test_after_a_commit_that_imported_a_snapshot_against_head_1(repo: Path, run: Run) -> None:
    response = repo.parent / "response.json"
    result = edited(EDITS["added"][0])
    response.write_text(json.dumps({"reason": "ok", "result": result, "error_code": 0}), encoding="utf-8")
    assert run("import", response).exit_code == 0
    commit(repo, "Record the upstream change")
    outcome = run("diff", "--against", "HEAD~1")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith(
        "1.0.0 -> 1.1.0: bump minor, next version 1.1.0; 1 change(s): 1 dangerous"
    )
    assert '["seat"] entry "6" added: "无座"' in outcome.stdout
    assert run("diff", "--against", "HEAD").stdout == "1.1.0 -> 1.1.0: no changes (bump none)\n"


def test_a_ref_where_the_snapshot_folder_was_elsewhere(repo: Path, run: Run) -> None:
    """The folder at REF is the one the settings file at REF names; --snapshots names it on both sides."""
    git(repo, "mv", "snapshots", "data")
    (repo / "pyproject.toml").write_text(SETTINGS.format("data"), encoding="utf-8")
    commit(repo, "Move the snapshots", tag="moved")
    write_snapshot(repo / "data", "1.1.0", edited(EDITS["removed"][0]))
    (repo / "pyproject.toml").unlink()  # the default folder, snapshots/, from here on
    git(repo, "mv", "data", "snapshots")
    outcome = run("diff", "--against", "moved")
    assert (outcome.exit_code, outcome.stdout.split(":")[0]) == (1, "1.0.0 -> 1.1.0"), outcome.output
    assert run("diff", "--against", "main").stdout.startswith("1.0.0 -> 1.1.0: bump major")
    explicit = run("diff", "--against", "moved", "--snapshots", "snapshots")
    assert (explicit.exit_code, explicit.stderr) == (
        2,
        "error: moved:snapshots: snapshot directory not found\n",
    )


def test_from_a_subfolder_the_paths_are_the_repositorys(
    repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")  # settings from ../pyproject.toml: snapshots are ../snapshots
    write_snapshot(repo / "snapshots", "1.0.1", edited(lambda r: r["tips"].reverse()))
    assert run("diff", "--against", "main").stdout.startswith("1.0.0 -> 1.0.1: bump patch")


def test_an_outer_gits_repository_variables_do_not_redirect_it(
    repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook runs with GIT_DIR and GIT_INDEX_FILE of the repository being committed to."""
    other = repo.parent / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write_snapshot(other / "snapshots", "1.0.0", edited(EDITS["removed"][0]))
    commit(other, "another history")
    for name, value in (("GIT_DIR", other / ".git"), ("GIT_WORK_TREE", other)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    outcome = run("diff", "--against", "main")
    assert (outcome.exit_code, outcome.stdout) == (0, "1.0.0 -> 1.0.0: no changes (bump none)\n")


def at_ref(change: Callable[[Path], object]) -> Callable[[Path], None]:
    """Tag as ``ref`` a commit on a side branch made by ``change``; main is checked out again."""

    def setup(repo: Path) -> None:
        git(repo, "checkout", "-q", "-b", "side")
        change(repo)
        commit(repo, "the state at ref", tag="ref")
        git(repo, "checkout", "-q", "main")

    return setup


def _replace(path: str, text: str) -> Callable[[Path], object]:
    return lambda repo: (repo / path).write_text(text, encoding="utf-8")


def _file_for_folder(repo: Path) -> None:
    git(repo, "rm", "-rq", "snapshots")
    (repo / "snapshots").write_text("not a folder", encoding="utf-8")


def _broken_snapshot(repo: Path) -> None:
    path = repo / "snapshots" / "1.0.0.json"
    path.write_text(path.read_text(encoding="utf-8").replace("硬座", "硬座!"), encoding="utf-8")


def _nothing(repo: Path) -> None:
    pass


def _loop(repo: Path) -> None:
    """REF's settings name a folder that, in the working tree, is a symbolic link to itself."""
    at_ref(_replace("pyproject.toml", SETTINGS.format("loop")))(repo)
    (repo / "loop").symlink_to("loop")


def _big_snapshot(repo: Path) -> None:
    """A snapshot whose blob is larger than MAX_BLOB (made small for the test)."""
    (repo / "snapshots" / "1.0.0.json").write_bytes(b" " * 2048 + b"{}")


NO_GIT = {"PATH": "no-such-folder"}
# name: (what to do in the repository, --against, environment, what stderr says)
ERRORS: dict[str, tuple[Callable[[Path], object], str, dict[str, str], str]] = {
    "bad ref": (_nothing, "nosuch", {}, "nosuch: no such commit in this repository"),
    "option-like ref": (_nothing, "--output=x", {}, "--output=x: no such commit in this repository"),
    "a ref with a line break": (_nothing, "main\nx", {}, "main\\u000ax: no such commit in this repository"),
    "no snapshots at ref": (
        at_ref(lambda repo: git(repo, "rm", "-rq", "snapshots")),
        "ref",
        {},
        "ref:snapshots: snapshot directory not found",
    ),
    "a file where the folder was": (
        at_ref(_file_for_folder),
        "ref",
        {},
        "ref:snapshots: snapshot directory not found",
    ),
    "an empty snapshot folder at ref": (
        at_ref(lambda repo: git(repo, "mv", "snapshots/1.0.0.json", "snapshots/README.md")),
        "ref",
        {},
        "ref:snapshots: no snapshots (*.json) found",
    ),
    "an invalid snapshot at ref": (
        at_ref(_broken_snapshot),
        "ref",
        {},
        "ref:snapshots/1.0.0.json: sha256: mismatch: the result hashes to ",
    ),
    "invalid settings at ref": (
        at_ref(_replace("pyproject.toml", "[tool.dictgen\n")),
        "ref",
        {},
        "ref:pyproject.toml: cannot read: ",
    ),
    "a folder outside the repository at ref": (
        at_ref(_replace("pyproject.toml", SETTINGS.format("../elsewhere"))),
        "ref",
        {},
        "outside the git repository",
    ),
    "not a git repository": (
        lambda repo: shutil.rmtree(repo / ".git"),
        "main",
        {},
        "git: not a git repository",
    ),
    "a symbolic link loop": (_loop, "ref", {}, "loop: cannot resolve: "),
    "a blob over the limit": (
        at_ref(_big_snapshot),
        "ref",
        {},
        "ref:snapshots/1.0.0.json: 2050 bytes: more than",
    ),
    "a very long ref": (_nothing, "a" * 5000, {}, "a" * 100 + "…: no such commit"),
    "git not installed": (
        _nothing,
        "main",
        NO_GIT,
        "git: not found: --against reads the snapshots at REF with git",
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_one_line_and_exit_2(
    repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    setup, ref, env, message = ERRORS[name]
    monkeypatch.setattr(gitrev, "MAX_BLOB", 1024)
    setup(repo)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    outcome = run("diff", f"--against={ref}")
    assert (outcome.exit_code, outcome.stdout) == (2, ""), outcome.output
    assert outcome.stderr.startswith("error: ") and outcome.stderr.count("\n") == 1, outcome.stderr
    assert message in outcome.stderr
    assert not (repo / "x").exists()


def test_against_with_old_or_new_is_a_usage_error(repo: Path) -> None:
    for args in (["1.0.0"], ["1.0.0", "1.0.0"]):
        proc = dictgen("diff", "--against", "main", *args, cwd=repo)
        assert proc.returncode == 2 and proc.stdout == ""
        message = "--against compares REF with the working tree: give no OLD or NEW"
        assert proc.stderr == f"error: usage: {message} (see dictgen --help)\n"


def test_a_shallow_clone_says_so(
    repo: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(repo, "a second commit")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    monkeypatch.chdir(shallow)
    outcome = run("diff", "--against", "HEAD~1")
    assert outcome.exit_code == 2
    assert (
        outcome.stderr
        == "error: HEAD~1: no such commit in this repository (a shallow clone: fetch more history)\n"
    )
