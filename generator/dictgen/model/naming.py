"""Identifiers for generated code: curated names from names.toml, else a deterministic fallback.

Every name made here is ASCII, a valid identifier in Python and TypeScript, never a keyword,
builtin or name the generated modules define, unique in its scope and stable for the same input.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Callable, Collection, Container, Mapping
from dataclasses import dataclass
from typing import Any

from dictgen.model.curated import MAX_NAME as MAX_NAME  # defined there: names.toml is checked against it
from dictgen.model.curated import Curated, CuratedName
from dictgen.model.types import Dictionary, Entry, Snapshot

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_ASCII_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Characters that may spell a name: ASCII letters and digits, and the CJK ideographs pypinyin knows.
_SPELLING = re.compile(
    r"[0-9A-Za-z\u3007\u3400-\u4dbf\u4e00-\u9fff\ue815-\ue864\uf900-\ufaff\U00020000-\U00032389]"
)
# A name is made from its text up to the READ-th character that spells (an ASCII letter or digit,
# or an ideograph pypinyin reads: each adds at least one name character), and from at most READ_MAX
# characters. A cut changes words only within ~21 characters of it (pypinyin's phrases are at most
# 10 long), so the first MAX_NAME + 1 name characters, all that a name keeps, are those of the whole
# text unless its first READ_MAX characters spell fewer than READ. Uncut, a long label would cost
# minutes: pypinyin is quadratic in a run of ideographs.
READ = 2 * MAX_NAME
READ_MAX = 4096


@dataclass(frozen=True)
class Names:
    """The identifiers of one snapshot."""

    classes: Mapping[str, str]
    members: Mapping[str, Mapping[str, str]]
    fallbacks: tuple[tuple[str, str, str], ...]  # (dictionary, code, name) not from names.toml


def assign(snapshot: Snapshot, curated: Curated, reserved: Collection[str] = ()) -> Names:
    """Name every dictionary class and entry member of ``snapshot``; no class takes a ``reserved`` name."""
    classes = _class_names([d.key for d in snapshot.dictionaries], reserved)
    members: dict[str, dict[str, str]] = {}
    fallbacks: list[tuple[str, str, str]] = []
    for dictionary in snapshot.dictionaries:
        chosen: Mapping[str, CuratedName] = curated.get(dictionary.key, {})
        members[dictionary.key] = _member_names(dictionary, chosen)
        fallbacks.extend(
            (dictionary.key, e.code, members[dictionary.key][e.code])
            for e in dictionary.entries
            if e.code not in chosen
        )
    return Names(classes, members, tuple(fallbacks))


def _member_names(dictionary: Dictionary, chosen: Mapping[str, CuratedName]) -> dict[str, str]:
    names = {e.code: chosen[e.code].name for e in dictionary.entries if e.code in chosen}
    taken = set(names.values())
    # Sorted by code, so the outcome of a collision does not depend on upstream order.
    for entry in sorted((e for e in dictionary.entries if e.code not in chosen), key=lambda e: e.code):
        base = fallback_member(entry)
        names[entry.code] = _unique(base, entry.code, taken, "_")
        taken.add(names[entry.code])
    return {e.code: names[e.code] for e in dictionary.entries}


def _class_names(keys: list[str], reserved: Collection[str]) -> dict[str, str]:
    taken = set(reserved)
    names: dict[str, str] = {}
    for key in sorted(keys):
        name = _unique(class_base(key), key, taken, "_", footprint=_class_footprint)
        taken.update(_class_footprint(name))
        names[key] = name
    return {key: names[key] for key in keys}


@dataclass(frozen=True)
class Derived:
    """Identifiers the targets derive from a class name: TypeScript's label record, type guard
    and label lookup (``SeatClassLabels``, ``isSeatClass``, ``seatClassFromLabel``), and Python's
    ``typing.Literal`` alias of the codes (``SeatClassLiteral``)."""

    labels: str
    guard: str
    from_label: str
    literal: str


def derived(class_name: str) -> Derived:
    """The names derived from ``class_name``; class naming keeps them unique too."""
    lower = class_name[0].lower() + class_name[1:]
    return Derived(f"{class_name}Labels", f"is{class_name}", f"{lower}FromLabel", f"{class_name}Literal")


def _class_footprint(name: str) -> set[str]:
    names = derived(name)
    return {name, names.labels, names.guard, names.from_label, names.literal}


def _itself(name: str) -> set[str]:
    return {name}


def _unique(
    base: str, source: str, taken: set[str], sep: str, footprint: Callable[[str], set[str]] = _itself
) -> str:
    """``base``, else ``base`` + a suffix derived from ``source`` (its safe form, then its hash)."""
    safe = _safe(source)
    digest = _digest(source)
    fixed = [base, f"{base}{sep}{safe}" if safe else "", f"{base}{sep}{digest}"]
    numbered = (f"{base}{sep}{digest}{sep}{n}" for n in itertools.count(2))
    return next(c for c in itertools.chain(fixed, numbered) if c and not footprint(c) & taken)


def _safe(text: str) -> str:
    return "_".join(w.upper() for w in _WORDS.findall(text))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()


def name_source(text: str) -> str:
    """The part of ``text`` a name is made from: up to its READ-th letter, digit or read ideograph."""
    readings: Container[int] = () if text.isascii() else _readings()
    spelling = _SPELLING.finditer(text, 0, READ_MAX)
    spelled = (m for m in spelling if m.group().isascii() or ord(m.group()) in readings)
    last = next(itertools.islice(spelled, READ - 1, None), None)
    return text[:READ_MAX] if last is None else text[: last.end()]


def _readings() -> Container[int]:
    """The code points pypinyin has a reading for."""
    return _pypinyin().constants.PINYIN_DICT  # type: ignore[no-any-return]


def _pypinyin() -> Any:
    """pypinyin (~100 ms to import: only when a name needs it), never told by the environment to
    read differently (``PYPINYIN_NO_PHRASES``): names depend on the labels alone."""
    os.environ.pop("PYPINYIN_NO_PHRASES", None)
    import pypinyin
    import pypinyin.constants

    return pypinyin


def _ascii_words(text: str) -> list[str]:
    """Split into ASCII words (camelCase aware); Chinese is transliterated to pinyin first."""
    text = name_source(text)
    if not text.isascii():
        pypinyin = _pypinyin()
        text = " ".join(pypinyin.lazy_pinyin(text, style=pypinyin.Style.NORMAL))
    return _WORDS.findall(text)


def fallback_member(entry: Entry) -> str:
    """Member name for an entry with no curated name: the code, the label's pinyin, or CODE_<code>."""
    words: list[str] = []
    if _ASCII_IDENT.fullmatch(entry.code) and sum(c.isalpha() for c in entry.code) >= 2:
        words = _WORDS.findall(entry.code)
    if not words:
        words = _ascii_words(entry.label)
    name = "_".join(w.upper() for w in words)
    if not name:
        return "CODE_" + (_safe(entry.code) or _digest(entry.code))
    if name[0].isdigit():
        name = "N_" + name
    return _shorten(name, entry.code, "_")


def class_base(key: str) -> str:
    """PascalCase class name for a dictionary key (``seatClassCode`` -> ``SeatClassCode``)."""
    name = "".join(w[0].upper() + w[1:].lower() for w in _ascii_words(key))
    if not name:
        return "Dictionary" + _digest(key)
    if name[0].isdigit():
        name = "Dictionary" + name
    return _shorten(name, key, "")


def _shorten(name: str, source: str, sep: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    return name[: MAX_NAME - 9].rstrip("_") + sep + _digest(source)
