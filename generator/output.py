"""Write a rendered file map atomically, or compare it with the disk; track owned files."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import __version__
from generator.choices import Target
from generator.errors import DictgenError
from generator.views import Files

MANIFEST = "manifest.json"
DIFF_LINES = 20


@dataclass(frozen=True)
class Plan:
    """What ``generate`` leaves on disk: ``files`` with exactly these bytes (the manifest last),
    and owned files no longer produced, to delete. ``check`` compares the same plan."""

    out: Path
    files: dict[Path, bytes]
    stale: tuple[Path, ...]


@dataclass(frozen=True)
class Difference:
    """One owned file that is not as ``generate`` would write it."""

    kind: str  # "stale", "missing" or "extra"
    path: str
    diff: tuple[str, ...] = ()


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"targets": {}}
    except (OSError, ValueError) as exc:
        raise DictgenError(str(path), f"unreadable manifest: {exc}") from None
    targets = doc.get("targets") if isinstance(doc, dict) else None
    if not isinstance(targets, dict) or not all(isinstance(v, dict) for v in targets.values()):
        raise DictgenError(str(path), 'unreadable manifest: "targets" must map targets to files')
    for files in targets.values():
        for rel in files:
            if not _owned_path(rel):
                raise DictgenError(str(path), f"refusing a manifest entry outside the output folder: {rel!r}")
    return dict(doc)


def _owned_path(rel: str) -> bool:
    """A path ``generate`` could have written: relative, below the output folder, plain."""
    parts = rel.split("/")
    return (
        bool(rel)
        and "\\" not in rel
        and not rel.startswith("/")
        and "" not in parts
        and not {".", ".."} & set(parts)
    )


def _manifest(previous: dict[str, Any], rendered: Mapping[Target, Files], snapshots: list[str]) -> bytes:
    targets = dict(previous["targets"])
    for target, files in rendered.items():
        targets[target] = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    doc = {
        "generator": f"grabticket-dictgen {__version__}",
        "snapshots": snapshots,
        "targets": {name: dict(sorted(files.items())) for name, files in sorted(targets.items())},
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def plan(
    out: Path, rendered: Mapping[Target, Files], snapshots: list[str], beside: Mapping[Path, bytes]
) -> Plan:
    """The plan for ``out``: rendered files, ``beside`` (files kept elsewhere), the manifest."""
    previous = _read_manifest(out)
    wanted = {out / rel: data for files in rendered.values() for rel, data in files.items()}
    owned_before = {out / p for t in rendered for p in previous["targets"].get(t, {})}
    files = wanted | dict(beside) | {out / MANIFEST: _manifest(previous, rendered, snapshots)}
    return Plan(out, files, tuple(sorted(owned_before - files.keys())))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def write(plan: Plan) -> list[str]:
    """Write the planned files that changed as one set, then delete owned files no longer
    produced; report each action."""
    changed = write_files(plan.files)
    for path in plan.stale:
        if path.is_file() or path.is_symlink():
            path.unlink()
        _prune_empty(plan.out, path.parent)
    return [f"wrote {path}" for path in changed] + [f"deleted {path}" for path in plan.stale]


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write the files whose content differs, all or none: each is staged under a temporary
    name, then renamed in the given order; on a failure every file is put back as it was."""
    changed = {path: data for path, data in files.items() if _read(path) != data}
    staged: list[tuple[Path, Path]] = []
    renamed: list[tuple[Path, Path | None]] = []  # (file, backup of its old content)
    path = next(iter(changed), Path("."))
    try:
        for path, data in changed.items():
            staged.append((_stage(path, data), path))
        for tmp, path in staged:
            backup = _backup(path)
            renamed.append((path, backup))
            os.replace(tmp, path)
    except OSError as exc:
        for done, backup in reversed(renamed):
            if backup is not None:
                os.replace(backup, done)
            elif done.is_file():
                done.unlink()
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise DictgenError(str(path), f"cannot write: {exc.strerror or exc}") from None
    for _, backup in renamed:
        if backup is not None:
            backup.unlink()
    return list(changed)


def _backup(path: Path) -> Path | None:
    """A hard link to the current ``path`` (None when there is no file), to restore on failure."""
    if not path.is_file():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.bak")
    backup.unlink(missing_ok=True)
    os.link(path, backup)
    return backup


def _stage(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(name, 0o644)
    return Path(name)


def _prune_empty(out: Path, folder: Path) -> None:
    while folder != out and folder.is_relative_to(out) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def check(plan: Plan) -> list[Difference]:
    """Compare the plan with the disk; an empty list means up to date."""
    found = [d for path, data in plan.files.items() if (d := compare_file(path, data)) is not None]
    return found + [Difference("extra", str(path)) for path in plan.stale if path.exists()]


def compare_file(path: Path, expected: bytes) -> Difference | None:
    """How ``path`` differs from ``expected``, or None when it is identical."""
    actual = _read(path)
    if actual is None:
        return Difference("missing", str(path))
    if actual != expected:
        return Difference("stale", str(path), _diff(str(path), actual, expected))
    return None


def _diff(rel: str, actual: bytes, expected: bytes) -> tuple[str, ...]:
    lines = difflib.unified_diff(
        actual.decode("utf-8", "replace").splitlines(),
        expected.decode("utf-8", "replace").splitlines(),
        f"{rel} (on disk)",
        f"{rel} (generated)",
        lineterm="",
    )
    return tuple(itertools.islice(lines, DIFF_LINES))
