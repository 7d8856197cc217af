"""Record an upstream result as the next snapshot version, shared by ``fetch`` and ``import``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from dictgen.choices import Status
from dictgen.errors import DictgenError
from dictgen.model.snapshot import canonical_sha256, dump_snapshot, load_snapshots, snapshot_files
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
    from_snapshot: bool = False  # imported from a snapshot file rather than a response


def utc_now() -> str:
    """The current UTC time as stored in ``retrieved_at``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history(folder: Path) -> list[Snapshot]:
    """Every snapshot in ``folder``, oldest first; empty when there is none yet."""
    if not folder.is_dir() or not snapshot_files(folder):
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
    check = policy.check
    snapshots = history(folder)
    sha = canonical_sha256(upstream.result)
    stamp = policy.retrieved_at or upstream.retrieved_at or utc_now()
    if not snapshots:
        # Nothing to number from: a snapshot file keeps its version, so a colleague's v2 stays v2.
        first = upstream.version or FIRST
        if check:
            return _outcome(upstream, "differs", first, note="no snapshot yet")
        fresh = Snapshot(first, upstream.source, stamp, sha, upstream.tips, upstream.dictionaries)
        return _write(upstream, folder, [fresh], None, {})
    known = _already_recorded(upstream, snapshots, sha)
    if known is not None:
        return known
    newest = snapshots[-1]
    candidate = Snapshot(newest.version, upstream.source, stamp, sha, upstream.tips, upstream.dictionaries)
    accepted = load_accepted(folder / ACCEPTED)
    report = compare(newest, candidate, accepted)
    following = report.next_version()
    if following is None:
        # Nothing a generated file shows changed (order, or keys the loader ignores): nothing to pin.
        note = "only order or ignored keys differ"
        return _outcome(upstream, "up_to_date", newest.version, report, note)
    if policy.removal_limit is not None:
        _refuse_glitch(newest, candidate, report, policy.removal_limit)
    report = replace(report, new_version=following)  # the same changes, now titled OLD -> NEW
    note = _renumbered(upstream, following, newest.version)
    if check:
        return _outcome(upstream, "differs", following, report, note)
    recorded = _write(upstream, folder, [*snapshots, replace(candidate, version=following)], report, accepted)
    return replace(recorded, note=note)


def _outcome(
    upstream: Upstream, status: Status, version: Version, report: Report | None = None, note: str = ""
) -> Outcome:
    return Outcome(status, version, report, note=note, from_snapshot=upstream.version is not None)


def _already_recorded(upstream: Upstream, snapshots: list[Snapshot], sha: str) -> Outcome | None:
    """The newest snapshot when ``upstream`` is identical; any snapshot when it came from a snapshot file.

    A response equal to an older snapshot is upstream going back, a new version; a snapshot file
    equal to an older snapshot is history already recorded, and recording it again would revert it.
    """
    newest = snapshots[-1]
    older = snapshots if upstream.version is not None else [newest]
    known = next((s for s in reversed(older) if s.sha256 == sha), None)
    if known is None:
        return None
    notes = [] if known is newest else [f"the newest is {newest.version}"]
    if upstream.version is not None and upstream.version != known.version:
        notes.append(f"the file says {upstream.version}")
    return _outcome(upstream, "up_to_date", known.version, note="; ".join(notes))


def _renumbered(upstream: Upstream, version: Version, newest: Version) -> str:
    """A note when dictgen's version for a snapshot file differs from the one the file gives."""
    if upstream.version is None or upstream.version == version:
        return ""
    return f"the file says {upstream.version}, but versions here follow the changes since {newest}"


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
    return Outcome(
        "recorded", new.version, report, tuple(written), from_snapshot=upstream.version is not None
    )


def summary(outcome: Outcome, folder: Path) -> list[str]:
    """Lines for stdout: the outcome, then the changes as ``dictgen diff`` prints them."""
    note = f"; {outcome.note}" if outcome.note else ""
    if outcome.status == "up_to_date" and outcome.from_snapshot:
        aside = f" ({outcome.note})" if outcome.note else ""
        return [f"unchanged: the same dictionary as version {outcome.version}{aside}"]
    if outcome.status == "up_to_date":
        return [f"up to date (version {outcome.version}{note})"]
    report = outcome.report
    bump = report.bump if report is not None else "first snapshot"
    if outcome.status == "differs":
        head = f"upstream differs: would record {outcome.version} ({bump}{note})"
    else:
        head = f"recorded {outcome.version} ({bump}{note}): {folder / f'{outcome.version}.json'}"
    details = render_report(report, "text").splitlines() if report is not None else []
    return [head, *details]
