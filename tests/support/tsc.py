"""The pinned Node tools: render the package, find tsc, compile packages, import them, dump their values."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from dictgen.choices import TsStyle
from dictgen.config import Settings
from dictgen.model import naming
from dictgen.model.snapshot import load_snapshots
from dictgen.targets import reserved, typescript
from tests.support.helpers import ROOT, planned, write_snapshot

TOOLING = ROOT / "tooling"
NODE_MODULES = TOOLING / "typescript" / "node_modules"
# Both compilers install a .bin/tsc, so each is called by its own path.
TSC = NODE_MODULES / "typescript" / "bin" / "tsc"
TSC_OLDEST = NODE_MODULES / "typescript-5.8" / "bin" / "tsc"  # the floor of the package's range; has node10
ESBUILD = NODE_MODULES / "esbuild" / "bin" / "esbuild"
MARKED = NODE_MODULES / "marked"
AJV = NODE_MODULES / "ajv"  # validates payloads against the generated JSON Schema
JSON_SCHEMA_TO_TS = NODE_MODULES / "json-schema-to-typescript"
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
    """The pinned compiler, installed with the other tools by tooling/node-deps.sh when one is missing."""
    if not all(tool.exists() for tool in (TSC, TSC_OLDEST, ESBUILD, MARKED, AJV, JSON_SCHEMA_TO_TS)):
        subprocess.run(["bash", str(TOOLING / "node-deps.sh")], check=True, timeout=600)
    return TSC


def render(folder: Path, style: TsStyle, snapshots: Path, names: Path | None = None) -> Path:
    """Render ``snapshots`` through the real pipeline into ``folder``; return the package dir."""
    settings = Settings(
        snapshots=snapshots,
        out=folder,
        names=names or folder / "names.toml",
        targets=("typescript",),
        options={"typescript": typescript.Options(style)},
    )
    for rel, data in planned(settings).items():
        if not rel.startswith("typescript/"):
            continue
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder / "typescript"


def render_result(result: dict[str, Any], folder: Path, style: TsStyle) -> Path:
    """Render ``result`` as snapshot 1.0.0; return the package dir."""
    write_snapshot(folder / "snapshots", "1.0.0", result)
    return render(folder, style, folder / "snapshots")


def generated_names(folder: Path) -> dict[str, tuple[str, list[str]]]:
    """Dictionary key -> (class name, member names) as naming.py assigns them, for ``folder/snapshots``."""
    snap = load_snapshots(folder / "snapshots")[0]
    names = naming.assign(snap, {}, reserved())
    return {
        d.key: (names.classes[d.key], [names.members[d.key][e.code] for e in d.entries])
        for d in snap.dictionaries
    }


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


def npm(args: list[str], cwd: Path, cache: Path) -> str:
    """Run npm offline with a throwaway cache and no user config: it reaches no registry at all."""
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_")}
    env.update(
        npm_config_cache=str(cache),
        npm_config_userconfig=str(cache / "npmrc"),
        npm_config_offline="true",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
    )
    proc = subprocess.run(
        ["npm", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, f"npm {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def link_typescript(package: Path) -> None:
    """Put the pinned compiler where ``npm install`` in ``package`` would put it: typescript, .bin/tsc."""
    modules = package / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    (modules / "typescript").symlink_to(TSC.parent.parent, target_is_directory=True)
    (modules / ".bin" / "tsc").symlink_to(Path("..", "typescript", "bin", "tsc"))


def run(command: list[str | Path], cwd: Path) -> str:
    """Run a tool (node, tsc, esbuild); fail with everything it printed."""
    argv = [str(arg) for arg in command]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, f"{' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout
