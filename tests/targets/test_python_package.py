"""``generated/python`` is a distribution: its wheel and its sdist install into fresh venvs and work.

Everything runs offline: the build and pip come from the dev environment (``--no-isolation``,
``--no-index``), so the venvs hold only what the artefact installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dictgen.model.types import Version
from tests.support.helpers import ROOT

BIN = Path(sys.executable).parent
SOURCE = ROOT / "generated" / "python"
PACKAGE_FILES = {"juhe_grabticket/__init__.py", "juhe_grabticket/py.typed", "juhe_grabticket/v1/__init__.py"}
# What a user writes: mypy --strict must accept it, with the types the comments state.
CONSUMER = """\
from typing import assert_type

from juhe_grabticket import DICTIONARIES, CodeEnum, SeatClass
from juhe_grabticket.v1 import DICTIONARIES as V1_DICTIONARIES, OrderStatus


def by_key(key: str) -> type[CodeEnum]:
    return assert_type(DICTIONARIES[key], type[CodeEnum])


seat = SeatClass.from_code(4)
assert_type(seat, SeatClass)
assert_type(DICTIONARIES["seatClass"], type[SeatClass])  # a literal key keeps the class
assert_type(V1_DICTIONARIES["orderStatus"].from_label("已取消"), OrderStatus)
assert_type(SeatClass.choices(), list[tuple[str, str]])
assert seat is SeatClass(4) is SeatClass("4") is SeatClass.SECOND_CLASS_SEAT
assert SeatClass.HARD_SEAT.label == "硬座" and by_key("seatClass") is SeatClass
assert SeatClass.choices()[0] == ("1", "硬座")
print("consumer ok")
"""


def _newest_version() -> str:
    versions = [Version.parse(p.stem) for p in (ROOT / "snapshots").glob("*.json")]
    return str(max(v for v in versions if v is not None))


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    run = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    return run.stdout


def _clean_env() -> dict[str, str]:
    """The environment without anything that would let a venv see the dev environment."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and sdist of a copy of ``generated/python`` (the wheel built from the sdist)."""
    work = tmp_path_factory.mktemp("dist")
    source = work / "python"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("__pycache__", ".*_cache", "build", "dist"))
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", work / "out", source, cwd=work)
    version = _newest_version()
    wheel = work / "out" / f"juhe_grabticket-{version}-py3-none-any.whl"
    sdist = work / "out" / f"juhe_grabticket-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in (work / "out").iterdir())
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def venv(request: pytest.FixtureRequest, artefacts: dict[str, Path]) -> Iterator[Path]:
    """A fresh venv (no pip of its own) with only the wheel, or only the sdist, installed."""
    folder = Path(tempfile.mkdtemp(prefix=f"dictgen-venv-{request.param}-"))
    _run(sys.executable, "-m", "venv", "--without-pip", folder, cwd=folder)
    python = folder / "bin" / "python"
    # pip and hatchling (to build the sdist) are imported from the dev environment for this
    # one command; they install into the venv, whose own site-packages stays otherwise empty.
    env = _clean_env() | {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
    args = ("install", "-q", "--no-deps", "--no-index", "--no-build-isolation", artefacts[request.param])
    _run(python, "-m", "pip", *args, cwd=folder, env=env)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_wheel_and_sdist_hold_the_package_and_its_metadata(artefacts: dict[str, Path]) -> None:
    version = _newest_version()
    with zipfile.ZipFile(artefacts["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"juhe_grabticket-{version}.dist-info/METADATA").decode("utf-8")
    assert {n for n in names if ".dist-info/" not in n} == PACKAGE_FILES
    headers = metadata.split("\n\n", 1)[0].splitlines()
    assert "Name: juhe-grabticket" in headers and f"Version: {version}" in headers
    assert "Requires-Python: >=3.9" in headers and "Description-Content-Type: text/markdown" in headers
    assert not [h for h in headers if h.startswith("Requires-Dist")]
    assert "| `SeatClass` | seatClass |" in metadata  # the README is the long description
    with tarfile.open(artefacts["sdist"]) as sdist:
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert members == PACKAGE_FILES | {"pyproject.toml", "README.md", "PKG-INFO"}


def test_the_pyproject_describes_the_distribution() -> None:
    project = tomllib.loads((SOURCE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "juhe-grabticket"
    assert project["project"]["version"] == _newest_version()
    assert project["project"]["dependencies"] == [] and project["project"]["requires-python"] == ">=3.9"
    assert project["build-system"]["build-backend"] == "hatchling.build"


def test_installed_package_type_checks_and_runs(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    (tmp_path / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    cache = Path(tempfile.gettempdir()) / "dictgen-test-mypy-cache-consumer"
    # mypy finds the package through the venv's site-packages: only with its py.typed marker.
    args = ("--strict", "--python-executable", python, "--cache-dir", cache)
    _run(BIN / "mypy", *args, "consumer.py", cwd=tmp_path, env=_clean_env())
    assert _run(python, "-I", "consumer.py", cwd=tmp_path, env=_clean_env()) == "consumer ok\n"
    check = (
        "import importlib.metadata as m, juhe_grabticket as j, pathlib\n"
        "d = m.distribution('juhe-grabticket')\n"
        "print(d.version, d.requires, d.metadata['Requires-Python'], j.__version__,"
        " (pathlib.Path(j.__file__).parent / 'py.typed').is_file())\n"
    )
    version = _newest_version()
    assert _run(python, "-I", "-c", check, cwd=tmp_path, env=_clean_env()).split() == [
        version,
        "None",
        ">=3.9",
        version,
        "True",
    ]


@pytest.mark.node
def test_installed_package_is_fully_typed_for_pyright(venv: Path, tmp_path: Path) -> None:
    """pyright --verifytypes: every public symbol of the installed package has a known type."""
    env = _clean_env() | {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}  # its python
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"  # no version check against PyPI
    out = _run(BIN / "pyright", "--verifytypes", "juhe_grabticket", cwd=tmp_path, env=env)
    assert f'Package directory: "{venv}' in out, out
    assert "Type completeness score: 100%" in out, out
