"""``check`` from the remembered plan never passes where a full render would find the tree stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dictgen.output.caches import NO_FAST_PATHS
from tests.support.helpers import sample_result, write_snapshot


def _check(cwd: Path, cache: Path, fast: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop(NO_FAST_PATHS, None)
    if not fast:
        env[NO_FAST_PATHS] = "1"
    command = [sys.executable, "-m", "dictgen", "check"]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def _generate(cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dictgen", "generate"], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_moving_the_project_away_from_an_absolute_snapshot_folder_is_stale(tmp_path: Path) -> None:
    snapshots = tmp_path / "shared" / "snapshots"
    write_snapshot(snapshots, "1.0.0", sample_result())
    project = tmp_path / "a" / "project"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        f'[tool.dictgen]\nsnapshots = "{snapshots}"\ntargets = ["docs"]\n', encoding="utf-8"
    )
    _generate(project)
    assert _check(project, tmp_path / "cache").returncode == 0  # remembered
    moved = tmp_path / "b" / "deeper" / "project"
    moved.parent.mkdir(parents=True)
    shutil.move(project, moved)
    plain = _check(moved, tmp_path / "cache", fast=False)
    assert plain.returncode == 1 and "stale: generated/docs/README.md" in plain.stdout  # the link moved
    fast = _check(moved, tmp_path / "cache")
    assert (fast.returncode, fast.stdout) == (plain.returncode, plain.stdout)


def test_a_template_in_a_folder_named_pycache_is_an_input(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    included = tmp_path / "templates" / "__pycache__" / "tips.md.j2"
    included.parent.mkdir(parents=True)
    included.write_text("tips\n", encoding="utf-8")
    override = tmp_path / "templates" / "docs" / "reference.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text('{% include "__pycache__/tips.md.j2" %}# {{ major.version }}\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dictgen]\ntemplates = "templates"\ntargets = ["docs"]\n', encoding="utf-8"
    )
    _generate(tmp_path)
    assert _check(tmp_path, tmp_path / "cache").returncode == 0  # remembered
    included.write_text("other tips\n", encoding="utf-8")
    plain = _check(tmp_path, tmp_path / "cache", fast=False)
    assert plain.returncode == 1
    assert _check(tmp_path, tmp_path / "cache").returncode == 1
