"""Golden cases (tests/cases/<case>/) and byte-for-byte determinism of the whole output."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.golden import CASES, run_case
from tests.support.helpers import ROOT, dictgen, tree


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case_matches_its_expected_output(case: str, tmp_path: Path) -> None:
    expected = CASES / case / "expected"
    actual = run_case(CASES / case, tmp_path)
    assert sorted(actual) == sorted(tree(expected)), "run `make golden` after an intended change"
    for rel, data in tree(expected).items():
        assert actual[rel] == data, f"{case}/{rel} differs: run `make golden` after an intended change"


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONHASHSEED": "0", "LC_ALL": "C", "TZ": "UTC"},
        {"PYTHONHASHSEED": "12345", "LC_ALL": "C.UTF-8", "TZ": "Asia/Shanghai"},
        {"PYTHONHASHSEED": "random", "LANG": "tr_TR.UTF-8", "TZ": "America/Los_Angeles"},
    ],
)
def test_output_is_identical_under_any_hash_seed_locale_and_folder(
    tmp_path: Path, env: dict[str, str]
) -> None:
    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "snapshots", work / "snapshots")
    shutil.copy(ROOT / "names.toml", work / "names.toml")
    shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
    result = dictgen("generate", cwd=work, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    produced = tree(work / "generated")
    manifest = json.loads(produced["manifest.json"])
    owned = {rel for files in manifest["targets"].values() for rel in files} | {"manifest.json"}
    assert set(produced) == owned
    assert produced == {rel: (ROOT / "generated" / rel).read_bytes() for rel in owned}
    assert (work / "snapshots" / "CHANGELOG.md").read_bytes() == (
        ROOT / "snapshots" / "CHANGELOG.md"
    ).read_bytes()
