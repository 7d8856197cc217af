"""The validated, immutable model that every later stage reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from dictgen.choices import Bump

# At most 15 digits a part: every part stays a safe integer in JavaScript (package.json, npm's semver).
_PART = r"(0|[1-9][0-9]{0,14})"
_SEMVER = re.compile(rf"{_PART}\.{_PART}\.{_PART}")


@total_ordering
@dataclass(frozen=True)
class Version:
    """A MAJOR.MINOR.PATCH release version (snapshots carry no pre-release tags)."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """Return the version, or None when ``text`` is not MAJOR.MINOR.PATCH (parts of 1-15 digits)."""
        match = _SEMVER.fullmatch(text)
        if match is None:
            return None
        return cls(*(int(part) for part in match.groups()))

    def bump(self, kind: Bump) -> Version:
        """Return the next version for a ``major``, ``minor`` or ``patch`` bump."""
        if kind == "major":
            return Version(self.major + 1, 0, 0)
        if kind == "minor":
            return Version(self.major, self.minor + 1, 0)
        if kind == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        return self

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class Entry:
    """One code of a dictionary and its Chinese label."""

    code: str
    label: str


@dataclass(frozen=True)
class Dictionary:
    """One named dictionary: its key in ``result``, description and entries in upstream order."""

    key: str
    msg: str
    entries: tuple[Entry, ...]

    def labels(self) -> dict[str, str]:
        """Map code -> label."""
        return {entry.code: entry.label for entry in self.entries}


@dataclass(frozen=True)
class Snapshot:
    """A pinned, validated copy of the upstream ``result`` object."""

    version: Version
    source: str
    retrieved_at: str
    sha256: str
    tips: tuple[str, ...] | None
    dictionaries: tuple[Dictionary, ...]

    def dictionary(self, key: str) -> Dictionary | None:
        """Return the dictionary named ``key``, if present."""
        return next((d for d in self.dictionaries if d.key == key), None)
