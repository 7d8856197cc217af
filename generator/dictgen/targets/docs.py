"""Docs target: ``docs/README.md`` (the newest snapshot) and ``docs/v{M}.md`` per major version, a
Markdown reference of every code, its generated names and its label, and of Juhe's error codes, for
readers of a git host."""

from __future__ import annotations

from dictgen.render.contract import Files, Job, MajorView, Target, encode_text

FOLDER = "docs"


def render(job: Job) -> Files:
    """One reference page per major, and the newest again as the folder's README.md."""
    pages = {f"{FOLDER}/v{view.major}.md": _page(job, view) for view in job.views}
    pages[f"{FOLDER}/README.md"] = pages[f"{FOLDER}/v{job.views[-1].major}.md"]
    return pages


def _page(job: Job, view: MajorView) -> bytes:
    changelog = job.link(FOLDER, job.changelog)
    text = job.templates.render(
        "docs/reference.md.j2", major=view, majors=job.views, changelog=changelog, errors=job.errors
    )
    return encode_text(text)


TARGET = Target("docs", FOLDER, render, "a Markdown reference page per major version")
