"""Read a vendored copy's VENDORED.json and compare the copy with it; needs no snapshot or names.toml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dictgen.errors import DictgenError, SnapshotError
from dictgen.model.snapshot import load_snapshots, parse_json
from dictgen.model.types import Version
from dictgen.output.atomic import settled
from dictgen.output.owned import Lines, guard, safe_path, sha256_of, unlisted
from dictgen.render.contract import Vendoring
from dictgen.targets import registry
from dictgen.tomlfile import regular_file

RECORD, README = "VENDORED.json", "VENDORED.md"
FORMAT = 1  # VENDORED.json's layout; a reader refuses a format it does not know
MAX_JSON = 8 << 20  # bytes: a record or journal larger than this is not one dictgen wrote
_HEX64 = re.compile(r"[0-9a-f]{64}")
_PACKAGE = re.compile(r"(@[a-z0-9._-]+/)?[A-Za-z0-9._-]{1,214}")


def vendorable() -> dict[str, Vendoring]:
    """Target name -> how it is vendored, for every target that can be."""
    return {name: t.vendoring for name, t in registry().items() if t.vendoring is not None}


@dataclass(frozen=True)
class Record:
    """A vendored copy's VENDORED.json: what was copied, from which snapshots, every file's sha256."""

    package: str
    target: str
    major: int | None
    snapshots: tuple[tuple[Version, str], ...]
    files: dict[str, str]  # path relative to the copy, ``/``-separated -> sha256


@dataclass(frozen=True)
class Difference:
    """One file of a vendored copy that is not as VENDORED.json records it."""

    kind: Literal["edited", "missing", "unexpected"]
    path: Path


def load_json(path: Path, missing: str) -> Any:
    """Parse a JSON file dictgen wrote, strictly; every failure is one line (``missing`` when absent)."""
    try:
        with open(regular_file(path), "rb") as handle:
            data = handle.read(MAX_JSON + 1)
    except FileNotFoundError:
        raise DictgenError(path, missing) from None
    except OSError as exc:
        raise DictgenError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_JSON:
        raise DictgenError(path, f"unreadable: larger than {MAX_JSON} bytes")
    try:
        return parse_json(data, str(path))
    except SnapshotError as exc:
        place, message = exc.problems[0]
        raise DictgenError(path, f"unreadable: {place + ': ' if place else ''}{message}") from None


def read_record(dest: Path) -> Record:
    """The VENDORED.json of the copy in ``dest``, validated: every path must stay inside ``dest``."""
    path = dest / RECORD
    if not dest.is_dir():
        raise DictgenError(dest, "no such folder")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise DictgenError(path, "is not a regular file: refusing to read it")
    doc = load_json(path, f"not found: {dest} is not a vendored copy (see `dictgen vendor`)")
    if not isinstance(doc, dict):
        raise DictgenError(path, "unreadable: must be a JSON object")
    if doc.get("format") != FORMAT:
        raise DictgenError(path, f'unreadable: "format" must be {FORMAT} (written by a newer dictgen?)')
    target, major, package = doc.get("target"), doc.get("major"), doc.get("package")
    if target not in vendorable():
        raise DictgenError(path, f'unreadable: "target" must be one of {", ".join(vendorable())}')
    if major is not None and (type(major) is not int or major < 0):
        raise DictgenError(path, 'unreadable: "major" must be null or a whole number')
    if not isinstance(package, str) or not _PACKAGE.fullmatch(package):
        raise DictgenError(path, 'unreadable: "package" must be a package name')
    return Record(
        package, target, major, _snapshots(doc.get("snapshots"), path), _files(doc.get("files"), path)
    )


def _snapshots(value: object, path: Path) -> tuple[tuple[Version, str], ...]:
    found = []
    for item in value if isinstance(value, list) and value else [None]:
        text = item.get("version") if isinstance(item, dict) else None
        version = Version.parse(text) if isinstance(text, str) else None
        digest = item.get("sha256") if isinstance(item, dict) else None
        if version is None or not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            what = '"snapshots" must list {"version": "M.m.p", "sha256": hex digest} objects'
            raise DictgenError(path, f"unreadable: {what}")
        found.append((version, digest))
    return tuple(found)


def _files(value: object, path: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise DictgenError(path, 'unreadable: "files" must map paths to sha256 digests')
    for rel, digest in value.items():
        if not safe_path(rel) or rel == RECORD:
            what = "refusing a path outside the vendored folder or in a .git folder"
            raise DictgenError(path, f"{what}: {rel!r}")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise DictgenError(path, f"unreadable: {rel!r}: not a sha256 digest")
    return dict(value)


def check_vendored(dest: Path) -> tuple[Record, list[Difference]]:
    """Compare the copy in ``dest`` with its VENDORED.json: edited, missing and unexpected files."""
    record = read_record(dest)
    listed = {dest / rel: digest for rel, digest in sorted(record.files.items())}
    guard(dest, listed)
    found = []
    for path, digest in listed.items():
        actual = sha256_of(path)  # a link, FIFO or device is no file of the copy: missing
        if actual != digest:
            found.append(Difference("missing" if actual is None else "edited", path))
    extra = unlisted(dest, {*listed, dest / RECORD})
    return record, found + [Difference("unexpected", p) for p in extra]


def report_copy(dest: Path, snapshots: Path, options: Mapping[str, object]) -> tuple[Lines, bool]:
    """``check --vendored``: one line per difference, notes and a summary; True when the copy differs."""
    given = sorted(k for k, v in options.items() if k != "snapshots" and v not in (None, ()))
    if given:
        raise DictgenError("--vendored", f"takes no --{given[0].replace('_', '-')} (only --snapshots)")
    record, differences = check_vendored(dest)
    lines = [(f"{d.kind}: {d.path.as_posix()}", False) for d in differences]
    lines += [(f"note: {note}", True) for note in newer_snapshots(record, snapshots)]
    if differences:
        count = len(differences)
        lines.append((f"{count} file(s) differ from the vendored copy: see {dest.as_posix()}/{RECORD}", True))
    else:
        lines.append((f"vendored copy intact: {dest.as_posix()}", True))
    return lines, bool(differences)


def newer_snapshots(record: Record, folder: Path) -> list[str]:
    """Notes on snapshots in ``folder`` newer than a vendored one of the same major; none without it."""
    if not folder.is_dir():
        return []
    try:  # never a note on a snapshot that a killed import half recorded
        history = load_snapshots(settled(folder), warn=lambda message: None)
    except DictgenError as exc:
        return [f"{exc.where}: not compared with the vendored copy ({exc.what})"]
    notes: list[str] = []
    for version, _ in record.snapshots:
        newest = max((s.version for s in history if s.version.major == version.major), default=version)
        if newest > version:
            notes.append(
                f"snapshot {newest} in {folder} is newer than the vendored {version} (major {version.major}):"
                f" update with `dictgen vendor` (see {RECORD})"
            )
    return notes
