"""The contract between the pipeline and the targets: what a target reads and what it returns.

Targets import this module and nothing above it; it imports no target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dictgen.choices import SqlTransaction, TsStyle
from dictgen.model.naming import Derived, Names, derived
from dictgen.model.types import Snapshot, Version
from dictgen.text import Untrusted

# The file map: output path (relative to the output folder, "/"-separated) -> content.
Files = dict[str, bytes]


def encode_text(text: str) -> bytes:
    """LF line ends, no trailing blanks, exactly one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


@dataclass(frozen=True)
class Options:
    """Rendering choices that are not part of the data."""

    templates: Path | None = None
    ts_style: TsStyle = "const"
    sql_prefix: str = "juhe_"
    changelog: str | None = None  # the snapshot changelog, as a link relative to the docs folder
    sql_transaction: SqlTransaction = "own"


class Templates(Protocol):
    """Renders a named template; every failure is a RenderError."""

    def render(self, name: str, **context: Any) -> str:
        """The text of template ``name`` rendered with ``context``."""
        ...


@dataclass(frozen=True)
class EntryView:
    """One entry as templates see it: text wrapped in Untrusted, names ready to print."""

    code: Untrusted
    label: Untrusted
    name: str
    curated: bool = True  # False: a fallback name, not from names.toml or dictgen's built-in names


@dataclass(frozen=True)
class DictionaryView:
    """One dictionary as templates see it."""

    key: Untrusted
    msg: Untrusted
    class_name: str
    derived: Derived
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class MajorView:
    """Everything the templates of one major version need."""

    major: int
    version: str
    sha256: str
    tips: tuple[Untrusted, ...]
    dictionaries: tuple[DictionaryView, ...]


def build_views(snapshots: Sequence[Snapshot], names: Mapping[Version, Names]) -> list[MajorView]:
    """View-models per major version, in ascending major order."""
    return [_major_view(snap, names[snap.version]) for snap in snapshots]


def _major_view(snap: Snapshot, named: Names) -> MajorView:
    fallback = {(key, code) for key, code, _ in named.fallbacks}
    dictionaries = tuple(
        DictionaryView(
            Untrusted(d.key),
            Untrusted(d.msg),
            named.classes[d.key],
            derived(named.classes[d.key]),
            tuple(
                EntryView(
                    Untrusted(e.code),
                    Untrusted(e.label),
                    named.members[d.key][e.code],
                    (d.key, e.code) not in fallback,
                )
                for e in d.entries
            ),
        )
        for d in snap.dictionaries
    )
    tips = tuple(Untrusted(t) for t in snap.tips or ())
    return MajorView(snap.version.major, str(snap.version), snap.sha256, tips, dictionaries)
