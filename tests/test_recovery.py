"""Recovery after a real kill -9 undoes only what the crashed run wrote.

Each test kills dictgen with strace at an exact rename(2) of its write set, then changes the tree
under the journal the way a user does (git checkout, git clean, a pull, a hand edit), then runs
dictgen again: every file the crashed run did not leave as it wrote it must be kept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dictgen.output.atomic import journal_path
from tests.support.helpers import copy_project, git, sample_result, write_snapshot
from tests.test_crash import _at_rename, _dictgen

# Real processes killed or starved at a chosen system call, one run after another: slow.
pytestmark = pytest.mark.slow


def _repository(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project")
    assert _dictgen(project, "generate").returncode == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "generated")
    return project


def _response(folder: Path, label: str) -> Path:
    result = sample_result()
    result["seatClass"]["data"]["99"] = label  # an added code: the next minor version, 1.1.0
    path = folder / f"response-{label}.json"
    path.write_text(json.dumps({"reason": "success", "result": result, "error_code": 0}), encoding="utf-8")
    return path


@pytest.mark.parametrize("when", [2, 3])
def test_a_discarded_import_then_a_colleagues_snapshot_is_kept(tmp_path: Path, when: int) -> None:
    project = _repository(tmp_path)
    killed = _dictgen(project, "import", str(_response(tmp_path, "mine")), prefix=_at_rename("KILL", when))
    assert killed.returncode in (-9, 137), killed.stderr
    assert journal_path(project / "snapshots").exists()
    # The user throws the half-import away and pulls a colleague's 1.1.0 (other bytes).
    git(project, "clean", "-qfdx", "snapshots")
    git(project, "checkout", "--", "snapshots")
    theirs = write_snapshot(
        project / "snapshots", "1.1.0", json.loads(_response(tmp_path, "theirs").read_text())["result"]
    )
    changelog = b"# their changelog\n"
    (project / "snapshots" / "CHANGELOG.md").write_bytes(changelog)
    colleague = theirs.read_bytes()
    again = _dictgen(project, "generate")
    assert theirs.read_bytes() == colleague, again.stderr
    assert (project / "snapshots" / "CHANGELOG.md").exists()
    assert not journal_path(project / "snapshots").exists()
    assert f"kept {theirs}" in again.stderr or when == 2  # at rename 2 the snapshot was not yet written


def test_after_an_import_killed_mid_write_readers_roll_it_back_before_reading(tmp_path: Path) -> None:
    project = _repository(tmp_path)
    copy = str(tmp_path / "other" / "juhe")
    readers = (("diff",), ("check",), ("show", "seatClass"), ("vendor", copy, "--target", "python"))
    for reader in (*readers, ("check", "--vendored", copy)):
        (tmp_path / "other" / ".git").mkdir(parents=True, exist_ok=True)
        response = _response(tmp_path, "half")
        killed = _dictgen(project, "import", str(response), prefix=_at_rename("KILL", 3))
        assert killed.returncode in (-9, 137), killed.stderr
        assert (project / "snapshots" / "1.1.0.json").exists()  # the half-recorded snapshot
        read = _dictgen(project, *reader)
        assert read.returncode == 0, (reader, read.stdout, read.stderr)
        assert "rolled back an interrupted write" in read.stderr
        assert not (project / "snapshots" / "1.1.0.json").exists()
        assert not journal_path(project / "snapshots").exists()
        assert "half" not in read.stdout  # the diff compares 1.0.0 with itself: no change
        assert "newer than the vendored" not in read.stderr  # check --vendored: no note on 1.1.0
        status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True)
        assert status.stdout == ""


@pytest.mark.parametrize("when", [3, 7])
def test_a_generate_killed_then_checked_out_keeps_the_checkout(tmp_path: Path, when: int) -> None:
    project = _repository(tmp_path)
    write_snapshot(project / "snapshots", "2.0.0", {"seats": {"msg": "m", "data": {"1": "硬座"}}})
    killed = _dictgen(project, "generate", prefix=_at_rename("KILL", when))
    assert killed.returncode in (-9, 137), killed.stderr
    # The user puts the committed output back by hand, and edits one generated file on top.
    git(project, "checkout", "--", "generated")
    edited = project / "generated" / "sql" / "sqlite.sql"
    edited.write_bytes(edited.read_bytes() + b"-- mine\n")
    (project / "snapshots" / "2.0.0.json").unlink()
    again = _dictgen(project, "check")
    assert again.returncode == 1 and "interrupted: generated" in again.stdout
    fixed = _dictgen(project, "generate")
    assert fixed.returncode == 0, fixed.stderr
    assert "rolled back an interrupted write" in fixed.stderr
    assert _dictgen(project, "check").returncode == 0


@pytest.mark.parametrize("when", [2, 4])
def test_a_vendor_killed_then_cleaned_by_hand_touches_nothing_it_did_not_write(
    tmp_path: Path, when: int
) -> None:
    project = _repository(tmp_path)
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    dest = other / "vendor" / "juhe"
    assert _dictgen(project, "vendor", str(dest), "--target", "python").returncode == 0
    record = (dest / "VENDORED.json").read_bytes()
    write_snapshot(project / "snapshots", "2.0.0", {"seats": {"msg": "m", "data": {"1": "硬座"}}})
    assert _dictgen(project, "generate").returncode == 0
    killed = _dictgen(project, "vendor", str(dest), "--target", "python", prefix=_at_rename("KILL", when))
    assert killed.returncode in (-9, 137), killed.stderr
    # The other repository throws the half-written copy away and puts its own files there.
    shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / "VENDORED.json").write_bytes(record)
    (dest / "mine.txt").write_text("mine\n", encoding="utf-8")
    again = _dictgen(project, "vendor", str(dest), "--target", "python")
    assert again.returncode == 0, again.stderr
    assert (dest / "mine.txt").read_text(encoding="utf-8") == "mine\n"
    assert not journal_path(dest).exists()
    checked = _dictgen(other, "check", "--vendored", str(dest))
    assert checked.returncode == 1 and checked.stdout.splitlines() == [f"unexpected: {dest / 'mine.txt'}"]
