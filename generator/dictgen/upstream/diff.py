"""Classify the changes between two snapshots and compute the semantic version bump."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, replace

from dictgen.choices import BUMPS, KINDS, SEVERITIES, Bump, FailOn, Kind, Severity
from dictgen.model.types import Dictionary, Snapshot, Version
from dictgen.text import show

BUMP_OF: dict[Severity, Bump] = {
    "breaking": "major",
    "dangerous": "minor",
    "non_breaking": "minor",
    "cosmetic": "patch",
}
FAIL_ON: dict[FailOn, tuple[Severity, ...]] = {
    "breaking": ("breaking",),
    "dangerous": ("breaking", "dangerous"),
    "any": SEVERITIES,
    "never": (),
}
# A side that has no version yet (a raw API response); real snapshots start at 1.0.0.
UNVERSIONED = Version(0, 0, 0)
# Full-width and CJK punctuation that NFKC leaves alone but that reads the same as ASCII.
_PUNCTUATION = {
    **dict.fromkeys((0x201C, 0x201D, 0x300C, 0x300D, 0x300E, 0x300F), '"'),
    **dict.fromkeys((0x2018, 0x2019), "'"),
    **{0x3002: ".", 0x3001: ",", 0x3010: "[", 0x3011: "]", 0x3014: "(", 0x3015: ")", 0x2014: "-"},
    **{0x3008: "<", 0x3009: ">", 0x300A: "<", 0x300B: ">"},
}


@dataclass(frozen=True)
class Change:
    """One classified difference between two snapshots."""

    kind: Kind
    severity: Severity
    dictionary: str | None
    code: str | None
    old: str | None
    new: str | None
    fingerprint: str
    message: str


@dataclass(frozen=True)
class Report:
    """Every change from ``old`` to ``new`` and the version bump they call for."""

    old_version: Version | None
    old_sha256: str
    new_version: Version | None
    new_sha256: str
    changes: tuple[Change, ...]
    bump: Bump

    def next_version(self) -> Version | None:
        """The old version bumped by ``bump``; None when nothing changed or the old side is unversioned."""
        if self.bump == "none" or self.old_version is None:
            return None
        return self.old_version.bump(self.bump)


def normalize_label(label: str) -> str:
    """NFKC, CJK punctuation folded to ASCII, whitespace dropped except between ASCII words."""
    text = unicodedata.normalize("NFKC", label).translate(_PUNCTUATION)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])", "", text)


def fingerprint(*ident: str | None) -> str:
    """A stable 16-hex-digit id of a change: its kind, place and the old and new values."""
    text = json.dumps(ident, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _change(
    kind: Kind,
    severity: Severity,
    where: tuple[str | None, str | None],
    values: tuple[str | None, str | None],
    message: str,
    extra: str | None = None,
) -> Change:
    dictionary, code = where
    print_at = f"[{show(dictionary)}] " if dictionary is not None else ""
    ident = fingerprint(kind, dictionary, code, *values, *([extra] if extra is not None else []))
    return Change(kind, severity, dictionary, code, *values, ident, print_at + message)


def compare(old: Snapshot, new: Snapshot, accepted: Mapping[str, str] | None = None) -> Report:
    """Classify every difference from ``old`` to ``new`` (order is ignored, except in tips)."""
    changes = _dictionary_changes(old, new) + _tips_changes(old, new)
    changes = [_apply_accepted(c, accepted or {}) for c in changes]
    changes.sort(key=lambda c: (SEVERITIES.index(c.severity), KINDS.index(c.kind)))
    bump: Bump = min((BUMP_OF[c.severity] for c in changes), key=BUMPS.index, default="none")
    old_version = None if old.version == UNVERSIONED else old.version
    unversioned = new.version == UNVERSIONED or (new.version == old.version and new.sha256 != old.sha256)
    new_version = None if unversioned else new.version
    return Report(old_version, old.sha256, new_version, new.sha256, tuple(changes), bump)


def fails(report: Report, fail_on: FailOn) -> bool:
    """True when a change reaches the ``--fail-on`` level."""
    return any(c.severity in FAIL_ON[fail_on] for c in report.changes)


def _apply_accepted(change: Change, accepted: Mapping[str, str]) -> Change:
    reason = accepted.get(change.fingerprint)
    if change.kind != "label_changed" or change.severity == "cosmetic" or reason is None:
        return change
    return replace(change, severity="cosmetic", message=f"{change.message} (accepted: {show(reason)})")


def _dictionary_changes(old: Snapshot, new: Snapshot) -> list[Change]:
    after_of = {d.key: d for d in new.dictionaries}
    old_keys = {d.key for d in old.dictionaries}
    removed = [d for d in old.dictionaries if d.key not in after_of]
    added = [d for d in new.dictionaries if d.key not in old_keys]
    twins = _twins(removed, added)
    changes: list[Change] = []
    for gone in removed:
        twin = twins.get(gone.key)
        if twin is None:
            message = f"dictionary removed ({len(gone.entries)} entries)"
            changes.append(
                _change("dictionary_removed", "breaking", (gone.key, None), (gone.msg, None), message)
            )
            continue
        message = f"dictionary renamed to {show(twin.key)} (same entries)"
        changes.append(
            _change("dictionary_renamed", "breaking", (gone.key, None), (gone.key, twin.key), message)
        )
        changes += _description_changes(gone, twin)
    paired = {twin.key for twin in twins.values()}
    for fresh in (d for d in added if d.key not in paired):
        message = f"dictionary added ({len(fresh.entries)} entries)"
        changes.append(
            _change("dictionary_added", "non_breaking", (fresh.key, None), (None, fresh.msg), message)
        )
    for before in old.dictionaries:
        after = after_of.get(before.key)
        if after is not None:
            changes += _description_changes(before, after) + _entry_changes(before, after)
    return changes


def _twins(removed: list[Dictionary], added: list[Dictionary]) -> dict[str, Dictionary]:
    """Old key -> the new dictionary that a removed one (with entries) was renamed to."""
    # Its twin is the first added dictionary, in upstream order, with the same code -> label mapping
    # and not taken by an earlier removed one: indexed by that mapping, not searched for.
    unpaired: dict[frozenset[tuple[str, str]], deque[Dictionary]] = {}
    for fresh in added:
        unpaired.setdefault(frozenset(fresh.labels().items()), deque()).append(fresh)
    twins: dict[str, Dictionary] = {}
    for gone in removed:
        same = unpaired.get(frozenset(gone.labels().items())) if gone.entries else None
        if same:
            twins[gone.key] = same.popleft()
    return twins


def _description_changes(before: Dictionary, after: Dictionary) -> list[Change]:
    if before.msg == after.msg:
        return []
    message = f"description changed: {show(before.msg)} -> {show(after.msg)}"
    return [_change("description_changed", "cosmetic", (after.key, None), (before.msg, after.msg), message)]


def _entry_changes(before: Dictionary, after: Dictionary) -> list[Change]:
    old, new = before.labels(), after.labels()
    removed = [code for code in old if code not in new]
    added = [code for code in new if code not in old]
    changed = [code for code in old if code in new and old[code] != new[code]]
    key = after.key
    changes = _code_renames(key, old, new, removed, added) + _swaps(key, old, new, changed)
    for code in changed:
        changes.append(_label_change(key, code, old[code], new[code]))
    for code in removed:
        message = f"entry {show(code)} removed (was {show(old[code])})"
        changes.append(_change("entry_removed", "breaking", (key, code), (old[code], None), message))
    for code in added:
        message = f"entry {show(code)} added: {show(new[code])}"
        changes.append(_change("entry_added", "dangerous", (key, code), (None, new[code]), message))
    return changes


def _code_renames(
    key: str, old: dict[str, str], new: dict[str, str], removed: list[str], added: list[str]
) -> list[Change]:
    """Pair a removed and an added code that carry the same label, unique in both versions."""
    old_count, new_count = Counter(old.values()), Counter(new.values())
    by_label = {new[code]: code for code in added}
    changes = []
    renamed: dict[str, str] = {}
    for code in removed:
        label = old[code]
        twin = by_label.get(label)
        if twin is None or old_count[label] != 1 or new_count[label] != 1:
            continue
        renamed[code] = twin
        message = f"code {show(code)} renamed to {show(twin)} (label {show(label)})"
        changes.append(_change("code_renamed", "breaking", (key, code), (code, twin), message, label))
    twins = set(renamed.values())
    removed[:] = [code for code in removed if code not in renamed]
    added[:] = [code for code in added if code not in twins]
    return changes


def _swaps(key: str, old: dict[str, str], new: dict[str, str], changed: list[str]) -> list[Change]:
    """Pair two codes whose labels were exchanged; each pair is reported once."""
    by_values: dict[tuple[str, str], deque[str]] = {}
    for code in changed:
        by_values.setdefault((old[code], new[code]), deque()).append(code)
    paired: set[str] = set()
    changes = []
    for first in changed:
        if first in paired:
            continue
        # A partner has old[c] == new[first] and new[c] == old[first], so it is never ``first``.
        candidates = by_values.get((new[first], old[first]), deque())
        while candidates and candidates[0] in paired:
            candidates.popleft()
        if not candidates:
            continue
        partner = candidates.popleft()
        paired.update((first, partner))
        message = (
            f"codes {show(first)} and {show(partner)} swapped labels: "
            f"{show(first)} is now {show(new[first])}, {show(partner)} is now {show(new[partner])}"
        )
        values = (old[first], new[first])
        changes.append(_change("label_swapped", "breaking", (key, first), values, message, partner))
    changed[:] = [code for code in changed if code not in paired]
    return changes


def _label_change(key: str, code: str, before: str, after: str) -> Change:
    cosmetic = normalize_label(before) == normalize_label(after)
    severity: Severity = "cosmetic" if cosmetic else "breaking"
    note = " (same text after normalisation)" if cosmetic else ""
    message = f"entry {show(code)} label changed: {show(before)} -> {show(after)}{note}"
    return _change("label_changed", severity, (key, code), (before, after), message)


def _tips_changes(old: Snapshot, new: Snapshot) -> list[Change]:
    before, after = list(old.tips or ()), list(new.tips or ())
    if before == after:
        return []
    values = (json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False))
    message = f"tips changed ({len(before)} -> {len(after)} tips)"
    return [_change("tips_changed", "cosmetic", (None, None), values, message)]
