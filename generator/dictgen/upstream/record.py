"""Record an upstream result as the next snapshot version, shared by ``fetch`` and ``import``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from dictgen.choices import Status
from dictgen.errors import DictgenError
from dictgen.model.snapshot import canonical_sha256, dump_snapshot, load_snapshots
from dictgen.model.types import Snapshot, Version
from dictgen.output.atomic import locked, recover, write_files
from dictgen.upstream.accepted import ACCEPTED, load_accepted
from dictgen.upstream.changelog import FILENAME as CHANGELOG
from dictgen.upstream.changelog import render_changelog
from dictgen.upstream.diff import Report, compare
from dictgen.upstream.report import render_report
from dictgen.upstream.response import Upstream

FIRST = Version(1, 0, 0)
REMOVAL_LIMIT = 0.25


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


@dataclass(frozen=True)
class Policy:
    """How recording treats the response: only compare (``check``), and how much it may remove."""

    check: bool = False
    retrieved_at: str = ""
    # Refuse a response that removes (or blanks) more than this share of the dictionaries or
    # entries: upstream glitches look like that. None: allow any removal.
    removal_limit: float | None = REMOVAL_LIMIT


def record(upstream: Upstream, folder: Path, policy: Policy = Policy()) -> Outcome:
    """Compare with the newest snapshot; write the next version unless identical or ``check``.

    The snapshot folder is locked throughout, so two runs at once record one after the other.
    """
    if policy.check and not folder.is_dir():
        return _decide(upstream, folder, policy)
    with locked(folder):
        recover(folder)
        return _decide(upstream, folder, policy)


def _decide(upstream: Upstream, folder: Path, policy: Policy) -> Outcome:
    check, retrieved_at = policy.check, policy.retrieved_at
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
    if policy.removal_limit is not None:
        _refuse_glitch(newest, candidate, report, policy.removal_limit)
    report = replace(report, new_version=following)  # the same changes, now titled OLD -> NEW
    if check:
        return Outcome("differs", following, report)
    return _write(upstream, folder, [*snapshots, replace(candidate, version=following)], report, accepted)


def _refuse_glitch(old: Snapshot, new: Snapshot, report: Report, limit: float) -> None:
    """Raise when ``new`` removes everything, or more than ``limit`` of the dictionaries or entries."""
    gone = {c.dictionary for c in report.changes if c.kind == "dictionary_removed"}
    lost = sum(len(d.entries) for d in old.dictionaries if d.key in gone)
    lost += sum(
        c.kind == "entry_removed" or (c.kind == "label_changed" and not (c.new or "").strip())
        for c in report.changes
    )
    total = sum(len(d.entries) for d in old.dictionaries)
    if new.dictionaries and len(gone) <= limit * len(old.dictionaries) and lost <= limit * total:
        return
    what = f"{len(gone)} of {len(old.dictionaries)} dictionaries and {lost} of {total} entries"
    raise DictgenError(
        new.source,
        f"refusing to record: the response removes or blanks {what} (limit {limit:.0%}); "
        "an upstream glitch looks like this: pass --allow-removals if it is real",
    )


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
    written = write_files({target: data, folder / CHANGELOG: changelog}, folder)
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
