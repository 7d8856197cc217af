"""Limits: inputs within the 5 MiB response cap cannot exhaust the machine; bad output is refused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from unittest import mock

import pypinyin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from dictgen import config
from dictgen.errors import ConfigError, NamingError, SnapshotError
from dictgen.model import naming
from dictgen.model.curated import load_curated
from dictgen.model.naming import MAX_NAME, READ, READ_MAX, class_base, fallback_member, name_source
from dictgen.model.snapshot import check_size, load_snapshot, parse_json
from dictgen.model.types import Entry, Snapshot
from dictgen.upstream.diff import compare, fingerprint
from tests.diffcases import snap
from tests.helpers import SAMPLE, dictgen, tree, write_snapshot

# --- 12(a): a fallback name transliterates a bounded prefix of its label ----------------------

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


def test_generate_with_a_million_character_label_takes_seconds(tmp_path: Path) -> None:
    # (SQL refuses the label now: it would not fit a MySQL TEXT column; see the test below.)
    write_snapshot(tmp_path / "snapshots", "1.0.0", {"d": {"msg": "m", "data": {"1": "硬座" * 500_000}}})
    start = time.perf_counter()
    result = dictgen("generate", "--target", "typescript", "--names", "none.toml", cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 20, f"{elapsed:.1f} s (56 s when the whole label was transliterated)"
    source = (tmp_path / "generated/typescript/src/v1/index.ts").read_text(encoding="utf-8")
    assert "YING_ZUO_YING_ZUO" in source


# --- 12(b): diff pairs dictionaries and swapped labels in linear time --------------------------

_DATA = st.dictionaries(st.sampled_from("1234"), st.sampled_from("abc"), max_size=3)


def _results(keys: str) -> st.SearchStrategy[dict[str, Any]]:
    entries = st.fixed_dictionaries({"msg": st.sampled_from("mn"), "data": _DATA})
    return st.dictionaries(st.sampled_from(keys), entries, max_size=6)


def _reference_twins(old: Snapshot, new: Snapshot) -> tuple[list[tuple[str, str]], list[str]]:
    """The quadratic search diff used before: (old key, new key) renames, then the added keys."""
    removed = [d for d in old.dictionaries if new.dictionary(d.key) is None]
    added = [d for d in new.dictionaries if old.dictionary(d.key) is None]
    renames = []
    for gone in removed:
        twin = next((d for d in added if gone.entries and d.labels() == gone.labels()), None)
        if twin is not None:
            added.remove(twin)
            renames.append((gone.key, twin.key))
    return renames, [d.key for d in added]


@settings(max_examples=200)
@given(_results("ABCDEF"), _results("DEFGHI"))
def test_dictionary_renames_pair_as_the_quadratic_search_did(old: Any, new: Any) -> None:
    before, after = snap(old), snap(new, "1.0.1")
    changes = compare(before, after).changes
    renames = [(c.dictionary, c.new) for c in changes if c.kind == "dictionary_renamed"]
    added = [c.dictionary for c in changes if c.kind == "dictionary_added"]
    assert (renames, added) == _reference_twins(before, after)


def _reference_swaps(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    changed = [code for code in old if code in new and old[code] != new[code]]
    pairs = []
    for first in list(changed):
        if first not in changed:
            continue
        match = (c for c in changed if c != first and old[c] == new[first] and new[c] == old[first])
        partner = next(match, None)
        if partner is not None:
            changed.remove(first)
            changed.remove(partner)
            pairs.append((first, partner))
    return pairs


_PERMUTED = st.lists(st.sampled_from("abcd"), min_size=2, max_size=8).flatmap(
    lambda labels: st.tuples(st.just(labels), st.permutations(labels))
)


@settings(max_examples=200)
@given(_PERMUTED)
def test_swaps_pair_as_the_quadratic_search_did(labels: tuple[list[str], list[str]]) -> None:
    old, new = ({str(i): label for i, label in enumerate(side)} for side in labels)
    before, after = snap({"d": {"msg": "m", "data": old}}), snap({"d": {"msg": "m", "data": new}}, "1.0.1")
    swapped = [c.fingerprint for c in compare(before, after).changes if c.kind == "label_swapped"]
    pairs = _reference_swaps(old, new)
    assert swapped == [fingerprint("label_swapped", "d", a, old[a], new[a], b) for a, b in pairs]


def test_diff_of_8000_replaced_dictionaries_takes_seconds(tmp_path: Path) -> None:
    old = {f"k{i}": {"msg": "m", "data": {"1": f"l{i}", "2": "x"}} for i in range(8000)}
    # Every other one comes back under a new name (a rename), in reverse order; the rest are new.
    new = {
        f"n{i}": {"msg": "m", "data": {"1": f"{'l' if i % 2 else 'L'}{i}", "2": "x"}}
        for i in range(7999, -1, -1)
    }
    start = time.perf_counter()
    result = dictgen("diff", write_snapshot(tmp_path, "1.0.0", old), write_snapshot(tmp_path, "2.0.0", new))
    elapsed = time.perf_counter() - start
    assert result.returncode == 1, result.stderr
    assert "12000 change(s): 8000 breaking, 4000 non_breaking" in result.stdout.splitlines()[0]
    assert result.stdout.count("dictionary_renamed") == 4000
    assert elapsed < 10, f"{elapsed:.1f} s (the quadratic search took 35 s)"


def test_many_duplicate_keys_are_reported_in_linear_time() -> None:
    body = ",".join(f'"k{i}":0,"k{i}":1' for i in range(40_000))
    start = time.perf_counter()
    with pytest.raises(SnapshotError) as caught:
        parse_json(f'{{"x":{{{body}}}}}'.encode(), "f.json")
    assert time.perf_counter() - start < 3, "9 s when duplicates were kept in a list"
    assert caught.value.problems[:2] == [("x.k0", "duplicate key"), ("x.k1", "duplicate key")]
    assert len(caught.value.problems) == 40_000


# --- 12(c): max_entries refuses a snapshot too large to render --------------------------------


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
    start = time.perf_counter()
    result = dictgen("generate", "--target", "python", "--names", "none.toml", cwd=tmp_path)
    assert result.returncode == 2 and "100004 entries, more than max_entries = 100000" in result.stderr
    assert time.perf_counter() - start < 30


# --- 13(a): curated names are at most MAX_NAME characters -------------------------------------


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


# --- 13(b): templates that produce invalid JSON or SQL are refused ----------------------------


def _templates(project: Path, name: str, text: str) -> Path:
    folder = project / "mytemplates"
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


_PACKAGE, _TSCONFIG = "typescript/package.json", "typescript/tsconfig.json"
_JSON, _SQL = "generated JSON does not parse", "generated SQL is incomplete"


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        (_PACKAGE, '{"name": "x",}', f"{_JSON}: Expecting property name enclosed in double quotes: line 1"),
        (_PACKAGE, "// npm reads strict JSON\n{}", f"{_JSON}: Expecting value: line 1 column 1"),
        (_PACKAGE, '{"n": NaN}', f"{_JSON}: NaN is not JSON"),
        (_PACKAGE, "[]", "generated JSON is not an object"),
        (_TSCONFIG, '// ok\n{"a": {"b": 1}\n', f"{_JSON}: Expecting ',' delimiter: line 3 column 1"),
        ("sql/sqlite.sql", "INSERT INTO t VALUES ('it's');\n", _SQL),
        ("sql/postgresql.sql", "BEGIN;\nCOMMIT\n", _SQL),
        ("sql/mysql.sql", "SELECT 1;\n/* unclosed\n", _SQL),
    ],
)
def test_a_template_whose_output_does_not_parse(project: Path, path: str, text: str, message: str) -> None:
    assert dictgen("generate", cwd=project).returncode == 0
    before = tree(project / "generated")
    result = dictgen("generate", "--templates", _templates(project, f"{path}.j2", text), cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: {message}") and len(result.stderr.splitlines()) == 1
    assert tree(project / "generated") == before


def test_tsconfig_may_have_comments_and_trailing_commas_and_a_seed_may_be_blank(project: Path) -> None:
    tsconfig = '// c\n{"a": "// kept, not a comment", /* b */ "c": [1, 2,],\n}\n'
    folder = _templates(project, "typescript/tsconfig.json.j2", tsconfig)
    _templates(project, "sql/mysql.sql.j2", "\n")
    result = dictgen("generate", "--templates", folder, cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "generated/typescript/tsconfig.json").read_text(encoding="utf-8") == tsconfig
    assert (project / "generated/sql/mysql.sql").read_text(encoding="utf-8") == "\n"


def test_a_label_too_long_for_a_mysql_text_column_is_refused(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", {"d": {"msg": "m", "data": {"1": "码" * 22_000}}})
    result = dictgen("generate", "--target", "sql", "--names", "none.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: sql/mysql.sql: D: a label (MA_MA_MA_")
    assert result.stderr.endswith(" of 66000 UTF-8 bytes exceeds 65535\n")
