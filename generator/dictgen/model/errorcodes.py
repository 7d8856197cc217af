"""Read errors.toml: Juhe's system-level error codes, curated by hand, each problem on one line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dictgen.errors import ErrorTableError, ErrorTableErrors
from dictgen.model.curated import MAX_NAME, is_member_name
from dictgen.shipped import ERRORS
from dictgen.tomlfile import line_index, line_of, raise_problems, read_toml

# The table dictgen ships (a project may name its own with [tool.dictgen] errors).
BUILTIN = ERRORS
# A code as a table header: a whole number without a sign or leading zero, as Juhe writes them.
_CODE = re.compile(r"[1-9][0-9]{0,8}")
_FIELDS = ("name", "label", "meaning", "retryable")


@dataclass(frozen=True)
class ErrorCode:
    """One system-level ``error_code``: its member name, Juhe's text, the English meaning, and
    whether trying again later may succeed."""

    code: int
    name: str
    label: str
    meaning: str
    retryable: bool


def load_error_codes(path: Path = BUILTIN) -> tuple[ErrorCode, ...]:
    """The codes of ``path`` in ascending order; ErrorTableErrors naming every problem at once."""
    read = read_toml(path, ErrorTableError)
    if read is None:
        raise ErrorTableError(str(path), "file not found")
    doc, text = read
    lines = line_index(text)
    codes: list[ErrorCode] = []
    problems: list[tuple[str, str]] = []
    for key, table in doc.items():
        where = f"{path}:{lines.get((key, None), 0)}"  # a table, or a key above all tables
        problem = _table_problem(key, table)
        if problem:
            problems.append((where, problem))
            continue
        found = _field_problems(key, table, codes)
        problems += [(f"{path}:{lines.get((key, field), 0)}", problem) for field, problem in found]
        if not found:
            codes.append(ErrorCode(int(key), **table))
    if not doc:
        problems.append((f"{path}:1", "no error codes: the table needs at least one [CODE]"))
    problems.sort(key=lambda problem: line_of(problem[0]))
    raise_problems(problems, ErrorTableError, ErrorTableErrors)
    return tuple(sorted(codes, key=lambda c: c.code))


def _table_problem(key: str, table: Any) -> str | None:
    if not _CODE.fullmatch(key):
        return f"[{key!r}]: not an error code (a whole number, no sign or leading zero)"
    if not isinstance(table, dict):
        return f"{key} must be a table: [{key}] with {', '.join(_FIELDS)}"
    missing = [f for f in _FIELDS if f not in table]
    return f"[{key}]: missing {', '.join(missing)}" if missing else None


def _field_problems(key: str, table: dict[str, Any], taken: list[ErrorCode]) -> list[tuple[str, str]]:
    """(field, message) for each field of ``[key]`` that is wrong."""
    known = ", ".join(_FIELDS)
    problems = [(f, f"[{key}] {f}: unknown key (known: {known})") for f in table if f not in _FIELDS]
    name = table["name"]
    other = next((c.code for c in taken if c.name == name), None)
    if not is_member_name(name):
        rule = f"an UPPER_SNAKE_CASE name of at most {MAX_NAME} characters"
        problems.append(("name", f"[{key}] name: {name!r} is not {rule}"))
    elif other is not None:
        problems.append(("name", f"[{key}] name: {name} is already the name of {other}"))
    for text in ("label", "meaning"):
        if not isinstance(table[text], str) or not table[text].strip():
            problems.append((text, f"[{key}] {text}: must be a non-empty string"))
        elif "\x00" in table[text]:  # as in a snapshot: no database keeps it in a text column
            problems.append((text, f"[{key}] {text}: contains U+0000"))
    if not isinstance(table["retryable"], bool):
        problems.append(("retryable", f"[{key}] retryable: must be true or false"))
    return problems
