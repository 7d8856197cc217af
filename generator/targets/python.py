"""Python target: ``python/juhe_grabticket/`` with one ``v{M}`` subpackage per major version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from generator.errors import RenderError

if TYPE_CHECKING:
    from generator.render import Files, MajorView, Options, Templates

PACKAGE = "python/juhe_grabticket"


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """Render the package: root re-exports the newest major; black formats every module."""
    newest = views[-1]
    files: Files = {f"{PACKAGE}/py.typed": b""}
    for view in views:
        path = f"{PACKAGE}/v{view.major}/__init__.py"
        source = templates.render("python/major.py.j2", major=view, exports=_exports(view))
        files[path] = _black(path, source)
    path = f"{PACKAGE}/__init__.py"
    source = templates.render("python/package.py.j2", newest=newest, majors=views, exports=_exports(newest))
    files[path] = _black(path, source)
    return files


def _exports(view: MajorView) -> list[str]:
    """Public names in isort order: CONSTANTS, then Classes, then the rest."""
    names = ["CodeEnum", "DESCRIPTIONS", "DICTIONARIES", "SNAPSHOT_SHA256", "TIPS", "__version__"]
    names += [d.class_name for d in view.dictionaries]
    return sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))


def _black(path: str, source: str) -> bytes:
    # black costs ~150 ms to import: only when Python output is rendered.
    from black import format_str
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(target_versions={TargetVersion.PY39}, line_length=100)
    try:
        return format_str(source, mode=mode).encode("utf-8")
    except InvalidInput as exc:
        raise RenderError(path, f"generated code does not parse: {str(exc).splitlines()[0]}") from exc
