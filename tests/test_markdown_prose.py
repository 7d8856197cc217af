"""The Markdown of snapshots/CHANGELOG.md and ``diff --format markdown`` (``md_escape``): plain text
stays plain (``:``, ``->``, ``-``), and hostile labels read back exactly through a real renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dictgen.model.snapshot import load_snapshot
from dictgen.model.types import Snapshot
from dictgen.render.filters import md_escape
from dictgen.text import show
from dictgen.upstream.changelog import render_changelog
from dictgen.upstream.diff import Report, compare
from dictgen.upstream.report import render_report
from tests.support.helpers import sample_result, write_snapshot
from tests.support.markdown import rendered

ZWSP = "\u200b"  # after "@" and "#": no mention, no issue link
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example)",
    "![img](x.png)",
    "`code` ``two``",
    "*em* _em_ ~~gone~~ ~one~",
    "https://evil.example/a_b",
    "www.evil.example",
    "a|b",
    "&amp; &lt;",
    "$x^2$",
    "@here #1 a@b.example",
    "# heading",
    "1. list",
    "> quote",
    "- item",
    "line\nbreak",
    "back\\slash \\*",
]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('["idType"] entry "5" added: "护照"', '\\["idType"\\] entry "5" added: "护照"'),
        ('entry "6" label changed: "硬卧" -> "软卧"', 'entry "6" label changed: "硬卧" -> "软卧"'),
        ("1.5 (G) a-b. c+d! e=f {g} ^h", "1.5 (G) a-b. c+d! e=f {g} ^h"),
        ("*a* [l](u) `c` <b> | x\ny", "\\*a\\* \\[l\\](u) \\`c\\` \\<b> \\| x y"),
        ("https://x.example www.y.example", "https\\://x.example www\\.y.example"),
        ("a & b ~ $", "a \\& b \\~ \\$"),
        ("@here #12", f"@{ZWSP}here #{ZWSP}12"),
        ("# h", f"\\#{ZWSP} h"),
        ("  > q", "  \\> q"),
        ("- x", "\\- x"),
        ("12) x", "12\\) x"),
        ("3. x", "3\\. x"),
        ("---", "\\---"),
        ("-5 #5 1.5 >", f"-5 #{ZWSP}5 1.5 >"),
    ],
)
def test_md_escape_escapes_only_what_markdown_reads(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


def history(tmp_path: Path) -> tuple[Snapshot, Snapshot]:
    """The sample, then a version that adds every hostile label and changes one label in plain text."""
    new: dict[str, Any] = sample_result()
    new["seatClass"]["data"].update({str(90 + i): label for i, label in enumerate(HOSTILE)})
    new["seatClass"]["data"]["6"] = "软卧: 上-下 -> 中"
    new["a|b `c`"] = {"msg": "# not a heading", "data": {"1": "x"}}
    old_path = write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    new_path = write_snapshot(tmp_path / "snapshots", "2.0.0", new)
    return load_snapshot(old_path), load_snapshot(new_path)


@pytest.mark.node
def test_the_changelog_and_the_markdown_report_read_back_exactly(tmp_path: Path) -> None:
    old, new = history(tmp_path)
    report = compare(old, new)
    pages = tmp_path / "md"
    pages.mkdir()
    (pages / "CHANGELOG.md").write_bytes(render_changelog([old, new], {}))
    (pages / "report.md").write_text(render_report(report, "markdown"), encoding="utf-8")
    changelog_text = (pages / "CHANGELOG.md").read_text(encoding="utf-8")
    assert '"6" label changed: "硬卧" -> "软卧: 上-下 -> 中"' in changelog_text  # no \: \- \>
    assert 'entry "90" added: "\\<img src=x onerror=alert(1)>"' in changelog_text
    changelog, table = rendered([pages / "CHANGELOG.md", pages / "report.md"])
    assert_list_items(changelog.blocks, report)
    assert_table_rows(table.tables, report)


def assert_list_items(blocks: list[tuple[str, str, frozenset[str]]], report: Report) -> None:
    """One list item per change, reading as its message, with no markup but the mark and the fingerprint."""
    marks = {"breaking": "Breaking: ", "dangerous": "Dangerous: "}
    items = [(text.replace(ZWSP, ""), tags) for tag, text, tags in blocks if tag == "li"]
    expected = sorted(f"{marks.get(c.severity, '')}{c.message} ({c.fingerprint})" for c in report.changes)
    assert sorted(text for text, _ in items) == expected
    assert all(tags <= {"strong", "code"} for _, tags in items)
    assert [tag for tag, _, _ in blocks if tag in ("h1", "h2")] == ["h1", "h2", "h2"]


def assert_table_rows(tables: list[list[list[tuple[str, frozenset[str]]]]], report: Report) -> None:
    """One row per change, six cells that read as the kind, the quoted values and the fingerprint."""
    rows = [row for rows in tables for row in rows[1:]]
    found = sorted([text.replace(ZWSP, "") for text, _ in row] for row in rows)
    expected = sorted(
        [c.kind, *("" if v is None else show(v) for v in (c.dictionary, c.code, c.old, c.new)), c.fingerprint]
        for c in report.changes
    )
    assert found == expected
    assert all(tags <= {"code"} for row in rows for _, tags in row)
