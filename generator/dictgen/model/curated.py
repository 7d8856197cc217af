"""Read names.toml: member names chosen by hand, with the lines they stand on for error messages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dictgen import tomlfile
from dictgen.errors import NamingError, NamingErrors
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


def load_curated(path: Path, found: list[tuple[str, str]] | None = None) -> dict[str, CuratedTable]:
    """Read names.toml: ``[dictionary]`` tables of ``"code" = "UPPER_SNAKE"``; a missing file is empty.
    Every problem is reported at once (``NamingErrors``), or added to ``found`` when given."""
    read = read_toml(path, NamingError)
    if read is None:
        return {}
    doc, text = read
    lines = tomlfile.line_index(text)
    curated: dict[str, CuratedTable] = {}
    problems: list[tuple[str, str]] = []
    for table, entries in doc.items():
        if not isinstance(entries, dict):
            problems.append((f"{path}:{lines.get((table, None), 0)}", f"{table!r} must be a table"))
            continue
        curated[table] = CuratedTable(lines.get((table, None), 0))
        for code, name in entries.items():
            where = f"{path}:{lines.get((table, code), 0)}"
            problem = _name_problem(table, code, name, curated[table])
            if problem:
                problems.append((where, problem))
            else:
                curated[table][code] = CuratedName(name, lines.get((table, code), 0))
    if found is None:
        raise_problems(problems)
    else:
        found += problems
    return curated


def is_member_name(name: object) -> bool:
    """An UPPER_SNAKE_CASE name of at most MAX_NAME characters: what names.toml and errors.toml allow."""
    return isinstance(name, str) and len(name) <= MAX_NAME and UPPER_SNAKE.fullmatch(name) is not None


def _name_problem(table: str, code: str, name: object, taken: CuratedTable) -> str | None:
    """What is wrong with ``name`` for ``code``, or None."""
    if isinstance(name, str) and len(name) > MAX_NAME:
        return f"{_table(table)} {code!r}: the name is {len(name)} characters long (at most {MAX_NAME})"
    if not isinstance(name, str) or not UPPER_SNAKE.fullmatch(name):
        return f"{_table(table)} {code!r}: {name!r} is not an UPPER_SNAKE_CASE name"
    other = next((c for c, n in taken.items() if n.name == name), None)
    return None if other is None else f"{_table(table)} {name} is used for both {other!r} and {code!r}"


def raise_problems(problems: list[tuple[str, str]]) -> None:
    """One NamingError, or NamingErrors naming each of several (file:line, message) problems."""
    tomlfile.raise_problems(problems, NamingError, NamingErrors)


def check_curated(
    curated: Curated, snapshots: Iterable[Snapshot], path: Path, found: list[tuple[str, str]] | None = None
) -> None:
    """Fail when names.toml names a dictionary or code that no rendered snapshot has (every one),
    with the problems already ``found`` in the file."""
    known = _known(snapshots)
    problems = list(found or [])
    for table, entries in curated.items():
        if table not in known:
            problems.append(
                (f"{path}:{entries.line}", f"{_table(table)}: no such dictionary in the snapshots")
            )
            continue
        for code, curated_name in entries.items():
            if code not in known[table]:
                problems.append((f"{path}:{curated_name.line}", f"{_table(table)} {code!r}: no such code"))
    raise_problems(sorted(problems, key=lambda problem: tomlfile.line_of(problem[0])))


def with_builtin(
    own: Curated, snapshots: Iterable[Snapshot], path: Path, warn: Callable[[str], None]
) -> dict[str, CuratedTable]:
    """``own`` (read from ``path``) extended with the shipped names for codes it does not name.

    Only dictionaries and codes the snapshots have are taken, and never a name ``own`` already
    gives to another code of the same dictionary: ``warn`` names both when that happens.
    """
    known = _known(snapshots)
    merged = {table: entries for table, entries in own.items()}
    for table, entries in load_curated(BUILTIN).items():
        mine = merged.get(table, CuratedTable(entries.line))
        taken = {n.name for n in mine.values()}
        for code, shipped in entries.items():
            if code in known.get(table, ()) and code not in mine and shipped.name in taken:
                holder = next(c for c, n in mine.items() if n.name == shipped.name)
                warn(
                    f"{path}:{mine[holder].line}: {_table(table)} {holder!r} = {shipped.name} takes the name"
                    f" dictgen ships for {code!r}, which gets a fallback name instead"
                )
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
