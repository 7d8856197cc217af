"""TypeScript target: the real tsc type-checks the package and node reads back every value exactly."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen.choices import TS_STYLES
from dictgen.model.snapshot import canonical_sha256
from dictgen.text import needs_escape
from tests.support.helpers import ROOT, SAMPLE, dictgen, sample_result, tree, write_snapshot
from tests.support.strategies import results
from tests.support.tsc import (
    MODES,
    STRICT,
    STRING_PROBES,
    compile_and_dump,
    find_tsc,
    generated_names,
    render,
    render_result,
    run_tsc,
)


@pytest.fixture(scope="session")
def tsc() -> Path:
    """The pinned compiler, installed by tooling/node-deps.sh when missing."""
    return find_tsc()


def expected_dump(result: dict[str, Any], version: str) -> dict[str, Any]:
    """What DUMP must print for ``result`` (less generated names), from the snapshot data alone."""
    dictionaries = []
    for key, value in result.items():
        if key == "tips":
            continue
        data: dict[str, str] = value["data"]
        labels = list(data.values())
        dictionaries.append(
            {
                "key": key,
                "description": value["msg"],
                "entries": [list(item) for item in data.items()],
                "isCodes": [True] * len(data),
                "isStrings": [probe in data for probe in STRING_PROBES],
                "isOthers": False,
                "fromLabel": [code if labels.count(label) == 1 else None for code, label in data.items()],
                "recordSafe": True,
            }
        )
    header = {"version": version, "sha256": canonical_sha256(result), "tipsFrozen": True}
    return {**header, "tips": result.get("tips") or [], "dictionaries": dictionaries}


def assert_round_trip(dump: dict[str, Any], result: dict[str, Any], version: str, style: str) -> None:
    """Every key, code, label, msg and tip read back by node equals the snapshot's, in order."""
    wanted = expected_dump(result, version)
    assert {k: dump[k] for k in ("version", "sha256", "tips", "tipsFrozen")} == {
        k: wanted[k] for k in ("version", "sha256", "tips", "tipsFrozen")
    }
    assert [d["key"] for d in dump["dictionaries"]] == [d["key"] for d in wanted["dictionaries"]]
    for actual, expected in zip(dump["dictionaries"], wanted["dictionaries"], strict=True):
        assert {k: actual[k] for k in expected} == expected, (style, expected["key"])
        # The const/enum members hold the codes in upstream order; the record holds every pair.
        assert [code for _, code in actual["members"]] == [code for code, _ in expected["entries"]]
        assert sorted(map(tuple, actual["record"])) == sorted(map(tuple, expected["entries"]))


def assert_clean_source(package: Path) -> None:
    """No generated file carries a raw control, bidi or line-separator character."""
    for rel, data in tree(package).items():
        text = data.decode("utf-8")
        assert text.endswith("\n") and "\r" not in text, rel
        assert not [ch for ch in text if ch != "\n" and needs_escape(ch)], rel


@pytest.mark.slow
@pytest.mark.node
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=4, max_size=6))
def test_hostile_dictionaries_round_trip_through_tsc_and_node(tsc: Path, batch: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        packages = {
            f"c{i}-{style}": render_result(result, root / f"c{i}-{style}", style)
            for i, result in enumerate(batch)
            for style in TS_STYLES
        }
        for package in packages.values():
            assert_clean_source(package)
        dumps = compile_and_dump(tsc, root, packages)
        for i, result in enumerate(batch):
            names = generated_names(root / f"c{i}-const")
            for style in TS_STYLES:
                [dump] = dumps[f"c{i}-{style}"]
                assert_round_trip(dump, result, "1.0.0", style)
                for d in dump["dictionaries"]:
                    cls, members = names[d["key"]]
                    assert d["name"] == cls
                    assert [name for name, _ in d["members"]] == members


@pytest.mark.node
def test_object_key_traps_keep_data_and_order(tsc: Path, tmp_path: Path) -> None:
    trap = {
        "msg": "*/ ${x} `",
        "data": {"__proto__": "p", "1": "a", "0": "b", "01": "c", "-1": "a", "toString": ""},
    }
    result = {"tips": ["\u2028", "\u202e"], "__proto__": trap, "1": {"msg": "", "data": {}}, "0": trap}
    packages = {f"trap-{style}": render_result(result, tmp_path / style, style) for style in TS_STYLES}
    dumps = compile_and_dump(tsc, tmp_path, packages)
    for style in TS_STYLES:
        [dump] = dumps[f"trap-{style}"]
        assert_round_trip(dump, result, "1.0.0", style)
        assert [d["key"] for d in dump["dictionaries"]] == ["__proto__", "1", "0"]
        first = dump["dictionaries"][0]
        assert [code for code, _ in first["entries"]] == ["__proto__", "1", "0", "01", "-1", "toString"]
        assert first["isStrings"][:2] == [True, True]  # "__proto__" and "toString" are codes here
        assert first["fromLabel"][1] is None  # "a" labels two codes: ambiguous


@pytest.mark.node
def test_real_snapshot_builds_as_a_package_and_resolves_its_exports(tsc: Path, tmp_path: Path) -> None:
    snapshots = tmp_path / "snapshots"
    write_snapshot(snapshots, "0.9.0", {"seatClass": {"msg": "old", "data": {"1": "硬座"}}})
    shutil.copy(SAMPLE, snapshots / SAMPLE.name)
    for style in TS_STYLES:
        package = render(tmp_path / style, style, snapshots, ROOT / "names.toml")
        assert sorted(tree(package)) == [
            ".gitignore",
            ".npmrc",
            "README.md",
            "package.json",
            "src/index.ts",
            "src/v0/index.ts",
            "src/v1/index.ts",
            "tsconfig.json",
        ]
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        assert (meta["name"], meta["version"], meta["type"]) == ("juhe-grabticket", "1.0.0", "module")
        assert set(meta["exports"]) == {".", "./v0", "./v1", "./package.json"}
        assert meta["types"] == meta["exports"]["."]["types"]
        check_consumer(tsc, package, tmp_path / f"consumer-{style}")


CONSUMER = """\
import { DICTIONARIES, DICTIONARY_VERSION, SeatClass, SeatClassLabels, TIPS, isSeatClass,
  seatClassFromLabel } from "juhe-grabticket";
import * as v0 from "juhe-grabticket/v0";
import * as v1 from "juhe-grabticket/v1";

const seat: SeatClass = SeatClass.HARD_SEAT;
// @ts-expect-error: a SeatClass is one of the codes, not any string.
const bad: SeatClass = "no such code";
const input: unknown = "4";
const narrowed: SeatClass | undefined = isSeatClass(input) ? input : undefined;
const old: v0.SeatClass = v0.SeatClass.HARD_SEAT;
console.log(JSON.stringify([DICTIONARY_VERSION, v0.DICTIONARY_VERSION, v1.SNAPSHOT_SHA256, seat, old, bad,
  narrowed, SeatClassLabels[seat], seatClassFromLabel("二等座") ?? null, TIPS.length, DICTIONARIES.size]));
"""


def check_consumer(tsc: Path, package: Path, consumer: Path) -> None:
    """Build the package with its own tsconfig, install it, type-check and run a consumer."""
    proc = subprocess.run([str(tsc), "-p", str(package)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    (consumer / "node_modules").mkdir(parents=True)
    shutil.copytree(package, consumer / "node_modules" / "juhe-grabticket")
    (consumer / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (consumer / "main.ts").write_text(CONSUMER, encoding="utf-8")
    run_tsc(tsc, consumer, "bundler", {**STRICT, **MODES["bundler"], "noEmit": True}, ["main.ts"])
    run_tsc(tsc, consumer, "nodenext", {**STRICT, **MODES["nodenext"], "target": "es2020"}, ["main.ts"])
    out = subprocess.run(["node", "main.js"], cwd=consumer, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sample = sample_result()
    sha = canonical_sha256(sample)
    assert json.loads(out.stdout) == [
        "1.0.0",
        "0.9.0",
        sha,
        "1",
        "1",
        "no such code",
        "4",
        "硬座",
        "4",
        13,
        9,
    ]
    assert len(sample["tips"]) == 13 and len(sample) - 1 == 9


def test_cli_generates_and_checks_typescript(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"out{seed}"
        proc = dictgen("generate", "--target", "typescript", "--out", out, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1]
    assert "typescript/src/v1/index.ts" in outs[0]
    out = tmp_path / "out0"
    assert dictgen("check", "--target", "typescript", "--out", out).returncode == 0
    enum = dictgen("check", "--target", "typescript", "--out", out, "--ts-style", "enum")
    assert enum.returncode == 1 and "stale: " in enum.stdout
    index = out / "typescript" / "src" / "v1" / "index.ts"
    index.write_bytes(index.read_bytes() + b"// edited\n")
    assert dictgen("check", "--target", "typescript", "--out", out).returncode == 1


def test_committed_output_is_current() -> None:
    proc = dictgen("check", "--target", "typescript")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unknown_style_from_config_is_a_one_line_error(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["typescript"]\n[tool.dictgen.typescript]\nstyle = "class"\n',
        encoding="utf-8",
    )
    proc = dictgen("generate", cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        proc.stderr == 'error: pyproject.toml: [tool.dictgen] typescript.style: must be "const" or "enum"\n'
    )
    assert not (tmp_path / "generated").exists()
