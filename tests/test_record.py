"""Recording an upstream result (``dictgen import`` and the step shared with ``fetch``)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from dictgen.model.snapshot import canonical_sha256, load_snapshot, load_snapshots
from dictgen.model.types import Version
from dictgen.upstream.diff import compare
from dictgen.upstream.record import Policy, record
from dictgen.upstream.response import Upstream, decode_response
from tests.conftest import Run
from tests.support.helpers import ROOT, dictgen, sample_result, tree, write_snapshot
from tests.support.strategies import results

SEED = ROOT / "examples" / "dataDictionary.sample.json"


def response(result: Any, **extra: Any) -> bytes:
    """A raw API response wrapping ``result``."""
    doc = {"reason": "success", "result": result, "error_code": 0, **extra}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def upstream(result: Any) -> Upstream:
    """``result`` validated as ``import`` would."""
    return decode_response(response(result), "test", "http://example.invalid/dataDictionary.php")


def save(folder: Path, name: str, result: Any) -> Path:
    """Write a raw response file and return its path."""
    path = folder / name
    path.write_bytes(response(result))
    return path


def breaking_change() -> dict[str, Any]:
    """The sample with one label changed in meaning and one code removed."""
    result = sample_result()
    result["seatClass"]["data"]["6"] = "软卧"
    del result["idType"]["data"]["4"]
    return result


def test_the_seed_response_is_up_to_date(project: Path, run: Run) -> None:
    before = tree(project / "snapshots")
    result = run("import", str(SEED))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "up to date (version 1.0.0)\n"
    assert tree(project / "snapshots") == before


def test_breaking_change_makes_v2_next_to_v1(project: Path, run: Run) -> None:
    snapshots = project / "snapshots"
    changed = save(project, "changed.json", breaking_change())
    result = run("import", str(changed), "--snapshots", str(snapshots))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"recorded 2.0.0 (major): {snapshots / '2.0.0.json'}\n")
    assert '"硬卧" -> "软卧"' in result.stdout and 'entry "4" removed' in result.stdout
    assert load_snapshot(snapshots / "2.0.0.json").sha256 == canonical_sha256(breaking_change())
    changelog = (snapshots / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## [2.0.0]") < changelog.index("## [1.0.0]")
    assert "Bump: major (from 1.0.0)." in changelog and "港澳通行证" in changelog
    out = project / "out"
    generated = run("generate", "--snapshots", str(snapshots), "--out", str(out))
    assert generated.exit_code == 0, generated.stderr
    package = out / "python" / "juhe_grabticket"
    assert (package / "v1" / "__init__.py").is_file() and (package / "v2" / "__init__.py").is_file()
    # idType "4" (港澳通行证) was removed in 2.0.0: v1 keeps it, v2 does not.
    assert "港澳通行证" in (package / "v1" / "__init__.py").read_text(encoding="utf-8")
    assert "港澳通行证" not in (package / "v2" / "__init__.py").read_text(encoding="utf-8")
    checked = run("check", "--snapshots", str(snapshots), "--out", str(out))
    assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_minor_then_patch_versions(project: Path, run: Run) -> None:
    result = sample_result()
    result["idType"]["data"]["5"] = "外国人永久居留身份证"
    assert run("import", str(save(project, "a.json", result))).exit_code == 0
    result["idType"]["msg"] += "。"
    assert run("import", str(save(project, "b.json", result))).exit_code == 0
    versions = [str(s.version) for s in load_snapshots(project / "snapshots")]
    assert versions == ["1.0.0", "1.1.0", "1.1.1"]
    changelog = (project / "snapshots" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Bump: minor (from 1.0.0)." in changelog and "Bump: patch (from 1.1.0)." in changelog


def test_check_exits_1_and_writes_nothing(project: Path, run: Run) -> None:
    before = tree(project / "snapshots")
    result = run("import", "--check", str(save(project, "changed.json", breaking_change())))
    assert result.exit_code == 1
    assert result.stdout.startswith("upstream differs: would record 2.0.0 (major)\n1.0.0 -> 2.0.0: ")
    assert tree(project / "snapshots") == before
    same = run("import", "--check", str(save(project, "same.json", sample_result())))
    assert (same.exit_code, same.stdout) == (0, "up to date (version 1.0.0)\n")


def test_ignored_keys_only_is_up_to_date(project: Path, run: Run) -> None:
    result = sample_result()
    result["idType"]["note"] = "ignored by the loader"
    before = tree(project / "snapshots")
    outcome = run("import", str(save(project, "extra.json", result)))
    assert outcome.exit_code == 0
    assert outcome.stdout == "up to date (version 1.0.0; only order or ignored keys differ)\n"
    assert "result.idType.note: unknown key ignored" in outcome.stderr
    assert tree(project / "snapshots") == before


def test_accepted_label_change_is_a_patch(project: Path, run: Run) -> None:
    result = sample_result()
    result["seatClass"]["data"]["6"] = "硬臥"
    snapshots = project / "snapshots"
    old = load_snapshot(snapshots / "1.0.0.json")
    (change,) = compare(old, upstream_snapshot(result, old.version)).changes
    (snapshots / "accepted.toml").write_text(f'[accepted]\n{change.fingerprint} = "typo fix"\n', "utf-8")
    outcome = run("import", str(save(project, "typo.json", result)))
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.startswith("recorded 1.0.1 (patch)")


def upstream_snapshot(result: Any, version: Version) -> Any:
    """``result`` as an in-memory Snapshot with ``version`` (nothing written)."""
    from dataclasses import replace

    with tempfile.TemporaryDirectory() as tmp:
        path = write_snapshot(Path(tmp), str(version), result)
        return replace(load_snapshot(path), version=version)


def test_first_snapshot_and_stdin(tmp_path: Path) -> None:
    snapshots = tmp_path / "snapshots"
    proc = dictgen("import", "-", "--snapshots", snapshots, cwd=tmp_path, stdin=response(sample_result()))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("recorded 1.0.0 (first snapshot)")
    assert sorted(tree(snapshots)) == ["1.0.0.json", "CHANGELOG.md"]
    assert "Initial snapshot: 9 dictionaries" in (snapshots / "CHANGELOG.md").read_text(encoding="utf-8")
    doc = json.loads((snapshots / "1.0.0.json").read_text(encoding="utf-8"))
    assert doc["source"] == "http://v.juhe.cn/grabTicket/action/dataDictionary.php"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"reason": "x", "result": null, "error_code": 10003}', "Juhe error 10003: the key has expired"),
        (b'{"result": {}}', "neither a Juhe API response nor a snapshot"),
        (b'{"error_code": 0, "result": {"a": {"msg": "m", "data": []}}}', "result.a.data: must be an object"),
        (b'{"error_code": 0, "error_code": 0, "result": {}}', "error_code: duplicate key"),
        (b"\xff\xfe", "not UTF-8"),
        (b"x" * (5 * 1024 * 1024 + 1), "too large: more than 5242880 bytes"),
        # A float would read it as infinity, recorded as Infinity: a snapshot no later run could read.
        (
            b'{"error_code": 0, "result": {"a": {"msg": "m", "data": {}, "note": -1e400}}}',
            "invalid JSON: the number -1e400 is out of range",
        ),
    ],
    ids=[
        "error code",
        "no error_code",
        "invalid dictionary",
        "duplicate key",
        "not utf-8",
        "over-size",
        "number out of range",
    ],
)
def test_import_errors_exit_2_and_write_nothing(project: Path, run: Run, body: bytes, message: str) -> None:
    path = project / "bad.json"
    path.write_bytes(body)
    before = tree(project / "snapshots")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: ") and message in result.stderr
    assert result.stdout == ""
    assert tree(project / "snapshots") == before


def test_missing_file(project: Path, run: Run) -> None:
    result = run("import", "nowhere.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: nowhere.json: cannot read")


def test_a_failed_write_leaves_nothing_behind(project: Path, run: Run) -> None:
    snapshots = project / "snapshots"
    (snapshots / "CHANGELOG.md").mkdir()  # renaming the changelog into place will fail
    before = sorted(p.name for p in snapshots.iterdir())
    result = run("import", str(save(project, "changed.json", breaking_change())))
    assert result.exit_code == 2
    assert result.stderr == "error: snapshots/CHANGELOG.md: cannot write: Is a directory\n"
    assert sorted(p.name for p in snapshots.iterdir()) == before


@settings(max_examples=30, deadline=None)
@given(first=results(), second=results())
def test_recording_follows_the_diff(first: dict[str, Any], second: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "snapshots"
        anything = Policy(removal_limit=None)  # random results may remove everything
        first_stamp = Policy(retrieved_at="2026-01-01T00:00:00Z", removal_limit=None)
        assert record(upstream(first), folder, first_stamp).version == Version(1, 0, 0)
        again = record(upstream(first), folder, anything)
        assert (again.status, again.version, again.written) == ("up_to_date", Version(1, 0, 0), ())
        outcome = record(
            upstream(second), folder, Policy(retrieved_at="2026-01-02T00:00:00Z", removal_limit=None)
        )
        history = load_snapshots(folder)
        bump = compare(history[0], upstream_snapshot(second, history[0].version)).bump
        if bump == "none":
            assert outcome.status == "up_to_date" and len(history) == 1
        else:
            assert outcome.status == "recorded" and outcome.version == Version(1, 0, 0).bump(bump)
            assert [s.version for s in history] == [Version(1, 0, 0), outcome.version]
            assert history[-1].sha256 == canonical_sha256(second)
