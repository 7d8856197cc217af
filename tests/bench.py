"""Benchmarks (``make bench``): timings of the main paths against stated goals.

Not part of the test suite: timings depend on the machine. Each figure is the best of
REPEAT runs; a goal missed is printed as MISSED and makes the exit code 1.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator import output, pipeline
from generator.choices import TARGETS
from generator.config import Settings
from tests.helpers import ROOT, write_snapshot

REPEAT = 3


def _large_result(dictionaries: int, entries: int) -> dict[str, Any]:
    """A synthetic dictionary far larger than upstream's (143 entries), Chinese labels."""
    rng = random.Random(42)
    hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
    result: dict[str, Any] = {"tips": ["".join(rng.choices(hanzi, k=30)) for _ in range(50)]}
    for d in range(dictionaries):
        data = {f"c{i}": "".join(rng.choices(hanzi, k=rng.randint(2, 12))) for i in range(entries)}
        result[f"dictionary{d}"] = {"msg": "".join(rng.choices(hanzi, k=40)), "data": data}
    return result


def _best(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def _cli(*args: str) -> Callable[[], object]:
    command = [str(Path(sys.executable).parent / "dictgen"), *args]
    return lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def main() -> int:
    """Run every benchmark, print a table, exit 1 when a goal is missed."""
    rows: list[tuple[str, float, float]] = [
        ("dictgen --help (start-up)", _best(_cli("--help")), 0.5),
        ("dictgen check, shipped snapshot, 3 targets", _best(_cli("check")), 3.0),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_snapshot(folder / "snapshots", "1.0.0", _large_result(20, 1000))
        settings = Settings(folder / "snapshots", folder / "out", folder / "none.toml", TARGETS)
        rows.append(
            ("plan 20x1000 entries, pinyin names, 3 targets", _best(lambda: pipeline.plan(settings)), 30.0)
        )
        plan = pipeline.plan(settings)
        rows.append(
            (
                "write 20x1000 (first run)",
                _best(lambda: output.write(plan)),
                5.0,
            )
        )
        rows.append(("check 20x1000 end to end", _best(lambda: pipeline.check(settings)), 30.0))
    failed = 0
    print(f"{'benchmark':52} {'best s':>8} {'goal s':>8}")
    for name, seconds, goal in rows:
        verdict = "" if seconds <= goal else "  MISSED"
        failed += bool(verdict)
        print(f"{name:52} {seconds:8.3f} {goal:8.1f}{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
