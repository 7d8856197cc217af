"""The one path from snapshots to files: load -> name -> render -> plan; then write or compare."""

from __future__ import annotations

from dataclasses import dataclass

from generator import output
from generator.accepted import ACCEPTED, load_accepted
from generator.atomic import locked, recover
from generator.changelog import FILENAME, render_changelog
from generator.choices import Target
from generator.config import Settings
from generator.curated import check_curated, load_curated, with_builtin
from generator.errors import UnnamedError
from generator.model import Version
from generator.naming import Names, assign
from generator.render import render
from generator.snapshot import check_size, json_path, load_snapshots, newest_per_major
from generator.views import Files, Options


def plan(settings: Settings) -> output.Plan:
    """Load, validate, name and render everything the settings ask for; write nothing."""
    return _plan_output(settings, _render(settings))


def _render(settings: Settings) -> Rendering:
    """Everything that does not depend on the output folder: snapshots -> files in memory."""
    history = load_snapshots(settings.snapshots)
    snapshots = newest_per_major(history)
    check_size(snapshots, settings.max_entries, settings.snapshots)
    curated = load_curated(settings.names)
    check_curated(curated, snapshots, settings.names)
    if settings.builtin_names:
        curated = with_builtin(curated, snapshots)
    names = {s.version: assign(s, curated) for s in snapshots}
    if settings.strict_names:
        _check_strict(names, settings)
    changelog = render_changelog(history, load_accepted(settings.snapshots / ACCEPTED))
    options = Options(settings.templates, settings.ts_style, settings.sql_prefix)
    rendered = render(snapshots, names, settings.targets, options)
    return Rendering(rendered, [str(s.version) for s in snapshots], changelog)


def _plan_output(settings: Settings, rendering: Rendering) -> output.Plan:
    changelog = {settings.snapshots / FILENAME: rendering.changelog}
    return output.plan(settings.out, rendering.files, rendering.versions, changelog)


@dataclass(frozen=True)
class Rendering:
    """The rendered targets, the snapshot versions they show and the changelog, in memory."""

    files: dict[Target, Files]
    versions: list[str]
    changelog: bytes


def _check_strict(names: dict[Version, Names], settings: Settings) -> None:
    unnamed = sorted({f for n in names.values() for f in n.fallbacks})
    if unnamed:
        problems = [(f"[{json_path('', d)}] {c!r}", f"no curated name (would be {n})") for d, c, n in unnamed]
        raise UnnamedError(f"{settings.names}: --strict-names", problems)


def generate(settings: Settings) -> list[str]:
    """Plan, then write atomically under a lock; report each file written or deleted."""
    output.check_out_root(settings.out, [settings.snapshots, settings.config])
    with locked(settings.snapshots, create=False):  # no import may add a snapshot while this run renders
        if settings.snapshots.is_dir():
            recover(settings.snapshots)  # never render from a half-recorded snapshot
        rendering = _render(settings)
        with locked(settings.out):
            recover(settings.out, (settings.snapshots,))
            return output.write(_plan_output(settings, rendering))


def check(settings: Settings) -> list[output.Difference]:
    """Plan, then compare with the disk: the same files ``generate`` would write."""
    output.check_out_root(settings.out, [settings.snapshots, settings.config])
    return output.check(plan(settings))
