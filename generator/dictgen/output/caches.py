"""Caches in the user's cache folder (``$XDG_CACHE_HOME/dictgen``): each saves work, none changes
a byte of output, and any of them may be deleted at any time."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from dictgen.errors import DictgenError
from dictgen.output.atomic import read_or_none, user_folder

# Set (to anything but "" or "0") to turn every fast path off: no cache, every template
# sandboxed, black on each whole module. The output bytes are the same either way.
NO_FAST_PATHS = "DICTGEN_NO_FASTPATHS"


def fast_paths() -> bool:
    """False when ``DICTGEN_NO_FASTPATHS`` asks for the plain, slow way."""
    return os.environ.get(NO_FAST_PATHS, "") in ("", "0")


def cache_home() -> Path | None:
    """``$XDG_CACHE_HOME/dictgen`` (``~/.cache/dictgen``): caches that never change any output.
    None without one (no home folder): then no cache is used."""
    try:
        return user_folder("XDG_CACHE_HOME", ".cache")
    except DictgenError:
        return None


def private_folder(folder: Path) -> bool:
    """Make ``folder`` (mode 700); True when it is a real folder of this user that others cannot write."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    owner = getattr(os, "getuid", None)  # None on Windows, whose mode bits say nothing of who may write:
    return (  # there no cache is used, which changes no output
        owner is not None
        and stat.S_ISDIR(info.st_mode)
        and info.st_uid == owner()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


class JsonCache:
    """Values worked out before (the check record): in ``folder``, a JSON file per key. A value that
    is missing or unreadable is worked out again; a cache that cannot be written is no error."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> object:
        """The value stored under ``key``, or None."""
        data = read_or_none(self._entry(key))
        try:
            return json.loads(data) if data is not None else None
        except ValueError:
            return None

    def put(self, key: str, value: object) -> None:
        """Store ``value`` under ``key``."""
        _store(self._entry(key), json.dumps(value, ensure_ascii=False))


def _store(entry: Path, text: str) -> None:
    """Write ``entry`` whole (staged, then renamed: a reader never sees half); no error if it cannot."""
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staged = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        staged.write_text(text, encoding="utf-8")
        os.replace(staged, entry)
    except (OSError, ValueError):
        return


def library(name: str) -> tuple[str, int, int] | None:
    """Where library ``name`` is, and its size and time (a new version rewrites the file); None
    when it is not installed. Cheaper than importlib.metadata, which imports the email package."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    info = os.stat(spec.origin)
    return spec.origin, info.st_size, info.st_mtime_ns
