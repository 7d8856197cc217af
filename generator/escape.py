"""The one place that turns dictionary text into literals and comments, per target language.

Dictionary values reach templates wrapped in ``Untrusted``: printing one without a filter
from this module raises, so no label, code or msg can leave its literal or comment.
"""

from __future__ import annotations

import itertools
import re
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


def _text(value: Untrusted | str) -> str:
    return value._value if isinstance(value, Untrusted) else value


def utf8_length(value: Untrusted | str) -> int:
    """The size of a value in UTF-8 bytes, for checks against database limits."""
    return len(_text(value).encode("utf-8"))


def char_length(value: Untrusted | str) -> int:
    """The length of a value in characters (code points), for checks against database limits."""
    return len(_text(value))


# Letters and symbols that show as blank space: Hangul fillers and the blank Braille pattern.
_BLANK = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800})


def needs_escape(ch: str) -> bool:
    """True for ASCII controls and for invisible, blank, separator or unassigned non-ASCII characters."""
    code = ord(ch)
    if code < 0x80:
        return code < 0x20 or code == 0x7F
    return code in _BLANK or unicodedata.category(ch) in _ESCAPED_CATEGORIES


_C_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A table remembers at most this many characters: a dictionary made of every code point costs
# time, never unbounded memory.
_TABLE_LIMIT = 1 << 16


class _Table(dict[int, str]):
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
            out = _C_ESCAPES.get(ch) or self._other(code)
        else:
            out = ch
        if len(self) < _TABLE_LIMIT:
            self[code] = out
        return out


class _Probe(dict[int, str]):
    """A ``str.translate`` table that keeps only the characters ``needs_escape`` is true for."""

    __slots__ = ()

    def __missing__(self, code: int) -> str:
        out = chr(code) if needs_escape(chr(code)) else ""
        if len(self) < _TABLE_LIMIT:
            self[code] = out
        return out


_PROBE = _Probe()  # text.translate(_PROBE) is "" when no character of text needs an escape


def _py_code_point(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _u_code_point(code: int) -> str:
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# --- Python -----------------------------------------------------------------------------


_PY_STR = _Table({"\\": "\\\\", '"': '\\"'}, _py_code_point)
_PY_DOCSTRING = _Table({"\\": "\\\\", '"': "\\x22"}, _py_code_point)
_PY_COMMENT = _Table({"\\": "\\\\"}, _py_code_point)  # also sql_comment


def py_str(value: Untrusted | str) -> str:
    """A double-quoted Python string literal."""
    return '"' + _text(value).translate(_PY_STR) + '"'


def py_docstring(value: Untrusted | str) -> str:
    """A triple-quoted docstring whose ``__doc__`` is exactly ``value`` (black leaves it alone)."""
    body = _text(value).translate(_PY_DOCSTRING)
    # black strips whitespace at either end of a docstring; escaped spaces survive it.
    if body.startswith(" "):
        body = "\\x20" + body[1:]
    if body.endswith(" "):
        body = body[:-1] + "\\x20"
    return '"""' + body + '"""'


def py_comment(value: Untrusted | str) -> str:
    """Text for the rest of a ``#`` comment line: nothing in it can end the line."""
    return _text(value).translate(_PY_COMMENT)


# --- TypeScript / JavaScript ------------------------------------------------------------


def _ts_code_point(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\u{{{code:x}}}"


_TS_STR = _Table({"\\": "\\\\", '"': '\\"'}, _ts_code_point)
# "@" would start a JSDoc tag (@deprecated, {@link}) in editors' hover text.
_TS_COMMENT = _Table({"\\": "\\\\", "@": "&#64;"}, _ts_code_point)


def ts_str(value: Untrusted | str) -> str:
    """A double-quoted TypeScript string literal (never a template literal, so ``${`` is inert)."""
    return '"' + _text(value).translate(_TS_STR) + '"'


def ts_comment(value: Untrusted | str) -> str:
    """Text inside a ``/** ... */`` block: cannot close it or break its line."""
    return _text(value).translate(_TS_COMMENT).replace("*/", "*\\/")


# --- SQL --------------------------------------------------------------------------------


def sql_str(value: Untrusted | str, dialect: str) -> str:
    """A string literal for ``postgresql``, ``sqlite`` or ``mysql`` (MariaDB), exact in any SQL mode."""
    text = _text(value)
    plain = not text.translate(_PROBE)
    if plain and "\\" not in text:  # the same literal in every dialect: the common case, first
        return "'" + text.replace("'", "''") + "'"
    if dialect == "mysql":
        # A hex literal means the same with and without NO_BACKSLASH_ESCAPES.
        return "_utf8mb4 X'" + text.encode("utf-8").hex().upper() + "'" if text else "''"
    # PostgreSQL reads '\' in a '' string as an escape when standard_conforming_strings is off.
    if plain and not (dialect == "postgresql" and "\\" in text):
        return "'" + text.replace("'", "''") + "'"
    if dialect == "postgresql":
        return "E'" + text.translate(_PG_STR) + "'"
    if dialect == "sqlite":
        return "(" + " || ".join(_sqlite_parts(text)) + ")"
    raise ValueError(f"unknown SQL dialect {dialect!r}")


_PG_STR = _Table({"\\": "\\\\", "'": "''"}, _u_code_point)


def _sqlite_parts(text: str) -> list[str]:
    parts: list[str] = []
    for escaped, run in itertools.groupby(text, needs_escape):
        chars = "".join(run)
        parts += [f"char({ord(c)})" for c in chars] if escaped else ["'" + chars.replace("'", "''") + "'"]
    return parts


def sql_comment(value: Untrusted | str) -> str:
    """Text for the rest of a ``--`` comment line."""
    return _text(value).translate(_PY_COMMENT)


# --- Markdown ---------------------------------------------------------------------------

# What a reader of a Markdown table cell sees is ``cell_text(value)``, exactly: that text with every
# character that Markdown reads backslash-escaped (CommonMark lets any ASCII punctuation be): "|"
# would end a GFM table cell, "`" open a code span, "<" and "&" start HTML or an entity, "#" a
# heading, ":" and "www." a link, the rest emphasis, strikethrough, links or math.
_MD_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|~$&!#:"})
_WWW = re.compile(r"(?i)(www)\.")


def md_cell(value: Untrusted | str) -> str:
    """Markdown for one value in a table cell or after fixed text on a line: it cannot end the cell
    or its row, nor become markup, HTML or a link; it reads as ``cell_text(value)``."""
    return _WWW.sub(r"\1\\.", cell_text(value).translate(_MD_ESCAPES))


# --- one-line messages ------------------------------------------------------------------


def show(text: str | None) -> str:
    """Quote a value for a one-line message: controls, separators and invisibles become escapes."""
    return "(none)" if text is None else '"' + printable(text).replace('"', '\\"') + '"'


_U_CONTROLS = {ch: _u_code_point(ord(ch)) for ch in _C_ESCAPES}  # \u000a, not \n: one spelling
_VISIBLE = _Table(_U_CONTROLS, _u_code_point)
_PRINTABLE = _Table({"\\": "\\\\", **_U_CONTROLS}, _u_code_point)


def printable(value: Untrusted | str) -> str:
    """A value for a terminal, unquoted: backslashes doubled, invisible characters as ``\\u`` escapes."""
    return _text(value).translate(_PRINTABLE)


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


# --- JSON -------------------------------------------------------------------------------


def _json_code_point(code: int) -> str:  # JSON spells an astral character as a surrogate pair
    high, low = divmod(code - 0x10000, 0x400)
    return _u_code_point(code) if code < 0x10000 else f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


_JSON_STR = _Table({"\\": "\\\\", '"': '\\"'}, _json_code_point)


def json_str(value: Untrusted | str) -> str:
    """A JSON string literal (quotes included) that reads back as the value; CJK stays readable."""
    return '"' + _text(value).translate(_JSON_STR) + '"'


FILTERS: dict[str, Callable[..., str]] = {
    "py_str": py_str,
    "py_docstring": py_docstring,
    "py_comment": py_comment,
    "ts_str": ts_str,
    "ts_comment": ts_comment,
    "sql_str": sql_str,
    "sql_comment": sql_comment,
    "md_cell": md_cell,
    "json_str": json_str,
}
