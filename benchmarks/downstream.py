"""What users of the generated package pay: its import, and each lookup, against plain Python."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from benchmarks.measure import Figure, median

# Runs in a child: per-call nanoseconds on the largest class, the best of 7 timeit repeats
# (as timeit advises: a slower repeat measures the machine, not the call).
PER_CALL = r"""
import importlib, json, timeit
pkg = importlib.import_module("juhe_grabticket")
hand = importlib.import_module("handwritten")
cls = max(pkg.DICTIONARIES.values(), key=len)
members = list(cls)
labels = [m.label for m in members]
member = next(m for m in members[len(members) // 2:] + members if labels.count(m.label) == 1)
space = dict(cls=cls, hand=getattr(hand, cls.__name__), code=member.value, label=member.label,
             member=member, table=dict(hand.LABELS[cls.__name__]))
calls = {
    "Cls.from_code(code)": "cls.from_code(code)",
    "Cls.from_label(label)": "cls.from_label(label)",
    "Cls(code)": "cls(code)",
    "member.label": "member.label",
    "hand-written (str, Enum): Hand(code)": "hand(code)",
    "dict.get(code)": "table.get(code)",
}
n = 100_000
ns = {name: min(timeit.Timer(stmt, globals=space).repeat(7, n)) / n * 1e9 for name, stmt in calls.items()}
print(json.dumps({"class": cls.__name__, "members": len(members), "ns": ns}))
"""


def per_call(python: str, package: Path, handwritten: Path) -> dict[str, object]:
    """Nanoseconds per call of each lookup on the package's largest class."""
    env = {"PYTHONPATH": f"{package}:{handwritten}", "PYTHONHASHSEED": "0"}
    done = subprocess.run([python, "-c", PER_CALL], env=env, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def imports(
    python: str, package: Path, handwritten: Path, env: dict[str, str], runs: int
) -> dict[str, Figure]:
    """Start-up with nothing imported, with the generated package, with the hand-written module."""
    env = {**env, "PYTHONPATH": f"{package}:{handwritten}"}
    commands = {
        "python -c pass": "pass",
        "import juhe_grabticket (generated)": "import juhe_grabticket",
        "import handwritten ((str, Enum) classes)": "import handwritten",
    }
    for statement in commands.values():  # bytecode written once, as an installed package has it
        subprocess.run([python, "-c", statement], env=env, check=True)
    return {name: median([python, "-c", s], package, env, runs) for name, s in commands.items()}
