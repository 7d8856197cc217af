"""The one error hierarchy: every expected failure is a DictgenError (exit 2).

Also ``check_json``, which turns a rendered JSON file that does not parse into a RenderError: the
targets that write JSON share it, and may import this module.
"""

from __future__ import annotations

import json
from pathlib import PurePath


class DictgenError(Exception):
    """An expected failure, reported as ``error: <where>: <what>``. A path ``where`` is shown with
    ``/`` on every system, as the manifest and the docs write paths."""

    def __init__(self, where: str | PurePath, what: str) -> None:
        where = where.as_posix() if isinstance(where, PurePath) else where
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what

    def lines(self) -> list[tuple[str, str]]:
        """The (where, what) lines the command line prints for this error."""
        return [(self.where, self.what)]


class SnapshotError(DictgenError):
    """A snapshot or response failed validation; ``problems`` holds every (path, message)."""

    def __init__(self, where: str | PurePath, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{path}: {msg}" if path else msg for path, msg in problems)
        super().__init__(where, text)

    def lines(self) -> list[tuple[str, str]]:
        """One (where, what) per problem, when there are several."""
        if len(self.problems) <= 1:
            return super().lines()
        return [(self.where, f"{path}: {message}") for path, message in self.problems]


class NamingError(DictgenError):
    """names.toml is invalid, or --strict-names found unnamed entries."""


class UnnamedError(SnapshotError, NamingError):
    """--strict-names: entries with no curated name, one (place, would-be name) per problem."""


class FileProblems(SnapshotError):
    """Every problem of a curated TOML file, one (file:line, message) each."""

    def lines(self) -> list[tuple[str, str]]:
        """``<file>:<line>: <message>`` per problem."""
        return list(self.problems)


class NamingErrors(FileProblems, NamingError):
    """Every problem of names.toml, one (file:line, message) each."""


class ErrorTableError(DictgenError):
    """errors.toml, the table of Juhe's system-level error codes, is invalid."""


class ErrorTableErrors(FileProblems, ErrorTableError):
    """Every problem of errors.toml, one (file:line, message) each."""


class RenderError(DictgenError):
    """A template or the formatter failed."""


class FetchError(DictgenError):
    """Fetching the live dictionary failed."""


class ConfigError(DictgenError):
    """[tool.dictgen] in pyproject.toml is invalid."""


class ConfigErrors(SnapshotError, ConfigError):
    """Every problem of a settings table, one (key, message) each."""

    def lines(self) -> list[tuple[str, str]]:
        """``<file>: [tool.dictgen] <key>: <message>`` per problem."""
        return [(f"{self.where} {key}".strip(), message) for key, message in self.problems]

    def __str__(self) -> str:
        return "; ".join(f"{where}: {what}" for where, what in self.lines())


def check_json(path: str, text: str) -> None:
    """Raise RenderError unless ``text`` is one JSON object (NaN and Infinity are not JSON)."""
    try:
        value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:  # also: an integer too long, nesting too deep
        detail = str(exc).splitlines()[0] if str(exc) else "nesting too deep"
        raise RenderError(path, f"generated JSON does not parse: {detail}") from None
    if not isinstance(value, dict):
        raise RenderError(path, "generated JSON is not an object")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
