"""Render templates into an in-memory file map per target; nothing here touches the output folder.

The Jinja environments live here, and the dispatcher from target names to targets. Built-in
templates run in a plain environment (they are ours, and ``Untrusted`` still refuses to be printed
without a filter); any template that a ``--templates`` folder supplies, or that reaches one, runs
sandboxed. Compiled templates are cached in ``$XDG_CACHE_HOME/dictgen/jinja``, which never changes
what they render.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from dictgen import __version__
from dictgen.choices import Target
from dictgen.errors import RenderError
from dictgen.model.naming import Names
from dictgen.model.types import Snapshot, Version
from dictgen.render.contract import Files, Options, build_views
from dictgen.render.filters import FILTERS
from dictgen.shipped import TEMPLATES
from dictgen.targets import TARGETS, python

BUILTIN_TEMPLATES = TEMPLATES

_OPTIONS: dict[str, Any] = {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True}


class JinjaTemplates:
    """User templates first, built-in second; user templates (and all, without fast paths) sandboxed."""

    def __init__(self, user_dir: Path | None, fast: bool = True, cache: Path | None = None) -> None:
        # jinja2 is imported here, not at the top, so commands that render nothing never load it.
        import jinja2

        self._jinja = jinja2
        if user_dir is not None and not user_dir.is_dir():
            raise RenderError(str(user_dir), "template directory not found")
        self.user_dir = user_dir
        self.fast = fast
        self.cache = cache  # a private folder for compiled templates, or None
        self._envs: dict[bool, Any] = {}
        self._plain: dict[str, bool] = {}

    def _env(self, sandboxed: bool) -> Any:
        """The environment of one kind, made on first use (the plain one reads built-in templates only)."""
        if sandboxed not in self._envs:
            jinja2 = self._jinja
            kind: Any = jinja2.Environment
            if sandboxed:
                from jinja2.sandbox import SandboxedEnvironment as kind

            search = [str(self.user_dir)] if self.user_dir and sandboxed else []
            cache = _bytecode_cache(jinja2, kind.__name__, self.cache) if self.fast and self.cache else None
            env = kind(
                loader=jinja2.FileSystemLoader([*search, str(BUILTIN_TEMPLATES)]),
                undefined=jinja2.StrictUndefined,
                bytecode_cache=cache,
                autoescape=False,
                **_OPTIONS,
            )
            env.filters.update(FILTERS)
            env.globals["generator_version"] = __version__
            self._envs[sandboxed] = env
        return self._envs[sandboxed]

    def builtin(self, name: str) -> bool:
        """True when ``name`` and every template it loads are built-in (no user template reaches it)."""
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
            if self.user_dir is not None and (self.user_dir / current).exists():
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
        env = self._env(not (self.fast and self.builtin(name)))
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


def _bytecode_cache(jinja2: Any, kind: str, cache: Path) -> Any:
    """A FileSystemBytecodeCache below ``cache`` (a folder only this user can write), or None.

    The folder is keyed by everything that shapes compiled code besides the template source (which
    Jinja checks itself): dictgen's and Jinja's versions, Python's, the options, the environment kind.
    """
    identity = repr((__version__, jinja2.__version__, sys.version, sorted(_OPTIONS.items()), kind))
    key = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    folder = cache / "jinja" / f"{__version__}-{key}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None

    class _Cache(jinja2.FileSystemBytecodeCache):  # type: ignore[misc]
        """A cache failure (full disk, a damaged file) only means compiling again."""

        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    return _Cache(str(folder))


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


@dataclass(frozen=True)
class Rendered:
    """Each target's files (path -> bytes), and what the Python formatter learnt on the way."""

    files: dict[Target, Files]
    formatted: dict[str, python.Formatted]


def render(
    snapshots: Sequence[Snapshot],
    names: Mapping[Version, Names],
    targets: Sequence[Target],
    options: Options,
    known: python.Known | None = None,
    fast: bool = True,
    cache: Path | None = None,
) -> Rendered:
    """Render each target for the newest-per-major snapshots: target -> output path -> bytes.

    ``known`` looks up Python modules formatted before; ``cache`` is a private folder for compiled
    templates; ``fast=False`` turns every fast path off. Python renders first, formatted meanwhile.
    """
    views = build_views(snapshots, names)
    templates = JinjaTemplates(options.templates, fast, cache)
    worker = _Worker() if fast else None
    submit = worker.submit if worker else None
    formatter = python.Formatter(known, fast and templates.builtin(python.MAJOR), submit)
    files: dict[Target, Files] = {}
    try:
        if "python" in targets:
            files["python"] = python.render(templates, views, options, formatter)
        for target in targets:
            if target != "python":
                files[target] = TARGETS[target](templates, views, options)
        if "python" in targets:
            files["python"].update(formatter.finish())
    finally:
        if worker is not None:
            worker.close()
    return Rendered({t: dict(sorted(files[t].items())) for t in targets}, formatter.formatted)


class _Worker:
    """A forked child that imports black and formats Python modules while this process renders on
    (two cores). It answers all jobs at once when the job pipe closes, so neither side waits on the
    other's pipe. Any trouble with it only means formatting here instead."""

    def __init__(self) -> None:
        self.pid = 0
        self._jobs: Any = None
        self._replies: Any = None
        self._answers: dict[str, bytes | tuple[str, str]] | None = None

    def submit(self, path: str, source: str, skeleton: bool) -> Callable[[], bytes]:
        """Hand a module over; the call returned gives black's output."""
        if not self.pid:
            self._start()
        if self._jobs is not None:
            try:
                pickle.dump((path, source, skeleton), self._jobs)
                self._jobs.flush()
            except OSError:  # the child is gone
                self._jobs = None
        return lambda: self._result(path, source, skeleton)

    def _start(self) -> None:
        try:
            jobs, self_jobs = os.pipe()
            self_replies, replies = os.pipe()
            self.pid = os.fork()
        except OSError:
            self.pid = -1
            return
        if self.pid == 0:
            os.close(self_jobs)
            os.close(self_replies)
            _serve(jobs, replies)
        os.close(jobs)
        os.close(replies)
        self._jobs, self._replies = os.fdopen(self_jobs, "wb"), os.fdopen(self_replies, "rb")

    def _result(self, path: str, source: str, skeleton: bool) -> bytes:
        if self._answers is None:
            self._answers = {}
            try:
                if self._jobs is not None:
                    self._jobs.close()  # no more jobs: the child answers
                if self._replies is not None:
                    self._answers = pickle.load(self._replies)
            except (OSError, EOFError, pickle.UnpicklingError):
                pass
        answer = self._answers.get(path)
        if isinstance(answer, tuple):
            raise RenderError(*answer)
        return answer if answer is not None else python.format_module(path, source, skeleton)

    def close(self) -> None:
        """Stop the child (at once, when its answers are no longer wanted) and reap it."""
        for pipe in (self._jobs, self._replies):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self.pid > 0:
            if self._answers is None:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _serve(jobs: int, replies: int) -> NoReturn:
    """The child: format each job until the pipe closes, answer, leave (no atexit, no flushing)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        answers: dict[str, bytes | tuple[str, str]] = {}
        with os.fdopen(jobs, "rb") as incoming:
            while True:
                try:
                    path, source, skeleton = pickle.load(incoming)
                except EOFError:
                    break
                try:
                    answers[path] = python.format_module(path, source, skeleton)
                except RenderError as exc:
                    answers[path] = (exc.where, exc.what)
        with os.fdopen(replies, "wb") as outgoing:
            pickle.dump(answers, outgoing)
        code = 0
    finally:
        os._exit(code)
