"""diff pairs renamed dictionaries and swapped labels as the old quadratic search did, in linear work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dictgen.errors import SnapshotError
from dictgen.model.snapshot import parse_json
from dictgen.model.types import Dictionary, Snapshot
from dictgen.upstream.diff import compare, fingerprint
from tests.support.diffcases import snap
from tests.support.helpers import dictgen, write_snapshot

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


def test_diff_of_8000_replaced_dictionaries_reads_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {f"k{i}": {"msg": "m", "data": {"1": f"l{i}", "2": "x"}} for i in range(8000)}
    # Every other one comes back under a new name (a rename), in reverse order; the rest are new.
    new = {
        f"n{i}": {"msg": "m", "data": {"1": f"{'l' if i % 2 else 'L'}{i}", "2": "x"}}
        for i in range(7999, -1, -1)
    }
    result = dictgen("diff", write_snapshot(tmp_path, "1.0.0", old), write_snapshot(tmp_path, "2.0.0", new))
    assert result.returncode == 1, result.stderr
    assert "12000 change(s): 8000 breaking, 4000 non_breaking" in result.stdout.splitlines()[0]
    assert result.stdout.count("dictionary_renamed") == 4000
    # Linear: each dictionary's labels are read a bounded number of times, not once per candidate
    # twin (the quadratic search read them 32 million times here).
    calls = 0
    real = Dictionary.labels

    def counted(self: Dictionary) -> dict[str, str]:
        nonlocal calls
        calls += 1
        return real(self)

    monkeypatch.setattr(Dictionary, "labels", counted)
    changes = compare(snap(old), snap(new, "2.0.0")).changes
    assert sum(c.kind == "dictionary_renamed" for c in changes) == 4000
    assert calls <= 3 * (len(old) + len(new)), calls


def test_many_duplicate_keys_are_each_reported() -> None:
    body = ",".join(f'"k{i}":0,"k{i}":1' for i in range(40_000))
    with pytest.raises(SnapshotError) as caught:
        parse_json(f'{{"x":{{{body}}}}}'.encode(), "f.json")
    assert caught.value.problems[:2] == [("x.k0", "duplicate key"), ("x.k1", "duplicate key")]
    assert len(caught.value.problems) == 40_000
