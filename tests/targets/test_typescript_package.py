"""The TypeScript package as npm users get it: packed, installed from a tarball or a folder, type-checked
under every module resolution, run by node, bundled by esbuild, built by the oldest TypeScript it allows.

Everything happens on copies in temporary folders. npm runs offline with a throwaway cache, so it
reaches no registry: the package's ``prepare`` script finds the pinned compiler linked into the
copy's node_modules, where ``npm install`` in the folder would have put it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from dictgen.choices import TS_STYLES, TsStyle
from dictgen.model.snapshot import canonical_sha256
from dictgen.targets.typescript import TYPESCRIPT
from tests.support.helpers import ROOT, SAMPLE, sample_result, write_snapshot
from tests.support.tsc import (
    ESBUILD,
    MODES,
    STRICT,
    TSC,
    TSC_OLDEST,
    find_tsc,
    link_typescript,
    npm,
    render,
    run,
    run_tsc,
)

pytestmark = pytest.mark.node

CONSUMER = """\
import { DICTIONARIES, DICTIONARY_VERSION, SeatClass, SeatClassLabels, TIPS, isSeatClass,
  seatClassFromLabel } from "juhe-grabticket";
import * as v0 from "juhe-grabticket/v0";
import * as v1 from "juhe-grabticket/v1";

const seat: SeatClass = SeatClass.HARD_SEAT;
// @ts-expect-error: a code is one of the codes, not any string (so the types resolved, not to any).
const bad: v1.SeatClass = "no such code";
// @ts-expect-error: v0 has no IdType (so "juhe-grabticket/v0" resolved to its own types).
void v0.IdType;
const input: unknown = "4";
const narrowed: SeatClass | undefined = isSeatClass(input) ? input : undefined;
console.log(JSON.stringify([DICTIONARY_VERSION, v0.DICTIONARY_VERSION, v1.SNAPSHOT_SHA256, seat, bad,
  narrowed, SeatClassLabels[seat], seatClassFromLabel("二等座") ?? null, TIPS.length, DICTIONARIES.size,
  v0.DICTIONARIES.size]));
"""
# moduleResolution -> (compiler, module options): node10 is gone from TypeScript 7, so 5.8 checks it.
RESOLUTIONS = {
    "nodenext": (TSC, MODES["nodenext"]),
    "bundler": (TSC, MODES["bundler"]),
    "node10": (TSC_OLDEST, {"module": "es2020", "moduleResolution": "node"}),
}


@dataclass(frozen=True)
class Packed:
    """A tarball packed from a fresh copy of the package, and a consumer project that installed it."""

    files: list[str]
    consumer: Path


def consumer_project(folder: Path) -> Path:
    """An ES module project that approves the package's install script (npm 11 asks for that)."""
    folder.mkdir(parents=True)
    meta = {"name": "consumer", "private": True, "type": "module", "allowScripts": {"juhe-grabticket": True}}
    (folder / "package.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def two_majors(folder: Path) -> Path:
    """Snapshots 0.9.0 (one dictionary) and the shipped 1.0.0: majors v0 and v1."""
    snapshots = folder / "snapshots"
    write_snapshot(snapshots, "0.9.0", {"seatClass": {"msg": "old", "data": {"1": "硬座"}}})
    shutil.copy(SAMPLE, snapshots / SAMPLE.name)
    return snapshots


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Packed:
    find_tsc()
    root = tmp_path_factory.mktemp("packed")
    package = render(root / "out", "const", two_majors(root), ROOT / "names.toml")
    link_typescript(package)
    (root / "tarballs").mkdir()
    report = npm(["pack", "--json", "--pack-destination", str(root / "tarballs")], package, root / "cache")
    [entry] = json.loads(report)
    consumer = consumer_project(root / "consumer")
    npm(["install", str(root / "tarballs" / entry["filename"])], consumer, root / "cache")
    return Packed(sorted(f["path"] for f in entry["files"]), consumer)


def test_the_tarball_holds_the_built_package_and_its_sources(packed: Packed) -> None:
    built = [f"dist/{m}index.{ext}" for m in ("", "v0/", "v1/") for ext in ("d.ts", "js")]
    sources = ["src/index.ts", "src/v0/index.ts", "src/v1/index.ts"]
    assert packed.files == sorted([*built, *sources, "README.md", "package.json"])
    installed = packed.consumer / "node_modules" / "juhe-grabticket"
    assert json.loads((installed / "package.json").read_text(encoding="utf-8"))["license"] == "MIT"


@pytest.mark.parametrize("resolution", sorted(RESOLUTIONS))
def test_a_strict_consumer_type_checks_and_runs(packed: Packed, resolution: str) -> None:
    compiler, module = RESOLUTIONS[resolution]
    consumer = packed.consumer
    (consumer / f"{resolution}.ts").write_text(CONSUMER, encoding="utf-8")
    options = {**STRICT, **module, "target": "es2020", "outDir": f"out-{resolution}"}
    run_tsc(compiler, consumer, resolution, options, [f"{resolution}.ts"])
    out = run(["node", f"out-{resolution}/{resolution}.js"], consumer)
    sha = canonical_sha256(sample_result())
    assert json.loads(out) == ["1.0.0", "0.9.0", sha, "1", "no such code", "4", "硬座", "4", 13, 9, 1]


def test_a_bundler_keeps_only_the_dictionary_a_program_imports(packed: Packed) -> None:
    entry = packed.consumer / "shake.js"
    entry.write_text('import { isSeatClass } from "juhe-grabticket";\nconsole.log(isSeatClass("1"));\n')
    bundle = packed.consumer / "bundle.js"
    run([ESBUILD, entry, "--bundle", "--format=esm", f"--outfile={bundle}"], packed.consumer)
    text = bundle.read_text(encoding="utf-8")
    assert "SeatClassLabels" in text
    kept = [n for n in ("SeatClassCode", "IdType", "MsgCode", "TIPS", "DICTIONARIES", "0.9.0") if n in text]
    assert kept == [], "esbuild kept what the program does not import"
    assert run(["node", bundle], packed.consumer) == "true\n"


@pytest.mark.parametrize("how", ["link", "install-links"])
def test_installing_the_unbuilt_folder_builds_it(
    tmp_path: Path, how: Literal["link", "install-links"]
) -> None:
    find_tsc()
    package = render(tmp_path / "out", "const", two_majors(tmp_path), ROOT / "names.toml")
    link_typescript(package)
    consumer = consumer_project(tmp_path / "consumer")
    flags = ["--install-links"] if how == "install-links" else []
    npm(["install", *flags, str(package)], consumer, tmp_path / "cache")
    installed = consumer / "node_modules" / "juhe-grabticket"
    assert installed.is_symlink() == (how == "link")
    assert (installed / "dist" / "v1" / "index.d.ts").is_file()
    script = 'import * as v0 from "juhe-grabticket/v0"; import { DICTIONARY_VERSION } from "juhe-grabticket";'
    script += "console.log(DICTIONARY_VERSION, v0.DICTIONARY_VERSION);"
    assert run(["node", "--input-type=module", "-e", script], consumer) == "1.0.0 0.9.0\n"
    # prepare built in place; .npmrc kept npm from writing a package-lock.json there.
    left = sorted(p.name for p in package.iterdir())
    assert left == [
        ".gitignore",
        ".npmrc",
        "README.md",
        "dist",
        "node_modules",
        "package.json",
        "src",
        "tsconfig.json",
    ]


def test_npm_reads_the_packages_npmrc(tmp_path: Path) -> None:
    package = render(tmp_path / "out", "const", two_majors(tmp_path), ROOT / "names.toml")
    assert npm(["config", "get", "package-lock"], package, tmp_path / "cache") == "false\n"


def test_the_compilers_span_the_declared_typescript_range() -> None:
    find_tsc()
    floor = re.fullmatch(r">=(\d+)\.(\d+) <(\d+)", TYPESCRIPT)
    assert floor, TYPESCRIPT
    versions = {
        tool: json.loads((tool.parent.parent / "package.json").read_text())["version"]
        for tool in (TSC, TSC_OLDEST)
    }
    assert versions[TSC_OLDEST].split(".")[:2] == [floor[1], floor[2]]
    assert int(versions[TSC].split(".")[0]) < int(floor[3])


@pytest.mark.parametrize("style", TS_STYLES)
def test_the_oldest_typescript_in_range_builds_the_package(tmp_path: Path, style: TsStyle) -> None:
    find_tsc()
    package = render(tmp_path / "out", style, two_majors(tmp_path), ROOT / "names.toml")
    tsconfig = package / "tsconfig.json"
    assert '"isolatedDeclarations": true' in tsconfig.read_text(encoding="utf-8")
    run([TSC_OLDEST, "-p", package], package)
    assert (package / "dist" / "v0" / "index.d.ts").is_file()
