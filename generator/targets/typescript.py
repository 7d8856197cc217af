"""TypeScript target: ``typescript/``, an ES module package with one ``src/v{M}`` per major version."""

from __future__ import annotations

from collections.abc import Sequence

from generator.views import Files, MajorView, Options, Templates

PACKAGE = "typescript"


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """Render package.json, tsconfig.json, ``src/index.ts`` and one ``src/v{M}/index.ts`` per major."""
    newest = views[-1]
    common = {"newest": newest, "majors": views, "style": options.ts_style}
    files: Files = {}
    for view in views:
        source = templates.render("typescript/major.ts.j2", major=view, style=options.ts_style)
        files[f"{PACKAGE}/src/v{view.major}/index.ts"] = _encode(source)
    files[f"{PACKAGE}/src/index.ts"] = _encode(templates.render("typescript/index.ts.j2", **common))
    files[f"{PACKAGE}/package.json"] = _encode(templates.render("typescript/package.json.j2", **common))
    files[f"{PACKAGE}/tsconfig.json"] = _encode(templates.render("typescript/tsconfig.json.j2", **common))
    return files


def _encode(source: str) -> bytes:
    """LF line ends, no trailing blanks, exactly one final newline."""
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
