"""Builders for the diff tests: a small base result, snapshots of it, edits and their expected changes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from dictgen.model.snapshot import dump_snapshot, snapshot_from_doc
from dictgen.model.types import Snapshot, Version
from dictgen.upstream.diff import Report
from tests.support.strategies import results, text

Result = dict[str, Any]

BASE: Result = {
    "tips": ["早点抢票", "最多五名乘客"],
    "seat": {"msg": "坐席", "data": {"1": "硬座", "2": "软座", "3": "硬卧", "4": "软卧", "5": "一等座(新)"}},
    "train": {"msg": "车型", "data": {"G": "G字头高铁", "D": "动车"}},
}


def snap(result: Result, version: str = "1.0.0", stamp: str = "2026-01-01T00:00:00Z") -> Snapshot:
    """A validated Snapshot of ``result``, exactly as loaded from a file."""
    parsed = Version.parse(version)
    assert parsed is not None
    return snapshot_from_doc(json.loads(dump_snapshot(parsed, "http://example.invalid/", stamp, result)), "t")


def edited(edit: Callable[[Result], object]) -> Result:
    """A deep copy of BASE after ``edit``."""
    result = copy.deepcopy(BASE)
    edit(result)
    return result


def set_label(dictionary: str, code: str, label: str) -> Callable[[Result], None]:
    """An edit that sets ``dictionary``'s ``code`` to ``label``."""
    return lambda r: r[dictionary]["data"].__setitem__(code, label)


def swap(r: Result) -> None:
    """Swap the labels of seat codes "1" and "2"."""
    data = r["seat"]["data"]
    data["1"], data["2"] = data["2"], data["1"]


def reorder(r: Result) -> None:
    """Reverse the entries of both dictionaries and move "seat" last: the same data, another order."""
    for key in ("seat", "train"):
        r[key]["data"] = dict(reversed(r[key]["data"].items()))
    r["seat"] = r.pop("seat")


Row = tuple[str, str, str | None, str | None, str | None, str | None]
CASES: list[tuple[str, Callable[[Result], object], list[Row], str]] = [
    (
        "dictionary_removed",
        lambda r: r.pop("train"),
        [("dictionary_removed", "breaking", "train", None, "车型", None)],
        "major",
    ),
    (
        "dictionary_renamed",
        lambda r: r.__setitem__("trains", r.pop("train")),
        [("dictionary_renamed", "breaking", "train", None, "train", "trains")],
        "major",
    ),
    (
        "entry_removed",
        lambda r: r["seat"]["data"].pop("4"),
        [("entry_removed", "breaking", "seat", "4", "软卧", None)],
        "major",
    ),
    (
        "code_renamed",
        lambda r: r["seat"]["data"].__setitem__("44", r["seat"]["data"].pop("4")),
        [("code_renamed", "breaking", "seat", "4", "4", "44")],
        "major",
    ),
    (
        "label_changed",
        set_label("seat", "3", "卧铺"),
        [("label_changed", "breaking", "seat", "3", "硬卧", "卧铺")],
        "major",
    ),
    ("label_swapped", swap, [("label_swapped", "breaking", "seat", "1", "硬座", "软座")], "major"),
    (
        "cosmetic_fullwidth",
        set_label("seat", "5", "一等座\uff08新\uff09"),
        [("label_changed", "cosmetic", "seat", "5", "一等座(新)", "一等座\uff08新\uff09")],
        "patch",
    ),
    (
        "cosmetic_whitespace",
        set_label("seat", "1", " 硬 座\u3000"),
        [("label_changed", "cosmetic", "seat", "1", "硬座", " 硬 座\u3000")],
        "patch",
    ),
    (
        "cosmetic_nfkc",
        set_label("train", "G", "\uff27字头高铁"),
        [("label_changed", "cosmetic", "train", "G", "G字头高铁", "\uff27字头高铁")],
        "patch",
    ),
    (
        "entry_added",
        set_label("seat", "6", "无座"),
        [("entry_added", "dangerous", "seat", "6", None, "无座")],
        "minor",
    ),
    (
        "dictionary_added",
        lambda r: r.__setitem__("idType", {"msg": "证件", "data": {"1": "身份证"}}),
        [("dictionary_added", "non_breaking", "idType", None, None, "证件")],
        "minor",
    ),
    (
        "description_changed",
        lambda r: r["seat"].__setitem__("msg", "坐席类型"),
        [("description_changed", "cosmetic", "seat", None, "坐席", "坐席类型")],
        "patch",
    ),
    (
        "tips_changed",
        lambda r: r["tips"].reverse(),
        [
            (
                "tips_changed",
                "cosmetic",
                None,
                None,
                '["早点抢票", "最多五名乘客"]',
                '["最多五名乘客", "早点抢票"]',
            )
        ],
        "patch",
    ),
]


def rows(report: Report) -> list[Row]:
    """The comparable part of each change."""
    return [(c.kind, c.severity, c.dictionary, c.code, c.old, c.new) for c in report.changes]


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Result, Result]:
    """A hostile result and an edited copy: labels changed, codes dropped, added or renamed."""
    old = draw(results())
    new: Result = json.loads(json.dumps(old))
    for key in [k for k in new if k != "tips"]:
        data = new[key]["data"]
        for code in list(data):
            action = draw(st.sampled_from(["keep", "keep", "drop", "relabel", "recode"]))
            if action == "drop":
                del data[code]
            elif action == "relabel":
                data[code] = draw(text)
            elif action == "recode":
                data[code + draw(st.sampled_from(["x", "1", "\u3000"]))] = data.pop(code)
        if draw(st.booleans()):
            data[draw(text) or "c"] = draw(text)
    if draw(st.booleans()) and len(new) > 1:
        new.pop(draw(st.sampled_from(sorted(new))))
    return old, new
