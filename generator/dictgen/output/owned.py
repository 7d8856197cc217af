"""Trees that dictgen owns: the generated output (``manifest.json``) and a vendored copy
(``VENDORED.json``). One place for what both need: which paths a record may name, which folders
may be written at all, what a new set of files replaces or leaves, how it is written, what
is said about it, and the one reader of files that are compared.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dictgen.errors import DictgenError
from dictgen.output.atomic import home_folder, read_or_none, write_files

# Lines for the command line to print: (text, True when it goes to stderr).
Lines = list[tuple[str, bool]]
# Folders inside an owned tree that tools make (bytecode, caches, installs, builds), and git's own
# (a copy at a repository's root): never ours.
TOOL_FOLDERS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "dist",
        "build",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".venv",
        ".git",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Owner:
    """How messages speak of the tree's owner: ``dictgen wrote it`` or ``it was vendored``."""

    wrote: str  # "edited since <wrote>"
    refusal: str  # what a file that the record does not list "exists but ..."


@dataclass(frozen=True)
class Changes:
    """A new set of files for an owned tree: what to write, what to delete, what to leave."""

    files: dict[Path, bytes]
    stale: tuple[Path, ...]  # owned before, no longer produced, unedited: deleted
    kept: tuple[Path, ...]  # owned before, no longer produced, edited since: left, and said so


def safe_path(rel: object) -> bool:
    """True for a plain relative ``/``-separated path that stays below its folder and out of any
    repository's ``.git`` there (a record could otherwise have a vendored copy at a repository's
    root delete ``.git/config``)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or rel.startswith("/") or _CONTROL.search(rel):
        return False
    parts = rel.split("/")
    return not {"", ".", ".."} & set(parts) and not any(_is_git_name(part) for part in parts)


def _is_git_name(name: str) -> bool:
    """``.git`` as git itself refuses it in a tree: any case, and as Windows reads ``.git.``, ``GIT~1``."""
    return name.rstrip(". ").lower() in {".git", "git~1"}


def sha256_of(path: Path) -> str | None:
    """The sha256 of a regular file's bytes, or None (read as ``atomic.read_or_none`` reads)."""
    data = read_or_none(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


def refuse_root(folder: Path, role: str, theirs: Sequence[Path]) -> None:
    """Refuse ``folder`` as an owned tree when it is /, home, or overlaps a folder in ``theirs``."""
    real, home = _resolved(folder), home_folder()
    if real == Path(real.anchor) or (home is not None and real == home.resolve()):
        raise DictgenError(folder, f"refusing to use / or the home folder as the {role}")
    for path in theirs:
        other = _resolved(path)
        if other.is_relative_to(real) or real.is_relative_to(other):
            article = "an" if role[0] in "aeiou" else "a"
            raise DictgenError(folder, f"refusing {article} {role} that contains or is inside {path}")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except RuntimeError:  # a symbolic link loop, before Python 3.13
        raise DictgenError(path, "cannot be followed: a symbolic link loop") from None
    except OSError as exc:  # ELOOP from Python 3.13 on
        raise DictgenError(path, f"cannot be followed: {exc.strerror or exc}") from None


def guard(root: Path, paths: Iterable[Path]) -> None:
    """Refuse any path below ``root`` reached through a symbolic link (which could lead outside)."""
    for path in paths:
        folder = path.parent
        while folder != root and folder.is_relative_to(root):
            if folder.is_symlink():
                raise DictgenError(folder, "is a symbolic link: refusing to write or delete through it")
            folder = folder.parent


def changes(
    wanted: Mapping[Path, bytes], owned: Collection[Path], previous: Mapping[Path, str], owner: Owner
) -> Changes:
    """Replace the files of ``previous`` (path -> sha256 when written) with ``wanted``.

    Never overwrites a file the record does not list (``owned``), unless it already holds the
    wanted bytes; deletes only what is unedited since it was written.
    """
    for path, data in wanted.items():
        if path not in owned and (old := read_or_none(path)) is not None and old != data:
            raise DictgenError(path, f"exists but {owner.refusal}")
    gone = sorted(previous.keys() - wanted.keys())
    digests = {path: sha256_of(path) for path in gone}
    stale = tuple(p for p in gone if digests[p] == previous[p])
    kept = tuple(p for p in gone if digests[p] not in (None, previous[p]))
    return Changes(dict(wanted), stale, kept)


def apply(root: Path, change: Changes, owner: Owner) -> list[str]:
    """Write ``change`` as one set (journaled for ``root``), prune the folders its deletions
    emptied, and say what happened. The caller holds ``root``'s lock."""
    guard(root, [*change.files, *change.stale, *change.kept])
    written = write_files({**dict.fromkeys(change.stale), **change.files}, root)
    for path in change.stale:
        prune(root, path.parent)
    deleted = set(change.stale)
    lines = [f"deleted {p.as_posix()}" if p in deleted else f"wrote {p.as_posix()}" for p in written]
    return lines + [
        f"kept {p.as_posix()}: edited since {owner.wrote}, delete it by hand" for p in change.kept
    ]


def prune(root: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents below ``root`` while empty, or holding only a bytecode cache."""
    while folder != root and folder.is_relative_to(root) and folder.is_dir() and not folder.is_symlink():
        cache = folder / "__pycache__"
        if os.listdir(folder) == ["__pycache__"] and cache.is_dir() and not cache.is_symlink():
            shutil.rmtree(cache)
        if os.listdir(folder):
            return
        folder.rmdir()
        folder = folder.parent


def unlisted(folder: Path, known: Collection[Path]) -> list[Path]:
    """Files and linked folders below ``folder`` that are not ``known``; tool folders aside."""
    found = []
    for root, dirs, names in os.walk(folder):
        found += [Path(root, d) for d in dirs if Path(root, d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in TOOL_FOLDERS and not Path(root, d).is_symlink())
        found += [Path(root, n) for n in names if Path(root, n) not in known and n != ".git"]  # a gitlink
    return sorted(found)
