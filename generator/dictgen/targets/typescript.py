"""TypeScript target: ``typescript/``, an ES module package with one ``src/v{M}`` per major version."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dictgen.choices import TsStyle
from dictgen.errors import check_json
from dictgen.render.contract import Files, Job, Target, Vendoring, encode_text

PACKAGE = "typescript"
# The compilers the package builds with (devDependencies, and the one `prepare` fetches): 5.8 is the
# first with erasableSyntaxOnly; 8 is not out, so nothing past 7 is promised.
TYPESCRIPT = ">=5.8 <8"
# Output path -> template; JSON files are checked (tsconfig.json as tsc reads it: comments allowed).
_PACKAGE_FILES = {
    "package.json": "package.json.j2",
    "tsconfig.json": "tsconfig.json.j2",
    "README.md": "README.md.j2",
    ".gitignore": "gitignore.j2",
    ".npmrc": "npmrc.j2",
}
_JSON = {"package.json": False, "tsconfig.json": True}
# tsc reads tsconfig.json as JSON with comments and trailing commas. Strings are matched first, so
# a "//" or "," inside one is kept; the rest is blanked, so error positions stay right.
_STRING = r'"(?:[^"\\\n]|\\.)*"'
_COMMENT = re.compile(rf"{_STRING}|//[^\n]*|/\*.*?\*/", re.DOTALL)
_TRAILING_COMMA = re.compile(rf"{_STRING}|,(?=\s*[\]}}])")


@dataclass(frozen=True)
class Options:
    """``[tool.dictgen.typescript]``."""

    style: TsStyle = "const"  # "const": const objects and union types; "enum": TypeScript enums


def render(job: Job) -> Files:
    """Render ``src/v{M}/index.ts`` per major, ``src/index.ts``, and package.json, tsconfig.json,
    README.md, .gitignore and .npmrc."""
    templates, views, style = job.templates, job.views, job.options.style
    common = {
        "newest": views[-1],
        "majors": views,
        "style": style,
        "typescript": TYPESCRIPT,
        "errors": job.errors,
    }
    files: Files = {}
    for view in views:
        source = templates.render("typescript/major.ts.j2", **common, major=view)
        files[f"{PACKAGE}/src/v{view.major}/index.ts"] = encode_text(source)
    files[f"{PACKAGE}/src/index.ts"] = encode_text(templates.render("typescript/index.ts.j2", **common))
    for name, template in _PACKAGE_FILES.items():
        text = templates.render(f"typescript/{template}", **common)
        if name in _JSON:
            _check_json(f"{PACKAGE}/{name}", text, _JSON[name])
        files[f"{PACKAGE}/{name}"] = encode_text(text)
    return files


def _check_json(path: str, text: str, comments: bool) -> None:
    """Fail unless ``text`` is a JSON object (``comments``: as tsc reads tsconfig.json)."""
    if comments:
        text = _TRAILING_COMMA.sub(_blank, _COMMENT.sub(_blank, text))
    check_json(path, text)


def _blank(match: re.Match[str]) -> str:
    """A string as it is; a comment or trailing comma as spaces, keeping its line breaks."""
    text = match.group()
    return text if text.startswith('"') else re.sub(r"[^\n]", " ", text)


def _package_name(files: Mapping[str, bytes]) -> str | None:
    """The ``name`` in package.json."""
    try:
        name = json.loads(files["package.json"]).get("name")
    except (KeyError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None


# Globals of TypeScript and JavaScript, and the names the package defines: a class named like one
# of them would shadow it.
RESERVED = frozenset("""
    Array ArrayBuffer BigInt Boolean DataView Date Error EvalError Function Infinity Intl JSON Map
    Math NaN Number Object Omit Partial Pick Promise Proxy RangeError Readonly ReadonlyArray Record
    Reflect RegExp Required Set String Symbol URIError WeakMap WeakRef WeakSet Uint8Array Int8Array
    Uint16Array Int16Array Uint32Array Int32Array Float32Array Float64Array BigInt64Array
    BigUint64Array Awaited NonNullable Parameters ReturnType Exclude Extract Lowercase Uppercase
    Capitalize Uncapitalize JuheGrabTicketDictionaries ErrorCodeParts SystemErrorCode
    SystemErrorCodeLabels SystemErrorCodeMeanings SystemErrorCodeRetryable isSystemErrorCode
    parseErrorCode
    """.split())  # noqa: SIM905

TARGET = Target(
    "typescript",
    PACKAGE,
    render,
    "an ES module package with one src/v{M} per major version",
    Options,
    RESERVED,
    Vendoring(PACKAGE, "TypeScript", name=_package_name),
    {"ts_style": "style"},
)
