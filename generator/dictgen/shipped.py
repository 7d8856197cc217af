"""Data files dictgen ships beside its code: the built-in templates, curated names and Juhe's error codes.

A wheel carries them inside the package; a source checkout keeps them at the repository's root.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent
_CHECKOUT = PACKAGE.parent.parent  # generator/dictgen -> the repository


def _shipped(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.exists() else _CHECKOUT / name


TEMPLATES = _shipped("templates")
NAMES = _shipped("names.toml")
ERRORS = _shipped("errors.toml")
