"""Output targets: each renders the view-models of every major version into files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from generator.targets import python, sql, typescript

if TYPE_CHECKING:
    from generator.render import Files, MajorView, Options, Templates

Target = Callable[["Templates", Sequence["MajorView"], "Options"], "Files"]

TARGETS: dict[str, Target] = {
    "python": python.render,
    "typescript": typescript.render,
    "sql": sql.render,
}
