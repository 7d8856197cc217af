"""Read names.toml: member names chosen by hand, with the lines they stand on for error messages."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dictgen.errors import NamingError
from dictgen.model.snapshot import json_path
from dictgen.model.types import Snapshot
from dictgen.shipped import NAMES
from dictgen.tomlfile import read_toml

UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
# The longest identifier a name may be, curated or not (naming.MAX_NAME re-exports it).
MAX_NAME = 60


@dataclass(frozen=True)
class CuratedName:
    """A member name chosen by hand in names.toml, with the line it stands on."""

    name: str
    line: int


class CuratedTable(dict[str, CuratedName]):
    """One ``[dictionary]`` table of names.toml: code -> name, and the line of its header."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line


Curated = Mapping[str, CuratedTable]

# The curated names for the upstream dictionary, shipped with dictgen.
BUILTIN = NAMES


def load_curated(path: Path) -> dict[str, CuratedTable]:
    """Read names.toml: ``[dictionary]`` tables of ``"code" = "UPPER_SNAKE"``; a missing file is empty."""
    read = read_toml(path, NamingError)
    if read is None:
        return {}
    doc, text = read
    lines = _line_index(text)
    curated: dict[str, CuratedTable] = {}
    for table, entries in doc.items():
        if not isinstance(entries, dict):
            raise NamingError(f"{path}:{lines.get((table, None), 0)}", f"{table!r} must be a table")
        seen: dict[str, str] = {}
        curated[table] = CuratedTable(lines.get((table, None), 0))
        for code, name in entries.items():
            where = f"{path}:{lines.get((table, code), 0)}"
            if isinstance(name, str) and len(name) > MAX_NAME:
                size = f"the name is {len(name)} characters long (at most {MAX_NAME})"
                raise NamingError(where, f"{_table(table)} {code!r}: {size}")
            if not isinstance(name, str) or not UPPER_SNAKE.fullmatch(name):
                raise NamingError(
                    where, f"{_table(table)} {code!r}: {name!r} is not an UPPER_SNAKE_CASE name"
                )
            if name in seen:
                raise NamingError(
                    where, f"{_table(table)} {name} is used for both {seen[name]!r} and {code!r}"
                )
            seen[name] = code
            curated[table][code] = CuratedName(name, lines.get((table, code), 0))
    return curated


def _line_index(text: str) -> dict[tuple[str, str | None], int]:
    """Map (table, key) and (table, None) to 1-based line numbers, for error messages."""
    index: dict[tuple[str, str | None], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        try:
            parsed = tomllib.loads(line)
        except tomllib.TOMLDecodeError:
            continue
        if line.lstrip().startswith("[") and len(parsed) == 1:
            table = next(iter(parsed))
            index.setdefault((table, None), number)
        elif len(parsed) == 1:
            index.setdefault((table, next(iter(parsed))), number)
    return index


def check_curated(curated: Curated, snapshots: Iterable[Snapshot], path: Path) -> None:
    """Fail when names.toml names a dictionary or code that no rendered snapshot has."""
    known = _known(snapshots)
    for table, entries in curated.items():
        if table not in known:
            raise NamingError(
                f"{path}:{entries.line}", f"{_table(table)}: no such dictionary in the snapshots"
            )
        for code, curated_name in entries.items():
            if code not in known[table]:
                raise NamingError(f"{path}:{curated_name.line}", f"{_table(table)} {code!r}: no such code")


def with_builtin(own: Curated, snapshots: Iterable[Snapshot]) -> dict[str, CuratedTable]:
    """``own`` extended with the shipped names for codes it does not name.

    Only dictionaries and codes the snapshots have are taken, and never a name ``own`` already
    gives to another code of the same dictionary.
    """
    known = _known(snapshots)
    merged = {table: entries for table, entries in own.items()}
    for table, entries in load_curated(BUILTIN).items():
        mine = merged.get(table, CuratedTable(entries.line))
        taken = {n.name for n in mine.values()}
        extra = {
            c: n
            for c, n in entries.items()
            if c in known.get(table, ()) and c not in mine and n.name not in taken
        }
        if extra:
            merged[table] = CuratedTable(mine.line)
            merged[table].update({**mine, **extra})
    return merged


def _known(snapshots: Iterable[Snapshot]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for snap in snapshots:
        for dictionary in snap.dictionaries:
            known.setdefault(dictionary.key, set()).update(e.code for e in dictionary.entries)
    return known


def _table(key: str) -> str:
    """A dictionary key as a names.toml table header, escaped so any key shows on one line."""
    return f"[{json_path('', key)}]"
