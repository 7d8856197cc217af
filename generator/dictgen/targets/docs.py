"""Docs target: ``docs/README.md`` (the newest snapshot) and ``docs/v{M}.md`` per major version, a
Markdown reference of every code, its generated names and its label, for readers of a git host."""

from __future__ import annotations

from collections.abc import Sequence

from dictgen.render.contract import Files, MajorView, Options, Templates, encode_text

FOLDER = "docs"


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """One reference page per major, and the newest again as the folder's README.md."""
    pages = {f"{FOLDER}/v{view.major}.md": _page(templates, view, views, options) for view in views}
    pages[f"{FOLDER}/README.md"] = pages[f"{FOLDER}/v{views[-1].major}.md"]
    return pages


def _page(templates: Templates, view: MajorView, views: Sequence[MajorView], options: Options) -> bytes:
    text = templates.render("docs/reference.md.j2", major=view, majors=views, changelog=options.changelog)
    return encode_text(text)
