"""The pinned TypeScript compiler and node: find tsc, compile packages, import them and dump their values."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.helpers import ROOT

TOOLING = ROOT / "tooling"
TSC = TOOLING / "typescript" / "node_modules" / ".bin" / "tsc"
STRICT = {"strict": True, "isolatedModules": True, "verbatimModuleSyntax": True, "types": []}
MODES: dict[str, dict[str, Any]] = {
    "nodenext": {"module": "nodenext", "moduleResolution": "nodenext"},
    "bundler": {"module": "esnext", "moduleResolution": "bundler"},
}
STRING_PROBES = ["__proto__", "toString", "constructor", "hasOwnProperty", "valueOf", "0", "1", ""]

# Imports each compiled module given on the command line and dumps what a consumer can see.
DUMP = r"""
import { pathToFileURL } from "node:url";
const STRING_PROBES = JSON.parse(process.argv[2]);
const OTHER_PROBES = [1, 0, null, undefined, {}, ["1"], true];
const out = [];
for (const file of process.argv.slice(3)) {
  const m = await import(pathToFileURL(file).href);
  const dictionaries = [];
  for (const [key, d] of m.DICTIONARIES) {
    const members = m[d.name];
    const labels = m[d.name + "Labels"];
    const is = m["is" + d.name];
    const fromLabel = m[d.name[0].toLowerCase() + d.name.slice(1) + "FromLabel"];
    dictionaries.push({
      key, name: d.name, description: d.description, entries: [...d.labels],
      members: Object.entries(members),
      record: Object.keys(labels).map((code) => [code, labels[code]]),
      recordSafe: Object.getPrototypeOf(labels) === null && Object.isFrozen(labels),
      isCodes: [...d.labels.keys()].map((code) => is(code)),
      isStrings: STRING_PROBES.map((probe) => is(probe)),
      isOthers: OTHER_PROBES.some((probe) => is(probe)),
      fromLabel: [...d.labels.values()].map((label) => fromLabel(label) ?? null),
    });
  }
  out.push({ version: m.DICTIONARY_VERSION, sha256: m.SNAPSHOT_SHA256, tips: [...m.TIPS],
             tipsFrozen: Object.isFrozen(m.TIPS), dictionaries });
}
process.stdout.write(JSON.stringify(out));
"""


def find_tsc() -> Path:
    """The pinned compiler, installed by tooling/node-deps.sh when missing."""
    if not TSC.exists():
        subprocess.run(["bash", str(TOOLING / "node-deps.sh")], check=True, timeout=600)
    return TSC


def run_tsc(tsc: Path, root: Path, name: str, options: dict[str, Any], include: list[str]) -> None:
    """Compile with a tsconfig made of ``options``; fail with tsc's diagnostics."""
    config = root / f"tsconfig.{name}.json"
    config.write_text(json.dumps({"compilerOptions": options, "include": include}), encoding="utf-8")
    proc = subprocess.run(
        [str(tsc), "-p", str(config)], cwd=root, capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, f"tsc ({name}) failed:\n{proc.stdout}{proc.stderr}"


def compile_and_dump(tsc: Path, root: Path, packages: dict[str, Path]) -> dict[str, Any]:
    """Type-check every package under both resolutions, emit JS, import it in node: name -> dump."""
    include = [f"{p.relative_to(root).as_posix()}/src/**/*.ts" for p in packages.values()]
    const = [i for i, name in zip(include, packages, strict=True) if name.endswith("const")]
    run_tsc(tsc, root, "bundler", {**STRICT, **MODES["bundler"], "noEmit": True}, include)
    run_tsc(
        tsc,
        root,
        "erasable",
        {**STRICT, **MODES["nodenext"], "erasableSyntaxOnly": True, "noEmit": True},
        const,
    )
    emit = {**STRICT, **MODES["nodenext"], "target": "es2020", "rootDir": ".", "outDir": "out"}
    run_tsc(tsc, root, "nodenext", emit, include)
    (root / "out" / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    majors = {name: sorted((p / "src").glob("v*/index.ts")) for name, p in packages.items()}
    files = [
        str(root / "out" / ts.relative_to(root).with_suffix(".js")) for each in majors.values() for ts in each
    ]
    script = root / "dump.mjs"
    script.write_text(DUMP, encoding="utf-8")
    proc = subprocess.run(
        ["node", str(script), json.dumps(STRING_PROBES), *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    dumps = iter(json.loads(proc.stdout))
    return {name: [next(dumps) for _ in each] for name, each in majors.items()}
