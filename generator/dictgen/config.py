"""Defaults for the CLI: built-in, overridden by ``[tool.dictgen]`` in ./pyproject.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from dictgen.choices import SQL_TRANSACTIONS, TARGETS, TS_STYLES, SqlTransaction, Target, TsStyle
from dictgen.errors import ConfigError
from dictgen.tomlfile import read_toml

# SQL seeds print table names unquoted: only a lowercase identifier prefix is safe in every
# dialect, and 40 characters leave room for "dictionary_entry" within 63 bytes (PostgreSQL).
SQL_PREFIX = re.compile(r"([a-z_][a-z0-9_]{0,39})?")
# The file whose [tool.dictgen] table holds the settings, relative to the working directory.
CONFIG = Path("pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """Where to read and write, and what to render."""

    snapshots: Path = Path("snapshots")
    out: Path = Path("generated")
    names: Path = Path("names.toml")
    targets: tuple[Target, ...] = ("python",)
    templates: Path | None = None
    strict_names: bool = False
    ts_style: TsStyle = "const"
    sql_prefix: str = "juhe_"
    sql_transaction: SqlTransaction = "own"
    # generate and check refuse a snapshot with more entries (all dictionaries together) up front:
    # upstream has 143, and rendering costs ~1 ms and ~12 KB of memory per entry.
    max_entries: int = 100_000
    # Without a names.toml entry, names come from the curated names shipped with dictgen.
    builtin_names: bool = True
    config: Path = CONFIG  # the file these settings came from (it may not exist)

    def __post_init__(self) -> None:
        check_sql_prefix(self.sql_prefix, "--sql-prefix")


_PATHS = {"snapshots", "out", "names", "templates"}


def find(start: Path) -> Path:
    """The nearest pyproject.toml with a ``[tool.dictgen]`` table, from ``start`` upward.

    Returned relative to ``start`` when it is there or above; ``pyproject.toml`` when none has one.
    """
    for up, folder in enumerate([start, *start.parents]):
        shown = Path(*[".."] * up) / CONFIG if up else CONFIG  # as a user would type it
        if (folder / CONFIG).is_file() and _has_table(folder / CONFIG, shown):
            return shown
    return CONFIG


def _has_table(pyproject: Path, shown: Path) -> bool:
    try:
        read = read_toml(pyproject, ConfigError, "cannot read")
    except ConfigError as exc:
        raise ConfigError(str(shown), exc.what) from None
    tool = read[0].get("tool") if read else None
    return isinstance(tool, dict) and "dictgen" in tool


def load(pyproject: Path = CONFIG, must_exist: bool = False) -> Settings:
    """Settings from ``[tool.dictgen]``; keys are the long option names with ``_`` or ``-``.

    Paths, the defaults included, are relative to the folder of ``pyproject``.
    """
    base = pyproject.parent
    defaults = Settings(base / "snapshots", base / "generated", base / "names.toml", config=pyproject)
    read = read_toml(pyproject, ConfigError, "cannot read")
    if read is None:
        if must_exist:
            raise ConfigError(str(pyproject), "config file not found")
        return defaults
    table = read[0].get("tool", {})
    table = table.get("dictgen", {}) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(str(pyproject), "[tool.dictgen] must be a table")
    known = {f.name: f for f in fields(Settings) if f.name != "config"}
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        where = f"{pyproject}: [tool.dictgen] {raw_key}"
        if key not in known:
            raise ConfigError(where, f"unknown setting (known: {', '.join(sorted(known))})")
        values[key] = _coerce(key, value, where, base)
    return replace(defaults, **values)


def _coerce(key: str, value: Any, where: str, base: Path) -> Any:
    if key in _PATHS and isinstance(value, str):
        return base / value
    if key == "targets" and isinstance(value, list) and value and all(v in TARGETS for v in value):
        return tuple(dict.fromkeys(value))
    if key in ("strict_names", "builtin_names") and isinstance(value, bool):
        return value
    if key == "sql_prefix" and isinstance(value, str):
        return check_sql_prefix(value, where)
    if key == "ts_style" and value in TS_STYLES:
        return value
    if key == "sql_transaction" and value in SQL_TRANSACTIONS:
        return value
    if key == "max_entries" and type(value) is int and value > 0:
        return value
    expected = {
        "targets": f"a non-empty list of {', '.join(TARGETS)}",
        "strict_names": "true or false",
        "builtin_names": "true or false",
        "ts_style": " or ".join(f'"{s}"' for s in TS_STYLES),
        "sql_transaction": " or ".join(f'"{s}"' for s in SQL_TRANSACTIONS),
        "max_entries": "a positive integer",
    }
    raise ConfigError(where, f"must be {expected.get(key, 'a string')}")


def check_sql_prefix(value: str, where: str) -> str:
    """Return ``value`` when it is a safe SQL table-name prefix; raise ConfigError otherwise."""
    if not SQL_PREFIX.fullmatch(value):
        rule = "up to 40 lowercase letters, digits and _, not starting with a digit"
        raise ConfigError(where, f"{value!r} is not a safe SQL table prefix ({rule})")
    return value
