"""max_entries refuses a snapshot too large to render, before rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from dictgen import config
from dictgen.errors import ConfigError, SnapshotError
from dictgen.model.snapshot import check_size, load_snapshot
from tests.support.helpers import SAMPLE, dictgen, write_snapshot


def _pyproject(folder: Path, extra: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(f'[tool.dictgen]\ntargets = ["python", "typescript", "sql"]\n{extra}\n', encoding="utf-8")
    return path


def test_max_entries_defaults_to_100000_and_is_read_from_pyproject(tmp_path: Path) -> None:
    assert config.Settings().max_entries == 100_000
    assert config.load(_pyproject(tmp_path, "max-entries = 5")).max_entries == 5
    assert config.load(_pyproject(tmp_path, "max_entries = 200000")).max_entries == 200_000


@pytest.mark.parametrize("value", ["0", "-1", "true", '"10"', "1.5"])
def test_max_entries_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"\[tool.dictgen\] max_entries: must be a positive integer"):
        config.load(_pyproject(tmp_path, f"max_entries = {value}"))


def test_check_size_counts_the_entries_of_every_dictionary(tmp_path: Path) -> None:
    snapshots = [load_snapshot(SAMPLE)]  # 143 entries in 9 dictionaries
    check_size(snapshots, 143, tmp_path)
    with pytest.raises(SnapshotError) as caught:
        check_size(snapshots, 142, tmp_path)
    assert caught.value.where == str(tmp_path / "1.0.0.json")
    assert caught.value.what.startswith("143 entries, more than max_entries = 142")


@pytest.mark.parametrize("command", ["generate", "check"])
def test_a_snapshot_over_max_entries_is_refused_up_front(project: Path, command: str) -> None:
    _pyproject(project, "max_entries = 142")
    result = dictgen(command, cwd=project)
    assert result.returncode == 2
    snapshot = Path("snapshots") / "1.0.0.json"
    assert result.stderr.startswith(f"error: {snapshot}: 143 entries, more than max_entries = 142")
    assert len(result.stderr.splitlines()) == 1 and not (project / "generated").exists()


def test_the_default_refuses_a_response_sized_snapshot_before_rendering(tmp_path: Path) -> None:
    data = {f"{i:05}": chr(0x4E00 + i % 2000) for i in range(25_001)}
    write_snapshot(tmp_path / "snapshots", "1.0.0", {f"d{n}": {"msg": "", "data": data} for n in range(4)})
    result = dictgen("generate", "--target", "python", "--names", "none.toml", cwd=tmp_path)
    assert result.returncode == 2 and "100004 entries, more than max_entries = 100000" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and not (tmp_path / "generated").exists()
