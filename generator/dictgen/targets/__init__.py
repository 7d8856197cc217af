"""Output targets: each renders the view-models of every major version into files."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dictgen.choices import Target
from dictgen.render.contract import Files, MajorView, Options, Templates
from dictgen.targets import docs, jsonschema, python, sql, typescript

Render = Callable[[Templates, Sequence[MajorView], Options], Files]

TARGETS: dict[Target, Render] = {
    "python": python.render,
    "typescript": typescript.render,
    "sql": sql.render,
    "docs": docs.render,
    "jsonschema": jsonschema.render,
}
