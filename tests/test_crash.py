"""Interrupted writes: kill -9, Ctrl-C and SIGTERM at an exact rename, a full disk, a size limit.

Signals are injected by strace at the Nth rename(2) of the write phase, so the window is hit
every time; the size limit is a real RLIMIT_FSIZE on the dictgen process.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
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
