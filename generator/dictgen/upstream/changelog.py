"""Render snapshots/CHANGELOG.md (Keep a Changelog style) from the whole snapshot history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dictgen.model.snapshot import parse_utc
from dictgen.model.types import Snapshot
from dictgen.render.filters import md_escape
from dictgen.upstream.diff import Change, Report, compare

FILENAME = "CHANGELOG.md"
HEADER = """\
# Changelog

All notable changes to the pinned Juhe grabTicket (火车票抢票) data dictionary, one section per
snapshot. The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/) and the
versions follow [Semantic Versioning](https://semver.org/spec/v2.0.0.html): the bump of each version
is the largest one among its changes, as classified by `dictgen diff`.

This file is generated from the snapshots by `dictgen generate` and verified by `dictgen check`;
do not edit it by hand.
"""
# Keep a Changelog's section names, in its order.
SECTIONS = ("Added", "Changed", "Removed", "Fixed")
_SECTION_OF = {
    "entry_added": "Added",
    "dictionary_added": "Added",
    "entry_removed": "Removed",
    "dictionary_removed": "Removed",
}
_MARK = {"breaking": "**Breaking:** ", "dangerous": "**Dangerous:** "}


def render_changelog(snapshots: Sequence[Snapshot], accepted: Mapping[str, str]) -> bytes:
    """The whole changelog, newest version first; the same snapshots always give the same bytes."""
    history = sorted(snapshots, key=lambda s: s.version)
    blocks = [HEADER]
    for index in reversed(range(len(history))):
        current = history[index]
        if index == 0:
            blocks.append(_initial(current))
        else:
            blocks.append(_section(current, compare(history[index - 1], current, accepted)))
    return "\n".join(blocks).encode("utf-8")


def release_date(snapshot: Snapshot) -> str:
    """The UTC date on which the snapshot was retrieved (YYYY-MM-DD)."""
    moment = parse_utc(snapshot.retrieved_at)  # the loader has validated it
    return moment.date().isoformat() if moment else snapshot.retrieved_at[:10]


def _initial(snapshot: Snapshot) -> str:
    entries = sum(len(d.entries) for d in snapshot.dictionaries)
    tips = len(snapshot.tips or ())
    counts = f"{len(snapshot.dictionaries)} dictionaries, {entries} entries, {tips} tips"
    return f"## [{snapshot.version}] - {release_date(snapshot)}\n\nInitial snapshot: {counts}.\n"


def _section(snapshot: Snapshot, report: Report) -> str:
    lines = [f"## [{snapshot.version}] - {release_date(snapshot)}", ""]
    if not report.changes:
        lines.append(f"No change in content since {report.old_version} (entries reordered only).")
        return "\n".join(lines) + "\n"
    lines.append(f"Bump: {report.bump} (from {report.old_version}).")
    expected = report.next_version()
    if expected != snapshot.version:
        lines += [
            "",
            f"Note: the changes call for version {expected}, but this snapshot is {snapshot.version}.",
        ]
    for section in SECTIONS:
        items = [c for c in report.changes if _section_of(c) == section]
        if items:
            lines += ["", f"### {section}", ""]
            lines += [
                f"- {_MARK.get(c.severity, '')}{md_escape(c.message)} (`{c.fingerprint}`)" for c in items
            ]
    return "\n".join(lines) + "\n"


def _section_of(change: Change) -> str:
    if change.kind == "label_changed" and change.severity == "cosmetic":
        return "Fixed"
    return _SECTION_OF.get(change.kind, "Changed")
