"""The generated ``python/README.md`` and ``pyproject.toml``: hostile keys and descriptions stay
inside their table cells, and a template that writes broken TOML is a one-line error."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen import pipeline
from dictgen.config import Settings
from dictgen.errors import RenderError
from dictgen.output import plan as output
from dictgen.render.filters import md_cell
from dictgen.text import needs_escape
from tests.support.helpers import ROOT, write_snapshot
from tests.support.strategies import results, text

MARKUP = set("\\`*_[]<>|~$&!#:")
HOSTILE: dict[str, Any] = {
    "tips": ["t"],
    "a|b`c": {
        "msg": "<script>alert(1)</script>\n| x | y |\n```\n`code` \\| &amp;",
        "data": {"1": "硬|座`<b>", "2": "line\nbreak"},
    },
    "x\ny<img src=x>": {"msg": "[link](javascript:alert(1)) *em* ~~s~~ $x$ \u202e", "data": {"1": "a"}},
    "plain": {"msg": "", "data": {}},
}


def _render(tmp: Path, *snapshots: dict[str, Any]) -> Path:
    for major, result in enumerate(snapshots, 1):
        write_snapshot(tmp / "snapshots", f"{major}.0.0", result)
    settings = Settings(snapshots=tmp / "snapshots", out=tmp / "out", names=tmp / "none.toml")
    output.write(pipeline.plan(settings))
    return tmp / "out" / "python"


def split_row(row: str) -> list[str]:
    """A GFM table row's cells: split at every ``|`` not escaped by a backslash, padding removed."""
    assert row.startswith("| ") and row.endswith(" |"), row
    cells: list[str] = []
    cell, i = "", 1
    while i < len(row) - 1:
        if row[i] == "\\":
            cell, i = cell + row[i : i + 2], i + 2
        elif row[i] == "|":
            cells, cell, i = [*cells, cell], "", i + 1
        else:
            cell, i = cell + row[i], i + 1
    cells.append(cell)
    assert all(c.startswith(" ") and c.endswith(" ") for c in cells), row
    return [c[1:-1] for c in cells]


def decode_cell(cell: str) -> str:
    """The value behind a cell made by ``md_cell``; fails on any unescaped markup or link."""
    out, i = [], 0
    assert not re.search(r"(?i)www\.", cell), f"a link in {cell!r}"
    while i < len(cell):
        ch = cell[i]
        assert ch not in MARKUP or ch == "\\", f"unescaped {ch!r} in {cell!r}"
        assert not needs_escape(ch), f"raw {ch!r} in {cell!r}"
        if ch == "\\":
            assert cell[i + 1] in MARKUP | {"."}, f"stray backslash in {cell!r}"
            ch, i = cell[i + 1], i + 1
        out.append(ch)
        i += 1
    return unprintable("".join(out))


def unprintable(text: str) -> str:
    """The value ``escape.cell_text`` spelled as ``text``."""
    spelled = re.compile(r"\\(\\|u[0-9a-f]{4}|U[0-9a-f]{8})")
    return spelled.sub(lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), text)


def _tables(readme: str) -> list[list[list[str]]]:
    """Every table's body rows, as cells."""
    tables: list[list[list[str]]] = []
    lines = readme.split("\n")
    for n, line in enumerate(lines):
        if line == "|---|---|---|---|":
            assert split_row(lines[n - 1]) == ["class", "dictionary key", "description", "members"]
            rows = []
            for row in lines[n + 1 :]:
                if not row.startswith("|"):
                    break
                rows.append(split_row(row))
            tables.append(rows)
    return tables


def assert_readme_matches(readme: str, snapshots: list[dict[str, Any]]) -> None:
    """One table per major, newest first, one row per dictionary with its key, msg and size."""
    tables = _tables(readme)
    assert len(tables) == sum(1 for r in snapshots if set(r) - {"tips"})
    expected = [
        [[key, value["msg"], str(len(value["data"]))] for key, value in result.items() if key != "tips"]
        for result in reversed(snapshots)
    ]
    seen = [[[decode_cell(key), decode_cell(msg), count] for _, key, msg, count in rows] for rows in tables]
    assert all(re.fullmatch(r"`[A-Z][A-Za-z0-9_]*`", row[0]) for rows in tables for row in rows)
    assert seen == [rows for rows in expected if rows]
    fences = [line for line in readme.split("\n") if line.lstrip().startswith(("```", "~~~"))]
    assert fences in (["```sh", "```", "```python", "```"], ["```sh", "```"]), fences
    if "```python" in fences:
        example = readme.split("```python\n", 1)[1].split("\n```", 1)[0]
        ast.parse(example)  # the one dictionary value in it (a key) is a Python literal


@given(text)
def test_md_cell_round_trips_and_leaves_no_markup(value: str) -> None:
    cell = md_cell(value)
    assert decode_cell(cell) == value
    assert split_row(f"| {cell} | x |") == [cell, "x"]


def test_md_cell_escapes_table_and_html_syntax() -> None:
    assert md_cell("a|b") == "a\\|b" and md_cell("`x`") == "\\`x\\`"
    assert md_cell("<script>") == "\\<script\\>" and md_cell("&amp;") == "\\&amp;"
    assert md_cell("1\n2\u2028") == "1\\\\u000a2\\\\u2028" and md_cell("\\|") == "\\\\\\\\\\|"
    assert md_cell("硬座, 二等座 (G) 1.5") == "硬座, 二等座 (G) 1.5"  # readable text stays as it is
    assert md_cell(" # a ") == "\\\\u0020\\# a\\\\u0020" and md_cell("\u3164") == "\\\\u3164"
    assert md_cell("https://x.example WWW.y") == "https\\://x.example WWW\\.y"  # no autolink


def test_hostile_keys_and_descriptions_stay_in_their_cells(tmp_path: Path) -> None:
    folder = _render(tmp_path, HOSTILE)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "<script>" not in readme
    assert "| x\\\\u000ay\\<img src=x\\> | \\[link\\](javascript\\:alert(1)) \\*em\\* " in readme
    assert_readme_matches(readme, [HOSTILE])


def test_readme_lists_every_major_and_install_lines(tmp_path: Path) -> None:
    sample: dict[str, Any] = tomllib.loads('a = {msg = "A", data = {"1" = "one"}}')
    folder = _render(tmp_path, sample, HOSTILE)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "pip install ./generated/python\n" in readme
    assert 'pip install "git+<repository-url>#subdirectory=generated/python"\n' in readme
    assert "subpackage: `juhe_grabticket.v1`, `juhe_grabticket.v2`." in readme
    assert readme.index("## Enums in `juhe_grabticket.v2`") < readme.index("## Enums in `juhe_grabticket.v1`")
    assert_readme_matches(readme, [sample, HOSTILE])
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == "2.0.0" and project["name"] == "juhe-grabticket"


def test_the_shipped_readme_is_current() -> None:
    result = json.loads((ROOT / "snapshots" / "1.0.0.json").read_text(encoding="utf-8"))["result"]
    readme = (ROOT / "generated" / "python" / "README.md").read_text(encoding="utf-8")
    assert_readme_matches(readme, [result])
    assert (
        "| `SeatClass` | seatClass | 一般用在回调出票成功后的passengers数组中的seatClass中 | 20 |" in readme
    )


@pytest.mark.slow  # exhaustive or property-based: make test runs it
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=1, max_size=2))
def test_hostile_dictionaries_keep_the_readme_tables_intact(
    tmp_path_factory: pytest.TempPathFactory, snapshots: list[dict[str, Any]]
) -> None:
    folder = _render(tmp_path_factory.mktemp("readme"), *snapshots)
    assert_readme_matches((folder / "README.md").read_text(encoding="utf-8"), snapshots)


def test_a_template_that_writes_broken_toml_is_a_render_error(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "python").mkdir(parents=True)
    (templates / "python" / "pyproject.toml.j2").write_text("[project\n", encoding="utf-8")
    write_snapshot(tmp_path / "snapshots", "1.0.0", HOSTILE)
    settings = Settings(snapshots=tmp_path / "snapshots", out=tmp_path / "out", names=tmp_path / "n.toml")
    with pytest.raises(RenderError) as caught:
        pipeline.plan(replace(settings, templates=templates))
    assert str(caught.value).startswith("python/pyproject.toml: generated TOML does not parse")
    assert not (tmp_path / "out").exists()
