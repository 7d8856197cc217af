"""Python target: the generated package imports, type-checks and round-trips hostile data exactly."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen import pipeline
from dictgen.config import Settings
from dictgen.output import plan as output
from tests.support.helpers import ROOT, sample_result, write_snapshot
from tests.support.strategies import results

BIN = Path(sys.executable).parent

# Runs inside `python -I -S` with only the output folder on sys.path: checks every value.
CHECK = r"""
import importlib, json, sys, keyword
expected = json.loads(sys.stdin.read())
root = importlib.import_module("juhe_grabticket")
for major, snap in expected.items():
    mod = importlib.import_module(f"juhe_grabticket.v{major}")
    assert mod.__version__ == snap["version"], mod.__version__
    assert mod.SNAPSHOT_SHA256 == snap["sha256"]
    assert list(mod.TIPS) == snap["result"].get("tips", [])
    keys = [k for k in snap["result"] if k != "tips"]
    assert list(mod.DICTIONARIES) == keys, (list(mod.DICTIONARIES), keys)
    assert list(mod.DESCRIPTIONS) == keys
    for key in keys:
        cls = mod.DICTIONARIES[key]
        assert mod.DESCRIPTIONS[key] == snap["result"][key]["msg"]
        if snap["result"][key]["msg"]:
            assert cls.__doc__ == snap["result"][key]["msg"], (cls.__doc__, snap["result"][key]["msg"])
        data = snap["result"][key]["data"]
        assert [(m.value, m.label) for m in cls] == list(data.items())
        for member in cls:
            assert member.name.isidentifier() and member.name.isascii() and not keyword.iskeyword(member.name)
            assert cls(member.value) is member and cls.from_code(member.value) is member
            assert str(member) == member.value and f"{member}" == member.value
            try:
                number = int(member.value)  # "4", " 4", "04" and "-1" are integer codes too
            except ValueError:
                pass
            else:
                if str(number) in data:
                    assert cls(number) is cls.from_code(number) is cls(str(number))
                else:
                    try:
                        cls(number)
                    except ValueError:
                        pass
                    else:
                        raise AssertionError(f"{number} found a member")
            if list(data.values()).count(member.label) == 1:
                assert cls.from_label(member.label) is member
            else:
                try:
                    cls.from_label(member.label)
                except ValueError as exc:
                    assert "ambiguous" in str(exc)
                else:
                    raise AssertionError("ambiguous label accepted")
        assert getattr(mod, cls.__name__) is cls
        assert cls.choices() == list(data.items())
        for flag in (True, False) if data else ():  # calling an enum without members is a TypeError
            try:
                cls(flag)
            except ValueError:
                pass
            else:
                raise AssertionError("a bool found a member")
newest = max(expected, key=int)
assert root.__version__ == expected[newest]["version"]
assert root.DICTIONARIES is importlib.import_module(f"juhe_grabticket.v{newest}").DICTIONARIES
print("ok")
"""


def _render(
    tmp: Path, snapshots: list[dict[str, Any]], names: Path = ROOT / "names.toml"
) -> tuple[Path, dict[str, Any]]:
    folder = tmp / "snapshots"
    expected: dict[str, Any] = {}
    for major, result in enumerate(snapshots, 1):
        path = write_snapshot(folder, f"{major}.0.0", result)
        expected[str(major)] = json.loads(path.read_text(encoding="utf-8"))
    out = tmp / "out"
    output.write(pipeline.plan(Settings(snapshots=folder, out=out, names=names)))
    return out / "python", expected


def _tool(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False)


def _assert_package_ok(package_root: Path, expected: dict[str, Any], with_mypy: bool = True) -> None:
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(package_root)!r})\n{CHECK}"],
        input=json.dumps(expected),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and run.stdout == "ok\n", run.stderr[-3000:]
    for module in package_root.rglob("*.py"):
        ast.parse(module.read_text(encoding="utf-8"), feature_version=(3, 9))
    lint = _tool(
        BIN / "ruff",
        "check",
        "--isolated",
        "--no-cache",  # no .ruff_cache in generated/python, which dictgen check would report
        "--target-version",
        "py39",
        "juhe_grabticket",
        cwd=package_root,
    )
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = _tool(BIN / "black", "--check", "-q", "-t", "py39", "juhe_grabticket", cwd=package_root)
    assert fmt.returncode == 0, fmt.stderr
    if with_mypy:
        cache = Path(tempfile.gettempdir()) / "dictgen-test-mypy-cache"  # the stdlib part is reused
        args = ("--strict", "--python-version", "3.10", "--cache-dir", cache, "-p", "juhe_grabticket")
        typed = _tool(BIN / "mypy", *args, cwd=package_root)
        assert typed.returncode == 0, typed.stdout[-3000:]


def test_shipped_snapshot_package(tmp_path: Path) -> None:
    package_root, expected = _render(tmp_path, [sample_result()])
    _assert_package_ok(package_root, expected)


def test_committed_package_is_the_shipped_one() -> None:
    expected = {"1": json.loads((ROOT / "snapshots" / "1.0.0.json").read_text(encoding="utf-8"))}
    _assert_package_ok(ROOT / "generated" / "python", expected, with_mypy=False)


def test_generated_api_behaviour(tmp_path: Path) -> None:
    package_root, _ = _render(tmp_path, [sample_result()])
    script = """
import juhe_grabticket as j
from juhe_grabticket.v1 import SeatClass
assert SeatClass("4") is SeatClass.SECOND_CLASS_SEAT is SeatClass.from_code(4) is SeatClass.from_code("4")
assert SeatClass.from_label("二等座") is SeatClass.SECOND_CLASS_SEAT and SeatClass.HARD_SEAT.label == "硬座"
assert str(SeatClass.NO_SEAT) == "10" and SeatClass.NO_SEAT == "10"
for bad, error in ((99, ValueError), ("x", ValueError), (True, TypeError), (4.0, TypeError)):
    try:
        SeatClass.from_code(bad)
    except error as exc:
        print(exc)
try:
    SeatClass.from_label("nope")
except ValueError as exc:
    print(exc)
assert j.DICTIONARIES["orderStatus"].from_code("F").name == "TICKETED"
assert j.SeatClass is SeatClass and j.__version__ == "1.0.0" and len(j.TIPS) == 13
assert j.SeatClass.__doc__ == j.DESCRIPTIONS["seatClass"]
assert SeatClass(4) is SeatClass.SECOND_CLASS_SEAT and SeatClass(10) is SeatClass.NO_SEAT
for bad in (True, False, 4.0, 99, None):
    try:
        SeatClass(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(bad)
assert SeatClass.choices()[:2] == [("1", "硬座"), ("2", "软座")] and len(SeatClass.choices()) == 20
assert j.DICTIONARIES["seatClass"] is SeatClass and len(j.DICTIONARIES) == 9 and "nope" not in j.DICTIONARIES
"""
    run = _isolated(package_root, script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "'99' is not a valid SeatClass code",
        "'x' is not a valid SeatClass code",
        "SeatClass codes are str or int, not bool",
        "SeatClass codes are str or int, not float",
        "'nope' is not a SeatClass label",
    ]


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=1, max_size=3))
def test_hostile_dictionaries_round_trip(tmp_path_factory: Any, snapshots: list[dict[str, Any]]) -> None:
    tmp = tmp_path_factory.mktemp("hostile")
    package_root, expected = _render(tmp, snapshots, names=tmp / "none.toml")
    _assert_package_ok(package_root, expected)


def test_lookups_never_iterate_the_enum(tmp_path: Path) -> None:
    """from_code, from_label, choices, label and int codes use the maps built once at import."""
    package_root, _ = _render(tmp_path, [sample_result()])
    script = """
import enum
from juhe_grabticket import SeatClass

def refuse(cls):
    raise AssertionError(f"iterated {cls.__name__}")

enum.EnumMeta.__iter__ = enum.EnumMeta.__reversed__ = refuse
assert SeatClass.from_code(4) is SeatClass(4) is SeatClass("4") is SeatClass.from_label("二等座")
assert SeatClass.HARD_SEAT.label == "硬座" and SeatClass.choices()[0] == ("1", "硬座")
for call, arg in ((SeatClass.from_label, "nope"), (SeatClass.from_code, 99), (SeatClass, 99)):
    try:
        call(arg)
    except ValueError:
        pass
    else:
        raise AssertionError(arg)
print("ok")
"""
    run = _isolated(package_root, script)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stderr


def test_root_docstring_lists_the_majors_with_commas(tmp_path: Path) -> None:
    package_root, _ = _render(tmp_path, [sample_result()] * 3)
    tree = ast.parse((package_root / "juhe_grabticket" / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    majors = "``juhe_grabticket.v1``, ``juhe_grabticket.v2``, ``juhe_grabticket.v3``."
    assert doc.endswith(f"instead: {majors}"), doc


def test_a_snapshot_without_dictionaries(tmp_path: Path) -> None:
    """No dictionary: DICTIONARIES has no overloads (one alone would not type-check)."""
    package_root, expected = _render(tmp_path, [{"tips": ["only tips"]}], names=tmp_path / "none.toml")
    _assert_package_ok(package_root, expected)


def _isolated(package_root: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in an isolated interpreter that sees only the generated package."""
    code = f"import sys; sys.path.insert(0, {str(package_root)!r})\n{script}"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False
    )
