"""Resolve the OLD and NEW arguments of ``dictgen diff``: versions, snapshot files or raw responses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dictgen.errors import DictgenError, SnapshotError
from dictgen.model.snapshot import canonical_sha256, load_snapshots
from dictgen.model.types import Snapshot, Version
from dictgen.upstream.accepted import ACCEPTED, load_accepted
from dictgen.upstream.diff import UNVERSIONED, Report, compare
from dictgen.upstream.response import decode_saved


def side_from_file(path: Path) -> Snapshot:
    """Load a snapshot file, or a raw API response ``{"reason", "result", "error_code"}`` (unversioned)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(str(path), [("", exc.strerror or str(exc))]) from None
    saved = decode_saved(data, str(path), str(path))
    sha = canonical_sha256(saved.result)
    version = saved.version or UNVERSIONED
    return Snapshot(version, saved.source, saved.retrieved_at, sha, saved.tips, saved.dictionaries)


def resolve_side(arg: str, history: list[Snapshot]) -> Snapshot:
    """A CLI argument: a version in the snapshot history, else a snapshot or response file."""
    version = Version.parse(arg)
    found = next((s for s in history if s.version == version), None)
    if found is not None:
        return found
    path = Path(arg)
    if version is not None and not path.exists():
        known = ", ".join(str(s.version) for s in history) or "none"
        raise DictgenError(arg, f"no such snapshot version (known: {known})")
    return side_from_file(path)


def run(old: str | None, new: str | None, snapshots: Path, accepted: Path | None = None) -> Report:
    """Resolve OLD and NEW (default: the previous and the newest snapshot) and compare them."""
    versioned = old is None or new is None or any(Version.parse(arg) for arg in (old, new))
    history = load_snapshots(snapshots) if versioned else []
    # load_snapshots raises rather than return an empty history, so the defaults exist.
    after = resolve_side(new, history) if new is not None else history[-1]
    earlier = [s for s in history if s.version < after.version]
    before = resolve_side(old, history) if old is not None else (earlier or [after])[-1]
    if after.version == UNVERSIONED:
        after = replace(after, version=before.version)
    return compare(before, after, load_accepted(accepted or snapshots / ACCEPTED))
