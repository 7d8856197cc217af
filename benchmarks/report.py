"""RESULTS.md: the machine, the goals (met or not), every measurement, the downstream costs."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass

from benchmarks.measure import Figure
from dictgen import __version__
from dictgen.targets import registry

Results = dict[tuple[str, str, str], Figure]
FLOOR = ("python", "floor: python -c 'import jinja2, click'", "-")
COLD, CHECK = "generate (empty output, cold caches)", "check (up to date)"
OFF_GENERATE = "generate (empty output, DICTGEN_NO_FASTPATHS=1)"
OFF_CHECK = "check (up to date, DICTGEN_NO_FASTPATHS=1)"
# Quoted from the issue when datamodel-code-generator's 100k run is skipped (BENCH_SLOW unset).
DCG_100K_QUOTED = Figure(184.0, 1.6 * 1024, 0)


@dataclass(frozen=True)
class Goal:
    """One goal of the issue: what is measured, the bound, and whether it holds."""

    name: str
    measured: str
    bound: str
    met: bool | None  # None: not measured


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def _anchor(results: Results, tool: str, command: str, size: str) -> Figure | None:
    """The figure a row is compared with: datamodel-codegen's generate or check, same size."""
    if tool == "python" or tool == "datamodel-codegen":
        return None
    other = "check (up to date)" if command.startswith("check") else "generate"
    found = results.get(("datamodel-codegen", other, size))
    return found or (DCG_100K_QUOTED if size == "100k" and other == "generate" else None)


def _ratio(a: Figure | None, b: Figure | None) -> float | None:
    return a.seconds / b.seconds if a and b and b.seconds else None


def _fmt(value: float | None, unit: str = "x") -> str:
    return "n/a" if value is None else f"{value:.2f}{unit}"


def goals(results: Results, calls: dict[str, dict[str, object]]) -> list[Goal]:
    """The issue's goals, judged on this run's figures."""

    def mine(command: str, size: str) -> Figure | None:
        return results.get(("dictgen", command, size))

    def versus_dcg(command: str, size: str) -> float | None:
        return _ratio(mine(command, size), _anchor(results, "dictgen", command, size))

    big, ten = mine(COLD, "100k"), mine(COLD, "10k")
    return [
        _bounded(
            "1. check, shipped snapshot, warm cache, vs the floor",
            _ratio(mine(CHECK, "shipped"), results.get(FLOOR)),
            1.5,
        ),
        # Restated from 0.5x: see MACHINERY.md, "G1: restated".
        _bounded("2. generate, shipped snapshot, vs datamodel-codegen", versus_dcg(COLD, "shipped"), 1.0),
        _bounded("3. generate 10k vs datamodel-codegen 10k", versus_dcg(COLD, "10k"), 0.5),
        _bounded("4. growth 10k -> 100k (generate)", _ratio(big, ten), 11.0),
        _constant_lookups(calls),
    ]


def _bounded(name: str, ratio: float | None, bound: float) -> Goal:
    return Goal(name, _fmt(ratio), f"<= {bound}x", None if ratio is None else ratio <= bound)


def _constant_lookups(calls: dict[str, dict[str, object]]) -> Goal:
    """from_code and from_label cost the same on a 1,000-member class as on a small one."""
    if "shipped" not in calls or "10k" not in calls:
        return Goal("5. from_code / from_label O(1)", "n/a", "", None)
    small, large = (calls[s]["ns"] for s in ("shipped", "10k"))
    assert isinstance(small, dict) and isinstance(large, dict)
    worst = max(large[k] / small[k] for k in ("Cls.from_code(code)", "Cls.from_label(label)"))
    return Goal(
        "5. from_code / from_label O(1): 1,000 members vs the shipped class",
        _fmt(worst),
        "<= 1.5x",
        worst <= 1.5,
    )


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else "met" if met else "**missed**"


def render(
    results: Results,
    calls: dict[str, dict[str, object]],
    imports: dict[tuple[str, str], Figure],
    dcg: bool,
    slow: bool,
) -> str:
    """The whole RESULTS.md."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); not a test. Every figure is the median of the runs",
        "shown, each a whole process; peak MiB is that process's maximum RSS (`os.wait4`).",
        "",
        f"Machine: {os.cpu_count()} CPUs (nproc), {_cpu()}, Python {platform.python_version()}"
        f" ({sys.implementation.name}), dictgen {__version__}.",
        "",
        "Sizes: `shipped` is snapshots/1.0.0.json (9 dictionaries); `1k`, `10k`, `100k` are synthetic:",
        "10 x 100, 10 x 1,000 and 100 x 1,000 entries, Chinese labels of 2-8 characters and numeric codes,",
        "so every member is named from its label's pinyin. Cold caches: an empty `$XDG_CACHE_HOME`.",
        f"dictgen renders every target: {', '.join(registry())}.",
        "datamodel-codegen reads the same enums as JSON Schema and writes Python only (black and isort).",
    ]
    if not slow:
        lines += [
            "",
            "datamodel-codegen's 100k run is skipped without `BENCH_SLOW=1`: its figures below are "
            "quoted from the issue (184 s, 1.6 GiB), not measured here.",
        ]
    if not dcg:
        lines += ["", "datamodel-codegen could not be installed: its comparisons are n/a."]
    lines += ["", "## Goals", "", "| goal | measured | bound | verdict |", "|---|---|---|---|"]
    lines += [f"| {g.name} | {g.measured} | {g.bound} | {_verdict(g.met)} |" for g in goals(results, calls)]
    lines += _machinery(results) + _table(results) + _downstream(calls, imports)
    return "\n".join(lines) + "\n"


def _machinery(results: Results) -> list[str]:
    """What the fast paths that remain save, all together, measured here side by side."""
    lines = [
        "",
        "## Machinery",
        "",
        "The fast paths that remain (the check record, black on a skeleton of each module, built-in",
        "templates outside the sandbox) against `DICTGEN_NO_FASTPATHS=1`, which turns them all off.",
        "What each one saves alone, and why the others were deleted, is in [MACHINERY.md](MACHINERY.md).",
        "",
        "| command | size | fast paths on, s | off, s | saved |",
        "|---|---|---|---|---|",
    ]
    for on, off in ((COLD, OFF_GENERATE), (CHECK, OFF_CHECK)):
        for size in ("shipped", "10k"):
            fast, slow = results.get(("dictgen", on, size)), results.get(("dictgen", off, size))
            if fast and slow:
                saved = 1 - fast.seconds / slow.seconds
                lines.append(f"| {on} | {size} | {fast.seconds:.3f} | {slow.seconds:.3f} | {saved:.0%} |")
    return lines


def _table(results: Results) -> list[str]:
    floor = results.get(FLOOR)
    lines = [
        "",
        "## Measurements",
        "",
        "Ratio to anchor: to datamodel-codegen's generate (or check) of the same size.",
        "",
        "| tool | command | size | median s | peak MiB | ratio to anchor | ratio to floor | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (tool, command, size), fig in results.items():
        anchor = _anchor(results, tool, command, size)
        lines.append(
            f"| {tool} | {command} | {size} | {fig.seconds:.3f} | {fig.peak_mib:.0f} | "
            f"{_fmt(_ratio(fig, anchor))} | {_fmt(_ratio(fig, floor))} | {fig.runs} |"
        )
    return lines


def _downstream(calls: dict[str, dict[str, object]], imports: dict[tuple[str, str], Figure]) -> list[str]:
    lines = [
        "",
        "## Downstream: the generated package in use",
        "",
        "| import | size | median s | peak MiB |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {size} | {f.seconds:.3f} | {f.peak_mib:.0f} |" for (name, size), f in imports.items()
    ]
    lines += ["", "Per call, on the package's largest class (best of 7 x 100,000 calls):", ""]
    for size, found in calls.items():
        ns = found["ns"]
        assert isinstance(ns, dict)
        lines += [
            f"{size}: `{found['class']}`, {found['members']} members",
            "",
            "| call | ns per call | vs dict.get |",
            "|---|---|---|",
        ]
        lines += [
            f"| `{name}` | {value:.0f} | {value / ns['dict.get(code)']:.1f}x |" for name, value in ns.items()
        ]
        lines.append("")
    return lines
