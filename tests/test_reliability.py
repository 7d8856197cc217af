"""Bad days: two runs at once, upstream glitches, symlinks, foreign files, hostile output folders."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import filelock
import pytest

from dictgen.errors import DictgenError
from dictgen.output.atomic import JOURNAL_FORMAT, journal_path, lock_path, locked
from tests.conftest import Run
from tests.support.helpers import copy_project, dictgen, sample_result, tree
from tests.test_crash import _dictgen, at_rename

PY = Path("generated/python/juhe_grabticket")


def _response(project: Path, name: str, result: Any) -> Path:
    path = project / name
    doc = {"reason": "success", "result": result, "error_code": 0}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _changed(label: str) -> dict[str, Any]:
    result = sample_result()
    result["seatClass"]["data"]["4"] = label
    return result


def _wait_until_locked(folder: Path, holder: subprocess.Popen[str]) -> None:
    """Return once another process holds the lock that dictgen takes on ``folder``."""
    probe = filelock.FileLock(lock_path(folder))
    deadline = time.monotonic() + 60  # a hang guard only
    while time.monotonic() < deadline:
        assert holder.poll() is None, "the first import ended before it stopped at its first rename"
        try:
            probe.acquire(timeout=0)
        except filelock.Timeout:
            return
        probe.release()
        time.sleep(0.01)
    raise AssertionError("the first import never took the lock")


def _line_with(stream: IO[str], text: str) -> str:
    """Read ``stream`` until a line containing ``text``; what was read."""
    seen = ""
    for line in stream:
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never came; read: {seen!r}")


def test_two_imports_at_once_record_one_after_the_other(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    first = _response(project, "a.json", _changed("软座 甲"))
    second = _response(project, "b.json", _changed("软座 乙"))
    # The first run stops itself (SIGSTOP) at its first rename, inside its locked write phase, and
    # stays stopped until the second has shown that it waits for the lock.
    held = at_rename("signal=STOP", 1)
    command = [sys.executable, "-m", "dictgen", "import"]
    pipes: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    one = subprocess.Popen([*held, *command, str(first)], cwd=project, start_new_session=True, **pipes)
    two: subprocess.Popen[str] | None = None
    try:
        _wait_until_locked(project / "snapshots", one)
        two = subprocess.Popen([*command, str(second)], cwd=project, **pipes)
        assert two.stderr is not None
        waited = _line_with(two.stderr, "waiting for another dictgen")
        os.killpg(one.pid, signal.SIGCONT)
        out_one, _ = one.communicate(timeout=60)
        out_two, err_two = two.communicate(timeout=60)
    finally:
        if one.poll() is None:
            os.killpg(one.pid, signal.SIGKILL)  # strace and the import it runs
            one.wait()
        if two is not None and two.poll() is None:
            two.kill()
            two.wait()
    assert one.returncode == 0 and two.returncode == 0, waited + err_two
    assert out_one.startswith("recorded 2.0.0") and out_two.startswith("recorded 3.0.0")
    snapshots = sorted(p.name for p in (project / "snapshots").glob("*.json"))
    assert snapshots == ["1.0.0.json", "2.0.0.json", "3.0.0.json"]
    assert "3.0.0" in (project / "snapshots" / "CHANGELOG.md").read_text(encoding="utf-8")


HOLD = """
import sys
from pathlib import Path
from dictgen.output.atomic import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_held_lock_fails_in_one_line_and_leaves_the_folder_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "generated"
    pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    with subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], **pipes) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DictgenError) as refused, locked(folder, wait=0):
            pass
        holder.communicate("")
    assert refused.value.lines() == [(folder.as_posix(), "another dictgen is still writing here")]
    assert capsys.readouterr().err == f"waiting for another dictgen writing {folder.as_posix()}\n"
    with locked(folder, wait=0):
        assert list(folder.iterdir()) == []  # the lock file lives in the state folder, not here
    assert not folder.exists()  # made for the lock, and removed again while empty


def _only_tips() -> dict[str, Any]:
    return {"tips": sample_result()["tips"]}


def _one_dictionary() -> dict[str, Any]:
    return {"seatClass": sample_result()["seatClass"]}


def _blank_labels() -> dict[str, Any]:
    result = sample_result()
    for key, value in result.items():
        if key != "tips":
            value["data"] = dict.fromkeys(value["data"], "")
    return result


@pytest.mark.parametrize("glitch", [dict, _only_tips, _one_dictionary, _blank_labels])
def test_an_upstream_glitch_is_refused_unless_allowed(tmp_path: Path, glitch: Any) -> None:
    project = copy_project(tmp_path)
    path = _response(project, "glitch.json", glitch())
    before = tree(project / "snapshots")
    for extra in ((), ("--check",)):
        refused = _dictgen(project, "import", str(path), *extra)
        assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
        assert "refusing to record" in refused.stderr and "--allow-removals" in refused.stderr
        assert tree(project / "snapshots") == before
    allowed = _dictgen(project, "import", "--allow-removals", str(path))
    assert allowed.returncode == 0 and allowed.stdout.startswith("recorded 2.0.0")


def test_generate_never_writes_or_deletes_through_a_symlinked_folder(project: Path, run: Run) -> None:
    outside = project / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me", encoding="utf-8")
    assert run("generate").exit_code == 0
    # A folder of the package replaced by a link to somewhere else.
    v1 = project / PY / "v1"
    for child in v1.iterdir():
        child.unlink()
    v1.rmdir()
    v1.symlink_to(outside)
    result = run("generate")
    assert result.exit_code == 2
    assert (
        result.stderr == f"error: {PY / 'v1'}: is a symbolic link: refusing to write or delete through it\n"
    )
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


def test_a_manifest_entry_under_a_symlink_deletes_nothing_outside(project: Path, run: Run) -> None:
    outside = project / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me", encoding="utf-8")
    assert run("generate").exit_code == 0
    (project / "generated" / "evil").symlink_to(outside)
    manifest = project / "generated" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["targets"]["python"]["evil/victim.txt"] = "0" * 64
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    result = run("generate")
    assert result.exit_code == 2 and "generated/evil: is a symbolic link" in result.stderr
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "keep me"


def test_an_edited_file_that_is_no_longer_produced_is_kept_and_reported(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    manifest = project / "generated" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["targets"]["python"]["python/juhe_grabticket/old.py"] = "0" * 64  # written once, since edited
    doc["targets"]["python"]["python/juhe_grabticket/gone.py"] = "0" * 64  # written once, since deleted
    manifest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (project / PY / "old.py").write_text("# my edits\n", encoding="utf-8")
    check = run("check")
    assert check.exit_code == 1 and f"extra: {PY / 'old.py'}" in check.stdout
    result = run("generate")
    assert result.exit_code == 0 and "deleted" not in result.stdout
    assert f"kept {PY / 'old.py'}: edited since dictgen wrote it, delete it by hand" in result.stdout
    assert (project / PY / "old.py").exists()


@pytest.mark.parametrize("out", [".", "snapshots", "/", "~", ".."])
def test_output_folders_that_hold_other_things_are_refused(project: Path, run: Run, out: str) -> None:
    before = tree(project / "snapshots")
    for command in ("generate", "check"):
        result = run(command, "--out", os.path.expanduser(out))
        assert result.exit_code == 2 and result.stderr.startswith("error: ") and "refusing" in result.stderr
    assert tree(project / "snapshots") == before and not (project / "manifest.json").exists()


def test_a_file_dictgen_did_not_write_is_never_overwritten(project: Path, run: Run) -> None:
    mine = project / "mine" / "sql" / "postgresql.sql"
    mine.parent.mkdir(parents=True)
    mine.write_text("-- my own schema\n", encoding="utf-8")
    result = run("generate", "--out", "mine")
    assert result.exit_code == 2
    where = Path("mine/sql/postgresql.sql")
    assert result.stderr == f"error: {where}: exists but dictgen did not write it: refusing to overwrite\n"
    assert mine.read_text(encoding="utf-8") == "-- my own schema\n"
    assert not (project / "mine" / "manifest.json").exists()


def test_check_reports_files_added_to_an_owned_folder(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    (project / PY / "v1" / "extra.py").write_text("import os\n", encoding="utf-8")
    (project / PY / "backdoor.py").write_text("import os\n", encoding="utf-8")
    (project / PY / "__pycache__").mkdir()
    (project / PY / "__pycache__" / "x.pyc").write_bytes(b"")  # made by Python, not by a person
    (project / "generated" / "typescript" / ".index.ts.dictgen-tmp").write_text("", encoding="utf-8")
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"unexpected: {PY / 'backdoor.py'}",
        f"unexpected: {PY / 'v1' / 'extra.py'}",
        f"unexpected: {Path('generated/typescript/.index.ts.dictgen-tmp')}",
        " 3 files differ, 0 insertions(+), 0 deletions(-)",
    ]
    assert "3 file(s) that dictgen does not write" in result.stderr


def test_deleted_is_printed_only_for_files_that_existed(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    manifest = project / "generated" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["targets"]["python"]["python/juhe_grabticket/never.py"] = "0" * 64
    manifest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    result = run("generate")
    assert result.exit_code == 0 and result.stdout == f"wrote {Path('generated/manifest.json')}\n"


_DEEP = "[" * 3000 + "]" * 3000


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("pyproject.toml", '[tool.dictgen]\nnames = "n\\u0000x"\n', "error: 'n\\x00x': not a usable path"),
        ("pyproject.toml", f"[tool]\nx = {_DEEP}\n", "error: pyproject.toml: cannot read: nested too deeply"),
        ("names.toml", f'[seatClass]\n"4" = {_DEEP}\n', "error: names.toml: invalid TOML: nested too deeply"),
        ("snapshots/accepted.toml", f"[accepted]\nx = {_DEEP}\n", "error: snapshots/accepted.toml: cannot"),
    ],
)
def test_hostile_toml_is_one_line_and_exit_2(project: Path, name: str, text: str, expected: str) -> None:
    (project / name).write_text(text, encoding="utf-8")
    result = _dictgen(project, "check")
    assert result.returncode == 2 and result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_journal_in_the_tree_is_not_a_journal(project: Path, run: Run) -> None:
    """Journals live in the user's state folder: one committed to a repository is just a file."""
    assert run("generate").exit_code == 0
    victim = project / "snapshots" / "1.0.0.json"
    step = {"path": str(victim), "delete": False, "existed": False}  # "undo" would delete it
    planted = project / "generated" / ".dictgen-journal"
    planted.write_text(json.dumps({"steps": [step], "made": []}), encoding="utf-8")
    result = run("generate")
    assert result.exit_code == 0 and victim.exists()
    assert run("check").exit_code == 0  # a file beside the targets, not in one


def test_a_journal_naming_files_elsewhere_is_refused(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    victim = project.parent / f"{project.name}-victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    journal = journal_path(project / "generated")
    journal.parent.mkdir(parents=True, exist_ok=True)
    # "undo" would delete it: it holds exactly what the step says it wrote
    step = {"path": str(victim), "new": hashlib.sha256(b"keep me").hexdigest(), "old": None}
    journal.write_text(json.dumps({"format": JOURNAL_FORMAT, "steps": [step], "made": []}))
    try:
        result = run("generate")
        assert result.exit_code == 2 and "refusing a journal entry outside generated" in result.stderr
        assert victim.read_text(encoding="utf-8") == "keep me"
    finally:
        journal.unlink(missing_ok=True)


@pytest.mark.parametrize("planted", ["fifo", "dev-zero", "nul-in-path"])
def test_a_journal_that_is_no_file_is_one_line_for_a_reader(project: Path, planted: str) -> None:
    """check and diff settle the snapshot folder first: a FIFO or a device there must not hang them."""
    journal = journal_path(project / "snapshots")
    journal.parent.mkdir(parents=True, exist_ok=True)
    if planted == "fifo":
        os.mkfifo(journal)
    elif planted == "dev-zero":
        journal.symlink_to("/dev/zero")
    else:
        step = {"path": str(project / "snapshots" / "a\0b"), "new": None, "old": None}
        journal.write_text(json.dumps({"format": JOURNAL_FORMAT, "steps": [step], "made": []}))
    for command in ("check", "diff"):
        argv = [sys.executable, "-m", "dictgen", command]
        done = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 2 and "unreadable journal of an interrupted run" in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 1 and "internal error" not in done.stderr


def test_empty_folders_and_stray_backups_are_reported_then_cleaned(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    (project / PY / "v9").mkdir()
    (project / PY / "v9" / ".__init__.py.dictgen-bak").write_text("old", encoding="utf-8")
    (project / PY / "v8").mkdir()
    check = run("check")
    assert check.exit_code == 1 and check.stdout.splitlines() == [
        f"unexpected: {PY / 'v9' / '.__init__.py.dictgen-bak'}",
        f"unexpected: {PY / 'v8'}/ (empty folder)",
        " 2 files differ, 0 insertions(+), 0 deletions(-)",
    ]
    assert run("generate").exit_code == 0
    assert not (project / PY / "v9").exists() and not (project / PY / "v8").exists()
    assert run("check").exit_code == 0


@pytest.mark.parametrize("redirect", [">&-", "2>&-", "2>/dev/full"])
def test_closed_or_full_streams_never_exit_1(project: Path, redirect: str) -> None:
    assert _dictgen(project, "generate").returncode == 0
    command = f"{sys.executable} -m dictgen check {redirect}"
    assert subprocess.run(command, shell=True, cwd=project, check=False).returncode == 0
    (project / PY / "py.typed").unlink()
    generate = f"{sys.executable} -m dictgen generate {redirect}"
    # Writing succeeds; only the report is lost: exit 2 when stdout is gone, never 1.
    code = subprocess.run(generate, shell=True, cwd=project, check=False).returncode
    assert code == (2 if redirect == ">&-" else 0)
    assert (project / PY / "py.typed").exists()


def test_an_output_folder_inside_the_snapshots_is_refused(project: Path, run: Run) -> None:
    result = run("generate", "--out", "snapshots/gen")
    assert result.exit_code == 2 and "refusing an output folder that contains or is inside" in result.stderr
    bad = run("generate", "--out", "names.toml")
    assert (
        bad.exit_code == 2 and bad.stderr.startswith("error: names.toml: ") and "internal" not in bad.stderr
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"HOME": "relative-home", "XDG_STATE_HOME": ""},
            "error: XDG_STATE_HOME: not set, and no home folder",
        ),
        ({"XDG_STATE_HOME": "relative-state"}, None),  # ignored, as the XDG spec says: the home one
    ],
    ids=["no absolute home", "relative XDG_STATE_HOME"],
)
def test_state_never_lands_in_the_working_folder(
    tmp_path: Path, env: dict[str, str], message: str | None
) -> None:
    """Locks and journals live in an absolute state folder, or the run stops: never in the project."""
    project, home = copy_project(tmp_path / "project"), tmp_path / "home"
    proc = dictgen("generate", cwd=project, env={"HOME": str(home), **env})
    if message is None:
        assert proc.returncode == 0, proc.stderr
        assert list((home / ".local" / "state" / "dictgen" / "journals").glob("*.lock"))
    else:
        assert proc.returncode == 2 and proc.stderr.startswith(message) and proc.stderr.count("\n") == 1
    assert not (project / "relative-home").exists() and not (project / "relative-state").exists()
    assert not (project / "~").exists()
