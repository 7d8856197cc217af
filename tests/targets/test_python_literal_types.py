"""``XLiteral`` aliases of the generated Python package, as real type checkers read them: mypy
--strict and pyright in strict mode accept an allowed code and flag a wrong one on its own line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import render_target, sample_result

BIN = Path(sys.executable).parent

# A program that types raw JSON with the aliases; WRONG marks each line a checker must flag.
CLIENT = """\
from __future__ import annotations

from typing import TypedDict

from juhe_grabticket import OrderStatusLiteral, SeatClassLiteral
from juhe_grabticket.v1 import SeatClassLiteral as SeatClassLiteralV1


class Passenger(TypedDict):
    seatClass: SeatClassLiteral
    status: OrderStatusLiteral


ok: Passenger = {"seatClass": "4", "status": "F"}
pinned: SeatClassLiteralV1 = "10"
bad: Passenger = {"seatClass": "99", "status": "F"}  # WRONG
worse: OrderStatusLiteral = "f"  # WRONG
"""


def _package(tmp_path: Path, *majors: dict[str, Any]) -> Path:
    """The rendered Python package for ``majors``, with the client program beside it."""
    render_target(tmp_path, "python", *majors)
    root = tmp_path / "out" / "python"
    (root / "client.py").write_text(CLIENT, encoding="utf-8")
    return root


def _wrong_lines(source: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), 1) if "# WRONG" in line]


def _mypy(root: Path) -> subprocess.CompletedProcess[str]:
    cache = Path(tempfile.gettempdir()) / "dictgen-test-mypy-cache"  # the stdlib part is reused
    args = ["--strict", "--python-version", "3.10", "--cache-dir", str(cache), "--no-error-summary"]
    return subprocess.run(
        [str(BIN / "mypy"), *args, "-p", "juhe_grabticket", "-m", "client"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def _pyright(root: Path) -> subprocess.CompletedProcess[str]:
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.9",
        "include": ["juhe_grabticket", "client.py"],
    }
    (root / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    return subprocess.run(
        [str(BIN / "pyright"), "--warnings", "--outputjson", "-p", "pyrightconfig.json"],
        cwd=root,
        env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},  # no version check against PyPI
        capture_output=True,
        text=True,
        check=False,
    )


def test_mypy_strict_flags_exactly_the_wrong_codes(tmp_path: Path) -> None:
    root = _package(tmp_path, sample_result())
    run = _mypy(root)
    flagged = [int(n) for n in re.findall(r"^client\.py:(\d+): error", run.stdout, re.MULTILINE)]
    assert run.returncode == 1 and flagged == _wrong_lines(CLIENT), run.stdout + run.stderr
    assert "\"Literal['99']\"" in run.stdout  # the wrong code is named
    assert "juhe_grabticket" not in run.stdout  # the package itself is clean


@pytest.mark.node
def test_pyright_strict_flags_exactly_the_wrong_codes(tmp_path: Path) -> None:
    root = _package(tmp_path, sample_result())
    run = _pyright(root)
    report = json.loads(run.stdout)
    found = [(Path(d["file"]).name, d["range"]["start"]["line"] + 1) for d in report["generalDiagnostics"]]
    assert found == [("client.py", line) for line in _wrong_lines(CLIENT)], run.stdout[-3000:]
    assert report["summary"]["errorCount"] == len(found) and run.returncode == 1


def test_aliases_list_the_codes_in_upstream_order_in_every_major(tmp_path: Path) -> None:
    second = sample_result()
    second["seatClass"]["data"] = {"10": "无座", "4": "二等座"}
    root = _package(tmp_path, sample_result(), second)
    script = """
import typing, juhe_grabticket as j, juhe_grabticket.v1 as v1, juhe_grabticket.v2 as v2
print(typing.get_args(v1.SeatClassLiteral)[:3], typing.get_args(v2.SeatClassLiteral))
assert j.SeatClassLiteral is v2.SeatClassLiteral
assert "SeatClassLiteral" in j.__all__ and "SeatClassLiteral" in v1.__all__
for name in ("IdType", "TrainClass"):
    codes = tuple(member.value for member in getattr(v1, name))
    assert typing.get_args(getattr(v1, name + "Literal")) == codes
"""
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(root)!r})\n{script}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "('1', '2', '3') ('10', '4')\n"


def test_a_dictionary_named_like_an_alias_still_type_checks(tmp_path: Path) -> None:
    """``seatClassLiteral`` beside ``seatClass``: the class takes a suffix, both aliases exist, and
    mypy --strict reads the package without a redefinition."""
    result = {
        "seatClass": {"msg": "", "data": {"1": "硬座"}},
        "seatClassLiteral": {"msg": "", "data": {"x": "y"}},
    }
    render_target(tmp_path, "python", result)
    root = tmp_path / "out" / "python"
    (root / "client.py").write_text(
        "from juhe_grabticket import SeatClassLiteral, SeatClassLiteral_SEAT_CLASS_LITERAL\n"
        "from juhe_grabticket import SeatClassLiteral_SEAT_CLASS_LITERALLiteral as Other\n"
        'a: SeatClassLiteral = "1"\n'
        'b: Other = "x"\n'
        'c: SeatClassLiteral_SEAT_CLASS_LITERAL = SeatClassLiteral_SEAT_CLASS_LITERAL.from_code("x")\n'
        'd: Other = "1"  # WRONG\n',
        encoding="utf-8",
    )
    run = _mypy(root)
    flagged = [int(n) for n in re.findall(r"^client\.py:(\d+): error", run.stdout, re.MULTILINE)]
    assert flagged == [6] and "juhe_grabticket" not in run.stdout, run.stdout + run.stderr


def test_an_empty_dictionary_allows_no_code(tmp_path: Path) -> None:
    render_target(tmp_path, "python", {"seatClass": {"msg": "", "data": {}}})
    root = tmp_path / "out" / "python"
    (root / "client.py").write_text(
        'from juhe_grabticket import SeatClassLiteral\nx: SeatClassLiteral = "1"  # WRONG\n', encoding="utf-8"
    )
    run = _mypy(root)
    flagged = [int(n) for n in re.findall(r"^client\.py:(\d+): error", run.stdout, re.MULTILINE)]
    assert flagged == [2] and "juhe_grabticket" not in run.stdout, run.stdout + run.stderr
