"""Settings: built-in defaults, overridden by ``[tool.dictgen]`` (and each target's own table).

Every path is relative to the folder of the settings file. Every problem of the table is reported
at once.
"""

from __future__ import annotations

import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dictgen import shipped
from dictgen.errors import ConfigError, ConfigErrors
from dictgen.render.contract import Target
from dictgen.targets import registry
from dictgen.tomlfile import read_toml

# The file whose [tool.dictgen] table holds the settings, relative to the working directory.
CONFIG = Path("pyproject.toml")
Warn = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    """Where to read and write, and what to render."""

    snapshots: Path = Path("snapshots")
    out: Path = Path("generated")
    names: Path = Path("names.toml")
    targets: tuple[str, ...] = ("python",)
    templates: Path | None = None
    # Juhe's system-level error codes; None: the table shipped with dictgen.
    errors: Path | None = None
    strict_names: bool = False
    # generate and check refuse a snapshot with more entries (all dictionaries together) up front:
    # upstream has 143, and rendering costs ~1 ms and ~12 KB of memory per entry.
    max_entries: int = 100_000
    # Without a names.toml entry, names come from the curated names shipped with dictgen.
    builtin_names: bool = True
    config: Path = CONFIG  # the file these settings came from (it may not exist)
    # Target name -> its options (``[tool.dictgen.<target>]``); a target not here has its defaults.
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def error_table(self) -> Path:
        """The errors.toml to render: ``errors``, or the table shipped with dictgen."""
        return self.errors or shipped.ERRORS

    def options_of(self, target: Target) -> Any:
        """The options ``target`` renders with."""
        return self.options.get(target.name) or target.options()


PATHS = {"snapshots", "out", "names", "templates", "errors"}
_KNOWN = {f.name for f in fields(Settings)} - {"config", "options"}


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
        raise ConfigError(shown, exc.what) from None
    tool = read[0].get("tool") if read else None
    return isinstance(tool, dict) and "dictgen" in tool


def load(pyproject: Path = CONFIG, must_exist: bool = False, warn: Warn | None = None) -> Settings:
    """Settings from ``[tool.dictgen]``; keys are the long option names with ``_`` or ``-``.

    Paths, the defaults included, are relative to the folder of ``pyproject``.
    """
    base = pyproject.parent
    defaults = Settings(base / "snapshots", base / "generated", base / "names.toml", config=pyproject)
    read = read_toml(pyproject, ConfigError, "cannot read")
    if read is None:
        if must_exist:
            raise ConfigError(pyproject, "config file not found")
        return defaults
    table = _table(read[0], str(pyproject))
    return Reader(defaults, base, f"{pyproject}: [tool.dictgen]", warn).read(table)


def _table(doc: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """The ``[tool.dictgen]`` table of a pyproject.toml document (empty when there is none)."""
    table = doc.get("tool", {})
    table = table.get("dictgen", {}) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(where, "[tool.dictgen] must be a table")
    return table


def snapshots_named(doc: Mapping[str, Any], base: Path, where: str) -> Path:
    """The snapshot folder a pyproject.toml document names, ``snapshots`` by default; relative to ``base``."""
    value = _table(doc, where).get("snapshots", str(Settings.snapshots))
    if not isinstance(value, str):
        raise ConfigError(f"{where}: [tool.dictgen] snapshots", "must be a string")
    return base / value


class Reader:
    """Reads settings given as a mapping (a TOML table, or command-line options) onto ``base``,
    collecting every problem; paths are resolved against ``folder``."""

    def __init__(self, base: Settings, folder: Path, where: str, warn: Warn | None = None) -> None:
        self.base, self.folder, self.where, self.warn = base, folder, where, warn
        self.problems: list[tuple[str, str]] = []
        self.options: dict[str, dict[str, Any]] = {}
        self.shown: dict[str, list[str]] = {}  # target -> the keys its options were given as
        self.names: Mapping[str, str] = {}

    def read(self, table: Mapping[str, Any], shown: Mapping[str, str] | None = None) -> Settings:
        """``base`` with every key of ``table`` applied; ConfigErrors naming every problem, each by
        its key or ``target.option`` (or by what ``shown`` says: a command-line option's name)."""
        self.names = shown or {}
        values: dict[str, Any] = {}
        targets = registry()
        flat = {key: (t, name) for t in targets.values() for key, name in t.flat.items()}
        for raw_key, value in table.items():
            key = raw_key.replace("-", "_")
            if key in _KNOWN:
                self._setting(raw_key, key, value, values)
            elif key in targets and isinstance(value, dict):
                for option, given in value.items():
                    name = f"{raw_key}.{option}"
                    self._option(targets[key], option, given, self.names.get(name, name))
            elif key in flat:
                target, option = flat[key]
                if self.warn:
                    self.warn(
                        f"{self.where} {raw_key} is deprecated: use [tool.dictgen.{target.name}] {option}"
                    )
                self._option(target, option, value, raw_key)
            else:
                known = sorted([*_KNOWN, *targets])
                self.problems.append((raw_key, f"unknown setting (known: {', '.join(known)})"))
        options = dict(self.base.options)
        for name, given in self.options.items():
            options[name] = self._make(targets[name], given)
        if self.problems:
            raise ConfigErrors(self.where, self.problems)
        return replace(self.base, **values, options=options)

    def _setting(self, raw_key: str, key: str, value: Any, values: dict[str, Any]) -> None:
        coerced = _coerce(key, value, self.folder)
        if coerced is None:
            names = f"a non-empty list of {', '.join(registry())}"
            expected = names if key == "targets" else _EXPECTED.get(key, "a string")
            self.problems.append((raw_key, f"must be {expected}"))
        else:
            values[key] = coerced

    def _option(self, target: Target, option: str, value: Any, shown: str) -> None:
        hints = typing.get_type_hints(target.options)
        if option.replace("-", "_") not in hints:
            known = ", ".join(sorted(hints)) or "none"
            self.problems.append((shown, f"unknown option of the {target.name} target (known: {known})"))
            return
        kind = hints[option.replace("-", "_")]
        allowed = typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else None
        if allowed is not None and value not in allowed:
            self.problems.append((shown, "must be " + " or ".join(f'"{a}"' for a in allowed)))
        elif allowed is None and type(value) is not kind:
            self.problems.append((shown, f"must be {_TYPE_NAMES.get(kind, 'a string')}"))
        else:
            self.options.setdefault(target.name, {})[option.replace("-", "_")] = value
            self.shown.setdefault(target.name, []).append(shown)

    def _make(self, target: Target, given: dict[str, Any]) -> Any:
        try:
            return replace(self.base.options.get(target.name) or target.options(), **given)
        except ValueError as exc:
            self.problems.append((", ".join(self.shown[target.name]), str(exc)))
            return None


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number"}
_EXPECTED = {
    "strict_names": "true or false",
    "builtin_names": "true or false",
    "max_entries": "a positive integer",
}


def _coerce(key: str, value: Any, base: Path) -> Any:
    """``value`` for setting ``key``, or None when it is not a valid one."""
    if key in PATHS:
        return base / value if isinstance(value, str) else None
    if key == "targets" and isinstance(value, list) and value and all(v in registry() for v in value):
        return tuple(dict.fromkeys(value))
    if key in ("strict_names", "builtin_names"):
        return value if isinstance(value, bool) else None
    if key == "max_entries":
        return value if type(value) is int and value > 0 else None
    return None


def override(base: Settings, given: Mapping[str, Any], warn: Warn | None = None) -> Settings:
    """``base`` overridden by command-line options: settings by name, ``option`` as a list of
    ``TARGET.KEY=VALUE``, and each target's shorthand flags (``--sql-prefix``)."""
    given = dict(given)
    table: dict[str, Any] = {}
    shown: dict[str, str] = {}
    for setting in given.pop("option", None) or ():
        name, equals, value = setting.partition("=")
        target, dot, option = name.partition(".")
        if not (equals and dot and option):
            raise ConfigError("--option", f"{setting!r} is not TARGET.KEY=VALUE")
        table.setdefault(target, {})[option] = _value(value)
        shown[name] = f"--option {name}"
    for target in registry().values():
        for flat, option in target.flat.items():
            value = given.pop(flat, None)
            if value is not None:
                table.setdefault(target.name, {})[option] = value
                shown[f"{target.name}.{option}"] = f"--{flat.replace('_', '-')}"
    paths = {k: v for k, v in given.items() if v is not None and k in PATHS}
    table |= {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in given.items()
        if v not in (None, ()) and k not in PATHS
    }
    return Reader(replace(base, **paths), Path(), "", warn).read(table, shown)


def _value(text: str) -> Any:
    """An option's value as TOML reads it (``true``, ``3``), else the text itself (``enum``)."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text
