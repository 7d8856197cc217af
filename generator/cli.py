"""Command line: parse options, call one function, map the outcome to an exit code.

Exit codes: 0 ok, 1 differences found, 2 error.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from generator import __version__, config
from generator.errors import DictgenError, SnapshotError

OK, DIFFERENT, ERROR = 0, 1, 2


def _fail(exc: DictgenError) -> None:
    if isinstance(exc, SnapshotError) and len(exc.problems) > 1:
        for path, message in exc.problems:
            click.echo(f"error: {exc.where}: {path}: {message}", err=True)
    else:
        click.echo(f"error: {exc.where}: {exc.what}", err=True)


def handles_errors(func: Callable[..., int]) -> Callable[..., None]:
    """Run a command: its return value is the exit code; a DictgenError is one line and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        try:
            code = func(*args, **kwargs)
        except DictgenError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            _fail(exc)
            code = ERROR
        ctx.exit(code)

    return wrapper


def _settings(**given: Any) -> config.Settings:
    """[tool.dictgen] defaults, overridden by the options given on the command line."""
    base = config.load()
    chosen = {k: v for k, v in given.items() if v is not None and v != ()}
    return replace(base, **chosen)


def render_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by ``generate`` and ``check``."""
    path = click.Path(path_type=Path)
    decorators = [
        click.option("--snapshots", type=path, help="Snapshot folder [snapshots]."),
        click.option("--out", type=path, help="Output folder [generated]."),
        click.option("--names", type=path, help="Curated names [names.toml]."),
        click.option(
            "--target",
            "targets",
            multiple=True,
            type=click.Choice(config.TARGET_NAMES),
            help="Target to render; repeatable [python, or [tool.dictgen] targets].",
        ),
        click.option("--templates", type=path, help="Folder whose templates override built-in ones."),
        click.option(
            "--strict-names/--no-strict-names", default=None, help="Fail when an entry has no curated name."
        ),
        click.option("--ts-style", type=click.Choice(["const", "enum"]), help="TypeScript style [const]."),
        click.option("--sql-prefix", help="Table name prefix for SQL seeds [juhe_]."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dictgen")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """Generate constants from the pinned Juhe grabTicket data dictionary."""


@cli.command()
@render_options
@handles_errors
def generate(**options: Any) -> int:
    """Render every target and write it to the output folder."""
    from generator import pipeline

    settings = _settings(**options)
    changed = pipeline.generate(settings)
    for path in changed:
        click.echo(f"wrote {settings.out / path}" if not path.endswith("(deleted)") else f"deleted {path}")
    click.echo(f"{len(changed)} file(s) changed in {settings.out}", err=True)
    return OK


@cli.command()
@render_options
@handles_errors
def check(**options: Any) -> int:
    """Exit 1 when the output folder differs from a fresh render (for CI)."""
    from generator import pipeline

    settings = _settings(**options)
    differences = pipeline.check(settings)
    for difference in differences:
        click.echo(f"{difference.kind}: {settings.out / difference.path}")
        for line in difference.diff:
            click.echo(f"    {line}")
    if differences:
        click.echo(f"{len(differences)} file(s) out of date: run `dictgen generate`", err=True)
        return DIFFERENT
    click.echo(f"up to date: {settings.out}", err=True)
    return OK


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="dictgen"))
