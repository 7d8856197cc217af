"""Curated names are at most MAX_NAME characters; a longer one is one short error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dictgen.errors import NamingError
from dictgen.model.curated import load_curated
from dictgen.model.naming import MAX_NAME
from tests.support.helpers import dictgen


def test_a_curated_name_longer_than_max_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.toml"
    path.write_text(
        f'[seatClass]\n"3" = "{"A" * MAX_NAME}"\n"4" = "{"B" * (MAX_NAME + 1)}"\n', encoding="utf-8"
    )
    with pytest.raises(NamingError) as caught:
        load_curated(path)
    assert str(caught.value) == f"{path}:3: [seatClass] '4': the name is 61 characters long (at most 60)"


def test_a_10000_character_curated_name_is_one_short_error_line(project: Path) -> None:
    names = project / "names.toml"
    text = names.read_text(encoding="utf-8").replace('"SECOND_CLASS_SEAT"', f'"{"A" * 10_000}"', 1)
    names.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "A" * 10_000 in t)
    result = dictgen("generate", cwd=project)
    message = "[seatClass] '4': the name is 10000 characters long (at most 60)"
    assert result.returncode == 2 and result.stderr == f"error: names.toml:{line}: {message}\n"
