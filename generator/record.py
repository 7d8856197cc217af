"""Record an upstream result as the next snapshot version, shared by ``fetch`` and ``import``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from generator.accepted import ACCEPTED, load_accepted
from generator.changelog import FILENAME as CHANGELOG
from generator.changelog import render_changelog
from generator.choices import Status
from generator.diff import Report, compare
from generator.errors import DictgenError
from generator.model import Snapshot, Version
from generator.output import write_files
from generator.report import render_report
from generator.response import Upstream
from generator.snapshot import canonical_sha256, dump_snapshot, load_snapshots

FIRST = Version(1, 0, 0)


@dataclass(frozen=True)
class Outcome:
    """What recording decided: ``up_to_date``, ``recorded`` or (with ``check``) ``differs``."""

    status: Status
    version: Version
    report: Report | None = None
    written: tuple[Path, ...] = ()
    note: str = ""


def utc_now() -> str:
    """The current UTC time as stored in ``retrieved_at``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history(folder: Path) -> list[Snapshot]:
    """Every snapshot in ``folder``, oldest first; empty when there is none yet."""
    if not folder.is_dir() or not any(folder.glob("*.json")):
        return []
    return load_snapshots(folder)


def record(upstream: Upstream, folder: Path, check: bool = False, retrieved_at: str = "") -> Outcome:
    """Compare with the newest snapshot; write the next version unless identical or ``check``."""
    snapshots = history(folder)
    sha = canonical_sha256(upstream.result)
    stamp = retrieved_at or utc_now()
    if not snapshots:
        if check:
            return Outcome("differs", FIRST, note="no snapshot yet")
        fresh = Snapshot(FIRST, upstream.source, stamp, sha, upstream.tips, upstream.dictionaries)
        return _write(upstream, folder, [fresh], None, {})
    newest = snapshots[-1]
    if sha == newest.sha256:
        return Outcome("up_to_date", newest.version)
    candidate = Snapshot(newest.version, upstream.source, stamp, sha, upstream.tips, upstream.dictionaries)
    accepted = load_accepted(folder / ACCEPTED)
    report = compare(newest, candidate, accepted)
    following = report.next_version()
    if following is None:
        # Nothing a generated file shows changed (order, or keys the loader ignores): nothing to pin.
        return Outcome("up_to_date", newest.version, report, note="only order or ignored keys differ")
    report = replace(report, new_version=following)  # the same changes, now titled OLD -> NEW
    if check:
        return Outcome("differs", following, report)
    return _write(upstream, folder, [*snapshots, replace(candidate, version=following)], report, accepted)


def _write(
    upstream: Upstream,
    folder: Path,
    snapshots: list[Snapshot],
    report: Report | None,
    accepted: Mapping[str, str],
) -> Outcome:
    """Write the newest snapshot of ``snapshots`` and the regenerated changelog, atomically."""
    new = snapshots[-1]
    target = folder / f"{new.version}.json"
    if target.exists():
        raise DictgenError(str(target), "already exists: the snapshot history is inconsistent")
    data = dump_snapshot(new.version, new.source, new.retrieved_at, upstream.result)
    changelog = render_changelog(snapshots, accepted)
    # The new snapshot goes in first, so the changelog never names a version that is not on disk.
    written = write_files({target: data, folder / CHANGELOG: changelog})
    return Outcome("recorded", new.version, report, tuple(written))


def summary(outcome: Outcome, folder: Path) -> list[str]:
    """Lines for stdout: the outcome, then the changes as ``dictgen diff`` prints them."""
    note = f"; {outcome.note}" if outcome.note else ""
    if outcome.status == "up_to_date":
        return [f"up to date (version {outcome.version}{note})"]
    report = outcome.report
    bump = report.bump if report is not None else "first snapshot"
    if outcome.status == "differs":
        head = f"upstream differs: would record {outcome.version} ({bump}{note})"
    else:
        head = f"recorded {outcome.version} ({bump}): {folder / f'{outcome.version}.json'}"
    details = render_report(report, "text").splitlines() if report is not None else []
    return [head, *details]
