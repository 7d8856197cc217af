"""``check`` without rendering: the file digests of a tree that was up to date, by a key of its inputs.

With 100,000 entries a render takes seconds, while an up-to-date tree is the common case in
pre-commit. The key covers everything a render reads: the settings, the bytes of every file in
the snapshot folder, of names.toml, errors.toml and the user's templates, dictgen's own code and
templates, and what else decides bytes (the installed black, jinja2 and pypinyin, Python's version and its
Unicode data). When the key is known and every file still has its recorded digest, with no
journal, unexpected file or empty folder beside them, the tree is up to date. Any doubt means a
full render, which also gives the report its diffs. The record lives in the user's cache folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

from dictgen.config import Settings
from dictgen.errors import DictgenError
from dictgen.model.curated import BUILTIN
from dictgen.output import plan as output
from dictgen.output.caches import library
from dictgen.output.owned import guard
from dictgen.render.jinja import BUILTIN_TEMPLATES
from dictgen.shipped import PACKAGE
from dictgen.tomlfile import regular_file

_LIBRARIES = ("black", "jinja2", "pypinyin")


def inputs_key(settings: Settings) -> str | None:
    """The digest of everything a render of ``settings`` reads; None when some input cannot be read."""
    # Every path as the absolute one it names: a render relates paths to each other (the docs
    # target links the changelog from the output folder), so it depends on where they really are.
    paths = {name: value for name, value in vars(settings).items() if isinstance(value, Path)}
    where: dict[str, Any] = {name: Path(os.path.abspath(value)) for name, value in paths.items()}
    digest = hashlib.sha256(repr(replace(settings, **where)).encode("utf-8", "surrogatepass"))
    folders = [
        settings.snapshots,
        PACKAGE,
        BUILTIN_TEMPLATES,
        *([settings.templates] if settings.templates else []),
    ]
    try:
        libraries = [library(name) for name in _LIBRARIES]
        if None in libraries:
            return None
        digest.update(repr((libraries, sys.version, unicodedata.unidata_version)).encode())
        files = [path for folder in folders for path in _files(folder)]
        files += [p for p in (settings.names, BUILTIN) if p.is_file()]  # BUILTIN: names shipped with dictgen
        files.append(settings.error_table)  # must exist: the render fails without it
        for path in files:
            data = regular_file(path).read_bytes()
            digest.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogatepass") + data)
    except OSError:
        return None
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    """Every file below ``folder`` but Python bytecode (``*.pyc``), in a stable order. A linked
    folder (which Jinja would follow and this walk would not) means no key, and so does a FIFO or
    a device (read as the render reads it, it fails)."""
    found = []
    for root, dirs, names in os.walk(folder):
        if any(Path(root, d).is_symlink() for d in dirs):
            raise OSError(f"{root}: a linked folder")
        dirs[:] = sorted(dirs)  # no folder is exempt for its name: Jinja reads any of them
        found += [Path(root, n) for n in sorted(names) if not n.endswith(".pyc")]
    return found


def record(key: str, plan: output.Plan) -> dict[str, object]:
    """What to remember of an up-to-date plan: each file's digest and the folders the targets own,
    sealed with ``key``, so that a damaged record reads as no record."""
    digests = {str(path): hashlib.sha256(data).hexdigest() for path, data in plan.files.items()}
    owned = [str(folder) for folder in plan.owned_folders]
    return {"files": digests, "owned": owned, "seal": _seal(key, digests, owned)}


def _seal(key: str, digests: object, owned: object) -> str:
    text = json.dumps([key, digests, owned], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def unchanged(settings: Settings, key: str, remembered: object) -> bool:
    """True when ``remembered`` (from ``record`` with ``key``) still describes the tree exactly."""
    if not isinstance(remembered, dict):
        return False
    digests, owned = remembered.get("files"), remembered.get("owned")
    if remembered.get("seal") != _seal(key, digests, owned):
        return False
    if not isinstance(digests, dict) or not isinstance(owned, list):
        return False
    files = {Path(path): digest for path, digest in digests.items() if isinstance(digest, str)}
    if len(files) != len(digests) or not all(isinstance(folder, str) for folder in owned):
        return False
    plan = output.Plan(settings.out, dict.fromkeys(files, b""), (), (), tuple(Path(f) for f in owned))
    try:
        guard(settings.out, files)  # a linked folder: the full check refuses it, and says so
    except DictgenError:
        return False
    return settings.out / output.MANIFEST in files and output.same_digests(files) and not output.extras(plan)
