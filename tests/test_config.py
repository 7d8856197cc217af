"""dictgen in other repositories: config discovery, --config, the names shipped in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, SAMPLE, dictgen


def test_run_from_a_subfolder_finds_the_config_upward(project: Path) -> None:
    assert dictgen("generate", cwd=project).returncode == 0
    sub = project / "src" / "deep"
    sub.mkdir(parents=True)
    result = dictgen("--verbose", "check", cwd=sub)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["config: ../../pyproject.toml", "up to date: ../../generated"]


def test_a_pyproject_without_the_table_is_passed_over(project: Path) -> None:
    sub = project / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    assert dictgen("generate", cwd=project).returncode == 0
    result = dictgen("check", "--verbose", cwd=sub)
    assert result.returncode == 0 and "config: ../pyproject.toml" in result.stderr


def test_an_explicit_config_must_exist_and_its_paths_are_relative_to_it(
    project: Path, tmp_path: Path
) -> None:
    missing = dictgen("--config", "nowhere.toml", "check", cwd=project)
    assert missing.returncode == 2 and missing.stderr == "error: nowhere.toml: config file not found\n"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = dictgen("--config", project / "pyproject.toml", "generate", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (project / "generated" / "manifest.json").is_file() and not (elsewhere / "generated").exists()


def test_without_a_config_the_defaults_are_used(tmp_path: Path) -> None:
    (tmp_path / "snapshots").mkdir()
    shutil.copy(SAMPLE, tmp_path / "snapshots" / SAMPLE.name)
    result = dictgen("--verbose", "generate", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.startswith("config: pyproject.toml (not found: built-in defaults)\n")
    assert "HARD_SEAT" in (tmp_path / "generated/python/juhe_grabticket/v1/__init__.py").read_text("utf-8")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dictgen built as a wheel and installed, with its dependencies, into a fresh venv."""
    work = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    [wheel] = work.glob("grabticket_dictgen-*.whl")
    venv.create(work / "venv", with_pip=True)
    pip = [str(work / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=600)
    yield work / "venv" / "bin" / "dictgen"


@pytest.mark.slow
def test_the_installed_wheel_names_entries_without_a_names_toml(installed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-repo"
    (other / "constants" / "snapshots").mkdir(parents=True)
    shutil.copy(SAMPLE, other / "constants" / "snapshots" / SAMPLE.name)
    (other / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.dictgen]\nsnapshots = "constants/snapshots"\n'
        'out = "constants/generated"\ntargets = ["python", "typescript", "sql"]\n',
        encoding="utf-8",
    )
    (other / "app").mkdir()
    result = subprocess.run(
        [str(installed), "generate"],
        cwd=other / "app",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module = (other / "constants/generated/python/juhe_grabticket/v1/__init__.py").read_text("utf-8")
    assert 'HARD_SEAT = "1"' in module and "YING_ZUO" not in module
    # The same names as this repository's own output, file for file.
    ours = (ROOT / "generated/python/juhe_grabticket/v1/__init__.py").read_text("utf-8")
    assert module == ours
    strict = subprocess.run(
        [str(installed), "check", "--strict-names"], cwd=other, capture_output=True, text=True, check=False
    )
    assert strict.returncode == 0, strict.stdout + strict.stderr


def test_a_repository_names_toml_overrides_the_shipped_names(project: Path) -> None:
    (project / "names.toml").write_text('[seatClass]\n"1" = "WOODEN_BENCH"\n', encoding="utf-8")
    assert dictgen("generate", cwd=project).returncode == 0
    module = (project / "generated/python/juhe_grabticket/v1/__init__.py").read_text("utf-8")
    assert 'WOODEN_BENCH = "1"' in module and 'HARD_SEAT = "1"' not in module
    assert 'SECOND_CLASS_SEAT = "4"' in module  # the shipped name still applies
    plain = dictgen("generate", "--no-builtin-names", "--out", "plain", cwd=project)
    assert plain.returncode == 0
    assert "ER_DENG_ZUO" in (project / "plain/python/juhe_grabticket/v1/__init__.py").read_text("utf-8")
