"""Naming: curated names, deterministic fallbacks, and identifiers that are always valid."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dictgen.errors import NamingError
from dictgen.model.curated import UPPER_SNAKE, check_curated, load_curated
from dictgen.model.naming import (
    assign,
    class_base,
    derived,
    fallback_member,
)
from dictgen.model.snapshot import load_snapshot
from dictgen.model.types import Dictionary, Entry, Snapshot, Version
from dictgen.targets import reserved
from tests.conftest import Run
from tests.support.helpers import ROOT, SAMPLE, sample_result, tree, write_snapshot
from tests.support.strategies import names as name_text
from tests.support.strategies import text

IDENT_TS_RESERVED = {"break", "case", "class", "const", "enum", "export", "new", "null", "this", "void"}


def _snapshot(dictionaries: dict[str, dict[str, str]]) -> Snapshot:
    return Snapshot(
        Version(1, 0, 0),
        "s",
        "t",
        "0" * 64,
        None,
        tuple(
            Dictionary(k, "", tuple(Entry(c, lab) for c, lab in d.items())) for k, d in dictionaries.items()
        ),
    )


def test_curated_names_cover_every_sample_entry() -> None:
    snap = load_snapshot(SAMPLE)
    names = assign(snap, load_curated(ROOT / "names.toml"), reserved())
    assert names.fallbacks == ()
    assert sum(len(d.entries) for d in snap.dictionaries) == 143
    assert names.members["seatClass"]["4"] == "SECOND_CLASS_SEAT"
    assert names.members["orderStatus"]["F"] == "TICKETED"
    assert names.members["msgCode"]["209"] == "SEAT_SOLD_OUT"
    assert names.classes["seatClassCode"] == "SeatClassCode"


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("hardseat", "硬座", "HARDSEAT"),
        ("hardSeat", "硬座", "HARD_SEAT"),
        ("C", "城际高速", "CHENG_JI_GAO_SU"),
        ("1", "硬座", "YING_ZUO"),
        ("0", "change:改签差价退款", "CHANGE_GAI_QIAN_CHA_JIA_TUI_KUAN"),
        ("401", "12306账号", "N_12306_ZHANG_HAO"),
        ("x1", "😀", "CODE_X_1"),
        ("é", "😀", "CODE_4A99557E"),
    ],
)
def test_fallback_member(code: str, label: str, expected: str) -> None:
    assert fallback_member(Entry(code, label)) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("seatClassCode", "SeatClassCode"), ("msgCode", "MsgCode"), ("座位", "ZuoWei"), ("0", "Dictionary0")],
)
def test_class_base(key: str, expected: str) -> None:
    assert class_base(key) == expected


def test_collisions_get_suffixes_derived_from_the_code() -> None:
    snap = _snapshot({"d": {"a": "硬座", "b": "硬座", "c": "ying zuo"}, "class": {}, "None": {}, "Class": {}})
    names = assign(snap, {}, reserved())
    assert names.members["d"] == {"a": "YING_ZUO", "b": "YING_ZUO_B", "c": "YING_ZUO_C"}
    assert names.classes["None"] == "None_NONE"
    assert {names.classes["class"], names.classes["Class"]} == {"Class", "Class_CLASS"}


def test_derived_typescript_names_do_not_collide() -> None:
    names = assign(_snapshot({"seat": {}, "seatLabels": {}, "isSeat": {}}), {}, reserved())
    assert names.classes == {"seat": "Seat", "seatLabels": "SeatLabels_SEAT_LABELS", "isSeat": "IsSeat"}


def test_a_class_named_like_a_literal_alias_gets_a_suffix_in_any_order() -> None:
    """``seatClass`` gives ``SeatClassLiteral`` to its typing.Literal alias; a dictionary whose own
    name would be ``SeatClassLiteral`` takes a suffix, whichever comes first upstream."""
    one = assign(_snapshot({"seatClass": {"1": "x"}, "seatClassLiteral": {"2": "y"}}), {}, reserved())
    two = assign(_snapshot({"seatClassLiteral": {"2": "y"}, "seatClass": {"1": "x"}}), {}, reserved())
    assert (
        one.classes
        == two.classes
        == {
            "seatClass": "SeatClass",
            "seatClassLiteral": "SeatClassLiteral_SEAT_CLASS_LITERAL",
        }
    )
    assert derived("SeatClass").literal == "SeatClassLiteral"


def test_names_do_not_depend_on_upstream_order() -> None:
    one = assign(_snapshot({"d": {"a": "x", "b": "x"}}), {}, reserved())
    two = assign(_snapshot({"d": {"b": "x", "a": "x"}}), {}, reserved())
    assert one.members["d"] == two.members["d"]


def _write(tmp_path: Path, text_: str) -> Path:
    path = tmp_path / "names.toml"
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[seatClass]\n"4" = "second"\n',
            "names.toml:2: [seatClass] '4': 'second' is not an UPPER_SNAKE_CASE name",
        ),
        ('[seatClass]\n"4" = 4\n', "names.toml:2: [seatClass] '4': 4 is not an UPPER_SNAKE_CASE name"),
        ('[seatClass]\n"1" = "A"\n"2" = "A"\n', "names.toml:3: [seatClass] A is used for both '1' and '2'"),
        ("[seatClass\n", "invalid TOML"),
        ('seatClass = "x"\n', "'seatClass' must be a table"),
    ],
)
def test_invalid_names_file(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(NamingError) as caught:
        load_curated(_write(tmp_path, content))
    assert message in str(caught.value)


def test_names_for_unknown_codes_or_dictionaries(tmp_path: Path) -> None:
    snap = load_snapshot(SAMPLE)
    path = _write(tmp_path, '# comment\n[seatClass]\n"4" = "SECOND"\n"99" = "NOPE"\n')
    with pytest.raises(NamingError, match=r"names.toml:4: \[seatClass\] '99': no such code"):
        check_curated(load_curated(path), [snap], path)
    path = _write(tmp_path, '[noSuch]\n"1" = "X"\n')
    with pytest.raises(NamingError, match=r"\[noSuch\]: no such dictionary"):
        check_curated(load_curated(path), [snap], path)


def test_strict_names_lists_every_fallback(project: Path, run: Run) -> None:
    assert run("generate", "--strict-names").exit_code == 0
    before = tree(project / "generated")
    result = sample_result()
    result["seatClass"]["data"]["55"] = "新座"
    result["idType"]["data"]["9"] = "军官证"
    write_snapshot(project / "snapshots", "1.1.0", result)
    outcome = run("generate", "--strict-names")
    assert outcome.exit_code == 2
    # One line per unnamed entry, so a long list stays readable.
    assert outcome.stderr.splitlines() == [
        "error: names.toml: --strict-names: [idType] '9': no curated name (would be JUN_GUAN_ZHENG)",
        "error: names.toml: --strict-names: [seatClass] '55': no curated name (would be XIN_ZUO)",
    ]
    assert tree(project / "generated") == before


def _valid_identifier(name: str) -> bool:
    return name.isascii() and name.isidentifier() and not keyword.iskeyword(name)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(name_text, st.dictionaries(name_text, text, max_size=8), max_size=6))
def test_names_are_always_valid_unique_and_stable(dictionaries: dict[str, dict[str, str]]) -> None:
    snap = _snapshot(dictionaries)
    names = assign(snap, {}, reserved())
    assert names == assign(snap, {}, reserved())
    classes = list(names.classes.values())
    assert len(set(classes)) == len(classes)
    footprints = [name for c in classes for name in (c, *vars(derived(c)).values())]
    assert len(set(footprints)) == len(footprints)  # no class is another's label record, guard, alias
    for name in classes:
        assert _valid_identifier(name) and name not in IDENT_TS_RESERVED
        assert name not in reserved()
        assert not name.startswith("_")
    for members in names.members.values():
        assert len(set(members.values())) == len(members)
        for member in members.values():
            assert UPPER_SNAKE.fullmatch(member) and _valid_identifier(member) and len(member) <= 60
