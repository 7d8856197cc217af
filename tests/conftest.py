"""Fixtures shared by the lead's tests: a scratch project and an in-process CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from dictgen.cli import cli
from tests.support.helpers import ROOT

Run = Callable[..., Result]

# Property tests judge correctness, not speed (benchmarks do that): no per-example deadline,
# which would make a loaded CI machine fail at random.
settings.register_profile("dictgen", deadline=None, print_blob=True)
settings.load_profile("dictgen")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch copy of the repo's inputs and settings, as the working directory."""
    shutil.copytree(ROOT / "snapshots", tmp_path / "snapshots", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(ROOT / "names.toml", tmp_path / "names.toml")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")  # for [tool.dictgen]
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run() -> Run:
    """Invoke ``dictgen`` in-process; stderr is kept apart from stdout."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke
