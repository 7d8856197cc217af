"""diff: one case per change kind, rename and swap detection, the accept file, exit codes, properties."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dictgen.choices import BUMPS, Bump
from dictgen.errors import DictgenError
from dictgen.model.types import Snapshot, Version
from dictgen.upstream.accepted import load_accepted
from dictgen.upstream.diff import BUMP_OF, UNVERSIONED, Change, Report, compare, normalize_label
from dictgen.upstream.sides import side_from_file
from tests.conftest import Run
from tests.support.diffcases import BASE as BASE  # "X as X": re-exported for test_changelog and test_report
from tests.support.diffcases import CASES, Result, Row, reorder, rows, set_label, swap
from tests.support.diffcases import edited as edited
from tests.support.diffcases import pairs as pairs
from tests.support.diffcases import snap as snap
from tests.support.helpers import write_snapshot
from tests.support.strategies import results


@pytest.mark.parametrize(("edit", "expected", "bump"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_change_kind(edit: Callable[[Result], object], expected: list[Row], bump: Bump) -> None:
    report = compare(snap(BASE), snap(edited(edit), "1.1.0"))
    assert rows(report) == expected
    assert report.bump == bump
    expected_next = {"major": "2.0.0", "minor": "1.1.0", "patch": "1.0.1"}[bump]
    assert str(report.next_version()) == expected_next
    assert all(len(c.fingerprint) == 16 and "\n" not in c.message for c in report.changes)


def test_reorder_only_is_no_change_and_no_version() -> None:
    report = compare(snap(BASE), snap(edited(reorder), "1.0.0"))
    assert report.changes == () and report.bump == "none" and report.next_version() is None


def test_rename_needs_a_label_unique_in_both_versions() -> None:
    def edit(r: Result) -> None:
        r["seat"]["data"]["44"] = r["seat"]["data"].pop("4")
        r["seat"]["data"]["45"] = "软卧"

    kinds = [c.kind for c in compare(snap(BASE), snap(edited(edit))).changes]
    assert kinds == ["entry_removed", "entry_added", "entry_added"]


def test_swap_is_reported_once_and_mentions_both_codes() -> None:
    (change,) = compare(snap(BASE), snap(edited(swap))).changes
    assert change.kind == "label_swapped"
    assert '"1" and "2" swapped' in change.message


def test_several_changes_sort_breaking_first_and_bump_is_the_largest() -> None:
    def edit(r: Result) -> None:
        r["seat"]["msg"] = "x"
        r["seat"]["data"]["9"] = "新"
        r["train"]["data"].pop("D")

    report = compare(snap(BASE), snap(edited(edit)))
    assert [c.kind for c in report.changes] == ["entry_removed", "entry_added", "description_changed"]
    assert report.bump == "major"


def test_accept_file_makes_a_label_change_cosmetic_until_the_values_change(tmp_path: Path) -> None:
    changed = snap(edited(set_label("seat", "3", "卧铺")))
    (change,) = compare(snap(BASE), changed).changes
    path = tmp_path / "accepted.toml"
    path.write_text(f'[accepted]\n{change.fingerprint} = "typo fix, see upstream notice"\n', encoding="utf-8")
    accepted = load_accepted(path)
    (now,) = compare(snap(BASE), changed, accepted).changes
    assert (now.severity, now.kind, now.fingerprint) == ("cosmetic", "label_changed", change.fingerprint)
    assert "accepted" in now.message
    again = compare(snap(BASE), snap(edited(set_label("seat", "3", "卧铺2"))), accepted)
    assert [c.severity for c in again.changes] == ["breaking"]


def test_accepting_other_kinds_changes_nothing() -> None:
    (removed,) = compare(snap(BASE), snap(edited(lambda r: r["seat"]["data"].pop("4")))).changes
    report = compare(
        snap(BASE), snap(edited(lambda r: r["seat"]["data"].pop("4"))), {removed.fingerprint: "ok"}
    )
    assert report.changes == (removed,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[accepted]\nnot-hex = 'x'\n", "not a fingerprint"),
        ("[accepted]\n0123456789abcdef = ''\n", "reason must be a non-empty string"),
        ("[accepted]\n0123456789abcdef = 3\n", "reason must be a non-empty string"),
        ("[other]\n", "unknown key"),
        ("accepted = 1\n", "accepted must be a table"),
        ("[accepted\n", "cannot read"),
    ],
)
def test_invalid_accept_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "accepted.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DictgenError, match=re.escape(message)):
        load_accepted(path)
    assert load_accepted(tmp_path / "missing.toml") == {}


def test_side_from_raw_response_is_unversioned(tmp_path: Path) -> None:
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"reason": "ok", "result": BASE, "error_code": "0"}), encoding="utf-8")
    side = side_from_file(path)
    assert side.version == UNVERSIONED and side.sha256 == snap(BASE).sha256
    report = compare(snap(BASE), side)
    assert (report.old_version, report.new_version, report.changes) == (Version(1, 0, 0), None, ())


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"reason": "bad key", "result": None, "error_code": 10001}, "Juhe error 10001: wrong API key"),
        ({"result": {}}, 'neither a Juhe API response nor a snapshot: expected a response {"reason"'),
        ({"reason": "", "result": {"x": {"msg": 1, "data": {}}}, "error_code": 0}, "msg must be a string"),
    ],
)
def test_side_from_bad_file(tmp_path: Path, doc: Any, message: str) -> None:
    path = tmp_path / "response.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DictgenError, match=re.escape(message)):
        side_from_file(path)


# --- the command line ------------------------------------------------------------------------

EDITS: dict[str, Callable[[Result], object]] = {
    "breaking": lambda r: r.pop("train"),
    "dangerous": set_label("seat", "6", "无座"),
    "cosmetic": lambda r: r["tips"].reverse(),
    "none": reorder,
}
EXIT = {  # (severity of the only change, --fail-on) -> exit code
    **{("breaking", f): 1 for f in ("breaking", "dangerous", "any")},
    **{("dangerous", f): int(f != "breaking") for f in ("breaking", "dangerous", "any")},
    **{("cosmetic", f): int(f == "any") for f in ("breaking", "dangerous", "any")},
    **{("none", f): 0 for f in ("breaking", "dangerous", "any")},
    **{(s, "never"): 0 for s in EDITS},
}


@pytest.mark.parametrize(("severity", "fail_on"), sorted(EXIT))
def test_fail_on_maps_severity_to_exit_code(tmp_path: Path, run: Run, severity: str, fail_on: str) -> None:
    write_snapshot(tmp_path, "1.0.0", BASE)
    write_snapshot(tmp_path, "1.1.0", edited(EDITS[severity]))
    outcome = run("diff", "--snapshots", tmp_path, "--fail-on", fail_on)
    assert outcome.exit_code == EXIT[severity, fail_on], outcome.output
    assert outcome.stdout.startswith("1.0.0 -> 1.1.0: ")


def test_cli_defaults_and_explicit_arguments(tmp_path: Path, run: Run) -> None:
    write_snapshot(tmp_path, "1.0.0", BASE)
    write_snapshot(tmp_path, "1.1.0", edited(EDITS["dangerous"]))
    write_snapshot(
        tmp_path, "1.2.0", edited(lambda r: EDITS["dangerous"](r) or set_label("seat", "7", "x")(r))
    )
    assert run("diff", "--snapshots", tmp_path).stdout.startswith(
        "1.1.0 -> 1.2.0: bump minor, next version 1.2.0"
    )
    both = run("diff", "1.0.0", tmp_path / "1.2.0.json", "--snapshots", tmp_path, "--format", "json")
    assert json.loads(both.stdout)["bump"] == "minor" and len(json.loads(both.stdout)["changes"]) == 2
    assert run("diff", "1.0.0", "--snapshots", tmp_path).stdout.startswith("1.0.0 -> 1.2.0")


def test_cli_raw_response_gets_the_next_version(tmp_path: Path, run: Run) -> None:
    write_snapshot(tmp_path / "s", "1.0.0", BASE)
    response = tmp_path / "response.json"
    response.write_text(json.dumps({"reason": "", "result": edited(EDITS["breaking"]), "error_code": 0}))
    outcome = run("diff", "1.0.0", response, "--snapshots", tmp_path / "s", "--format", "json")
    doc = json.loads(outcome.stdout)
    assert (outcome.exit_code, doc["new"]["version"], doc["next_version"]) == (1, None, "2.0.0")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["9.9.9"], "error: 9.9.9: no such snapshot version (known: 1.0.0)"),
        (["1.0.0", "nowhere.json"], "error: nowhere.json: "),
        (["1.0.0", "{bad}"], "error: {bad}: invalid JSON"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_snapshot(tmp_path, "1.0.0", BASE)
    (tmp_path / "{bad}").write_text("{", encoding="utf-8")
    outcome = run("diff", *args, "--snapshots", tmp_path, "--accepted", tmp_path / "none.toml")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(message) and outcome.stderr.count("\n") == 1
    assert outcome.stdout == ""


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(results())
def test_compare_with_itself_is_empty(result: Result) -> None:
    report = compare(snap(result), snap(result))
    assert report.changes == () and report.bump == "none"


def _touched(report: Report, old: Snapshot, new: Snapshot) -> set[tuple[str, str]]:
    """The (dictionary, code) pairs that the changes account for."""
    touched: set[tuple[str, str]] = set()
    for c in report.changes:
        if c.dictionary is None or c.code is None:
            continue
        touched.add((c.dictionary, c.code))
        if c.kind == "code_renamed" and c.new is not None:
            touched.add((c.dictionary, c.new))
        if c.kind == "label_swapped":
            before, after = _labels(old, c.dictionary), _labels(new, c.dictionary)
            touched |= {(c.dictionary, k) for k in before if after.get(k) == c.old and before[k] == c.new}
    return touched


def _labels(snapshot: Snapshot, key: str) -> dict[str, str]:
    dictionary = snapshot.dictionary(key)
    return dictionary.labels() if dictionary else {}


def _covered(changes: tuple[Change, ...], kinds: set[str], key: str) -> bool:
    return any(c.kind in kinds and key in (c.dictionary, c.new) for c in changes)


@settings(max_examples=50, deadline=None)
@given(pairs())
def test_compare_classifies_every_code(pair: tuple[Result, Result]) -> None:
    old, new = snap(pair[0]), snap(pair[1], "1.0.1")
    report = compare(old, new)
    old_keys, new_keys = {d.key for d in old.dictionaries}, {d.key for d in new.dictionaries}
    for key in old_keys - new_keys:
        assert _covered(report.changes, {"dictionary_removed", "dictionary_renamed"}, key)
    for key in new_keys - old_keys:
        assert _covered(report.changes, {"dictionary_added", "dictionary_renamed"}, key)
    differing = set()
    for key in old_keys & new_keys:
        before, after = _labels(old, key), _labels(new, key)
        differing |= {
            (key, code) for code in before.keys() | after.keys() if before.get(code) != after.get(code)
        }
    entry_level = {c for c in _touched(report, old, new) if c[0] in old_keys & new_keys}
    assert entry_level == differing
    assert report.bump == min((BUMP_OF[c.severity] for c in report.changes), key=BUMPS.index, default="none")
    assert len({c.fingerprint for c in report.changes}) == len(report.changes)


@settings(max_examples=25, deadline=None)
@given(st.lists(pairs(), min_size=1, max_size=4))
def test_recorded_versions_reproduce_the_history(steps: list[tuple[Result, Result]]) -> None:
    history = [snap(steps[0][0])]
    for _, result in steps:
        candidate = snap(result)
        report = compare(history[-1], candidate)
        following = report.next_version()
        if following is not None:
            history.append(snap(result, str(following)))
    for before, after in itertools.pairwise(history):
        assert before.version < after.version
        assert compare(before, after).next_version() == after.version


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        ("硬卧", "硬 卧", True),
        ("抢票成功(出票成功)", "抢票成功\uff08出票成功\uff09", True),
        ("请稍后重试。", "请稍后重试.", True),
        ("\u201cA\u201d 座", '"A"座', True),
        ("change:改签", "change\uff1a改签", True),
        ("a b", "ab", False),
        ("硬卧", "软卧", False),
        ("硬卧", "硬卧上铺", False),
    ],
)
def test_normalize_label(before: str, after: str, same: bool) -> None:
    assert (normalize_label(before) == normalize_label(after)) is same
