"""``dictgen import`` of a snapshot file (a colleague's ``snapshots/2.0.0.json``) beside raw responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dictgen.model.snapshot import load_snapshot, load_snapshots
from tests.conftest import Run
from tests.support.helpers import ROOT, dictgen, sample_result, tree, write_snapshot

REPO_SNAPSHOT = ROOT / "snapshots" / "1.0.0.json"


def added_code() -> dict[str, Any]:
    """The sample with one code added: a minor change."""
    result = sample_result()
    result["idType"]["data"]["5"] = "外国人永久居留身份证"
    return result


def colleague(folder: Path, version: str, result: Any) -> Path:
    """A colleague's snapshot file, in a folder of its own (as it arrives by mail or from a branch)."""
    return write_snapshot(folder / "from-colleague", version, result)


def test_a_snapshot_file_starts_an_empty_history_at_its_own_version(tmp_path: Path) -> None:
    theirs = colleague(tmp_path, "2.0.0", added_code())
    proc = dictgen("import", theirs, "--snapshots", "snapshots", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "recorded 2.0.0 (first snapshot): snapshots/2.0.0.json\n"
    # The same file, byte for byte: version, source, retrieved_at and the result in its order.
    assert (tmp_path / "snapshots" / "2.0.0.json").read_bytes() == theirs.read_bytes()
    assert "## [2.0.0]" in (tmp_path / "snapshots" / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_newest_snapshot_again_is_unchanged(project: Path, run: Run) -> None:
    before = tree(project / "snapshots")
    result = run("import", str(REPO_SNAPSHOT))
    assert (result.exit_code, result.stdout) == (0, "unchanged: the same dictionary as version 1.0.0\n")
    assert tree(project / "snapshots") == before


def test_dictgen_numbers_a_new_dictionary_by_its_changes_not_by_the_file(project: Path, run: Run) -> None:
    theirs = colleague(project, "2.0.0", added_code())
    result = run("import", str(theirs))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "recorded 1.1.0 (minor; the file says 2.0.0, but versions here follow the changes since 1.0.0): "
        "snapshots/1.1.0.json\n1.0.0 -> 1.1.0: "
    )
    recorded = load_snapshot(project / "snapshots" / "1.1.0.json")
    original = load_snapshot(theirs)
    assert (recorded.sha256, recorded.retrieved_at) == (original.sha256, original.retrieved_at)
    again = run("import", str(theirs))
    assert again.stdout == "unchanged: the same dictionary as version 1.1.0 (the file says 2.0.0)\n"


def test_an_older_snapshot_already_recorded_is_not_recorded_again(project: Path, run: Run) -> None:
    assert run("import", str(colleague(project, "1.1.0", added_code()))).exit_code == 0
    before = tree(project / "snapshots")
    # A raw response with the 1.0.0 dictionary is upstream going back (a new version); the
    # 1.0.0 snapshot file is history this folder already has.
    result = run("import", str(REPO_SNAPSHOT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "unchanged: the same dictionary as version 1.0.0 (the newest is 1.1.0)\n"
    assert tree(project / "snapshots") == before


def test_check_compares_a_snapshot_file_and_writes_nothing(project: Path, run: Run) -> None:
    before = tree(project / "snapshots")
    result = run("import", "--check", str(colleague(project, "1.1.0", added_code())))
    assert result.exit_code == 1
    assert result.stdout.startswith("upstream differs: would record 1.1.0 (minor)\n")
    assert tree(project / "snapshots") == before


def test_a_snapshot_from_stdin(tmp_path: Path) -> None:
    proc = dictgen("import", "-", cwd=tmp_path, stdin=REPO_SNAPSHOT.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert [str(s.version) for s in load_snapshots(tmp_path / "snapshots")] == ["1.0.0"]


def tampered(doc: dict[str, Any]) -> dict[str, Any]:
    doc["result"]["idType"]["data"]["1"] = "护照"  # the sha256 no longer matches
    return doc


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (tampered, "sha256: mismatch: the result hashes to"),
        (lambda doc: {**doc, "version": "2.0"}, "version: '2.0' is not a MAJOR.MINOR.PATCH version"),
        (lambda doc: {"result": doc["result"]}, "neither a Juhe API response nor a snapshot: expected a"),
        (lambda doc: [doc], "neither a Juhe API response nor a snapshot"),
        (lambda doc: {**doc, "version": "1" * 16 + ".0.0"}, "is not a MAJOR.MINOR.PATCH version"),
        (lambda doc: {**doc, "version": "1" + "0" * 5000 + ".0.0"}, "is not a MAJOR.MINOR.PATCH version"),
        (
            lambda doc: {**doc, "error_code": 0},
            "both a response (error_code) and a snapshot (sha256, version)",
        ),
    ],
    ids=["edited result", "bad version", "bare result", "a list", "16 digits", "5000 digits", "both forms"],
)
def test_a_bad_snapshot_file_is_one_line_and_exit_2(project: Path, run: Run, edit: Any, message: str) -> None:
    path = project / "theirs.json"
    doc = edit(json.loads(REPO_SNAPSHOT.read_text(encoding="utf-8")))
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = tree(project / "snapshots")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert tree(project / "snapshots") == before


def test_the_hint_names_both_forms(project: Path, run: Run) -> None:
    path = project / "result.json"
    path.write_text(json.dumps(sample_result(), ensure_ascii=False), encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert '{"reason", "result", "error_code"}' in result.stderr
    assert '{"version", "source", "retrieved_at", "sha256", "result"}' in result.stderr
