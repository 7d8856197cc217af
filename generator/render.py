"""Render templates into an in-memory file map per target; nothing here touches the disk.

The one Jinja environment lives here, and the dispatcher from target names to targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.choices import Target
from generator.errors import RenderError
from generator.escape import FILTERS
from generator.model import Snapshot, Version
from generator.naming import Names
from generator.targets import TARGETS
from generator.views import Files, Options, build_views

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout
    BUILTIN_TEMPLATES = Path(__file__).parent.parent / "templates"


class JinjaTemplates:
    """The one Jinja environment: user templates first, built-in second, sandboxed."""

    def __init__(self, user_dir: Path | None) -> None:
        # jinja2 is imported here, not at the top, so commands that render nothing never load it.
        import jinja2
        from jinja2.sandbox import SandboxedEnvironment

        self._jinja = jinja2
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
        jinja2 = self._jinja
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
            raise RenderError(_location(exc, template.filename or name), _one_line(exc)) from exc


def _location(exc: BaseException, filename: str) -> str:
    """``file:line`` of the innermost template frame in the traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{filename}:{line}" if line else filename


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def render(
    snapshots: Sequence[Snapshot], names: Mapping[Version, Names], targets: Sequence[Target], options: Options
) -> dict[Target, Files]:
    """Render each target for the newest-per-major snapshots: target -> output path -> bytes."""
    views = build_views(snapshots, names)
    templates = JinjaTemplates(options.templates)
    return {t: dict(sorted(TARGETS[t](templates, views, options).items())) for t in targets}
