"""The registry of output targets: every module of this package that defines ``TARGET``, and any
target added with ``register``. The core reaches targets through here only, never by name."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from dictgen.errors import ConfigError
from dictgen.render.contract import Target

_ADDED: dict[str, Target] = {}


@functools.cache
def _shipped() -> dict[str, Target]:
    found: dict[str, Target] = {}
    for module in pkgutil.iter_modules(__path__):
        target = getattr(importlib.import_module(f"{__name__}.{module.name}"), "TARGET", None)
        if isinstance(target, Target):
            found[target.name] = target
    return found


def registry() -> dict[str, Target]:
    """Every target by name, in name order."""
    return dict(sorted((_shipped() | _ADDED).items()))


def reserved() -> frozenset[str]:
    """Every name some target's generated code defines: no dictionary class may take one."""
    return frozenset().union(*(t.reserved for t in registry().values()))


def register(target: Target) -> None:
    """Add a target (a plug-in of another package, or a test's); its name and folder must be new."""
    taken = registry()
    if target.name in taken or any(t.folder == target.folder for t in taken.values()):
        raise ConfigError(target.name, "a target of that name or folder is already registered")
    _ADDED[target.name] = target


def unregister(name: str) -> None:
    """Remove a target added with ``register``."""
    _ADDED.pop(name, None)


def get(name: str) -> Target:
    """The target called ``name``; a ConfigError naming the known ones otherwise."""
    found = registry().get(name)
    if found is None:
        raise ConfigError(name, f"unknown target (known: {', '.join(registry())})")
    return found
