"""Render templates into an in-memory file map; nothing here touches the output folder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from generator import __version__
from generator.errors import RenderError
from generator.escape import FILTERS, Untrusted
from generator.model import Snapshot
from generator.naming import Derived, Names, derived

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout
    BUILTIN_TEMPLATES = Path(__file__).parent.parent / "templates"

Files = dict[str, bytes]


@dataclass(frozen=True)
class Options:
    """Rendering choices that are not part of the data."""

    templates: Path | None = None
    ts_style: str = "const"
    sql_prefix: str = "juhe_"


@dataclass(frozen=True)
class EntryView:
    """One entry as templates see it: text wrapped in Untrusted, names ready to print."""

    code: Untrusted
    label: Untrusted
    name: str


@dataclass(frozen=True)
class DictionaryView:
    """One dictionary as templates see it."""

    key: Untrusted
    msg: Untrusted
    class_name: str
    derived: Derived
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class MajorView:
    """Everything the templates of one major version need."""

    major: int
    version: str
    sha256: str
    tips: tuple[Untrusted, ...]
    dictionaries: tuple[DictionaryView, ...]


def build_views(snapshots: Sequence[Snapshot], names: Mapping[str, Names]) -> list[MajorView]:
    """View-models per major version, in ascending major order; ``names`` is keyed by version."""
    views = []
    for snap in snapshots:
        named = names[str(snap.version)]
        dictionaries = tuple(
            DictionaryView(
                Untrusted(d.key),
                Untrusted(d.msg),
                named.classes[d.key],
                derived(named.classes[d.key]),
                tuple(
                    EntryView(Untrusted(e.code), Untrusted(e.label), named.members[d.key][e.code])
                    for e in d.entries
                ),
            )
            for d in snap.dictionaries
        )
        tips = tuple(Untrusted(t) for t in snap.tips or ())
        views.append(MajorView(snap.version.major, str(snap.version), snap.sha256, tips, dictionaries))
    return views


class Templates:
    """The one Jinja environment: user templates first, built-in second, sandboxed."""

    def __init__(self, user_dir: Path | None) -> None:
        if user_dir is not None and not user_dir.is_dir():
            raise RenderError(str(user_dir), "template directory not found")
        search = [str(user_dir)] if user_dir else []
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([*search, str(BUILTIN_TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        self.env.filters.update(FILTERS)
        self.env.globals["generator_version"] = __version__

    def render(self, name: str, **context: Any) -> str:
        """Render template ``name``; every template failure becomes a one-line RenderError."""
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or name}:{exc.lineno}"
            raise RenderError(where, exc.message or "syntax error") from exc
        except jinja2.TemplateNotFound:
            raise RenderError(name, "template not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(name, f"cannot read the template: {exc}") from None
        try:
            return template.render(**context)
        except Exception as exc:  # templates may be user code: any failure is a template error
            raise RenderError(_location(exc, template), _one_line(exc)) from exc


def _location(exc: BaseException, template: jinja2.Template) -> str:
    """``file:line`` of the innermost template frame in the traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template.filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{template.filename}:{line}" if line else str(template.filename)


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def render(
    snapshots: Sequence[Snapshot], names: Mapping[str, Names], targets: Sequence[str], options: Options
) -> dict[str, Files]:
    """Render each target for the newest-per-major snapshots: target -> output path -> bytes."""
    from generator.targets import TARGETS

    views = build_views(snapshots, names)
    templates = Templates(options.templates)
    return {t: dict(sorted(TARGETS[t](templates, views, options).items())) for t in targets}
