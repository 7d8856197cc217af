"""Identifiers for generated code: curated names from names.toml, else a deterministic fallback.

Every name made here is ASCII, a valid identifier in Python and TypeScript, never a keyword,
builtin or name the generated modules define, unique in its scope and stable for the same input.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import keyword
import os
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeGuard

from dictgen.model.curated import MAX_NAME as MAX_NAME  # defined there: names.toml is checked against it
from dictgen.model.curated import Curated, CuratedName
from dictgen.model.types import Dictionary, Entry, Snapshot
from dictgen.output.caches import library

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

# Names the generated Python and TypeScript modules define, import or rely on; a class
# named like one of them would shadow it.  Fixed here (not read from the running
# interpreter) so the output does not depend on the Python version that generates it.
RESERVED_CLASS_NAMES = frozenset("""
    Any Callable CodeEnum Self TYPE_CHECKING DESCRIPTIONS DICTIONARIES DICTIONARY_VERSION Enum Final Mapping
    MappingProxyType SNAPSHOT_SHA256 TIPS Type TypeVar None True False Ellipsis
    NotImplemented ArithmeticError AssertionError AttributeError BaseException
    BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning
    ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError
    ConnectionResetError DeprecationWarning EOFError EncodingWarning EnvironmentError
    Exception ExceptionGroup FileExistsError FileNotFoundError FloatingPointError
    FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError
    IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError
    MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplementedError
    OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError
    PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError
    RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError
    SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError
    UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning
    ValueError Warning WindowsError ZeroDivisionError Array ArrayBuffer BigInt Boolean
    DataView Date Error EvalError Function Infinity Intl JSON Map Math NaN Number Object
    Omit Partial Pick Promise Proxy RangeError Readonly ReadonlyArray Record Reflect
    RegExp Required Set String Symbol URIError WeakMap WeakRef WeakSet Uint8Array
    Int8Array Uint16Array Int16Array Uint32Array Int32Array Float32Array Float64Array
    BigInt64Array BigUint64Array Awaited NonNullable Parameters ReturnType Exclude Extract
    Lowercase Uppercase Capitalize Uncapitalize JuheGrabTicketDictionaries
    """.split())  # noqa: SIM905


@dataclass(frozen=True)
class Names:
    """The identifiers of one snapshot."""

    classes: Mapping[str, str]
    members: Mapping[str, Mapping[str, str]]
    fallbacks: tuple[tuple[str, str, str], ...]  # (dictionary, code, name) not from names.toml


class Memo(Protocol):
    """Member names worked out before, by the digest of what they were made from."""

    def get(self, key: str) -> object: ...

    def put(self, key: str, value: object) -> None: ...


def assign(snapshot: Snapshot, curated: Curated, memo: Memo | None = None) -> Names:
    """Name every dictionary class and entry member of ``snapshot`` (reusing ``memo``'s names)."""
    classes = _class_names([d.key for d in snapshot.dictionaries])
    members: dict[str, dict[str, str]] = {}
    fallbacks: list[tuple[str, str, str]] = []
    for dictionary in snapshot.dictionaries:
        chosen: Mapping[str, CuratedName] = curated.get(dictionary.key, {})
        members[dictionary.key] = _remembered(dictionary, chosen, memo)
        fallbacks.extend(
            (dictionary.key, e.code, members[dictionary.key][e.code])
            for e in dictionary.entries
            if e.code not in chosen
        )
    return Names(classes, members, tuple(fallbacks))


def _remembered(
    dictionary: Dictionary, chosen: Mapping[str, CuratedName], memo: Memo | None
) -> dict[str, str]:
    """``_member_names``, from ``memo`` when it holds them: pinyin costs ~70 µs an entry."""
    if memo is None or all(e.code in chosen for e in dictionary.entries):
        return _member_names(dictionary, chosen)
    source = [
        _algorithm(),
        [[e.code, e.label] for e in dictionary.entries],
        sorted((c, n.name) for c, n in chosen.items()),
    ]
    key = hashlib.sha256(json.dumps(source, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
    found = memo.get(key)
    codes = [e.code for e in dictionary.entries]
    if _plausible(found, codes, chosen):
        return dict(zip(codes, found, strict=True))
    names = _member_names(dictionary, chosen)
    memo.put(key, [names[c] for c in codes])
    return names


_MEMBER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _plausible(found: object, codes: list[str], chosen: Mapping[str, CuratedName]) -> TypeGuard[list[str]]:
    """Whether remembered names could be ``_member_names``' own: one distinct identifier per code
    (no keyword), the curated ones as curated. A damaged cache never reaches the output."""
    if not isinstance(found, list) or len(found) != len(codes) or len(set(map(str, found))) != len(codes):
        return False
    if not all(isinstance(n, str) and _MEMBER.fullmatch(n) and not keyword.iskeyword(n) for n in found):
        return False
    return all(chosen[c].name == n for c, n in zip(codes, found, strict=True) if c in chosen)


@functools.cache
def _algorithm() -> str:
    """What names are made by: this module, curated.py (MAX_NAME) and pypinyin's version."""
    sources = b"".join(Path(__file__).with_name(name).read_bytes() for name in ("naming.py", "curated.py"))
    return hashlib.sha256(sources + repr(library("pypinyin")).encode()).hexdigest()


def _member_names(dictionary: Dictionary, chosen: Mapping[str, CuratedName]) -> dict[str, str]:
    names = {e.code: chosen[e.code].name for e in dictionary.entries if e.code in chosen}
    taken = set(names.values())
    # Sorted by code, so the outcome of a collision does not depend on upstream order.
    for entry in sorted((e for e in dictionary.entries if e.code not in chosen), key=lambda e: e.code):
        base = fallback_member(entry)
        names[entry.code] = _unique(base, entry.code, taken, "_")
        taken.add(names[entry.code])
    return {e.code: names[e.code] for e in dictionary.entries}


def _class_names(keys: list[str]) -> dict[str, str]:
    taken = set(RESERVED_CLASS_NAMES)
    names: dict[str, str] = {}
    for key in sorted(keys):
        name = _unique(class_base(key), key, taken, "_", footprint=_class_footprint)
        taken.update(_class_footprint(name))
        names[key] = name
    return {key: names[key] for key in keys}


@dataclass(frozen=True)
class Derived:
    """Identifiers the targets derive from a class name: TypeScript's label record, type guard
    and label lookup (``SeatClassLabels``, ``isSeatClass``, ``seatClassFromLabel``)."""

    labels: str
    guard: str
    from_label: str


def derived(class_name: str) -> Derived:
    """The names derived from ``class_name``; class naming keeps them unique too."""
    lower = class_name[0].lower() + class_name[1:]
    return Derived(f"{class_name}Labels", f"is{class_name}", f"{lower}FromLabel")


def _class_footprint(name: str) -> set[str]:
    names = derived(name)
    return {name, names.labels, names.guard, names.from_label}


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
