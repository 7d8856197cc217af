"""Benchmark inputs, made deterministically: dictionaries, their JSON Schema, a hand-written module."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from dictgen.model.curated import load_curated, with_builtin
from dictgen.model.naming import Names, assign
from dictgen.model.snapshot import dump_snapshot, load_snapshots, newest_per_major
from dictgen.model.types import Snapshot, Version
from dictgen.targets import reserved

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "http://v.juhe.cn/grabTicket/action/dataDictionary.php"
# size name -> (dictionaries, entries per dictionary); "shipped" is the repository's snapshot.
SIZES: dict[str, tuple[int, int]] = {"1k": (10, 100), "10k": (10, 1000), "100k": (100, 1000)}
# Frequent characters, so that labels read like upstream's and pypinyin has phrases to find.
_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处府研票座卧铺车站乘客改签退候补"
)
# What the baseline (an older tree, BENCH_BASELINE) can render; this tree renders every target.
BASELINE_TARGETS = ("python", "typescript", "sql")


def pyproject(targets: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{t}"' for t in targets)
    return f'[tool.dictgen]\nsnapshots = "snapshots"\nout = "generated"\ntargets = [{listed}]\n'


def synthetic(dictionaries: int, entries: int, seed: int = 20260101) -> dict[str, Any]:
    """An upstream ``result``: numeric codes (so every member is named from its label's pinyin),
    Chinese labels of 2 to 8 characters, a Chinese description per dictionary, a few tips."""
    rng = random.Random(seed)

    def words(low: int, high: int) -> str:
        return "".join(rng.choices(_HANZI, k=rng.randint(low, high)))

    result: dict[str, Any] = {"tips": [words(20, 40) for _ in range(5)]}
    for d in range(dictionaries):
        data = {str(code): words(2, 8) for code in range(1, entries + 1)}
        result[f"dictionary{d}"] = {"msg": words(8, 20), "data": data}
    return result


def shipped() -> dict[str, Any]:
    """The repository's snapshot ``result``."""
    doc: dict[str, Any] = json.loads((ROOT / "snapshots" / "1.0.0.json").read_text(encoding="utf-8"))
    return dict(doc["result"])


def one_label_changed(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``result`` in which the first label of the middle dictionary has changed."""
    changed = json.loads(json.dumps(result))
    keys = [k for k in changed if k != "tips"]
    data = changed[keys[len(keys) // 2]]["data"]
    first = next(iter(data))
    data[first] = data[first] + "新"
    return dict(changed)


def snapshot_bytes(result: dict[str, Any]) -> bytes:
    """``result`` as snapshot 1.0.0, the way ``dictgen import`` records it."""
    version = Version.parse("1.0.0")
    assert version is not None
    return dump_snapshot(version, SOURCE, "2026-01-01T00:00:00Z", result)


def make_project(folder: Path, result: dict[str, Any], names: bool, targets: tuple[str, ...]) -> None:
    """A project folder: ``snapshots/1.0.0.json``, ``pyproject.toml``, and the repository's
    ``names.toml`` when ``names`` (the shipped snapshot)."""
    (folder / "snapshots").mkdir(parents=True, exist_ok=True)
    (folder / "snapshots" / "1.0.0.json").write_bytes(snapshot_bytes(result))
    (folder / "pyproject.toml").write_text(pyproject(targets), encoding="utf-8")
    if names:
        shutil.copy(ROOT / "names.toml", folder / "names.toml")


def _names(project: Path, snapshot: Snapshot) -> Names:
    """The names dictgen gives ``snapshot`` in ``project`` (its names.toml, then the shipped ones)."""
    names = project / "names.toml"
    curated = with_builtin(load_curated(names), [snapshot], names, lambda message: None)
    return assign(snapshot, curated, reserved())


def json_schema(project: Path, path: Path) -> None:
    """The same enums as JSON Schema ``$defs``: codes as values, dictgen's member names as
    ``x-enum-varnames``, labels as ``x-enum-descriptions``, the description as ``description``."""
    snapshot = newest_per_major(load_snapshots(project / "snapshots"))[-1]
    names = _names(project, snapshot)
    defs = {
        names.classes[d.key]: {
            "type": "string",
            "description": d.msg,
            "enum": [e.code for e in d.entries],
            "x-enum-varnames": [names.members[d.key][e.code] for e in d.entries],
            "x-enum-descriptions": [e.label for e in d.entries],
        }
        for d in snapshot.dictionaries
    }
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Dictionaries",
        "type": "object",
        "properties": {name: {"$ref": f"#/$defs/{name}"} for name in defs},
        "$defs": defs,
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def handwritten(project: Path, path: Path) -> None:
    """A hand-written module of plain ``(str, Enum)`` classes with the same members, and a
    ``LABELS`` dict per class (code -> label), for the downstream comparison."""
    snapshot = newest_per_major(load_snapshots(project / "snapshots"))[-1]
    names = _names(project, snapshot)
    lines = ["from enum import Enum", ""]
    for d in snapshot.dictionaries:
        lines += ["", f"class {names.classes[d.key]}(str, Enum):"]
        lines += [f"    {names.members[d.key][e.code]} = {e.code!r}" for e in d.entries] or ["    pass"]
    lines += ["", "LABELS = {"]
    for d in snapshot.dictionaries:
        pairs = ", ".join(f"{e.code!r}: {e.label!r}" for e in d.entries)
        lines.append(f"    {names.classes[d.key]!r}: {{{pairs}}},")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
