"""Load and validate snapshot files and API responses; compute the canonical hash."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from dictgen.console import OUT, REDACTED
from dictgen.errors import SnapshotError
from dictgen.model.types import Dictionary, Entry, Snapshot, Version
from dictgen.tomlfile import regular_file

MAX_DEPTH = 32
SNAPSHOT_KEYS = ("version", "source", "retrieved_at", "sha256", "result")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEX64 = re.compile(r"[0-9a-f]{64}")
FOLDER_NOT_FOUND = "snapshot directory not found"

Warn = Callable[[str], None]
Problems = list[tuple[str, str]]


def stderr_warning(message: str) -> None:
    """The default ``Warn``: one ``warning:`` line on stderr, cleaned as every printed line is."""
    OUT.say(f"warning: {message}", err=True)


class _Object(dict[str, Any]):
    """A JSON object that remembers which keys appeared more than once (in order, as dict keys)."""

    duplicates: dict[str, None]


def _object_hook(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = {}
    for key, value in pairs:
        if key in obj:
            obj.duplicates[key] = None
        obj[key] = value
    return obj


def json_path(path: str, *keys: str) -> str:
    """Extend ``path`` by ``keys``, quoting keys that are not identifiers: ``result.seatClass.data."4"``."""
    for key in keys:
        quoted = key if _IDENT.fullmatch(key) else json.dumps(key)
        path = f"{path}.{quoted}" if path else quoted
    return path


def canonical_sha256(result: Any) -> str:
    """SHA-256 of ``result`` serialised with sorted keys, so key order does not change identity."""
    text = json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_json(data: bytes, where: str) -> Any:
    """Decode UTF-8 JSON, rejecting duplicate keys anywhere and nesting deeper than MAX_DEPTH."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SnapshotError(where, [("", f"not UTF-8 (byte {exc.start})")]) from None
    try:
        value = json.loads(
            text.removeprefix("\ufeff"),
            object_pairs_hook=_object_hook,
            parse_constant=_no_constant,
            parse_float=_finite,
        )
    except RecursionError:
        raise SnapshotError(where, [("", "JSON nesting too deep")]) from None
    except json.JSONDecodeError as exc:
        detail = f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise SnapshotError(where, [("", detail)]) from None
    except ValueError as exc:  # NaN/Infinity, a number out of range, or an integer too long to convert
        raise SnapshotError(where, [("", f"invalid JSON: {str(exc).splitlines()[0]}")]) from None
    problems: Problems = []
    _check_structure(value, problems)
    if problems:
        raise SnapshotError(where, problems)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent, refused when a float cannot hold it: ``1e400``
    would read as infinity, which a snapshot could only store as ``Infinity``, itself no JSON."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _check_structure(root: Any, problems: Problems) -> None:
    """Walk iteratively: report duplicate keys, lone surrogates (anywhere: they cannot be
    hashed or written as UTF-8) and excessive depth, with their paths."""
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append((path, f"nesting deeper than {MAX_DEPTH} levels"))
            continue
        if isinstance(value, str) and _SURROGATE.search(value):
            problems.append((path, "contains a lone surrogate"))
        if isinstance(value, _Object):
            problems.extend((json_path(path, key), "duplicate key") for key in value.duplicates)
            problems.extend(
                (json_path(path, k), "key contains a lone surrogate") for k in value if _SURROGATE.search(k)
            )
            stack.extend((child, json_path(path, key), depth + 1) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))


def _check_text(value: Any, path: str, problems: Problems, what: str) -> bool:
    if not isinstance(value, str):
        problems.append((path, f"{what} must be a string, not {_kind(value)}"))
        return False
    bad = _BAD_CHARS.search(value)
    if bad:
        kind = "U+0000" if bad.group() == "\x00" else "a lone surrogate"
        problems.append((path, f"{what} contains {kind}"))
        return False
    return True


def validate_result(
    result: Any, problems: Problems, warn: Warn = stderr_warning, prefix: str = "result"
) -> tuple[tuple[str, ...] | None, tuple[Dictionary, ...]]:
    """Validate the API's ``result`` object, appending every problem; return tips and dictionaries."""
    if not isinstance(result, dict):
        problems.append((prefix, f"must be an object, not {_kind(result)}"))
        return None, ()
    tips: tuple[str, ...] | None = None
    dictionaries: list[Dictionary] = []
    for key, value in result.items():
        path = json_path(prefix, key)
        if key == "tips":
            tips = _validate_tips(value, path, problems)
        elif key == "":
            problems.append((path, "empty dictionary name"))
        elif _check_text(key, path, problems, "dictionary name"):
            dictionary = _validate_dictionary(key, value, path, problems, warn)
            if dictionary is not None:
                dictionaries.append(dictionary)
    return tips, tuple(dictionaries)


def _validate_tips(value: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        problems.append((path, f"tips must be a list of strings, not {_kind(value)}"))
        return None
    ok = [_check_text(tip, f"{path}[{i}]", problems, "tip") for i, tip in enumerate(value)]
    return tuple(value) if all(ok) else None


def _validate_dictionary(
    key: str, value: Any, path: str, problems: Problems, warn: Warn
) -> Dictionary | None:
    if not isinstance(value, dict):
        problems.append((path, f'must be {{"msg": string, "data": object}}, not {_kind(value)}'))
        return None
    before = len(problems)
    if "msg" not in value:
        problems.append((path, 'missing "msg"'))
    else:
        _check_text(value["msg"], json_path(path, "msg"), problems, "msg")
    data = value.get("data")
    if not isinstance(data, dict):
        problems.append((json_path(path, "data"), f"must be an object, not {_kind(data)}"))
        data = {}
    for extra in sorted(value.keys() - {"msg", "data"}):
        warn(f"{json_path(path, extra)}: unknown key ignored")
    entries = []
    for code, label in data.items():
        code_path = json_path(path, "data", code)
        if code == "":
            problems.append((code_path, "empty code"))
        elif _check_text(code, code_path, problems, "code") and _check_text(
            label, code_path, problems, "label"
        ):
            entries.append(Entry(code, label))
    if len(problems) > before:
        return None
    return Dictionary(key, value["msg"], tuple(entries))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for typ, name in ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, typ):
            return name
    return "a number"


def _validate_header(doc: dict[str, Any], stem: str | None, problems: Problems) -> Version | None:
    for key in SNAPSHOT_KEYS:
        if key not in doc:
            problems.append((key, "missing"))
        elif key != "result" and not isinstance(doc[key], str):
            problems.append((key, f"must be a string, not {_kind(doc[key])}"))
    version = Version.parse(doc["version"]) if isinstance(doc.get("version"), str) else None
    if isinstance(doc.get("version"), str) and version is None:
        problems.append(("version", f"{doc['version'][:40]!r} is not a MAJOR.MINOR.PATCH version"))
    if version is not None and stem is not None and str(version) != stem:
        problems.append(("version", f"{doc['version']!r} does not match the file name {stem}.json"))
    source = doc.get("source")
    if isinstance(source, str) and _secret_in(source):
        problems.append(("source", "must not contain the API key or a password (dictgen stores ***)"))
    stamp = doc.get("retrieved_at")
    if isinstance(stamp, str) and parse_utc(stamp) is None:
        problems.append(("retrieved_at", f"{stamp!r} is not an ISO-8601 UTC time"))
    digest = doc.get("sha256")
    if isinstance(digest, str) and not _HEX64.fullmatch(digest):
        problems.append(("sha256", "must be 64 lowercase hex digits"))
    return version


def masked_url(url: str) -> tuple[str, bool]:
    """``url`` with any user:password and every ``key`` parameter's value as ***, no fragment; had a key?"""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    pieces, found = re.split(r"([&;])", parts.query), False
    for i in range(0, len(pieces), 2):
        name = pieces[i].partition("=")[0]
        if _is_key(name):
            pieces[i], found = f"{name}={REDACTED}", True
    return urlunsplit((parts.scheme, netloc, parts.path, "".join(pieces), "")), found


def _is_key(name: str) -> bool:
    """A query parameter's name as PHP would read it as ``key``: KEY, %6Bey, key[] too, and key%00x
    (PHP ends a parameter's name at its first NUL)."""
    name = unquote_plus(name).partition("\0")[0].strip()
    return re.fullmatch(r"key(\[.*)?", name, re.IGNORECASE | re.DOTALL) is not None


def _secret_in(source: str) -> bool:
    """True when ``source`` (a URL, or any text) carries a key or a password other than ***."""
    try:
        parts = urlsplit(source)
        netloc, query = parts.netloc, parts.query
    except ValueError:  # a host urlsplit refuses ("[x", a fullwidth slash): its query is still there
        head, _, query = source.partition("#")[0].partition("?")
        netloc = head.partition("//")[2].partition("/")[0]
    if "@" in netloc and netloc.rpartition("@")[0] != REDACTED:
        return True
    pairs = (piece.partition("=") for piece in re.split(r"[&;]", query))
    return any(_is_key(name) and value not in ("", REDACTED) for name, _, value in pairs)


def parse_utc(stamp: str) -> datetime | None:
    """An ISO-8601 time in UTC (``Z`` or ``+00:00``), or None when ``stamp`` is not one."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = moment.utcoffset()
    return moment if offset is not None and not offset else None


def snapshot_from_doc(doc: Any, where: str, stem: str | None = None, warn: Warn = stderr_warning) -> Snapshot:
    """Validate a parsed snapshot document; raise SnapshotError listing every problem."""
    if not isinstance(doc, dict):
        raise SnapshotError(where, [("", f"a snapshot must be an object, not {_kind(doc)}")])
    problems: Problems = []
    version = _validate_header(doc, stem, problems)

    def located(message: str) -> None:
        warn(f"{where}: {message}")

    for extra in sorted(doc.keys() - set(SNAPSHOT_KEYS)):
        located(f"{json_path('', extra)}: unknown key ignored")
    tips, dictionaries = validate_result(doc.get("result"), problems, located)
    digest = doc.get("sha256")
    if not problems and digest != canonical_sha256(doc["result"]):
        problems.append(("sha256", f"mismatch: the result hashes to {canonical_sha256(doc['result'])}"))
    if problems or version is None:
        raise SnapshotError(where, problems)
    return Snapshot(version, doc["source"], doc["retrieved_at"], doc["sha256"], tips, dictionaries)


def load_snapshot(path: Path, warn: Warn = stderr_warning) -> Snapshot:
    """Read, parse and validate one snapshot file."""
    try:
        data = regular_file(path).read_bytes()
    except OSError as exc:
        raise SnapshotError(path, [("", exc.strerror or str(exc))]) from None
    return parse_snapshot(data, str(path), path.stem, warn)


def parse_snapshot(data: bytes, where: str, stem: str, warn: Warn = stderr_warning) -> Snapshot:
    """Parse and validate the bytes of snapshot file ``<stem>.json``; errors name ``where``."""
    return snapshot_from_doc(parse_json(data, where), where, stem, warn)


def load_snapshots(directory: Path, warn: Warn = stderr_warning) -> list[Snapshot]:
    """Load every ``<version>.json`` in ``directory``, oldest first."""
    if not directory.is_dir():
        raise SnapshotError(directory, [("", FOLDER_NOT_FOUND)])
    return history([load_snapshot(path, warn) for path in snapshot_files(directory)], directory)


def snapshot_files(directory: Path) -> list[Path]:
    """The ``*.json`` files of ``directory``, but hidden ones: no version starts with ".", while
    editors and copies leave such files beside the one they touch (Emacs's ``.#1.0.0.json`` lock,
    macOS's ``._1.0.0.json``)."""
    return sorted(path for path in directory.glob("*.json") if not path.name.startswith("."))


def history(snapshots: list[Snapshot], where: str | PurePath) -> list[Snapshot]:
    """The snapshots of folder ``where``, oldest first; an error when there are none."""
    if not snapshots:
        raise SnapshotError(where, [("", "no snapshots (*.json) found")])
    return sorted(snapshots, key=lambda s: s.version)


def check_size(snapshots: Iterable[Snapshot], max_entries: int, folder: Path) -> None:
    """Refuse a snapshot of ``folder`` with more entries in all than ``max_entries``, before any work."""
    for snap in snapshots:
        count = sum(len(d.entries) for d in snap.dictionaries)
        if count > max_entries:
            limit = f"more than max_entries = {max_entries} (set it in [tool.dictgen] to allow more)"
            raise SnapshotError(folder / f"{snap.version}.json", [("", f"{count} entries, {limit}")])


def newest_per_major(snapshots: list[Snapshot]) -> list[Snapshot]:
    """For each major version, the newest snapshot of that major, majors ascending."""
    newest: dict[int, Snapshot] = {}
    for snap in sorted(snapshots, key=lambda s: s.version):
        newest[snap.version.major] = snap
    return [newest[major] for major in sorted(newest)]


def dump_snapshot(version: Version, source: str, retrieved_at: str, result: Any) -> bytes:
    """Serialise a snapshot file: result verbatim (order kept), two-space indent, final LF."""
    doc = {
        "version": str(version),
        "source": source,
        "retrieved_at": retrieved_at,
        "sha256": canonical_sha256(result),
        "result": result,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
