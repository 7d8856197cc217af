"""Render a diff Report as text, JSON, Markdown, GitHub workflow annotations or JUnit XML."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from dictgen.choices import SEVERITIES, FailOn, ReportFormat, Severity
from dictgen.render.filters import md_escape
from dictgen.text import show
from dictgen.upstream.diff import FAIL_ON, Change, Report

HEADINGS: dict[Severity, str] = {
    "breaking": "Breaking",
    "dangerous": "Dangerous",
    "non_breaking": "Non-breaking",
    "cosmetic": "Cosmetic",
}
# Everything that can start Markdown, HTML, math or autolink syntax; quotes and commas are inert.
# Characters XML 1.0 forbids even as references; show() already escapes them, this is a backstop.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_report(report: Report, fmt: ReportFormat, fail_on: FailOn = "breaking") -> str:
    """The report in format ``fmt``; ``fail_on`` decides which changes are errors or failures."""
    renderers: dict[ReportFormat, Callable[[Report, FailOn], str]] = {
        "text": _text,
        "json": lambda r, _: to_json(r),
        "markdown": lambda r, _: to_markdown(r),
        "github": _github,
        "junit": _junit,
    }
    return renderers[fmt](report, fail_on)


def title(report: Report) -> str:
    """``OLD -> NEW`` with the versions, or short hashes for unversioned sides."""
    old = report.old_version or f"unversioned ({report.old_sha256[:12]})"
    new = report.new_version or f"unversioned ({report.new_sha256[:12]})"
    return f"{old} -> {new}"


def summary(report: Report) -> str:
    """One line: the bump, the next version and the changes counted by severity."""
    if not report.changes:
        return "no changes (bump none)"
    counts = Counter(c.severity for c in report.changes)
    by_severity = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    following = report.next_version()
    upcoming = f", next version {following}" if following else ""
    return f"bump {report.bump}{upcoming}; {len(report.changes)} change(s): {by_severity}"


def _text(report: Report, fail_on: FailOn) -> str:
    lines = [f"{title(report)}: {summary(report)}"]
    for change in report.changes:
        mark = "!" if change.severity in FAIL_ON[fail_on] else " "
        lines.append(
            f"{mark} {change.severity:<12} {change.kind:<19} {change.message} [{change.fingerprint}]"
        )
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    """The stable JSON schema: old, new, bump, next_version, changes."""
    doc: dict[str, Any] = {
        "old": {"version": _text_or_none(report.old_version), "sha256": report.old_sha256},
        "new": {"version": _text_or_none(report.new_version), "sha256": report.new_sha256},
        "bump": report.bump,
        "next_version": _text_or_none(report.next_version()),
        "changes": [_change_doc(c) for c in report.changes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _change_doc(change: Change) -> dict[str, str | None]:
    keys = ("kind", "severity", "dictionary", "code", "old", "new", "fingerprint", "message")
    return {key: getattr(change, key) for key in keys}


def md_value(value: str | None) -> str:
    """A dictionary value for a Markdown table cell or list item: quoted, escaped, one line."""
    return "" if value is None else md_escape(show(value))


def to_markdown(report: Report) -> str:
    """A PR-body summary: heading, bump line, one table per severity."""
    lines = [f"### Dictionary changes {title(report)}", "", f"**{summary(report)}**"]
    for severity in SEVERITIES:
        group = [c for c in report.changes if c.severity == severity]
        if not group:
            continue
        lines += ["", f"#### {HEADINGS[severity]} ({len(group)})", ""]
        lines += ["| Change | Dictionary | Code | Old | New | Fingerprint |", "|---|---|---|---|---|---|"]
        for c in group:
            cells = [c.kind, md_value(c.dictionary), md_value(c.code), md_value(c.old), md_value(c.new)]
            lines.append("| " + " | ".join([*cells, f"`{c.fingerprint}`"]) + " |")
    return "\n".join(lines) + "\n"


def gh_data(text: str) -> str:
    """Escape an annotation message (workflow command data)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """Escape an annotation property value such as ``title``."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: Report, fail_on: FailOn) -> str:
    lines = []
    for change in report.changes:
        if change.severity in FAIL_ON[fail_on]:
            level = "error"
        else:
            level = "warning" if change.severity in ("breaking", "dangerous") else "notice"
        heading = f"{change.kind} ({change.severity})"
        text = f"{change.message} [fingerprint {change.fingerprint}]"
        lines.append(f"::{level} title={gh_property(heading)}::{gh_data(text)}")
    lines.append(f"::notice title={gh_property('dictgen diff ' + title(report))}::{gh_data(summary(report))}")
    return "\n".join(lines) + "\n"


def xml_safe(text: str) -> str:
    """Replace characters that XML 1.0 cannot carry at all."""
    return _XML_INVALID.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _junit(report: Report, fail_on: FailOn) -> str:
    import xml.etree.ElementTree as ET  # only for this format

    failing = [c for c in report.changes if c.severity in FAIL_ON[fail_on]]
    counts = {"tests": str(len(report.changes)), "failures": str(len(failing)), "errors": "0"}
    root = ET.Element("testsuites", {"name": "dictgen diff", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": xml_safe(title(report)), **counts, "skipped": "0"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("bump", report.bump), ("next_version", str(report.next_version() or ""))):
        ET.SubElement(properties, "property", name=name, value=value)
    for change in report.changes:
        place = ".".join(show(part) for part in (change.dictionary, change.code) if part is not None)
        case = ET.SubElement(
            suite, "testcase", classname="dictgen.diff", name=xml_safe(f"{change.kind} {place}".strip())
        )
        message = xml_safe(f"{change.message} [fingerprint {change.fingerprint}]")
        if change in failing:
            failure = ET.SubElement(case, "failure", type=change.severity, message=message)
            failure.text = message
        else:
            ET.SubElement(case, "system-out").text = f"{change.severity}: {message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
