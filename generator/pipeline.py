"""The one path from snapshots to files: load -> name -> render -> plan; then write or compare."""

from __future__ import annotations

from generator import output
from generator.accepted import ACCEPTED, load_accepted
from generator.changelog import FILENAME, render_changelog
from generator.config import Settings
from generator.curated import check_curated, load_curated
from generator.errors import NamingError
from generator.model import Version
from generator.naming import Names, assign
from generator.render import render
from generator.snapshot import json_path, load_snapshots, newest_per_major
from generator.views import Options


def plan(settings: Settings) -> output.Plan:
    """Load, validate, name and render everything the settings ask for; write nothing."""
    history = load_snapshots(settings.snapshots)
    snapshots = newest_per_major(history)
    curated = load_curated(settings.names)
    check_curated(curated, snapshots, settings.names)
    names = {s.version: assign(s, curated) for s in snapshots}
    if settings.strict_names:
        _check_strict(names, settings)
    changelog = render_changelog(history, load_accepted(settings.snapshots / ACCEPTED))
    options = Options(settings.templates, settings.ts_style, settings.sql_prefix)
    rendered = render(snapshots, names, settings.targets, options)
    versions = [str(s.version) for s in snapshots]
    return output.plan(settings.out, rendered, versions, {settings.snapshots / FILENAME: changelog})


def _check_strict(names: dict[Version, Names], settings: Settings) -> None:
    unnamed = [f for n in names.values() for f in n.fallbacks]
    if unnamed:
        listed = ", ".join(f"[{json_path('', d)}] {c!r} (would be {n})" for d, c, n in sorted(set(unnamed)))
        raise NamingError(str(settings.names), f"--strict-names: no curated name for {listed}")


def generate(settings: Settings) -> list[str]:
    """Plan, then write atomically; report each file written or deleted."""
    return output.write(plan(settings))


def check(settings: Settings) -> list[output.Difference]:
    """Plan, then compare with the disk: the same files ``generate`` would write."""
    return output.check(plan(settings))
