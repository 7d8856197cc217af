"""report: every format, with hostile labels; GitHub escaping, JUnit parsed back, the JSON schema."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from dictgen.choices import FAIL_ON_LEVELS, REPORT_FORMATS, FailOn, ReportFormat
from dictgen.render.filters import md_escape
from dictgen.upstream.diff import FAIL_ON, Report, compare
from dictgen.upstream.report import gh_data, gh_property, render_report, xml_safe
from tests.conftest import Run
from tests.support.helpers import write_snapshot
from tests.test_diff import pairs, snap

EVIL = "a|b\n::error::x%0A,\r<script>&amp;\x1b[31m\u202e`@here #1 $x$\ufffe"
OLD: dict[str, Any] = {
    "tips": ["t"],
    "seat": {"msg": "m", "data": {"1": "硬座", "2": "软座", "3": "old", EVIL: "gone", "5": "x"}},
    EVIL: {"msg": EVIL, "data": {"k": EVIL}},
}
NEW: dict[str, Any] = {
    "tips": ["t", EVIL],
    "seat": {"msg": EVIL, "data": {"1": "软座", "2": "硬座", "3": EVIL, "5": "x", "6": EVIL}},
    "fresh": {"msg": EVIL, "data": {}},
}


@pytest.fixture
def report() -> Report:
    """Every kind of change but renames, each carrying hostile text."""
    return compare(snap(OLD), snap(NEW, "1.1.0"))


def test_fixture_covers_many_kinds(report: Report) -> None:
    kinds = {c.kind for c in report.changes}
    assert kinds == {
        "dictionary_removed", "entry_removed", "label_changed", "label_swapped", "entry_added",
        "dictionary_added", "description_changed", "tips_changed",
    }  # fmt: skip


def test_text_is_one_line_per_change_and_marks_failures(report: Report) -> None:
    out = render_report(report, "text", "dangerous")
    lines = out.splitlines()
    assert len(lines) == 1 + len(report.changes) and out.endswith("\n")
    assert (
        lines[0] == f"1.0.0 -> 1.1.0: {lines[0].split(': ', 1)[1]}"
        and "bump major, next version 2.0.0" in out
    )
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e\u2028\u2029]", out)
    marked = [line for line in lines[1:] if line.startswith("!")]
    assert len(marked) == sum(c.severity in FAIL_ON["dangerous"] for c in report.changes)


def test_json_follows_the_stable_schema_and_keeps_values_exact(report: Report) -> None:
    doc = json.loads(render_report(report, "json"))
    assert list(doc) == ["old", "new", "bump", "next_version", "changes"]
    assert doc["old"] == {"version": "1.0.0", "sha256": report.old_sha256}
    assert doc["new"] == {"version": "1.1.0", "sha256": report.new_sha256}
    assert (doc["bump"], doc["next_version"]) == ("major", "2.0.0")
    keys = ["kind", "severity", "dictionary", "code", "old", "new", "fingerprint", "message"]
    assert all(list(c) == keys for c in doc["changes"])
    assert [tuple(c.values()) for c in doc["changes"]] == [
        tuple(getattr(change, k) for k in keys) for change in report.changes
    ]
    assert any(c["new"] == EVIL for c in doc["changes"])


def _cells(row: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_keeps_one_table_row_per_change(report: Report) -> None:
    out = render_report(report, "markdown")
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| Change")]
    assert len(rows) == len(report.changes)
    assert all(len(_cells(row)) == 6 for row in rows)
    assert "\\<script>" in out and not re.search(r"(?<!\\)<", out)  # "<" is always escaped
    assert "\n::" not in out and "\x1b" not in out and "\u202e" not in out
    assert not re.search(r"@here|#1\b|(?<!\\)\$x", out)
    assert out.startswith("### Dictionary changes 1.0.0 -> 1.1.0\n\n**bump major")
    assert "#### Breaking (" in out and "#### Cosmetic (" in out


def test_md_escape() -> None:
    assert md_escape("*a* [l](u) `c` <b> | x\ny") == r"\*a\* \[l\](u) \`c\` \<b> \| x y"


@pytest.mark.parametrize(
    ("function", "raw", "escaped"),
    [
        (gh_data, "100% done\r\nnext", "100%25 done%0D%0Anext"),
        (gh_data, "a:b,c", "a:b,c"),
        (gh_property, "a:b,c%\n", "a%3Ab%2Cc%25%0A"),
        (gh_property, "%0A", "%250A"),
    ],
)
def test_github_escaping(function: Any, raw: str, escaped: str) -> None:
    assert function(raw) == escaped


_ANNOTATION = re.compile(r"::(error|warning|notice) title=([^:,\r\n]*)::([^\r\n]*)")


def test_github_annotations_parse_back(report: Report) -> None:
    lines = render_report(report, "github", "breaking").splitlines()
    assert len(lines) == len(report.changes) + 1
    parsed = [_ANNOTATION.fullmatch(line) for line in lines]
    assert all(parsed)
    levels = [m.group(1) for m in parsed if m]
    expected = [
        "error" if c.severity == "breaking" else "warning" if c.severity == "dangerous" else "notice"
        for c in report.changes
    ]
    assert levels == [*expected, "notice"]
    unescape = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    for match, change in zip(parsed, report.changes, strict=False):
        assert match is not None
        data = re.sub("%25|%0D|%0A", lambda m: unescape[m.group()], match.group(3))
        assert data == f"{change.message} [fingerprint {change.fingerprint}]"


@pytest.mark.parametrize("fail_on", FAIL_ON_LEVELS)
def test_junit_is_valid_xml_with_one_case_per_change(report: Report, fail_on: FailOn) -> None:
    root = ET.fromstring(render_report(report, "junit", fail_on).encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None and root.tag == "testsuites"
    cases = suite.findall("testcase")
    failing = sum(c.severity in FAIL_ON[fail_on] for c in report.changes)
    assert len(cases) == len(report.changes) == int(suite.get("tests", "-1"))
    assert int(suite.get("failures", "-1")) == failing == len(suite.findall("testcase/failure"))
    messages = [c.find("failure") for c in cases]
    for element, change in zip(messages, report.changes, strict=False):
        if element is not None:
            assert element.get("message") == xml_safe(f"{change.message} [fingerprint {change.fingerprint}]")
    bump = suite.find("properties/property[@name='bump']")
    assert bump is not None and bump.get("value") == "major"


def test_xml_safe_replaces_forbidden_characters() -> None:
    assert xml_safe("a\x01\x0b\ufffe\tb\n") == "a\\u0001\\u000b\\ufffe\tb\n"


def test_no_changes_in_every_format() -> None:
    same = compare(snap(OLD), snap(OLD))
    assert render_report(same, "text") == "1.0.0 -> 1.0.0: no changes (bump none)\n"
    assert json.loads(render_report(same, "json"))["changes"] == []
    assert "no changes" in render_report(same, "markdown")
    assert render_report(same, "github").startswith("::notice title=dictgen diff 1.0.0 -> 1.0.0::no changes")
    assert ET.fromstring(render_report(same, "junit")).get("tests") == "0"


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_cli_prints_each_format(tmp_path: Path, run: Run, fmt: ReportFormat) -> None:
    write_snapshot(tmp_path, "1.0.0", OLD)
    write_snapshot(tmp_path, "1.1.0", NEW)
    outcome = run("diff", "--snapshots", tmp_path, "--format", fmt)
    assert outcome.exit_code == 1
    assert outcome.stdout == render_report(compare(snap(OLD), snap(NEW, "1.1.0")), fmt)


@settings(max_examples=30, deadline=None)
@given(pairs())
def test_every_format_survives_hostile_dictionaries(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    report = compare(snap(pair[0]), snap(pair[1], "1.0.1"))
    assert len(json.loads(render_report(report, "json"))["changes"]) == len(report.changes)
    assert len(ET.fromstring(render_report(report, "junit", "any")).findall(".//failure")) == len(
        report.changes
    )
    assert len(render_report(report, "github").splitlines()) == len(report.changes) + 1
    assert len(render_report(report, "text").splitlines()) == len(report.changes) + 1
    markdown = render_report(report, "markdown")
    rows = [
        line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("| Change")
    ]
    assert len(rows) == len(report.changes) and all(len(_cells(r)) == 6 for r in rows)
    assert not re.search("[\x00-\x1f\x7f\u2028\u2029\u202e]", markdown.replace("\n", ""))
