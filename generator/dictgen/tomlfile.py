"""Read the TOML files users write (pyproject.toml, names.toml, errors.toml, accepted.toml): one line
per failure."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dictgen.errors import DictgenError


def regular_file(path: Path) -> Path:
    """``path``, when it is a regular file (or a link to one); else an OSError. A file kept in a
    repository is read whole: a FIFO would be waited on forever, a device (a committed link to
    /dev/zero) read until memory runs out."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError("not a regular file")
    return path


def read_toml(
    path: Path, error: type[DictgenError] = DictgenError, invalid: str = "invalid TOML"
) -> tuple[dict[str, Any], str] | None:
    """The parsed document and its text, or None when ``path`` does not exist."""
    try:
        text = regular_file(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(str(path), f"cannot read: {exc}") from None
    except ValueError as exc:  # a path with a NUL byte cannot name a file
        raise error(repr(str(path)), f"not a usable path: {exc}") from None
    return parse_toml(text, str(path), error, invalid), text


def parse_toml(
    text: str, where: str, error: type[DictgenError] = DictgenError, invalid: str = "invalid TOML"
) -> dict[str, Any]:
    """The parsed document; an error naming ``where`` when ``text`` is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(where, f"{invalid}: {exc}") from None
    except RecursionError:
        raise error(where, f"{invalid}: nested too deeply") from None


def line_index(text: str) -> dict[tuple[str, str | None], int]:
    """Map (table, key) and (table, None) to 1-based line numbers, for error messages; a key above
    every table is (key, None). Dotted keys and headers count: ``[a.b]`` and ``a.b = 1`` both stand
    on the line of (a, b)."""
    index: dict[tuple[str, str | None], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        try:
            parsed = tomllib.loads(line)
        except tomllib.TOMLDecodeError:
            continue
        if len(parsed) != 1:
            continue
        path = _key_path(parsed)
        header = line.lstrip().startswith("[")
        table = path if header else table
        full = path if header else table + path
        index.setdefault((full[0], None), number)
        if len(full) > 1:
            index.setdefault((full[0], full[1]), number)
    return index


def _key_path(parsed: dict[str, Any]) -> tuple[str, ...]:
    """The keys of a one-line document down to its value: ``a.b.c = 1`` and ``[a.b.c]`` are (a, b, c)."""
    path: list[str] = []
    value: Any = parsed
    while isinstance(value, dict) and len(value) == 1:
        key, value = next(iter(value.items()))
        path.append(key)
    return tuple(path)


def line_of(where: str) -> int:
    """The line number of a ``file:line`` place (0 without one), to sort problems by."""
    line = where.rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else 0


def raise_problems(
    problems: list[tuple[str, str]],
    one: Callable[[str, str], DictgenError],
    several: Callable[[str, list[tuple[str, str]]], DictgenError],
) -> None:
    """``one`` error, or ``several`` naming each of several (file:line, message) problems of a file."""
    if len(problems) == 1:
        raise one(*problems[0])
    if problems:
        raise several(problems[0][0].rsplit(":", 1)[0], problems)
