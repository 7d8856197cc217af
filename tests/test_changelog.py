"""changelog: Keep a Changelog sections from the snapshot history; generate writes it, check verifies it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from dictgen.model.snapshot import dump_snapshot, load_snapshots
from dictgen.model.types import Version
from dictgen.upstream.changelog import render_changelog
from dictgen.upstream.diff import compare
from tests.conftest import Run
from tests.support.helpers import ROOT, SOURCE
from tests.test_diff import BASE, edited, snap
from tests.test_report import EVIL


def _write(folder: Path, version: str, result: dict[str, Any], stamp: str) -> None:
    parsed = Version.parse(version)
    assert parsed is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}.json").write_bytes(dump_snapshot(parsed, SOURCE, stamp, result))


def _second(r: dict[str, Any]) -> None:
    r["seat"]["data"]["6"] = "无座"
    r["train"]["data"]["G"] = "\uff27字头高铁"


def _third(r: dict[str, Any]) -> None:
    _second(r)
    r.pop("train")
    r["seat"]["data"]["3"] = "卧铺"


HISTORY = [
    snap(BASE, "1.0.0", "2026-01-01T00:00:00Z"),
    snap(edited(_second), "1.1.0", "2026-02-03T23:59:59Z"),
    snap(edited(_third), "2.0.0", "2026-03-04T05:06:07+00:00"),
]


def test_sections_newest_first_with_dates_bumps_and_groups() -> None:
    text = render_changelog(list(reversed(HISTORY)), {}).decode("utf-8")
    assert text.startswith("# Changelog\n\nAll notable changes")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## [2.0.0] - 2026-03-04", "## [1.1.0] - 2026-02-03", "## [1.0.0] - 2026-01-01"]
    newest = text.split("## [2.0.0] - 2026-03-04\n\n", 1)[1].split("\n## ", 1)[0]
    assert newest.startswith("Bump: major (from 1.1.0).\n\n### Changed\n\n- **Breaking:** ")
    assert '### Removed\n\n- **Breaking:** \\["train"\\] dictionary removed (2 entries)' in newest
    middle = text.split("## [1.1.0] - 2026-02-03\n\n", 1)[1].split("\n## ", 1)[0]
    assert '### Added\n\n- **Dangerous:** \\["seat"\\] entry "6" added: "无座"' in middle
    assert '### Fixed\n\n- \\["train"\\] entry "G" label changed' in middle
    assert "Initial snapshot: 2 dictionaries, 7 entries, 2 tips." in text
    assert "Note:" not in text and text.endswith("\n") and "\r" not in text


def test_bytes_are_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    for snapshot, result in zip(HISTORY, [BASE, edited(_second), edited(_third)], strict=True):
        _write(tmp_path, str(snapshot.version), result, snapshot.retrieved_at)
    script = "import sys; from pathlib import Path; from dictgen.upstream.changelog import render_changelog;"
    script += "from dictgen.model.snapshot import load_snapshots;"
    script += "sys.stdout.buffer.write(render_changelog(load_snapshots(Path(sys.argv[1])), {}))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
            cwd=ROOT,
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert outputs == {render_changelog(HISTORY, {})}


def test_accepted_label_change_moves_to_fixed_and_a_wrong_version_is_noted() -> None:
    (change,) = compare(
        HISTORY[0], snap(edited(lambda r: r["seat"]["data"].__setitem__("3", "卧铺")))
    ).changes
    history = [HISTORY[0], snap(edited(lambda r: r["seat"]["data"].__setitem__("3", "卧铺")), "1.0.1")]
    plain = render_changelog(history, {}).decode()
    assert "Note: the changes call for version 2.0.0, but this snapshot is 1.0.1." in plain
    accepted = render_changelog(history, {change.fingerprint: "typo"}).decode()
    assert "Bump: patch (from 1.0.0).\n\n### Fixed\n\n- " in accepted and "Note:" not in accepted


def test_reordered_only_version_and_hostile_text_stay_one_line_each() -> None:
    hostile = {"tips": [EVIL], "seat": {"msg": EVIL, "data": {EVIL: EVIL, "1": "x"}}}
    history = [
        snap(hostile),
        snap({"seat": {"msg": EVIL, "data": {"1": "x", EVIL: EVIL}}, "tips": [EVIL]}, "1.0.1"),
    ]
    history.append(snap({"seat": {"msg": "", "data": {"1": EVIL}}, EVIL: {"msg": EVIL, "data": {}}}, "2.0.0"))
    text = render_changelog(history, {}).decode()
    assert "No change in content since 1.0.0 (entries reordered only)." in text
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(items) == len(compare(history[1], history[2]).changes)
    assert "\\<script>" in text and not re.search(r"(?<!\\)<", text)  # "<" is always escaped
    assert "\x1b" not in text and "\u202e" not in text


def test_shipped_changelog_is_current() -> None:
    snapshots = load_snapshots(ROOT / "snapshots")
    assert (ROOT / "snapshots" / "CHANGELOG.md").read_bytes() == render_changelog(snapshots, {})


def test_generate_writes_and_check_verifies_the_changelog(project: Path, run: Run) -> None:
    changelog = project / "snapshots" / "CHANGELOG.md"
    assert not changelog.exists()
    assert run("check").exit_code == 1
    assert run("generate").exit_code == 0
    assert changelog.read_bytes() == render_changelog(load_snapshots(project / "snapshots"), {})
    assert run("check").exit_code == 0
    changelog.write_text("edited by hand\n", encoding="utf-8")
    outcome = run("check")
    assert outcome.exit_code == 1 and "stale: " in outcome.stdout and "CHANGELOG.md" in outcome.stdout
    result = json.loads((project / "snapshots" / "1.0.0.json").read_text(encoding="utf-8"))["result"]
    result["seatClass"]["data"]["99"] = "新坐席"
    _write(project / "snapshots", "1.1.0", result, "2026-12-01T08:00:00Z")
    assert run("generate").exit_code == 0
    assert "## [1.1.0] - 2026-12-01" in changelog.read_text(encoding="utf-8")
    assert run("check").exit_code == 0
