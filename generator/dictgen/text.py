"""Text as a person reads it in a message, a terminal or a file: every invisible character visible.

``needs_escape`` decides which characters are escaped everywhere, the template filters included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Invisible, combining, line-breaking or unassigned characters are always written as escapes:
# "é" and "e\u0301" look different, and bidirectional controls (Trojan Source, CVE-2021-42574)
# never reach the generated source.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Mn", "Me"})


class UnescapedValueError(Exception):
    """A template printed a dictionary value without an escaping filter."""


class Untrusted:
    """Text from the upstream dictionary; only the filters below may print it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __str__(self) -> str:
        raise UnescapedValueError("a dictionary value was printed without an escaping filter")

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Untrusted) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def unwrap(value: Untrusted | str) -> str:
    """The text itself, for code that escapes it."""
    return value._value if isinstance(value, Untrusted) else value


# Letters and symbols that show as blank space: Hangul fillers and the blank Braille pattern.
_BLANK = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800})


def needs_escape(ch: str) -> bool:
    """True for ASCII controls and for invisible, blank, separator or unassigned non-ASCII characters."""
    code = ord(ch)
    if code < 0x80:
        return code < 0x20 or code == 0x7F
    return code in _BLANK or unicodedata.category(ch) in _ESCAPED_CATEGORIES


C_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A table remembers at most this many characters: a dictionary made of every code point costs
# time, never unbounded memory.
TABLE_LIMIT = 1 << 16


class Table(dict[int, str]):
    """A ``str.translate`` table that works out each character's replacement once.

    ``translate`` runs in C and looks each character up here; only a character seen for the first
    time costs a Python call. The replacement is the one the per-character rule gives.
    """

    __slots__ = ("_other", "_special")

    def __init__(self, special: dict[str, str], other: Callable[[int], str]) -> None:
        super().__init__()
        self._special = special
        self._other = other

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in self._special:
            out = self._special[ch]
        elif needs_escape(ch):
            out = C_ESCAPES.get(ch) or self._other(code)
        else:
            out = ch
        if len(self) < TABLE_LIMIT:
            self[code] = out
        return out


def py_code_point(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def u_code_point(code: int) -> str:
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# --- one-line messages ------------------------------------------------------------------


def show(text: str | None) -> str:
    """Quote a value for a one-line message: controls, separators and invisibles become escapes."""
    return "(none)" if text is None else '"' + printable(text).replace('"', '\\"') + '"'


_U_CONTROLS = {ch: u_code_point(ord(ch)) for ch in C_ESCAPES}  # \u000a, not \n: one spelling
_VISIBLE = Table(_U_CONTROLS, u_code_point)
_PRINTABLE = Table({"\\": "\\\\", **_U_CONTROLS}, u_code_point)


def printable(value: Untrusted | str) -> str:
    """A value for a terminal, unquoted: backslashes doubled, invisible characters as ``\\u`` escapes."""
    return unwrap(value).translate(_PRINTABLE)


def cell_text(value: Untrusted | str) -> str:
    """``printable``, with spaces at either end as ``\\u0020``: a value in a column shows them."""
    text = printable(value)
    core = text.strip(" ")
    if len(core) == len(text):
        return text
    lead = len(text) - len(text.lstrip(" "))
    return "\\u0020" * lead + core + "\\u0020" * (len(text) - lead - len(core))


def visible(text: str) -> str:
    """``text`` with only its invisible characters as ``\\u`` escapes (for lines of a file)."""
    return text.translate(_VISIBLE)
