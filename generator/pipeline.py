"""The one path from snapshots to files: load -> name -> render; then write or compare."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import output
from generator.changelog import FILENAME, render_changelog
from generator.config import Settings
from generator.diff import ACCEPTED, load_accepted
from generator.errors import NamingError
from generator.model import Snapshot
from generator.naming import assign, check_curated, load_curated
from generator.render import Options, render
from generator.snapshot import json_path, load_snapshots, newest_per_major


@dataclass(frozen=True)
class Build:
    """A rendering, held in memory: nothing is written yet."""

    snapshots: list[Snapshot]  # the rendered ones: newest of each major
    rendered: dict[str, dict[str, bytes]]
    changelog: tuple[Path, bytes]  # snapshots/CHANGELOG.md, generated from the whole history

    @property
    def versions(self) -> list[str]:
        """The snapshot versions rendered, one per major."""
        return [str(s.version) for s in self.snapshots]


def build(settings: Settings) -> Build:
    """Load, validate, name and render everything the settings ask for."""
    history = load_snapshots(settings.snapshots)
    snapshots = newest_per_major(history)
    curated = load_curated(settings.names)
    check_curated(curated, snapshots, settings.names)
    names = {str(s.version): assign(s, curated) for s in snapshots}
    if settings.strict_names:
        unnamed = [f for n in names.values() for f in n.fallbacks]
        if unnamed:
            listed = ", ".join(
                f"[{json_path('', d)}] {c!r} (would be {n})" for d, c, n in sorted(set(unnamed))
            )
            raise NamingError(str(settings.names), f"--strict-names: no curated name for {listed}")
    accepted = load_accepted(settings.snapshots / ACCEPTED)
    changelog = (settings.snapshots / FILENAME, render_changelog(history, accepted))
    options = Options(settings.templates, settings.ts_style, settings.sql_prefix)
    return Build(snapshots, render(snapshots, names, settings.targets, options), changelog)


def generate(settings: Settings) -> list[str]:
    """Render, then write atomically; report each file written or deleted."""
    result = build(settings)
    path, data = result.changelog
    return output.write(settings.out, result.rendered, result.versions, beside={path: data})


def check(settings: Settings) -> list[output.Difference]:
    """Render in memory and compare with the output folder and the changelog."""
    result = build(settings)
    found = output.check(settings.out, result.rendered, result.versions)
    difference = output.compare_file(*result.changelog)
    return found + ([difference] if difference else [])
