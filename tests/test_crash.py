"""Interrupted writes: kill -9, Ctrl-C and SIGTERM at an exact rename, a full disk, a size limit.

Signals are injected by strace at the Nth rename(2) of the write phase, so the window is hit
every time; the size limit is a real RLIMIT_FSIZE on the dictgen process.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dictgen.output.atomic import journal_path
from tests.support.helpers import copy_project, sample_result, tree, write_snapshot

# Real processes killed or starved at a chosen system call, one run after another: slow.
pytestmark = pytest.mark.slow

STRACE = shutil.which("strace") or "strace"
# The write of the shipped snapshot renames the journal, then 11 files (manifest last).
RENAMES = 12


def _dictgen(
    cwd: Path, *args: str, prefix: tuple[str, ...] = (), **kw: object
) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "dictgen", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False, **kw)  # type: ignore[call-overload,no-any-return]


def at_rename(action: str, when: int) -> tuple[str, ...]:
    """strace arguments that inject ``action`` (``signal=KILL``, ``delay_enter=US``) at rename ``when``."""
    return (
        STRACE,
        "-f",
        "-qq",
        "-o",
        os.devnull,
        "-e",
        "trace=rename",
        "-e",
        f"inject=rename:{action}:when={when}",
    )


def _at_rename(signal_name: str, when: int) -> tuple[str, ...]:
    return at_rename(f"signal={signal_name}", when)


def _changed_upstream(project: Path) -> None:
    result = sample_result()
    result["seatClass"]["data"]["4"] = "软座 新"
    del result["idType"]["data"]["4"]
    write_snapshot(project / "snapshots", "2.0.0", result)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p for p in tree(folder) if "dictgen-" in p)


@pytest.mark.parametrize("when", [2, 6, RENAMES])
def test_kill_9_mid_write_is_rolled_back_by_the_next_run(tmp_path: Path, when: int) -> None:
    project = copy_project(tmp_path)
    assert _dictgen(project, "generate").returncode == 0
    before = tree(project / "generated")
    _changed_upstream(project)
    killed = _dictgen(project, "generate", prefix=_at_rename("KILL", when))
    assert killed.returncode == -9 or killed.returncode == 137, killed.stderr
    assert journal_path(project / "generated").exists()
    check = _dictgen(project, "check")
    assert check.returncode == 1 and "interrupted: generated" in check.stdout.splitlines()
    # The next run first restores the old set, then writes the new one completely.
    again = _dictgen(project, "generate")
    assert again.returncode == 0, again.stderr
    assert "rolled back an interrupted write" in again.stderr
    assert _dictgen(project, "check").returncode == 0
    assert _leftovers(project / "generated") == [] and _leftovers(project / "snapshots") == []
    assert tree(project / "generated") != before


@pytest.mark.parametrize(("signal_name", "code"), [("INT", 130), ("TERM", 143)])
def test_a_signal_mid_write_rolls_back_and_exits_128_plus_n(
    tmp_path: Path, signal_name: str, code: int
) -> None:
    project = copy_project(tmp_path)
    assert _dictgen(project, "generate").returncode == 0
    before = tree(project / "generated")
    changelog = (project / "snapshots" / "CHANGELOG.md").read_bytes()
    _changed_upstream(project)
    interrupted = _dictgen(project, "generate", prefix=_at_rename(signal_name, 7))
    assert interrupted.returncode == code, interrupted.stderr
    assert "Traceback" not in interrupted.stderr and "Aborted" not in interrupted.stderr
    assert tree(project / "generated") == before  # every file as it was, no strays
    assert (project / "snapshots" / "CHANGELOG.md").read_bytes() == changelog


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_file_size_limit_leaves_nothing_behind(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    # No generated/ yet: every folder is new. 4 KiB is less than the Python module needs.
    failed = _dictgen(project, "generate", preexec_fn=lambda: _limit_file_size(4096))
    assert failed.returncode == 2, failed.stderr
    # The journal (a list of the write set) or the first large file hits the limit first: the error
    # names the output folder or that file.
    assert failed.stderr.startswith("error: generated") and "File too large" in failed.stderr
    assert len(failed.stderr.splitlines()) == 1
    assert not (project / "generated").exists()
    assert _leftovers(project / "snapshots") == []
    # Retrying does not accumulate anything either, and a run without the limit succeeds.
    assert _dictgen(project, "generate", preexec_fn=lambda: _limit_file_size(4096)).returncode == 2
    assert not (project / "generated").exists()
    assert _dictgen(project, "generate").returncode == 0
    assert _dictgen(project, "check").returncode == 0


def test_full_disk_leaves_the_previous_output(tmp_path: Path) -> None:
    """A real small filesystem (tmpfs) that fills up half-way through the write set."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        project = copy_project(mount)
        assert _dictgen(project, "generate").returncode == 0
        before = tree(project / "generated")
        filler = project / "filler"
        with filler.open("wb") as handle:  # leave less room than the new set needs
            free = shutil.disk_usage(mount).free
            handle.write(b"x" * max(0, free - 40 * 1024))
        _changed_upstream(project)
        failed = _dictgen(project, "generate")
        assert failed.returncode == 2 and "No space left on device" in failed.stderr, failed.stderr
        assert tree(project / "generated") == before
        filler.unlink()
        assert _dictgen(project, "generate").returncode == 0
        assert _dictgen(project, "check").returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Make a folder read-only the way a read-only volume is (a bind mount remounted ro), as root
    could not be kept out by file modes; every mount is undone after the test."""
    mounted: list[Path] = []

    def make(folder: Path) -> None:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        mounted.append(folder)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)

    yield make
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _one_error(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert [line for line in proc.stderr.splitlines() if not line.startswith("waiting ")] == [expected]


def test_a_read_only_snapshot_folder_fails_one_import_not_every_later_command(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    project = copy_project(tmp_path)
    assert _dictgen(project, "generate").returncode == 0
    changed = sample_result()
    changed["seatClass"]["data"]["4"] = "软座 新"
    response = project / "response.json"
    response.write_text(
        json.dumps({"error_code": 0, "result": changed}, ensure_ascii=False), encoding="utf-8"
    )
    before = tree(project / "snapshots")
    read_only(project / "snapshots")
    # Read-only refuses to remove even a staging file that is not there: the rollback must not stop.
    _one_error(
        _dictgen(project, "import", "response.json"),
        "error: snapshots/2.0.0.json: cannot write: Read-only file system",
    )
    assert tree(project / "snapshots") == before
    assert not journal_path(project / "snapshots").exists()
    checked = _dictgen(project, "check")
    assert checked.returncode == 0, checked.stderr


def test_a_read_only_target_folder_leaves_the_others_as_they_were(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    project = copy_project(tmp_path)
    assert _dictgen(project, "generate").returncode == 0
    before = tree(project / "generated")
    _changed_upstream(project)
    read_only(project / "generated" / "sql")
    failed = _dictgen(project, "generate")
    _one_error(failed, "error: generated/sql/mysql.sql: cannot write: Read-only file system")
    assert tree(project / "generated") == before  # no staging file, no new v2/ folder elsewhere
    assert not journal_path(project / "generated").exists()


def test_a_rollback_into_a_read_only_folder_is_one_line(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    project = copy_project(tmp_path)
    assert _dictgen(project, "generate").returncode == 0
    before = tree(project / "generated")
    _changed_upstream(project)
    assert _dictgen(project, "generate", prefix=_at_rename("KILL", 6)).returncode in (-9, 137)
    read_only(project / "generated" / "python")
    _one_error(
        _dictgen(project, "generate"),
        "error: generated: cannot roll back an interrupted run: Read-only file system",
    )
    assert journal_path(project / "generated").exists()  # for a run that can write
    subprocess.run(["umount", "-l", str(project / "generated" / "python")], check=True)
    again = _dictgen(project, "generate")
    assert again.returncode == 0 and "rolled back an interrupted write" in again.stderr, again.stderr
    assert _dictgen(project, "check").returncode == 0 and tree(project / "generated") != before
