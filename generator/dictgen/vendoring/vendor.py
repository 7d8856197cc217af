"""Copy a generated package into another repository's tree as one all-or-nothing set, with VENDORED.json."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dictgen import __version__
from dictgen.config import CONFIG
from dictgen.errors import DictgenError
from dictgen.model.snapshot import load_snapshots, newest_per_major
from dictgen.model.types import Version
from dictgen.output import owned
from dictgen.output.atomic import locked, read_or_none, recover
from dictgen.output.owned import Lines, safe_path
from dictgen.output.plan import MANIFEST
from dictgen.vendoring.vendored import (
    FORMAT,
    README,
    RECORD,
    Record,
    load_json,
    read_record,
    vendorable,
)

OWNER = owned.Owner("it was vendored", "was not vendored by dictgen: refusing to overwrite it")


@dataclass(frozen=True)
class Request:
    """Copy ``target``'s package (only major ``major``, when given) from ``out`` into ``dest``."""

    out: Path
    snapshots: Path
    dest: Path
    target: str
    major: int | None = None


def vendor(request: Request) -> Lines:
    """Copy the package into ``request.dest`` as one set, replacing any previous copy; say what changed."""
    _refuse_unsafe(request)
    with locked(request.snapshots, create=False), locked(request.out, create=False):
        recover(request.snapshots)  # never copy what a killed run left half written
        recover(request.out, (request.snapshots,))
        files, snapshots = _source(request)
    files = _with_record(request, files, snapshots)
    dest = request.dest
    with locked(dest):
        recover(dest)  # its journal may name only files inside dest
        previous = _previous(dest)
        listed = {dest / rel: digest for rel, digest in (previous.files if previous else {}).items()}
        wanted = {dest / rel: data for rel, data in files.items()}
        change = owned.changes(wanted, {*listed, dest / RECORD}, listed, OWNER)
        lines: Lines = [(line, False) for line in owned.apply(dest, change, OWNER)]
    changed = len(lines) - len(change.kept)
    summary = f"{changed} file(s) changed; verify from that repository's root: `{verify_command(dest)}`"
    return [*lines, (summary, True)]


def _refuse_unsafe(request: Request) -> None:
    """Refuse a destination that is /, home, a symbolic link, or overlaps dictgen's own folders."""
    dest = request.dest
    owned.refuse_root(dest, "destination", (request.out, request.snapshots, CONFIG))
    if dest.is_symlink():
        raise DictgenError(dest, "is a symbolic link: refusing to write through it")
    if dest.exists() and not dest.is_dir():
        raise DictgenError(dest, "exists and is not a folder")
    real = dest.resolve()
    if any(_is_git_folder(folder) for folder in (real, *real.parents)):
        raise DictgenError(dest, "is inside a .git folder: refusing to write there")


def _is_git_folder(folder: Path) -> bool:
    """A repository's own folder: ``.git``, or a bare repository (``x.git`` with HEAD, objects, refs)."""
    if folder.name == ".git":
        return True
    return (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()


def _source(request: Request) -> tuple[dict[str, bytes], tuple[tuple[Version, str], ...]]:
    """The package's files exactly as ``generate`` wrote them, and the snapshots they show."""
    where = str(request.out / MANIFEST)
    manifest = load_json(request.out / MANIFEST, "not found: run `dictgen generate` first")
    listed = _listed(manifest, request, where)
    folder = request.out / vendorable()[request.target].package
    files: dict[str, bytes] = {}
    for rel, digest in sorted(listed.items()):
        data = read_or_none(folder / rel)
        if data is None:
            raise DictgenError(folder / rel, "missing: run `dictgen generate` first")
        if _sha256(data) != digest:
            what = "edited since `dictgen generate` wrote it (see `dictgen check`): refusing to vendor it"
            raise DictgenError(folder / rel, what)
        files[rel] = data
    majors = None if request.major is None else {request.major}
    return files, _snapshots(request.snapshots, manifest, majors, where)


def _listed(manifest: object, request: Request, where: str) -> dict[str, str]:
    """The manifest's files of the package (relative to its folder), narrowed to one major if asked."""
    root = vendorable()[request.target].package + "/"
    targets = manifest.get("targets") if isinstance(manifest, dict) else None
    owned = targets.get(request.target) if isinstance(targets, dict) else None
    if not isinstance(owned, dict) or not owned:
        raise DictgenError(where, f"lists no {request.target} files: run `dictgen generate` first")
    listed = {str(rel)[len(root) :]: digest for rel, digest in owned.items() if str(rel).startswith(root)}
    bad = [rel for rel, digest in listed.items() if not safe_path(rel) or not isinstance(digest, str)]
    if bad:
        raise DictgenError(where, f"unreadable manifest entry: {bad[0]!r}")
    if request.major is None:
        return listed
    if not vendorable()[request.target].majors:
        takes = ", ".join(name for name, v in vendorable().items() if v.majors)
        raise DictgenError("--major", f"applies to --target {takes} only (the package names every major)")
    chosen = {
        rel: d for rel, d in listed.items() if rel.startswith(f"v{request.major}/") or rel == "py.typed"
    }
    if not any(rel.startswith(f"v{request.major}/") for rel in chosen):
        majors = sorted({rel.split("/")[0] for rel in listed if "/" in rel})
        raise DictgenError("--major", f"no v{request.major} in {where}: the package has {', '.join(majors)}")
    return chosen


def _snapshots(
    folder: Path, manifest: object, majors: set[int] | None, where: str
) -> tuple[tuple[Version, str], ...]:
    """The version and sha256 of each vendored major, from the snapshot folder generate read."""
    newest = newest_per_major(load_snapshots(folder))
    shown = manifest.get("snapshots") if isinstance(manifest, dict) else None
    if shown != [str(s.version) for s in newest]:
        what = f"shows snapshot(s) {shown}, but the newest in {folder} are {[str(s.version) for s in newest]}"
        raise DictgenError(where, f"{what}: run `dictgen generate` first")
    return tuple((s.version, s.sha256) for s in newest if majors is None or s.version.major in majors)


def _with_record(
    request: Request, files: dict[str, bytes], snapshots: tuple[tuple[Version, str], ...]
) -> dict[str, bytes]:
    """The files plus VENDORED.md and, last, VENDORED.json (so the record changes only with the copy)."""
    package = _package_name(request.target, files)
    verify = verify_command(request.dest)
    update = f"dictgen vendor <this folder> --target {request.target}"
    update += "" if request.major is None else f" --major {request.major}"
    record = Record(package, request.target, request.major, snapshots, {})
    files = {**files, README: _readme(record, verify, update)}
    doc = {
        "format": FORMAT,
        "package": package,
        "target": request.target,
        "major": request.major,
        "generator": f"grabticket-dictgen {__version__}",
        "snapshots": [{"version": str(v), "sha256": h} for v, h in snapshots],
        "verify": verify,
        "update": update,
        "files": {rel: _sha256(data) for rel, data in sorted(files.items())},
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return {**files, RECORD: text.encode("utf-8")}


def _package_name(target: str, files: Mapping[str, bytes]) -> str:
    """The name the target's files give the package, else its folder's name (``juhe_grabticket``)."""
    spec = vendorable()[target]
    return (spec.name(files) if spec.name else None) or spec.package.rsplit("/", 1)[-1]


def verify_command(dest: Path) -> str:
    """How to check the copy, run from the root of the repository that holds it (a ``.git`` above)."""
    real = dest.resolve()
    root = next((folder for folder in real.parents if (folder / ".git").exists()), None)
    # Without a repository above it, an absolute path, which works from anywhere.
    location = real.as_posix() if root is None else real.relative_to(root).as_posix()
    import shlex

    return f"dictgen check --vendored {shlex.quote(location)}"


def _readme(record: Record, verify: str, update: str) -> bytes:
    """VENDORED.md: what this folder is, and how a consumer verifies and updates it."""
    shown = ", ".join(f"{v} (sha256 {h})" for v, h in record.snapshots)
    if record.major is None:
        scope = "every major version"
    else:
        scope = f"major {record.major} only"
        if vendorable()[record.target].majors:
            scope += f", without the package root: import `{record.package}.v{record.major}`"
    language = vendorable()[record.target].language
    lines = [
        f"# Vendored: {record.package}",
        "",
        f"This folder is a copy of the {language} package `{record.package}` ({scope}),",
        f"generated by grabticket-dictgen {__version__} from the Juhe grabTicket data dictionary,",
        f"snapshot {shown}.",
        "",
        "Do not edit it. Its files' headers say to run `dictgen generate`: that applies in the project",
        "that generates the package, not here. To update this copy, run there (`<this folder>` is the",
        "path to this folder as seen from there):",
        "",
        f"    {update}",
        "",
        "To verify it, run from this repository's root (in CI, say): exit 0 when intact, exit 1 listing",
        "each edited, missing or unexpected file.",
        "",
        f"    {verify}",
        "",
        f"`{RECORD}` holds the same facts and the sha256 of every file of the copy.",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _previous(dest: Path) -> Record | None:
    """The copy's VENDORED.json; None for a missing or empty folder; refuse any other folder."""
    if not dest.is_dir():
        return None
    if (dest / RECORD).exists() or (dest / RECORD).is_symlink():
        return read_record(dest)
    if any(dest.iterdir()):
        raise DictgenError(
            str(dest), f"exists and is not a vendored copy (no {RECORD}): refusing to overwrite it"
        )
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
