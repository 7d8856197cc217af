"""A fallback name transliterates a bounded prefix of its label, however long the label."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pypinyin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from dictgen.model import naming
from dictgen.model.naming import MAX_NAME, READ, READ_MAX, class_base, fallback_member, name_source
from dictgen.model.types import Entry
from tests.conftest import Run
from tests.support.helpers import write_snapshot

# Polyphonic characters whose reading depends on the phrase they are cut from, pypinyin's longest
# phrases, camelCase, digits, separators, and characters that spell nothing (ideographic zero has a
# reading, U+3402 has none).
_CHUNKS = [
    *["硬座", "重庆", "长城", "银行", "行长", "重", "长", "行", "中国人", "一等座", "\u3007", "\u3402"],
    *sorted(PHRASES_DICT, key=lambda p: (-len(p), p))[:12],
    *["Seat", "HTTPServer", "abc", "X", "Q", "12306", "x1", " ", "-", ":", "\uff0c", "😀", "\uff21"],
]
_LABELS = st.lists(st.sampled_from(_CHUNKS), min_size=20, max_size=160).map("".join)


def _whole(text: str) -> str:
    return text


@settings(max_examples=150)
@given(_LABELS, st.sampled_from(["1", "x1", "é"]))
def test_names_from_the_prefix_equal_names_from_the_whole_label(label: str, code: str) -> None:
    bounded = fallback_member(Entry(code, label)), class_base(label)
    with mock.patch.object(naming, "name_source", _whole):
        assert (fallback_member(Entry(code, label)), class_base(label)) == bounded


def test_a_long_label_is_transliterated_only_in_part(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock.patch.object(naming, "name_source", _whole):  # the name the whole label makes
        expected = fallback_member(Entry("1", "硬座" * 500))
    real = pypinyin.lazy_pinyin
    lengths: list[int] = []

    def spy(text: str, **options: Any) -> list[str]:
        lengths.append(len(text))
        assert len(text) <= 2 * READ, "the whole label was transliterated"
        return list(real(text, **options))

    monkeypatch.setattr(pypinyin, "lazy_pinyin", spy)
    assert fallback_member(Entry("1", "硬座" * 500_000)) == expected
    assert lengths == [READ]
    assert expected.startswith("YING_ZUO_YING_ZUO") and len(expected) <= MAX_NAME


def test_at_most_read_max_characters_are_transliterated() -> None:
    assert name_source("\u3402" * 1_000_000 + "abc") == "\u3402" * READ_MAX  # spells nothing
    assert name_source("😀" * 5000 + "abc") == "😀" * READ_MAX
    # The quick pre-filter lets every character pypinyin reads through.
    assert all(naming._SPELLING.fullmatch(chr(c)) for c in PINYIN_DICT)


def test_generate_with_a_million_character_label_reads_only_its_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    # (SQL refuses the label now: it would not fit a MySQL TEXT column; see test_invalid_output.)
    write_snapshot(tmp_path / "snapshots", "1.0.0", {"d": {"msg": "m", "data": {"1": "硬座" * 500_000}}})
    real = pypinyin.lazy_pinyin
    lengths: list[int] = []

    def spy(text: str, **options: Any) -> list[str]:
        lengths.append(len(text))
        return list(real(text, **options))

    monkeypatch.setattr(pypinyin, "lazy_pinyin", spy)
    monkeypatch.chdir(tmp_path)
    result = run("generate", "--target", "typescript", "--names", "none.toml")
    assert result.exit_code == 0, result.stderr
    assert lengths and max(lengths) <= 2 * READ, "the whole label was transliterated"
    source = (tmp_path / "generated/typescript/src/v1/index.ts").read_text(encoding="utf-8")
    assert "YING_ZUO_YING_ZUO" in source
