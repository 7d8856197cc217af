"""Read the TOML files users write (pyproject.toml, names.toml, errors.toml, accepted.toml): one line
per failure."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dictgen.errors import DictgenError


def read_toml(
    path: Path, error: type[DictgenError] = DictgenError, invalid: str = "invalid TOML"
) -> tuple[dict[str, Any], str] | None:
    """The parsed document and its text, or None when ``path`` does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
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
