"""The docs target (``docs/README.md``, ``docs/v{M}.md``) and ``dictgen show``: hostile values read
back exactly, through a real Markdown renderer and a real terminal-width table."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import wcwidth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen.model.errorcodes import load_error_codes
from dictgen.text import needs_escape, printable
from tests.support.helpers import ROOT, dictgen, render_target, sample_result, write_snapshot
from tests.support.markdown import TEXT_TAGS, Page, rendered, shown
from tests.support.strategies import results
from tests.support.tsc import generated_names

HOSTILE: dict[str, Any] = {
    "tips": ["# not a heading", " - not a list ", "<script>alert(1)</script>"],
    "a|b`c #": {
        "msg": "> quote\n```\n1. x",
        "data": {" 1 ": "硬|座`<b>", "#2": "line\nbreak", "\u202e": "\x1b[31m"},
    },
    "empty": {"msg": "", "data": {}},
    "Empty": {
        "msg": "key=secret?",
        "data": {"a;key=1": "x key=abc", "https://x.example/a_b": "www.y.example"},
    },
}


def _docs(folder: Path, *majors: dict[str, Any], names: str = "") -> dict[str, bytes]:
    """Render the docs target for ``majors`` (1.0.0, 2.0.0, ...) into ``folder/out``."""
    return render_target(folder, "docs", *majors, names=names)


def expected(result: dict[str, Any], folder: Path) -> tuple[list[tuple[str, str]], list[list[list[str]]]]:
    """The headings and paragraphs about each dictionary, and every table, from the data alone."""
    names = generated_names(folder)
    blocks: list[tuple[str, str]] = []
    tables = []
    if result.get("tips"):
        tables.append([["#", "tip"], *([str(n), shown(t)] for n, t in enumerate(result["tips"], 1))])
    for key, value in result.items():
        if key == "tips":
            continue
        cls, members = names[key]
        blocks += [
            ("h2", f"{cls}: {shown(key)}"),
            ("p", f"Description: {shown(value['msg'])}" if value["msg"] else "Description:"),
        ]
        rows = [
            [shown(c), f"{cls}.{m}", f"{cls}.{m}", shown(label), "fallback"]
            for m, (c, label) in zip(members, value["data"].items(), strict=True)
        ]
        if rows:
            tables.append([["code", "Python", "TypeScript", "label", "name"], *rows])
    blocks.append(("h2", "Juhe's system-level error codes"))
    errors = [
        [str(c.code), c.name, c.label, c.meaning, "yes, later" if c.retryable else "no"]
        for c in load_error_codes()
    ]
    tables.append([["code", "name", "label", "meaning", "retrying helps"], *errors])
    return blocks, tables


def assert_page(page: Page, result: dict[str, Any], folder: Path) -> None:
    blocks, tables = expected(result, folder)
    found = [block for block in page.blocks if block[0] == "h2" or block[1].startswith("Description:")]
    assert all(tags <= TEXT_TAGS for _, _, tags in found)
    about = [(tag, text) for tag, text, _ in found]
    assert [b for b in about if b[0] == "h2" and b[1] != "Tips"] == [b for b in blocks if b[0] == "h2"]
    assert [b for b in about if b[0] == "p"] == [b for b in blocks if b[0] == "p"]
    assert [[[text for text, _ in row] for row in table] for table in page.tables] == tables
    assert all(tags <= TEXT_TAGS for table in page.tables for row in table for _, tags in row)
    # No value made a list, a quote, a code block, a rule or a heading of its own.
    assert {tag for tag, _, _ in page.blocks} <= {"h1", "h2", "p", "thead", "tbody"}, page.blocks


@pytest.mark.node
def test_hostile_values_stay_in_their_cells_headings_and_paragraphs(tmp_path: Path) -> None:
    files = _docs(tmp_path, HOSTILE)
    assert set(files) == {"docs/README.md", "docs/v1.md"} and files["docs/README.md"] == files["docs/v1.md"]
    [page] = rendered([tmp_path / "out" / "docs" / "README.md"])
    assert_page(page, HOSTILE, tmp_path)
    assert page.tables[0][2][1][0] == "\\u0020- not a list\\u0020"  # spaces at either end show


@pytest.mark.node
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(results(), min_size=2, max_size=4))
def test_generated_dictionaries_read_back_exactly(batch: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / f"c{i}" for i in range(len(batch))]
        for result, folder in zip(batch, folders, strict=True):
            _docs(folder, result)
        pages = rendered([folder / "out" / "docs" / "README.md" for folder in folders])
        for result, folder, page in zip(batch, folders, pages, strict=True):
            assert_page(page, result, folder)


def test_names_say_whether_they_are_curated(tmp_path: Path) -> None:
    names = '[seatClass]\n"1" = "WOODEN_BENCH"\n'
    readme = _docs(tmp_path, sample_result(), names=names)["docs/README.md"].decode()
    assert "| 1 | `SeatClass.WOODEN_BENCH` | `SeatClass.WOODEN_BENCH` | 硬座 | curated |" in readme
    assert "| 2 | `SeatClass.RUAN_ZUO` | `SeatClass.RUAN_ZUO` | 软座 | fallback |" in readme


def test_each_major_has_a_page_and_the_readme_is_the_newest(tmp_path: Path) -> None:
    files = _docs(tmp_path, {"a": {"msg": "A", "data": {"1": "one"}}}, sample_result())
    assert set(files) == {"docs/README.md", "docs/v1.md", "docs/v2.md"}
    assert files["docs/README.md"] == files["docs/v2.md"] != files["docs/v1.md"]
    readme = files["docs/README.md"].decode()
    assert "Every major version: [v1](v1.md) (1.0.0), [v2](v2.md) (2.0.0)." in readme
    assert "[CHANGELOG.md](../../snapshots/CHANGELOG.md)" in readme
    assert (tmp_path / "out" / "docs" / "../../snapshots").resolve() == (tmp_path / "snapshots").resolve()


def test_the_shipped_docs_name_every_entry() -> None:
    readme = (ROOT / "generated" / "docs" / "README.md").read_text(encoding="utf-8")
    assert "| 1 | `SeatClass.HARD_SEAT` | `SeatClass.HARD_SEAT` | 硬座 | curated |" in readme
    result = sample_result()
    rows = [line for line in readme.splitlines() if line.startswith("| ") and line.endswith("ed |")]
    assert len(rows) == sum(len(v["data"]) for k, v in result.items() if k != "tips")
    assert all(line.endswith("| curated |") for line in rows)


# --- dictgen show ---------------------------------------------------------------------------


def _columns(line: str) -> list[int]:
    """The terminal column at which each cell of a table line begins (cells are 2+ spaces apart)."""
    found, column = [], 0
    for i, ch in enumerate(line):
        if ch != " " and (i == 0 or line[max(0, i - 2) : i] == "  "):
            found.append(column)
        column += wcwidth.wcwidth(ch)
    return found


def test_show_aligns_cjk_columns_for_the_terminal() -> None:
    result = dictgen("show", "seatClass")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == "SeatClass (seatClass): 一般用在回调出票成功后的passengers数组中的seatClass中"
    table = lines[3:]
    assert table[0].split() == ["code", "name", "label", "source"] and len(table) == 21
    # "label" and "source" start at the same terminal column on every row, CJK labels included.
    assert len({tuple(_columns(line)) for line in table}) == 1
    assert table[1].split() == ["1", "SeatClass.HARD_SEAT", "硬座", "curated"]


def test_show_json_reads_back_as_the_snapshot() -> None:
    result = dictgen("show", "--format", "json")
    assert result.returncode == 0, result.stderr
    shown_json = json.loads(result.stdout)
    assert shown_json["version"] == "1.0.0"
    data = {d["key"]: {e["code"]: e["label"] for e in d["entries"]} for d in shown_json["dictionaries"]}
    assert data == {k: v["data"] for k, v in sample_result().items() if k != "tips"}
    assert shown_json["dictionaries"][0]["entries"][0]["python"] == "IdType.RESIDENT_ID_CARD"


def test_show_keeps_hostile_values_on_their_line_and_escaped(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", HOSTILE)
    (tmp_path / "pyproject.toml").write_text("[tool.dictgen]\nbuiltin_names = false\n", encoding="utf-8")
    table = dictgen("show", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert not any(needs_escape(ch) for ch in table.stdout.replace("\n", ""))
    assert printable("\x1b[31m") in table.stdout and "\\u202e" in table.stdout
    as_json = dictgen("show", "a|b`c #", "--format", "json", cwd=tmp_path)
    assert not any(needs_escape(ch) for ch in as_json.stdout.replace("\n", ""))
    [entry] = [
        e for d in json.loads(as_json.stdout)["dictionaries"] for e in d["entries"] if e["code"] == "#2"
    ]
    assert entry["label"] == "line\nbreak"
    assert [d["key"] for d in json.loads(as_json.stdout)["dictionaries"]] == ["a|b`c #"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nope"], "error: nope: no such dictionary in snapshot 1.0.0 (see dictgen show)"),
        (["show", "--major", "7"], "error: --major: no snapshot of major version 7 (have: 1)"),
        (["show", "no\x1bpe"], "error: no\\u001bpe: no such dictionary in snapshot 1.0.0 (see dictgen show)"),
    ],
)
def test_show_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = dictgen(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_show_prints_values_that_look_like_keys_as_they_are(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", HOSTILE)
    (tmp_path / "pyproject.toml").write_text("[tool.dictgen]\nbuiltin_names = false\n", encoding="utf-8")
    shown_json = json.loads(dictgen("show", "--format", "json", cwd=tmp_path).stdout)
    [dictionary] = [d for d in shown_json["dictionaries"] if d["key"] == "Empty"]
    assert dictionary["description"] == "key=secret?"
    assert (dictionary["entries"][0]["code"], dictionary["entries"][0]["label"]) == ("a;key=1", "x key=abc")
    assert shown_json["tips"] == HOSTILE["tips"]
    table = dictgen("show", cwd=tmp_path).stdout
    assert "x key=abc" in table and "1. # not a heading" in table


def test_show_prefers_a_key_to_another_dictionary_class_name(tmp_path: Path) -> None:
    # "Empty" is one dictionary's key and, as a class name, another's ("empty" -> Empty).
    write_snapshot(tmp_path / "snapshots", "1.0.0", HOSTILE)
    (tmp_path / "pyproject.toml").write_text("[tool.dictgen]\nbuiltin_names = false\n", encoding="utf-8")
    result = json.loads(dictgen("show", "Empty", "--format", "json", cwd=tmp_path).stdout)
    assert [d["key"] for d in result["dictionaries"]] == ["Empty"] and "tips" not in result


def test_show_on_a_terminal_that_is_not_utf8_prints_escapes() -> None:
    result = dictgen("show", "idType", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "\\u8eab\\u4efd\\u8bc1" in result.stdout  # 身份证
