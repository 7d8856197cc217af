"""Small helpers shared by the tests: write snapshots, run the CLI in a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dictgen import pipeline
from dictgen.config import Settings
from dictgen.model.snapshot import dump_snapshot
from dictgen.model.types import Version
from dictgen.output.caches import NO_FAST_PATHS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "snapshots" / "1.0.0.json"
SOURCE = "http://v.juhe.cn/grabTicket/action/dataDictionary.php"


def sample_result() -> dict[str, Any]:
    """The shipped 1.0.0 snapshot's ``result`` (a fresh copy)."""
    result: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))["result"]
    return result


def write_snapshot(folder: Path, version: str, result: Any) -> Path:
    """Write ``result`` as snapshot ``version`` in ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    parsed = Version.parse(version)
    assert parsed is not None
    path = folder / f"{version}.json"
    path.write_bytes(dump_snapshot(parsed, SOURCE, "2026-01-01T00:00:00Z", result))
    return path


def dictgen(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m dictgen`` in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dictgen", *map(str, args)],
        cwd=cwd or ROOT,
        env=full_env,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``: relative path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def render_target(
    folder: Path, target: str, *majors: Any, names: str = "", errors: Path | None = None
) -> dict[str, bytes]:
    """Render ``target`` alone for ``majors`` (snapshots 1.0.0, 2.0.0, ...), with ``names`` as
    names.toml and no built-in names, and ``errors`` as the error table (None: the shipped one),
    into ``folder/out``; return its files."""
    for major, result in enumerate(majors, 1):
        write_snapshot(folder / "snapshots", f"{major}.0.0", result)
    (folder / "names.toml").write_text(names, encoding="utf-8")
    settings = Settings(
        folder / "snapshots",
        folder / "out",
        folder / "names.toml",
        (target,),
        errors=errors,
        builtin_names=False,
    )
    files = {rel: data for rel, data in planned(settings).items() if rel.startswith(f"{target}/")}
    for rel, data in files.items():
        (folder / "out" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "out" / rel).write_bytes(data)
    return files


@contextmanager
def fast_paths(on: bool, cache: Path) -> Iterator[None]:
    """Fast paths on or off, with the caches in ``cache``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        if on:
            patch.delenv(NO_FAST_PATHS, raising=False)
        else:
            patch.setenv(NO_FAST_PATHS, "1")
        yield


def planned(settings: Settings) -> dict[str, bytes]:
    """The files ``generate`` would write below ``settings.out``: relative path -> bytes."""
    files = pipeline.plan(settings).files
    return {
        p.relative_to(settings.out).as_posix(): d for p, d in files.items() if p.is_relative_to(settings.out)
    }


def copy_project(folder: Path) -> Path:
    """A copy of this project's inputs (snapshots, names.toml, pyproject.toml) in ``folder``."""
    for name in ("snapshots", "names.toml", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("*.md"))
        else:
            shutil.copy(source, folder / name)
    return folder


def git(cwd: Path, *args: str) -> None:
    """Run git in ``cwd`` as a throwaway identity."""
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )
