"""names.toml as a user writes it: every problem at once, in the right file, and no silent renames."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, dictgen


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "snapshots", tmp_path / "snapshots", ignore=shutil.ignore_patterns("*.md"))
    return tmp_path


def test_every_problem_of_names_toml_is_one_line(project: Path) -> None:
    (project / "names.toml").write_text(
        '[seatClass]\n"1" = "lower"\n"2" = "X"\n"3" = "X"\n"77" = "Y"\n[nope]\n"1" = "A"\n', encoding="utf-8"
    )
    result = dictgen("generate", cwd=project)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: names.toml:2: [seatClass] '1': 'lower' is not an UPPER_SNAKE_CASE name",
        "error: names.toml:4: [seatClass] X is used for both '2' and '3'",
        "error: names.toml:5: [seatClass] '77': no such code",
        "error: names.toml:6: [nope]: no such dictionary in the snapshots",
    ]
    assert not (project / "generated").exists()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('seatClass.data.1 = "X"\n', 1),
        ('# c\n[seatClass.data]\n"1" = "X"\n', 2),
        ('[seatClass]\ndata.1 = "X"\n', 2),
    ],
)
def test_a_dotted_key_or_header_is_blamed_on_its_line(project: Path, text: str, line: int) -> None:
    (project / "names.toml").write_text(text, encoding="utf-8")
    result = dictgen("generate", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: names.toml:{line}: [seatClass] 'data': "), result.stderr


def test_strict_names_without_a_names_toml_blames_no_file(project: Path) -> None:
    result = dictgen("generate", "--strict-names", "--no-builtin-names", cwd=project)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: --strict-names: [") for line in lines), lines
    assert "names.toml" not in result.stderr


def test_a_local_name_that_displaces_a_shipped_one_is_a_warning_naming_both(project: Path) -> None:
    (project / "names.toml").write_text('[seatClass]\n"9" = "HARD_SEAT"\n', encoding="utf-8")
    result = dictgen("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (
        "warning: names.toml:2: [seatClass] '9' = HARD_SEAT takes the name dictgen ships for '1',"
        " which gets a fallback name instead"
    ) in result.stderr.splitlines()
