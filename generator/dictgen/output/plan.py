"""Plan the files ``generate`` owns, write the plan all-or-nothing, or compare it with the disk."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dictgen import __version__
from dictgen.errors import DictgenError
from dictgen.output import owned
from dictgen.output.atomic import is_leftover, journal_path, read_or_none
from dictgen.output.owned import Lines, safe_path, sha256_of
from dictgen.render.contract import Files
from dictgen.text import printable, visible
from dictgen.tomlfile import regular_file

MANIFEST = "manifest.json"
DIFF_LINES = 20
STAT_BAR = 40  # the widest +/- bar of ``check --stat``; longer ones are scaled down, as git does
OWNER = owned.Owner("dictgen wrote it", "dictgen did not write it: refusing to overwrite")


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
    diff: tuple[str, ...] = ()  # the first DIFF_LINES lines of the unified diff
    added: int = 0  # lines ``generate`` would add, and remove (the whole diff, not only those shown)
    removed: int = 0


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    try:
        doc = json.loads(regular_file(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"targets": {}}
    except (OSError, ValueError) as exc:
        raise DictgenError(path, f"unreadable manifest: {exc}") from None
    targets = doc.get("targets") if isinstance(doc, dict) else None
    if not isinstance(targets, dict) or not all(isinstance(v, dict) for v in targets.values()):
        raise DictgenError(path, 'unreadable manifest: "targets" must map targets to files')
    for files in targets.values():
        for rel in files:
            if not safe_path(rel):
                raise DictgenError(path, f"refusing a manifest entry outside the output folder: {rel!r}")
    return dict(doc)


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
    listed = {out / p for files in previous["targets"].values() for p in files}
    change = owned.changes(wanted, listed, hashes, OWNER)
    files = wanted | dict(beside) | {out / MANIFEST: _manifest(previous, rendered, snapshots)}
    # Each target owns its top folder below the output folder: python/, typescript/, sql/.
    folders = tuple(sorted({out / rel.split("/")[0] for fs in rendered.values() for rel in fs}))
    owned.guard(out, [*wanted, *change.stale, *change.kept])
    return Plan(out, files, change.stale, change.kept, folders)


def check_out_root(out: Path, forbidden: Sequence[Path]) -> None:
    """Refuse an output folder that holds things dictgen does not own (/, home, inputs, config)."""
    owned.refuse_root(out, "output folder", forbidden)


def write(plan: Plan) -> list[str]:
    """Apply the plan as one set (writes and deletions); report each action.

    The caller holds the lock: staging files of a run that died, and folders left empty, are
    garbage here and go too.
    """
    for path in _unexpected(plan):
        if is_leftover(path.name):
            path.unlink()
    lines = owned.apply(plan.out, owned.Changes(plan.files, plan.stale, plan.kept), OWNER)
    for folder in _empty_folders(plan):
        owned.prune(plan.out, folder)
    return lines


def check(plan: Plan) -> list[Difference]:
    """Compare the plan with the disk; an empty list means up to date."""
    found = [d for path, data in plan.files.items() if (d := compare_file(path, data)) is not None]
    return found + extras(plan)


def same_digests(files: Mapping[Path, str]) -> bool:
    """True when every file exists and has the sha256 given for it."""
    return all(sha256_of(path) == digest for path, digest in files.items())


def extras(plan: Plan) -> list[Difference]:
    """What is on disk beside the plan's files: stale files, journals, unexpected files, empty folders."""
    found = [Difference("extra", p.as_posix()) for p in (*plan.stale, *plan.kept)]
    written = {plan.out} | {p.parent for p in plan.files if not p.is_relative_to(plan.out)}
    found += [Difference("interrupted", f.as_posix()) for f in sorted(written) if journal_path(f).exists()]
    found += [Difference("unexpected", p.as_posix()) for p in _unexpected(plan)]
    return found + [Difference("unexpected", f"{p.as_posix()}/ (empty folder)") for p in _empty_folders(plan)]


def describe(differences: list[Difference], out: Path, stat: bool = False) -> Lines:
    """``check``'s report: each difference with its diff, indented (``stat``: one line per file with
    its line counts, like ``git diff --stat``), a summary line, then what to do on stderr."""
    lines: Lines = []
    if stat and differences:
        lines += [(line, False) for line in _stat(differences)]
    else:
        for d in differences:
            lines += [(f"{d.kind}: {d.path}", False), *((f"    {line}", False) for line in d.diff)]
    if differences:
        lines.append((_summary(differences), False))
    foreign = sum(d.kind == "unexpected" for d in differences)
    if foreign:
        lines.append((f"{foreign} file(s) that dictgen does not write: move or delete them", True))
    if len(differences) > foreign:
        lines.append((f"{len(differences) - foreign} file(s) out of date: run `dictgen generate`", True))
    if not differences:
        lines.append((f"up to date: {out.as_posix()}", True))
    return lines


def _stat(differences: list[Difference]) -> list[str]:
    """`` path | 12 ++++----`` per file (its kind when it has no lines to count), bars scaled to STAT_BAR."""
    paths = {d.path: printable(d.path) for d in differences}  # as shown, for the column's width
    width = max(len(shown) for shown in paths.values())
    digits = len(str(max(d.added + d.removed for d in differences)))
    scale = min(1.0, STAT_BAR / max(1, *(d.added + d.removed for d in differences)))
    lines = []
    for d in differences:
        if d.kind in ("stale", "missing"):
            bar = "+" * math.ceil(d.added * scale) + "-" * math.ceil(d.removed * scale)
            lines.append(f" {paths[d.path]:<{width}} | {d.added + d.removed:>{digits}} {bar}".rstrip())
        else:
            lines.append(f" {paths[d.path]:<{width}} | {d.kind}")
    return lines


def _summary(differences: list[Difference]) -> str:
    """``3 files differ, 5 insertions(+), 2 deletions(-)``, counted as ``git diff --stat`` does."""
    files = _count(len(differences), "file") + (" differs" if len(differences) == 1 else " differ")
    added = _count(sum(d.added for d in differences), "insertion")
    removed = _count(sum(d.removed for d in differences), "deletion")
    return f" {files}, {added}(+), {removed}(-)"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _unexpected(plan: Plan) -> list[Path]:
    """Files in a folder a target owns that ``generate`` would not write (tool folders aside)."""
    known = set(plan.files) | set(plan.stale) | set(plan.kept)
    found = [p for folder in plan.owned_folders for p in owned.unlisted(folder, known)]
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
        return Difference(
            "missing", path.as_posix(), added=len(expected.decode("utf-8", "replace").splitlines())
        )
    if actual != expected:
        return _diff(path.as_posix(), actual, expected)
    return None


def _diff(rel: str, actual: bytes, expected: bytes) -> Difference:
    """A stale file: the start of its unified diff, and the lines added and removed in the whole."""
    import difflib  # only when a file differs

    def unified(ends: bool) -> list[str]:
        old, new = (data.decode("utf-8", "replace").splitlines(ends) for data in (actual, expected))
        return list(difflib.unified_diff(old, new, f"{rel} (on disk)", f"{rel} (generated)", lineterm=""))

    # The same lines, different bytes: only line ends differ (CRLF, a final newline), which the
    # diff then shows, escaped, rather than nothing at all.
    lines = unified(False) or unified(True)
    body = lines[2:]  # after the --- and +++ headers
    added, removed = sum(x.startswith("+") for x in body), sum(x.startswith("-") for x in body)
    # A line edited by hand may hold terminal escapes: every invisible character shows as \\u....
    shown = tuple(visible(line) for line in lines[:DIFF_LINES])
    return Difference("stale", rel, shown, added, removed)
