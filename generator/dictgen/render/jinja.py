"""The Jinja environments that render templates to text; nothing here touches the output folder.

Built-in templates run in a plain environment (they are ours, and ``Untrusted`` still refuses to be
printed without a filter); any template that a ``--templates`` folder supplies, or that reaches
one, runs sandboxed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from dictgen import __version__
from dictgen.errors import RenderError
from dictgen.render.filters import FILTERS
from dictgen.shipped import TEMPLATES

BUILTIN_TEMPLATES = TEMPLATES

_OPTIONS: dict[str, Any] = {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True}


class JinjaTemplates:
    """User templates first, built-in second; user templates (and all, without fast paths) sandboxed."""

    def __init__(self, user_dir: Path | None, fast: bool = True) -> None:
        # jinja2 is imported here, not at the top, so commands that render nothing never load it.
        import jinja2

        self._jinja = jinja2
        if user_dir is not None and not user_dir.is_dir():
            raise RenderError(user_dir, "template directory not found")
        self.user_dir = user_dir
        self.fast = fast
        self._envs: dict[bool, Any] = {}
        self._plain: dict[str, bool] = {}

    def _env(self, sandboxed: bool) -> Any:
        """The environment of one kind, made on first use (the plain one reads built-in templates only)."""
        if sandboxed not in self._envs:
            jinja2 = self._jinja
            kind: Any = jinja2.Environment
            if sandboxed:
                from jinja2.sandbox import SandboxedEnvironment as kind

            loader = jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))
            if self.user_dir and sandboxed:
                loader = jinja2.ChoiceLoader([_user_loader(self.user_dir), loader])
            env = kind(
                loader=loader,
                undefined=jinja2.StrictUndefined,
                autoescape=False,
                **_OPTIONS,
            )
            env.filters.update(FILTERS)
            env.globals["generator_version"] = __version__
            self._envs[sandboxed] = env
        return self._envs[sandboxed]

    def builtin(self, name: str) -> bool:
        """True when ``name`` and every template it loads are built-in (no user template reaches it);
        always False without fast paths, so that nothing is trusted."""
        if not self.fast:
            return False
        if name not in self._plain:
            self._plain[name] = self.user_dir is None or self._builtin_closure(name)
        return self._plain[name]

    def _builtin_closure(self, name: str) -> bool:
        from jinja2 import meta

        env, seen, todo = self._env(False), set(), [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if self.user_dir is not None and os.path.lexists(self.user_dir / current):
                return False
            try:
                source = env.loader.get_source(env, current)[0]
                references = list(meta.find_referenced_templates(env.parse(source)))
            except (self._jinja.TemplateError, OSError, UnicodeDecodeError):  # the sandbox reports it
                return False
            if None in references:  # a dynamic include: it could reach a user template
                return False
            todo += [r for r in references if r is not None]
        return True

    def render(self, name: str, **context: Any) -> str:
        """Render template ``name``; every template failure becomes a one-line RenderError."""
        jinja2 = self._jinja
        env = self._env(not self.builtin(name))
        try:
            template = env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or name}:{exc.lineno}"
            raise RenderError(where, exc.message or "syntax error") from exc
        except jinja2.TemplateNotFound:
            raise RenderError(name, "template not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(name, f"cannot read the template: {exc}") from None
        try:
            return str(template.render(**context))
        except Exception as exc:  # templates may be user code: any failure is a template error
            raise RenderError(_location(exc, template.filename or name), _one_line(exc)) from exc


def _user_loader(folder: Path) -> Any:
    """A loader of the templates in ``folder`` that reads regular files only, never through a
    symbolic link: a link committed to a repository could make a template of any file (the
    environment in /proc, a key), and ``check`` print it in its diff."""
    import jinja2
    from jinja2.loaders import split_template_path

    class UserLoader(jinja2.BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            path, mode = folder, stat.S_IFDIR
            for piece in split_template_path(template):  # refuses ".." as FileSystemLoader does
                path = path / piece
                try:
                    mode = os.lstat(path).st_mode
                except (FileNotFoundError, NotADirectoryError):
                    raise jinja2.TemplateNotFound(template) from None
                if stat.S_ISLNK(mode):
                    raise RenderError(path, "is a symbolic link: refusing to read a template through it")
            if not stat.S_ISREG(mode):  # a folder or a FIFO: as FileSystemLoader, look further
                raise jinja2.TemplateNotFound(template)
            flags = [getattr(os, f, 0) for f in ("O_NOFOLLOW", "O_NONBLOCK", "O_BINARY")]
            fd = os.open(path, os.O_RDONLY | flags[0] | flags[1] | flags[2])
            with os.fdopen(fd, "rb") as handle:
                return handle.read().decode("utf-8"), str(path), lambda: True

    return UserLoader()


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
