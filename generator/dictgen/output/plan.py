"""Plan the files ``generate`` owns, write the plan all-or-nothing, or compare it with the disk."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dictgen import __version__
from dictgen.errors import DictgenError
from dictgen.output.atomic import is_leftover, journal_path, read_or_none, write_files
from dictgen.render.contract import Files
from dictgen.text import visible

MANIFEST = "manifest.json"
# Lines for the command line to print: (text, True when it goes to stderr).
Lines = list[tuple[str, bool]]
DIFF_LINES = 20
# Folders inside a generated package that tools make (bytecode, caches, installs, builds).
TOOL_FOLDERS = frozenset(
    {"__pycache__", "node_modules", "dist", "build", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv"}
)


@dataclass(frozen=True)
class Plan:
    """What ``generate`` leaves on disk: ``files`` with exactly these bytes (the manifest last),
    owned files no longer produced (``stale``, to delete) and owned files edited since they
    were written (``kept``, never deleted). ``check`` compares the same plan."""

    out: Path
    files: dict[Path, bytes]
    stale: tuple[Path, ...]
    kept: tuple[Path, ...]
    owned_folders: tuple[Path, ...]


@dataclass(frozen=True)
class Difference:
    """One file that is not as ``generate`` would leave it."""

    kind: Literal["stale", "missing", "extra", "unexpected", "interrupted"]
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


def _manifest(previous: dict[str, Any], rendered: Mapping[str, Files], snapshots: list[str]) -> bytes:
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
    out: Path, rendered: Mapping[str, Files], snapshots: list[str], beside: Mapping[Path, bytes]
) -> Plan:
    """The plan for ``out``: rendered files, ``beside`` (files kept elsewhere), the manifest."""
    previous = _read_manifest(out)
    wanted = {out / rel: data for files in rendered.values() for rel, data in files.items()}
    hashes = {out / p: h for t in rendered for p, h in previous["targets"].get(t, {}).items()}
    _refuse_unowned(wanted, {out / p for files in previous["targets"].values() for p in files})
    files = wanted | dict(beside) | {out / MANIFEST: _manifest(previous, rendered, snapshots)}
    gone = sorted(hashes.keys() - files.keys())
    stale = tuple(p for p in gone if _sha256(p) == hashes[p])
    kept = tuple(p for p in gone if _sha256(p) not in (None, hashes[p]))
    # Each target owns its top folder below the output folder: python/, typescript/, sql/.
    folders = tuple(sorted({out / rel.split("/")[0] for fs in rendered.values() for rel in fs}))
    guard(out, [*wanted, *gone])
    return Plan(out, files, stale, kept, folders)


def _sha256(path: Path) -> str | None:
    data = read_or_none(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


def _refuse_unowned(wanted: Mapping[Path, bytes], owned: set[Path]) -> None:
    """Never overwrite a file that dictgen did not write (the manifest does not list it)."""
    for path, data in wanted.items():
        if path not in owned and (old := read_or_none(path)) is not None and old != data:
            raise DictgenError(str(path), "exists but dictgen did not write it: refusing to overwrite")


def guard(out: Path, paths: Iterable[Path]) -> None:
    """Refuse any path below ``out`` reached through a symbolic link (which could lead outside)."""
    for path in paths:
        folder = path.parent
        while folder != out and folder.is_relative_to(out):
            if folder.is_symlink():
                raise DictgenError(str(folder), "is a symbolic link: refusing to write or delete through it")
            folder = folder.parent


def check_out_root(out: Path, forbidden: Sequence[Path]) -> None:
    """Refuse an output folder that holds things dictgen does not own (/, home, inputs, config)."""
    real = out.resolve()
    if real == Path(real.anchor) or real == Path.home().resolve():
        raise DictgenError(str(out), "refusing to use / or the home folder as the output folder")
    for path in forbidden:
        theirs = path.resolve()
        if theirs.is_relative_to(real) or real.is_relative_to(theirs):
            raise DictgenError(str(out), f"refusing an output folder that contains or is inside {path}")


def write(plan: Plan) -> list[str]:
    """Apply the plan as one set (writes and deletions); report each action.

    The caller holds the lock: staging files of a run that died, and folders left empty, are
    garbage here and go too.
    """
    for path in _unexpected(plan):
        if is_leftover(path.name):
            path.unlink()
    changes: dict[Path, bytes | None] = {**dict.fromkeys(plan.stale), **plan.files}
    changed = write_files(changes, plan.out)
    for path in [*plan.stale, *_empty_folders(plan)]:
        _prune_empty(plan.out, path if path.is_dir() else path.parent)
    deleted = set(plan.stale)
    lines = [f"deleted {p}" if p in deleted else f"wrote {p}" for p in changed]
    return lines + [f"kept {p}: edited since dictgen wrote it, delete it by hand" for p in plan.kept]


def _prune_empty(out: Path, folder: Path) -> None:
    while folder != out and folder.is_relative_to(out) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def check(plan: Plan) -> list[Difference]:
    """Compare the plan with the disk; an empty list means up to date."""
    found = [d for path, data in plan.files.items() if (d := compare_file(path, data)) is not None]
    return found + extras(plan)


def same_digests(files: Mapping[Path, str]) -> bool:
    """True when every file exists and has the sha256 given for it."""
    return all(_sha256(path) == digest for path, digest in files.items())


def extras(plan: Plan) -> list[Difference]:
    """What is on disk beside the plan's files: stale files, journals, unexpected files, empty folders."""
    found = [Difference("extra", str(p)) for p in (*plan.stale, *plan.kept)]
    written = {plan.out} | {p.parent for p in plan.files if not p.is_relative_to(plan.out)}
    found += [Difference("interrupted", str(f)) for f in sorted(written) if journal_path(f).exists()]
    found += [Difference("unexpected", str(p)) for p in _unexpected(plan)]
    return found + [Difference("unexpected", f"{p}/ (empty folder)") for p in _empty_folders(plan)]


def describe(differences: list[Difference], out: Path) -> Lines:
    """``check``'s report: each difference (with its diff, indented), then a summary on stderr."""
    lines: Lines = []
    for d in differences:
        lines += [(f"{d.kind}: {d.path}", False), *((f"    {line}", False) for line in d.diff)]
    foreign = sum(d.kind == "unexpected" for d in differences)
    if foreign:
        lines.append((f"{foreign} file(s) that dictgen does not write: move or delete them", True))
    if len(differences) > foreign:
        lines.append((f"{len(differences) - foreign} file(s) out of date: run `dictgen generate`", True))
    if not differences:
        lines.append((f"up to date: {out}", True))
    return lines


def _unexpected(plan: Plan) -> list[Path]:
    """Files in a folder a target owns that ``generate`` would not write (tool folders aside)."""
    known = set(plan.files) | set(plan.stale) | set(plan.kept)
    found = []
    for folder in plan.owned_folders:
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in TOOL_FOLDERS)
            found += [Path(root, n) for n in sorted(names) if Path(root, n) not in known]
    found += [p.parent / n for p in plan.files if p.parent.is_dir() for n in _leftovers(p.parent)]
    return sorted(set(found))


def _empty_folders(plan: Plan) -> list[Path]:
    """Folders in a target's folder with nothing in them (a run that died before removing them)."""
    return [
        Path(root)
        for folder in plan.owned_folders
        for root, dirs, names in os.walk(folder)
        if not dirs and not names and Path(root) != folder
    ]


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if is_leftover(n))


def compare_file(path: Path, expected: bytes) -> Difference | None:
    """How ``path`` differs from ``expected``, or None when it is identical."""
    actual = read_or_none(path)
    if actual is None:
        return Difference("missing", str(path))
    if actual != expected:
        return Difference("stale", str(path), _diff(str(path), actual, expected))
    return None


def _diff(rel: str, actual: bytes, expected: bytes) -> tuple[str, ...]:
    import difflib  # only when a file differs

    lines = difflib.unified_diff(
        actual.decode("utf-8", "replace").splitlines(),
        expected.decode("utf-8", "replace").splitlines(),
        f"{rel} (on disk)",
        f"{rel} (generated)",
        lineterm="",
    )
    # A line edited by hand may hold terminal escapes: every invisible character shows as \\u....
    return tuple(visible(line) for line in itertools.islice(lines, DIFF_LINES))
