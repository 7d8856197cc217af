"""Command line: parse options, call one function, map the outcome to an exit code.

Exit codes: 0 ok, 1 differences found, 2 error.
"""

from __future__ import annotations

import errno
import functools
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from dictgen import __version__, choices, config, pipeline, show
from dictgen.console import OUT, ReaderGone, Redactor, Terminated, silence_stdout
from dictgen.errors import DictgenError
from dictgen.model.snapshot import stderr_warning
from dictgen.output.owned import Lines
from dictgen.output.plan import describe
from dictgen.targets import registry
from dictgen.upstream import diff, fetch, record, report, response, sides
from dictgen.vendoring.vendor import Request, vendor
from dictgen.vendoring.vendored import report_copy, vendorable

OK, DIFFERENT, ERROR = 0, 1, 2
INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number
READER_GONE = 141  # 128 + SIGPIPE, as a tool killed by the closed pipe exits (git log | head)


def _fail(exc: DictgenError) -> None:
    for where, what in exc.lines():
        OUT.error(where, what)


def handles_errors(func: Callable[..., int]) -> Callable[..., None]:
    """Run a command: its return value is the exit code; any failure is one line and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        OUT.debug = bool(ctx.find_root().params.get("debug"))
        try:
            code = func(*args, **kwargs)
        except click.ClickException:  # a usage error found by the command: click reports it
            raise
        except DictgenError as exc:
            OUT.traceback()
            _fail(exc)
            code = ERROR
        except Exception as exc:  # the outermost handler: a bug is still one line and exit 2
            OUT.traceback()
            hint = "" if OUT.debug else " (run with --debug for the traceback)"
            OUT.error("internal error", f"{type(exc).__name__}: {exc}{hint}")
            code = ERROR
        ctx.exit(code)

    return wrapper


def _settings(**given: Any) -> config.Settings:
    """[tool.dictgen] of the nearest pyproject.toml (or --config), overridden by the options given."""
    root = click.get_current_context().find_root().params
    explicit: Path | None = root.get("config")
    base = config.load(explicit or config.find(Path.cwd()), explicit is not None, stderr_warning)
    if root.get("verbose"):
        found = "" if base.config.is_file() else " (not found: built-in defaults)"
        OUT.say(f"config: {base.config}{found}", err=True)
    return config.override(base, given, stderr_warning)


def render_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by ``generate`` and ``check``."""
    path = click.Path(path_type=Path)
    targets = registry()
    decorators = [
        click.option("--snapshots", type=path, help="Snapshot folder [snapshots]."),
        click.option("--out", type=path, help="Output folder [generated]."),
        click.option("--names", type=path, help="Curated names [names.toml]."),
        click.option(
            "--target",
            "targets",
            multiple=True,
            type=click.Choice(tuple(targets)),
            help="Target to render; repeatable [python, or [tool.dictgen] targets].",
        ),
        click.option("--templates", type=path, help="Folder whose templates override built-in ones."),
        click.option(
            "--strict-names/--no-strict-names", default=None, help="Fail when an entry has no curated name."
        ),
        click.option(
            "--option",
            multiple=True,
            metavar="TARGET.KEY=VALUE",
            help="A target's option, as in [tool.dictgen.TARGET]; repeatable.",
        ),
        click.option(
            "--builtin-names/--no-builtin-names",
            default=None,
            help="Name entries missing from names.toml with the names shipped with dictgen [yes].",
        ),
    ]
    decorators += [
        click.option(f"--{flat.replace('_', '-')}", flat, help=f"The same as --option {t.name}.{option}=...")
        for t in targets.values()
        for flat, option in t.flat.items()
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


ALLOW_REMOVALS = click.option(
    "--allow-removals", is_flag=True, help="Record even when most dictionaries or entries disappear."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dictgen")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file [the nearest pyproject.toml with [tool.dictgen], upward].",
)
@click.option("--verbose", is_flag=True, help="Say which settings file is used.")
def cli(debug: bool, config: Path | None, verbose: bool) -> None:
    """Generate constants from the pinned Juhe grabTicket data dictionary."""


@cli.command()
@render_options
@handles_errors
def generate(**options: Any) -> int:
    """Render every target and write it to the output folder."""
    actions = pipeline.generate(_settings(**options))
    for action in actions:
        OUT.say(action)
    OUT.say(f"{len(actions)} file(s) changed", err=True)
    return OK


@cli.command()
@render_options
@click.option("--vendored", type=click.Path(path_type=Path), help="Check a vendored copy instead.")
@click.option(
    "--stat", is_flag=True, help="One line per differing file with its added and removed lines, not diffs."
)
@handles_errors
def check(vendored: Path | None, stat: bool, **options: Any) -> int:
    """Exit 1 when the output folder differs from a fresh render (for CI)."""
    if vendored is not None:
        folder = _settings(snapshots=options["snapshots"]).snapshots
        lines, differs = report_copy(vendored, folder, {**options, "stat": stat or None})
        return _said(lines, DIFFERENT if differs else OK)
    settings = _settings(**options)
    differences = pipeline.check(settings)
    return _said(describe(differences, settings.out, stat), DIFFERENT if differences else OK)


@cli.command("show")
@click.argument("dictionary", required=False)
@click.option("--major", type=click.IntRange(min=0), help="Major version to show [the newest].")
@click.option("--format", "fmt", type=click.Choice(choices.SHOW_FORMATS), default="table", show_default=True)
@click.option("--snapshots", type=click.Path(path_type=Path), help="Snapshot folder [snapshots].")
@click.option("--names", type=click.Path(path_type=Path), help="Curated names [names.toml].")
@handles_errors
def show_command(
    dictionary: str | None, major: int | None, fmt: choices.ShowFormat, **given: Path | None
) -> int:
    """Print the codes, generated names and labels of DICTIONARY (a key or class name) [every one]."""
    settings = replace(_settings(**given), strict_names=False)
    view, dictionaries = show.pick(pipeline.views(settings), major, dictionary)
    OUT.say(show.render(view, dictionaries, fmt), nl=False, data=True)
    return OK


@cli.command("fetch")
@click.option("--url", help="Endpoint, without the key [the Juhe dataDictionary URL].")
@click.option("--key-env", default="JUHE_KEY", show_default=True, help="Variable holding the key.")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), help="File holding the key.")
@click.option("--snapshots", type=click.Path(path_type=Path), help="Snapshot folder [snapshots].")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True, help="Seconds.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when upstream differs.")
@ALLOW_REMOVALS
@handles_errors
def fetch_command(
    url: str | None, key_env: str, key_file: Path | None, timeout: float, retries: int, **record: Any
) -> int:
    """Download the live dictionary and record it as the next snapshot version."""
    settings = _settings(snapshots=record.pop("snapshots"))
    key = fetch.read_key(key_env, key_file)
    OUT.redactors.append(Redactor([key]))
    request = fetch.Request(url or fetch.DEFAULT_URL, key, timeout, retries, errors=settings.error_table)
    return _record(fetch.fetch(request), settings.snapshots, **record)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.option("--snapshots", type=click.Path(path_type=Path), help="Snapshot folder [snapshots].")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the file differs.")
@ALLOW_REMOVALS
@handles_errors
def import_command(file: Path, **record: Any) -> int:
    """Record a saved API response or a snapshot file (FILE, or - for stdin) like ``fetch`` would."""
    settings = _settings(snapshots=record.pop("snapshots"))
    where = "<stdin>" if str(file) == "-" else str(file)
    data = response.read_saved(file)
    upstream = response.decode_saved(data, where, fetch.DEFAULT_URL, settings.error_table)
    return _record(upstream, settings.snapshots, **record)


def _record(upstream: response.Upstream, folder: Path, check: bool, allow_removals: bool) -> int:
    """Record (or with ``check`` only compare) and report the outcome."""
    limit = None if allow_removals else record.REMOVAL_LIMIT
    outcome = record.record(upstream, folder, record.Policy(check, removal_limit=limit))
    for line in record.summary(outcome, folder):
        OUT.say(line)
    return DIFFERENT if outcome.status == "differs" else OK


@cli.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--snapshots", type=click.Path(path_type=Path), help="Snapshot folder [snapshots].")
@click.option("--format", "fmt", type=click.Choice(choices.REPORT_FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(choices.FAIL_ON_LEVELS),
    default="breaking",
    show_default=True,
    help="Exit 1 when a change reaches this severity.",
)
@click.option("--accepted", type=click.Path(path_type=Path), help="Accept file [SNAPSHOTS/accepted.toml].")
@click.option(
    "--against",
    metavar="REF",
    help="Compare the newest snapshot at git revision REF (main, origin/main, HEAD~1, a tag) "
    "with the newest in the working tree.",
)
@handles_errors
def diff_command(
    old: str | None,
    new: str | None,
    fmt: choices.ReportFormat,
    fail_on: choices.FailOn,
    against: str | None,
    **given: Path | None,
) -> int:
    """Classify the changes from OLD to NEW (versions, snapshot or response files) [previous, newest],
    or from the git revision --against REF to the working tree."""
    settings = _settings(snapshots=given["snapshots"])
    if against is None:
        result = sides.run(old, new, settings.snapshots, given["accepted"])
    elif old is None and new is None:
        result = sides.against(against, settings, given["snapshots"] is not None, given["accepted"])
    else:
        raise click.UsageError("--against compares REF with the working tree: give no OLD or NEW")
    OUT.say(report.render_report(result, fmt, fail_on), nl=False, data=True)
    return DIFFERENT if diff.fails(result, fail_on) else OK


@cli.command("vendor")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--target", type=click.Choice(tuple(vendorable())), required=True, help="The package to copy.")
@click.option("--major", type=click.IntRange(min=0), help="Python: copy only vM, not the package root.")
@click.option("--out", type=click.Path(path_type=Path), help="Output folder to copy from [generated].")
@click.option("--snapshots", type=click.Path(path_type=Path), help="Snapshot folder [snapshots].")
@handles_errors
def vendor_command(dest: Path, target: str, major: int | None, **folders: Path | None) -> int:
    """Copy a generated package into DEST (in another repository), with a VENDORED.json to check it by."""
    settings = _settings(**folders)
    return _said(vendor(Request(settings.out, settings.snapshots, dest, target, major)), OK)


def _said(lines: Lines, code: int) -> int:
    """Print each line (to stderr where marked) and return ``code``."""
    for text, err in lines:
        OUT.say(text, err=err)
    return code


def main() -> None:
    """Console-script entry point: one line and exit 2 for usage errors, 130/143 for signals."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str]) -> int:
    """Run dictgen with ``args``; return the exit code."""
    signal.signal(signal.SIGTERM, _terminate)
    options = args[: args.index("--") if "--" in args else len(args)]
    flags = [f for f in ("--debug", "--verbose") if f in options]  # accepted after the subcommand too
    OUT.debug = "--debug" in flags
    args = [*flags, *(a for a in args if a not in flags)]
    try:
        code = cli.main(args, prog_name="dictgen", standalone_mode=False)
        if sys.stdout is not None:
            sys.stdout.flush()
    except click.UsageError as exc:
        OUT.error("usage", f"{exc.format_message()} (see dictgen --help)")
        return ERROR
    except (click.Abort, KeyboardInterrupt):
        OUT.say("interrupted", err=True)
        return INTERRUPTED[signal.SIGINT]
    except Terminated:
        OUT.say("terminated", err=True)
        return INTERRUPTED[signal.SIGTERM]
    except ReaderGone:
        return READER_GONE
    except OSError as exc:  # stdout closed or full (a pipe, /dev/full)
        silence_stdout()
        if exc.errno == errno.EPIPE:
            return READER_GONE
        OUT.error("<stdout>", f"cannot write: {exc.strerror or exc}")
        return ERROR
    return code if isinstance(code, int) else OK


def _terminate(signum: int, frame: object) -> None:
    raise Terminated
