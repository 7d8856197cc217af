"""The one error hierarchy: every expected failure is a DictgenError (exit 2)."""

from __future__ import annotations


class DictgenError(Exception):
    """An expected failure, reported as ``error: <where>: <what>``."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


class SnapshotError(DictgenError):
    """A snapshot or response failed validation; ``problems`` holds every (path, message)."""

    def __init__(self, where: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{path}: {msg}" if path else msg for path, msg in problems)
        super().__init__(where, text)


class NamingError(DictgenError):
    """names.toml is invalid, or --strict-names found unnamed entries."""


class UnnamedError(SnapshotError, NamingError):
    """--strict-names: entries with no curated name, one (place, would-be name) per problem."""


class RenderError(DictgenError):
    """A template or the formatter failed."""


class FetchError(DictgenError):
    """Fetching the live dictionary failed."""


class ConfigError(DictgenError):
    """[tool.dictgen] in pyproject.toml is invalid."""
