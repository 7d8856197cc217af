"""The one place that turns dictionary text into literals and comments, per target language.

Dictionary values reach templates wrapped in ``Untrusted``: printing one without a filter
from this module raises, so no label, code or msg can leave its literal or comment.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from dictgen.text import (
    TABLE_LIMIT,
    Table,
    Untrusted,
    cell_text,
    needs_escape,
    py_code_point,
    u_code_point,
    unwrap,
)


def utf8_length(value: Untrusted | str) -> int:
    """The size of a value in UTF-8 bytes, for checks against database limits."""
    return len(unwrap(value).encode("utf-8"))


def char_length(value: Untrusted | str) -> int:
    """The length of a value in characters (code points), for checks against database limits."""
    return len(unwrap(value))


class _Probe(dict[int, str]):
    """A ``str.translate`` table that keeps only the characters ``needs_escape`` is true for."""

    __slots__ = ()

    def __missing__(self, code: int) -> str:
        out = chr(code) if needs_escape(chr(code)) else ""
        if len(self) < TABLE_LIMIT:
            self[code] = out
        return out


_PROBE = _Probe()  # text.translate(_PROBE) is "" when no character of text needs an escape


# --- Python -----------------------------------------------------------------------------


_PY_STR = Table({"\\": "\\\\", '"': '\\"'}, py_code_point)
_PY_DOCSTRING = Table({"\\": "\\\\", '"': "\\x22"}, py_code_point)
_PY_COMMENT = Table({"\\": "\\\\"}, py_code_point)  # also sql_comment


def py_str(value: Untrusted | str) -> str:
    """A double-quoted Python string literal."""
    return '"' + unwrap(value).translate(_PY_STR) + '"'


def py_docstring(value: Untrusted | str) -> str:
    """A triple-quoted docstring whose ``__doc__`` is exactly ``value`` (black leaves it alone)."""
    body = unwrap(value).translate(_PY_DOCSTRING)
    # black strips whitespace at either end of a docstring; escaped spaces survive it.
    if body.startswith(" "):
        body = "\\x20" + body[1:]
    if body.endswith(" "):
        body = body[:-1] + "\\x20"
    return '"""' + body + '"""'


def py_comment(value: Untrusted | str) -> str:
    """Text for the rest of a ``#`` comment line: nothing in it can end the line."""
    return unwrap(value).translate(_PY_COMMENT)


# --- TypeScript / JavaScript ------------------------------------------------------------


def _ts_code_point(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\u{{{code:x}}}"


_TS_STR = Table({"\\": "\\\\", '"': '\\"'}, _ts_code_point)
# "@" would start a JSDoc tag (@deprecated, {@link}) in editors' hover text.
_TS_COMMENT = Table({"\\": "\\\\", "@": "&#64;"}, _ts_code_point)


def ts_str(value: Untrusted | str) -> str:
    """A double-quoted TypeScript string literal (never a template literal, so ``${`` is inert)."""
    return '"' + unwrap(value).translate(_TS_STR) + '"'


def ts_comment(value: Untrusted | str) -> str:
    """Text inside a ``/** ... */`` block: cannot close it or break its line."""
    return unwrap(value).translate(_TS_COMMENT).replace("*/", "*\\/")


# --- SQL --------------------------------------------------------------------------------


def sql_str(value: Untrusted | str, dialect: str) -> str:
    """A string literal for ``postgresql``, ``sqlite`` or ``mysql`` (MariaDB), exact in any SQL mode."""
    text = unwrap(value)
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


_PG_STR = Table({"\\": "\\\\", "'": "''"}, u_code_point)


def _sqlite_parts(text: str) -> list[str]:
    parts: list[str] = []
    for escaped, run in itertools.groupby(text, needs_escape):
        chars = "".join(run)
        parts += [f"char({ord(c)})" for c in chars] if escaped else ["'" + chars.replace("'", "''") + "'"]
    return parts


def sql_comment(value: Untrusted | str) -> str:
    """Text for the rest of a ``--`` comment line."""
    return unwrap(value).translate(_PY_COMMENT)


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


# Prose Markdown (diff reports, the snapshot changelog): one line of text, escaped only where GFM
# would read it as markup. Anywhere: "\\" escapes, "`" code, "*" "_" "~" emphasis and
# strikethrough, "[" "]" links and images ("!" alone is inert), "<" HTML and autolinks, "&"
# entities, "|" table cells, "$" GitHub's math; "://" and "www." would autolink. At the start of
# the text (a list item's content): "# " heading, ">" quote, "- " "+ " list, "---" "===" rule or
# underline, "1. " "1) " ordered list. Everywhere else ":", "-", ">", "." and "(" are plain text.
_MD_INLINE = re.compile(r"[\\`*_~\[\]<&|$]|:(?=//)|(?<=www)\.", re.IGNORECASE)
_MD_LINE_START = re.compile(
    r"^ {0,3}(?:#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|[-=](?=[-= \t]*$)|>|[0-9]{1,9}[.)](?=[ \t]|$))"
)


def md_escape(text: str) -> str:
    """One line of Markdown that reads as ``text``: no markup, link, HTML, mention or issue link."""
    escaped = _MD_INLINE.sub(r"\\\g<0>", text.replace("\r", " ").replace("\n", " "))
    escaped = _MD_LINE_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], escaped)
    return escaped.replace("@", "@\u200b").replace("#", "#\u200b")


# --- JSON -------------------------------------------------------------------------------


def _json_code_point(code: int) -> str:  # JSON spells an astral character as a surrogate pair
    high, low = divmod(code - 0x10000, 0x400)
    return u_code_point(code) if code < 0x10000 else f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


_JSON_STR = Table({"\\": "\\\\", '"': '\\"'}, _json_code_point)


def json_str(value: Untrusted | str) -> str:
    """A JSON string literal (quotes included) that reads back as the value; CJK stays readable."""
    return '"' + unwrap(value).translate(_JSON_STR) + '"'


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
