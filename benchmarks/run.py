"""``make bench``: dictgen against datamodel-code-generator and the interpreter floor; writes RESULTS.md.

Not a test: nothing here fails a build. Every figure is the median of several runs of a whole
process, with the child's own peak RSS (``os.wait4``). Knobs (environment variables):

- ``BENCH_SLOW=1``: also datamodel-code-generator on 100,000 entries (about 3 minutes a run);
- ``BENCH_BASELINE=DIR``: also the dictgen of another source tree (e.g. ``git archive`` of the
  previous commit), as a "before" column; its 100,000-entry runs only with ``BENCH_SLOW=1``;
- ``BENCH_SIZES=shipped,1k``: only these sizes [shipped,1k,10k,100k];
- ``BENCH_OUT=FILE``: where to write the results [benchmarks/RESULTS.md].

datamodel-code-generator is installed from PyPI into its own virtualenv under
``$XDG_CACHE_HOME/dictgen-bench``, outside the repository; so is the bytecode of every child.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import data, downstream, report
from benchmarks.measure import SPAWNER_PROCESS, Failed, Figure, median
from dictgen.output.caches import NO_FAST_PATHS
from dictgen.targets import registry

DCG = "datamodel-code-generator==0.89.0"
SLOW = os.environ.get("BENCH_SLOW") == "1"
PYTHON = sys.executable
DICTGEN = str(Path(sys.executable).parent / "dictgen")
Results = dict[tuple[str, str, str], Figure]  # (tool, command, size) -> figure
OFF_GENERATE, OFF_CHECK = report.OFF_GENERATE, report.OFF_CHECK


def bench_home() -> Path:
    """``$XDG_CACHE_HOME/dictgen-bench``: the other tool's virtualenv and the children's bytecode."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "dictgen-bench")


def child_env(cache: Path) -> dict[str, str]:
    """The environment of every measured child: bytecode cached outside the repository, as an
    installed package has it, and dictgen's caches in ``cache``."""
    drop = {"PYTHONDONTWRITEBYTECODE", NO_FAST_PATHS, "PYTHONPATH", "BENCH_BASELINE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"PYTHONPYCACHEPREFIX": str(bench_home() / "pycache"), "XDG_CACHE_HOME": str(cache)}


def install_dcg() -> Path | None:
    """datamodel-codegen in its own virtualenv (made once); None when it cannot be installed."""
    venv = bench_home() / ("dcg-" + DCG.split("==")[1])
    tool = venv / "bin" / "datamodel-codegen"
    if not tool.exists():
        try:
            subprocess.run([PYTHON, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
            pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", DCG]
            subprocess.run(pip, check=True, capture_output=True)
        except subprocess.CalledProcessError as exc:
            print(f"datamodel-code-generator not installed: {exc.stderr!r}", file=sys.stderr)
            return None
    return tool


def runs_for(size: str) -> int:
    return 5 if size in ("shipped", "1k") else 3


class Dictgen:
    """One dictgen (this tree, or BENCH_BASELINE's) on one size, in its own folders."""

    def __init__(self, tool: str, command: list[str], pythonpath: str | None, folder: Path) -> None:
        self.tool, self.command, self.folder = tool, command, folder
        self.base, self.work = folder / "base", folder / "work"
        self.warm, self.cold = folder / "cache-warm", folder / "cache-cold"
        self.extra = {"PYTHONPATH": pythonpath} if pythonpath else {}
        self.changed = b""

    def env(self, cache: Path) -> dict[str, str]:
        return child_env(cache) | self.extra

    def setup(self, result: dict[str, Any], names: bool) -> None:
        """The project, generated once (which also warms the caches and the bytecode)."""
        targets = data.BASELINE_TARGETS if self.tool == "dictgen before" else tuple(registry())
        data.make_project(self.base, result, names, targets)
        median([*self.command, "generate"], self.base, self.env(self.warm), 1)
        self.changed = data.snapshot_bytes(data.one_label_changed(result))

    def _reset(self, generated: bool = True, changed: bool = False) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.copytree(self.base, self.work, symlinks=True)
        if not generated:
            shutil.rmtree(self.work / "generated")
        if changed:
            (self.work / "snapshots" / "1.0.0.json").write_bytes(self.changed)

    def _clear_cold(self) -> None:
        shutil.rmtree(self.cold, ignore_errors=True)

    def measure(self, size: str, results: Results) -> None:
        runs, command = runs_for(size), self.command
        cold, warm = self.env(self.cold), self.env(self.warm)

        def fresh() -> None:
            self._reset(generated=False)
            self._clear_cold()

        results[self.tool, "generate (empty output, cold caches)", size] = median(
            [*command, "generate"], self.work, cold, runs, fresh
        )
        self._reset()
        results[self.tool, "check (up to date)", size] = median([*command, "check"], self.work, warm, runs)
        results[self.tool, "check (up to date, cold caches)", size] = median(
            [*command, "check"], self.work, cold, runs, self._clear_cold
        )
        results[self.tool, "generate (one label changed)", size] = median(
            [*command, "generate"], self.work, warm, runs, lambda: self._reset(changed=True)
        )
        if size in ("shipped", "10k"):  # what the fast paths that remain save, side by side
            off = {**cold, NO_FAST_PATHS: "1"}
            results[self.tool, OFF_GENERATE, size] = median(
                [*command, "generate"], self.work, off, runs, fresh
            )
            self._reset()
            results[self.tool, OFF_CHECK, size] = median([*command, "check"], self.work, off, runs)


def measure_dcg(tool: Path, project: Path, folder: Path, size: str, results: Results) -> None:
    """datamodel-codegen, Python only (pydantic v2, black and isort), generate then --check."""
    folder.mkdir(parents=True, exist_ok=True)
    data.json_schema(project, folder / "schema.json")
    command = [str(tool), "--input", "schema.json", "--input-file-type", "jsonschema", "--output", "out.py"]
    command += ["--disable-timestamp", "--formatters", "black", "isort"]
    env, runs = child_env(folder / "cache"), runs_for(size)
    remove = lambda: (folder / "out.py").unlink(missing_ok=True)  # noqa: E731
    results["datamodel-codegen", "generate", size] = median(command, folder, env, runs, remove)
    results["datamodel-codegen", "check (up to date)", size] = median(
        [*command, "--check"], folder, env, runs
    )


def dictgens(root: Path) -> list[Callable[[str], Dictgen]]:
    """This tree's dictgen, and the baseline's when BENCH_BASELINE names a source tree."""
    made = [lambda size: Dictgen("dictgen", [DICTGEN], None, root / "dictgen" / size)]
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        source = str(Path(baseline).resolve())
        command = [PYTHON, "-m", "dictgen"]
        made.append(lambda size: Dictgen("dictgen before", command, source, root / "before" / size))
    return made


def main() -> int:
    """Measure everything, write the results; always exit 0 (a benchmark judges, it does not fail)."""
    SPAWNER_PROCESS.start()  # first, while this process is small: children count its memory
    results: Results = {}
    calls: dict[str, dict[str, object]] = {}
    imports: dict[tuple[str, str], Figure] = {}
    dcg = install_dcg()
    with tempfile.TemporaryDirectory(prefix="dictgen-bench-") as tmp:
        root = Path(tmp)
        results["python", "floor: python -c 'import jinja2, click'", "-"] = median(
            [PYTHON, "-c", "import jinja2, click"], root, child_env(root / "cache"), 10
        )
        for size in os.environ.get("BENCH_SIZES", "shipped,1k,10k,100k").split(","):
            print(f"size {size}", file=sys.stderr)
            result = data.shipped() if size == "shipped" else data.synthetic(*data.SIZES[size])
            _one_size(root, size, result, dcg, results)
            if size in ("shipped", "10k"):
                mine = root / "dictgen" / size
                data.handwritten(mine / "base", mine / "handwritten.py")
                calls[size] = downstream.per_call(PYTHON, mine / "base" / "generated" / "python", mine)
                found = downstream.imports(
                    PYTHON, mine / "base" / "generated" / "python", mine, child_env(root), 10
                )
                imports.update({(name, size): figure for name, figure in found.items()})
    target = Path(os.environ.get("BENCH_OUT") or Path(__file__).parent / "RESULTS.md")
    target.write_text(report.render(results, calls, imports, dcg is not None, SLOW), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _one_size(root: Path, size: str, result: dict[str, Any], dcg: Path | None, results: Results) -> None:
    for make in dictgens(root):
        tool = make(size)
        if size == "100k" and tool.tool != "dictgen" and not SLOW:
            continue
        try:
            tool.setup(result, names=size == "shipped")
            tool.measure(size, results)
        except Failed as exc:
            print(f"{tool.tool} {size}: {exc}", file=sys.stderr)
    if dcg is not None and (size != "100k" or SLOW):
        try:
            measure_dcg(dcg, root / "dictgen" / size / "base", root / "dcg" / size, size, results)
        except Failed as exc:
            print(f"datamodel-codegen {size}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
