"""The one path from snapshots to files: load -> name -> render; then write or compare."""

from __future__ import annotations

from dataclasses import dataclass

from generator import output
from generator.config import Settings
from generator.errors import NamingError
from generator.model import Snapshot
from generator.naming import assign, check_curated, load_curated
from generator.render import Options, render
from generator.snapshot import load_snapshots, newest_per_major


@dataclass(frozen=True)
class Build:
    """A rendering, held in memory: nothing is written yet."""

    snapshots: list[Snapshot]
    rendered: dict[str, dict[str, bytes]]

    @property
    def versions(self) -> list[str]:
        """The snapshot versions rendered, one per major."""
        return [str(s.version) for s in self.snapshots]


def build(settings: Settings) -> Build:
    """Load, validate, name and render everything the settings ask for."""
    snapshots = newest_per_major(load_snapshots(settings.snapshots))
    curated = load_curated(settings.names)
    check_curated(curated, snapshots, settings.names)
    names = {str(s.version): assign(s, curated) for s in snapshots}
    if settings.strict_names:
        unnamed = [f for n in names.values() for f in n.fallbacks]
        if unnamed:
            listed = ", ".join(f"[{d}] {c!r} (would be {n})" for d, c, n in sorted(set(unnamed)))
            raise NamingError(str(settings.names), f"--strict-names: no curated name for {listed}")
    options = Options(settings.templates, settings.ts_style, settings.sql_prefix)
    return Build(snapshots, render(snapshots, names, settings.targets, options))


def generate(settings: Settings) -> list[str]:
    """Render, then write atomically; return the paths that changed."""
    result = build(settings)
    return output.write(settings.out, result.rendered, result.versions)


def check(settings: Settings) -> list[output.Difference]:
    """Render in memory and compare with the output folder."""
    result = build(settings)
    return output.check(settings.out, result.rendered, result.versions)
