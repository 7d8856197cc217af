"""The generated enums in the frameworks users have: pydantic v2 models, Django-style choices,
and pyright in strict mode (mypy --strict is in test_python.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import ROOT

BIN = Path(sys.executable).parent
SHIPPED = ROOT / "generated" / "python"
CASES = ROOT / "tests" / "cases"


def _python(script: str, package_root: Path = SHIPPED) -> str:
    """Run ``script`` in the dev environment (pydantic installed) with the package on sys.path."""
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(package_root)!r})\n{script}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_pydantic_accepts_string_and_integer_codes_and_refuses_booleans() -> None:
    script = """
import json
from pydantic import BaseModel, ValidationError
from juhe_grabticket import OrderStatus, SeatClass

class M(BaseModel):
    seat: SeatClass
    status: OrderStatus = OrderStatus.TICKETED

for seat in ("4", 4):
    assert M.model_validate({"seat": seat}).seat is SeatClass.SECOND_CLASS_SEAT
assert M.model_validate_json('{"seat": 4}').seat is SeatClass.SECOND_CLASS_SEAT
assert M.model_validate_json('{"seat": "10", "status": "F"}').seat is SeatClass.NO_SEAT
assert M(seat=SeatClass.HARD_SEAT).model_dump(mode="json") == {"seat": "1", "status": "F"}
assert M.model_json_schema()["$defs"]["SeatClass"]["enum"][:3] == ["1", "2", "3"]
refused = []
for bad in ({"seat": True}, {"seat": False}, {"seat": 99}, {"seat": 4.0}, {"seat": None}, {"seat": "04"}):
    try:
        M.model_validate(bad)
    except ValidationError as exc:
        refused.append(exc.errors()[0]["type"])
for bad in ('{"seat": true}', '{"seat": 4.5}', '{"seat": "x"}'):
    try:
        M.model_validate_json(bad)
    except ValidationError as exc:
        refused.append(exc.errors()[0]["type"])
print(json.dumps(refused))
"""
    assert json.loads(_python(script)) == ["enum"] * 9


def test_choices_are_code_label_pairs_in_upstream_order() -> None:
    """What a Django field takes: ``models.CharField(max_length=2, choices=SeatClass.choices())``."""
    data = json.loads((ROOT / "snapshots" / "1.0.0.json").read_text(encoding="utf-8"))["result"]
    script = """
import json
from juhe_grabticket import DICTIONARIES
print(json.dumps({key: cls.choices() for key, cls in DICTIONARIES.items()}, ensure_ascii=False))
"""
    choices = json.loads(_python(script))
    assert choices == {
        key: [list(pair) for pair in d["data"].items()] for key, d in data.items() if key != "tips"
    }
    assert choices["seatClass"][:2] == [["1", "硬座"], ["2", "软座"]]
    script = """
from juhe_grabticket import SeatClass
pairs = SeatClass.choices()
assert pairs is not SeatClass.choices()  # a fresh list: callers may change theirs
pairs.clear()
assert SeatClass.choices()[0] == ("1", "硬座")
assert all(SeatClass(code).label == label for code, label in SeatClass.choices())
assert max(len(code) for code, _ in SeatClass.choices()) == 2
"""
    _python(script)


@pytest.mark.node
@pytest.mark.parametrize(
    "package_root",
    [SHIPPED, CASES / "hostile/expected/generated/python", CASES / "two-majors/expected/generated/python"],
    ids=["shipped", "hostile", "two-majors"],
)
def test_pyright_strict_accepts_the_generated_package(package_root: Path, tmp_path: Path) -> None:
    """pyright in strict mode for Python 3.9, warnings counted as errors."""
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.9",
        "include": [str(package_root / "juhe_grabticket")],
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}  # no version check against PyPI
    run = subprocess.run(
        [str(BIN / "pyright"), "--warnings", "-p", str(tmp_path / "pyrightconfig.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "0 errors, 0 warnings" in run.stdout
