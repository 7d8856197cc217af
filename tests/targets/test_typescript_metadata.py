"""The TypeScript package's metadata: package.json fields, .npmrc, .gitignore, and the README's tables,
read back by a real Markdown renderer (marked, GitHub-flavoured) from hostile dictionaries."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen.render.filters import md_cell
from dictgen.targets.typescript import TYPESCRIPT
from tests.support.helpers import ROOT, sample_result
from tests.support.markdown import TEXT_TAGS, rendered, shown
from tests.support.strategies import results
from tests.support.tsc import find_tsc, generated_names, render, render_result


def expected_rows(result: dict[str, Any], folder: Path) -> list[list[str]]:
    """The README table of a one-major package, from the snapshot data and naming.py alone."""
    names = generated_names(folder)
    rows = [["name", "dictionary key", "description", "members", "values (MEMBER code: label)"]]
    for key, value in result.items():
        if key == "tips":
            continue
        cls, members = names[key]
        pairs = zip(members, value["data"].items(), strict=True)
        values = "\n".join(f"{name} {shown(code)}: {shown(label)}" for name, (code, label) in pairs)
        # The cell ends in ": " when the last label is empty, and a renderer trims a cell.
        rows.append([cls, shown(key), shown(value["msg"]), str(len(value["data"])), values.rstrip(" ")])
    return rows


@pytest.mark.node
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=2, max_size=4))
def test_hostile_values_render_as_themselves_in_the_readme(batch: list[dict[str, Any]]) -> None:
    find_tsc()
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / f"c{i}" for i in range(len(batch))]
        packages = [
            render_result(result, folder, "const") for result, folder in zip(batch, folders, strict=True)
        ]
        pages = rendered([package / "README.md" for package in packages])
        for result, folder, page in zip(batch, folders, pages, strict=True):
            tables = page.tables
            wanted = expected_rows(result, folder)
            if len(wanted) == 1:
                assert tables == [], "no dictionaries, no table"
                continue
            [table] = tables
            assert [[text for text, _ in row] for row in table] == wanted
            assert all(tags <= TEXT_TAGS for row in table for _, tags in row)


def test_the_readme_lists_every_dictionary_of_every_major(tmp_path: Path) -> None:
    package = render_result(sample_result(), tmp_path, "const")
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "npm install ./generated/typescript" in readme and "npm run build" in readme
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    names = generated_names(tmp_path)
    assert [row.split(" | ")[0] for row in rows] == [f"| `{cls}`" for cls, _ in names.values()]
    for row, (key, (_, members)) in zip(rows, names.items(), strict=True):
        assert row.split(" | ")[1:4] == [
            md_cell(key),
            md_cell(sample_result()[key]["msg"]),
            str(len(members)),
        ]


def test_package_json_declares_license_range_prepare_and_types_for_node10(tmp_path: Path) -> None:
    package = render_result(sample_result(), tmp_path, "const")
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    assert meta["license"] == "MIT"
    assert meta["devDependencies"] == {"typescript": TYPESCRIPT} and "<" in TYPESCRIPT
    assert meta["scripts"]["prepare"] == f'npm exec --yes --package="typescript@{TYPESCRIPT}" -- tsc -p .'
    assert "prepack" not in meta["scripts"]  # npm pack runs prepare already
    subpaths = {
        path[2:]: target["types"] for path, target in meta["exports"].items() if path.startswith("./v")
    }
    assert meta["typesVersions"] == {"*": {path: [types] for path, types in subpaths.items()}}
    assert (meta["files"], meta["sideEffects"]) == (["dist", "src"], False)


def test_npm_and_git_leave_no_lockfile_or_build_output_behind(tmp_path: Path) -> None:
    package = render(tmp_path, "const", ROOT / "snapshots", ROOT / "names.toml")
    npmrc = (package / ".npmrc").read_text(encoding="utf-8").splitlines()
    assert "package-lock=false" in npmrc
    ignored = [
        line for line in (package / ".gitignore").read_text(encoding="utf-8").splitlines() if line[:1] != "#"
    ]
    assert ignored == ["/node_modules/", "/dist/", "/package-lock.json", "/*.tgz"]
    tsconfig = (package / "tsconfig.json").read_text(encoding="utf-8")
    assert '"isolatedDeclarations": true' in tsconfig
