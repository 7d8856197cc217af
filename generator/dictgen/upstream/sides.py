"""Resolve what ``dictgen diff`` compares: versions, snapshot files, raw responses, or a git revision."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

from dictgen.config import Settings, snapshots_named
from dictgen.errors import ConfigError, DictgenError, SnapshotError
from dictgen.model.snapshot import (
    FOLDER_NOT_FOUND,
    canonical_sha256,
    history,
    load_snapshots,
    parse_snapshot,
)
from dictgen.model.types import Snapshot, Version
from dictgen.output.atomic import settled
from dictgen.tomlfile import parse_toml
from dictgen.upstream import gitrev
from dictgen.upstream.accepted import ACCEPTED, load_accepted
from dictgen.upstream.diff import UNVERSIONED, Report, compare
from dictgen.upstream.response import decode_saved


def side_from_file(path: Path) -> Snapshot:
    """Load a snapshot file, or a raw API response ``{"reason", "result", "error_code"}`` (unversioned)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(path, [("", exc.strerror or str(exc))]) from None
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
    history = load_snapshots(settled(snapshots)) if versioned else []
    # load_snapshots raises rather than return an empty history, so the defaults exist.
    after = resolve_side(new, history) if new is not None else history[-1]
    earlier = [s for s in history if s.version < after.version]
    before = resolve_side(old, history) if old is not None else (earlier or [after])[-1]
    if after.version == UNVERSIONED:
        after = replace(after, version=before.version)
    return compare(before, after, load_accepted(accepted or snapshots / ACCEPTED))


def against(ref: str, settings: Settings, given: bool, accepted: Path | None = None) -> Report:
    """Compare the newest snapshot at git revision ``ref`` with the newest in the working tree.

    The folder at ``ref`` is the one ``--snapshots`` names when ``given``, else the one the
    settings file names at ``ref``: a branch that moved the folder compares with where it was.
    """
    after = load_snapshots(settled(settings.snapshots))[-1]
    revision = gitrev.resolve(ref, settings.snapshots)  # the repository that holds the snapshots
    same = given or not revision.holds(settings.config)  # a settings file outside is the same at REF
    folder = revision.inside(settings.snapshots) if same else _folder_at(revision, settings.config)
    files = revision.folder(folder, ".json")
    if files is None:
        raise SnapshotError(revision.name(folder), [("", FOLDER_NOT_FOUND)])
    snapshots = [
        parse_snapshot(data, revision.name(folder / name), name.removesuffix(".json"))
        for name, data in files.items()
        if not name.startswith(".")  # as load_snapshots: never a snapshot
    ]
    before = history(snapshots, revision.name(folder))[-1]
    return compare(before, after, load_accepted(accepted or settings.snapshots / ACCEPTED))


def _folder_at(revision: gitrev.Revision, config: Path) -> PurePosixPath:
    """The snapshot folder the settings file names at the revision (the default when it has none)."""
    path = revision.inside(config)
    data = revision.read(path)
    try:
        text = "" if data is None else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(revision.name(path), f"cannot read: not UTF-8 (byte {exc.start})") from None
    doc = parse_toml(text, revision.name(path), ConfigError, "cannot read")
    return revision.inside(snapshots_named(doc, config.parent, revision.name(path)))
