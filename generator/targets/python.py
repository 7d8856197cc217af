"""Python target: ``python/juhe_grabticket/`` with one ``v{M}`` subpackage per major version, and the
``pyproject.toml`` and ``README.md`` that make ``python/`` an installable distribution."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from typing import Any

from generator.errors import RenderError
from generator.views import Files, MajorView, Options, Templates

FOLDER = "python"
PACKAGE = f"{FOLDER}/juhe_grabticket"
_DIGITS = re.compile(r"[0-9]+")


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """Render the package: root re-exports the newest major; black formats every module."""
    newest = views[-1]
    files: Files = {f"{PACKAGE}/py.typed": b""}
    for view in views:
        path = f"{PACKAGE}/v{view.major}/__init__.py"
        source = templates.render("python/major.py.j2", major=view, exports=_isort(_public(view), True))
        files[path] = _black(path, source)
    path = f"{PACKAGE}/__init__.py"
    source = templates.render(
        "python/package.py.j2",
        newest=newest,
        majors=views,
        imports=_isort(_public(newest), False),
        exports=_isort(_public(newest), True),
    )
    files[path] = _black(path, source)
    return files | _distribution(templates, views)


def _distribution(templates: Templates, views: Sequence[MajorView]) -> Files:
    """``pyproject.toml`` (checked to parse as TOML) and ``README.md`` beside the package."""
    context = {"newest": views[-1], "majors": views}
    path = f"{FOLDER}/pyproject.toml"
    text = templates.render("python/pyproject.toml.j2", **context)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RenderError(path, f"generated TOML does not parse: {exc}") from None
    readme = templates.render("python/README.md.j2", **context)
    return {path: _encode(text), f"{FOLDER}/README.md": _encode(readme)}


def _encode(text: str) -> bytes:
    """LF line ends, no trailing blanks, exactly one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def _public(view: MajorView) -> list[str]:
    names = ["CodeEnum", "DESCRIPTIONS", "DICTIONARIES", "SNAPSHOT_SHA256", "TIPS", "__version__"]
    return names + [d.class_name for d in view.dictionaries]


def _isort(names: list[str], case_sensitive: bool) -> list[str]:
    """isort's order as ruff checks it: CONSTANTS, Classes, others, each in natural order.

    ruff compares imports case-insensitively (I001) but ``__all__`` case-sensitively (RUF022).
    """

    def rank(name: str) -> int:
        return 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2

    def compare(a: str, b: str) -> int:
        if rank(a) != rank(b):
            return rank(a) - rank(b)
        return _natural(a, b) if case_sensitive else _natural(a.lower(), b.lower())

    return sorted(names, key=functools.cmp_to_key(compare))


def _natural(a: str, b: str) -> int:
    """strnatcmp (the ``natord`` crate ruff uses): digit runs compare as numbers, or as
    fractions when one starts with ``0``."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            run_a, run_b = _DIGITS.match(a, i).group(), _DIGITS.match(b, j).group()  # type: ignore[union-attr]
            if run_a[0] == "0" or run_b[0] == "0":
                order = _cmp(run_a, run_b)  # fractional: left-aligned, shorter first on a tie
            else:
                order = _cmp(len(run_a), len(run_b)) or _cmp(run_a, run_b)
            if order:
                return order
            i, j = i + len(run_a), j + len(run_b)
            continue
        if a[i] != b[j]:
            return _cmp(a[i], b[j])
        i, j = i + 1, j + 1
    return _cmp(len(a) - i, len(b) - j)


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _black(path: str, source: str) -> bytes:
    # black costs ~150 ms to import: only when Python output is rendered.
    from black import format_str
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(
        target_versions={TargetVersion.PY39}
    )  # black's defaults: vendored code passes `black --check`
    try:
        return format_str(source, mode=mode).encode("utf-8")
    except InvalidInput as exc:
        raise RenderError(path, f"generated code does not parse: {str(exc).splitlines()[0]}") from exc
