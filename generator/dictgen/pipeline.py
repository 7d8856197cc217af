"""The one path from snapshots to files: load -> name -> render -> plan; then write or compare.

Targets are reached through the registry and render with the options their settings give them;
this module names none of them.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from dictgen import targets
from dictgen.config import Settings
from dictgen.errors import ConfigError, UnnamedError
from dictgen.model.curated import check_curated, load_curated, with_builtin
from dictgen.model.errorcodes import load_error_codes
from dictgen.model.naming import Names, assign
from dictgen.model.snapshot import (
    Warn,
    check_size,
    json_path,
    load_snapshots,
    newest_per_major,
    stderr_warning,
)
from dictgen.model.types import Snapshot, Version
from dictgen.output import freshness
from dictgen.output import plan as output
from dictgen.output.atomic import locked, recover, settled
from dictgen.output.caches import JsonCache, cache_home, fast_paths, private_folder
from dictgen.render.contract import Files, Job, MajorView, build_error_views, build_views
from dictgen.render.jinja import JinjaTemplates
from dictgen.upstream.accepted import ACCEPTED, load_accepted
from dictgen.upstream.changelog import FILENAME, render_changelog


def plan(settings: Settings, warn: Warn = stderr_warning) -> output.Plan:
    """Load, validate, name and render everything the settings ask for; write nothing (but caches)."""
    return _plan_output(settings, _render(settings, warn))


def _render(settings: Settings, warn: Warn = stderr_warning) -> Rendering:
    """Everything that does not depend on the output folder: snapshots -> files in memory."""
    history, snapshots, names = _named(settings, warn)
    changelog = render_changelog(history, load_accepted(settings.snapshots / ACCEPTED))
    templates = JinjaTemplates(settings.templates, fast_paths())
    views = build_views(snapshots, names)
    link = _changelog_link(settings)
    errors = build_error_views(load_error_codes(settings.error_table))
    files = {}
    for name in settings.targets:
        target = targets.get(name)
        rendered = target.render(Job(templates, views, settings.options_of(target), link, errors))
        files[name] = dict(sorted(rendered.items()))
    return Rendering(files, [str(s.version) for s in snapshots], changelog)


def _changelog_link(settings: Settings) -> str:
    """The snapshot changelog as a URL relative to the output folder, from where both really are
    (never from the working folder: one absolute and one relative path would depend on it)."""
    try:
        path = os.path.relpath(os.path.abspath(settings.snapshots / FILENAME), os.path.abspath(settings.out))
    except ValueError:  # Windows: no relative path leads to another drive
        what = f"is on another drive than {settings.snapshots}: the generated docs link to its changelog"
        raise ConfigError(settings.out, f"{what} by a relative path, so keep both on one drive") from None
    return urllib.parse.quote(path.replace(os.sep, "/"))


def _named(
    settings: Settings, warn: Warn = stderr_warning
) -> tuple[list[Snapshot], list[Snapshot], dict[Version, Names]]:
    """Every snapshot, the newest of each major, and the names of each of those."""
    history = load_snapshots(settings.snapshots, warn)
    snapshots = newest_per_major(history)
    check_size(snapshots, settings.max_entries, settings.snapshots)
    problems: list[tuple[str, str]] = []
    curated = load_curated(settings.names, problems)
    check_curated(curated, snapshots, settings.names, problems)
    if settings.builtin_names:
        curated = with_builtin(curated, snapshots, settings.names, warn)
    names = {s.version: assign(s, curated, targets.reserved()) for s in snapshots}
    if settings.strict_names:
        _check_strict(names, settings)
    return history, snapshots, names


def views(settings: Settings) -> list[MajorView]:
    """The view-models of every major version, as the targets see them (for ``dictgen show``)."""
    settled(settings.snapshots)  # never show a half-recorded snapshot
    _, snapshots, names = _named(settings)
    return build_views(snapshots, names)


def _plan_output(settings: Settings, rendering: Rendering) -> output.Plan:
    changelog = {settings.snapshots / FILENAME: rendering.changelog}
    return output.plan(settings.out, rendering.files, rendering.versions, changelog)


@dataclass(frozen=True)
class Rendering:
    """The rendered targets, the snapshot versions they show and the changelog, in memory."""

    files: dict[str, Files]
    versions: list[str]
    changelog: bytes


def _check_strict(names: dict[Version, Names], settings: Settings) -> None:
    unnamed = sorted({f for n in names.values() for f in n.fallbacks})
    if unnamed:
        problems = [(f"[{json_path('', d)}] {c!r}", f"no curated name (would be {n})") for d, c, n in unnamed]
        where = f"{settings.names}: --strict-names" if settings.names.is_file() else "--strict-names"
        raise UnnamedError(where, problems)


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
    """Plan, then compare with the disk: the same files ``generate`` would write. A tree found up to
    date before, from the same inputs, is compared by digest without rendering (``freshness``)."""
    output.check_out_root(settings.out, [settings.snapshots, settings.config])
    settled(settings.snapshots)  # never compare with a half-recorded snapshot
    plans = _cache("plans")
    key = freshness.inputs_key(settings) if plans else None
    if plans and key:
        remembered = plans.get(key)
        if freshness.unchanged(settings, key, remembered) and isinstance(remembered, dict):
            for message in remembered.get("warnings") or []:
                stderr_warning(str(message))
            return []
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        stderr_warning(message)

    planned = plan(settings, warn)
    differences = output.check(planned)
    if plans and key and not differences and freshness.inputs_key(settings) == key:  # nothing moved meanwhile
        plans.put(key, freshness.record(key, planned) | {"warnings": warnings})
    return differences


def _cache_root() -> Path | None:
    """The user's cache folder, or None without fast paths or when it is not private."""
    home = cache_home()
    return home if home is not None and fast_paths() and private_folder(home) else None


def _cache(name: str) -> JsonCache | None:
    """The named cache in the user's cache folder (see ``_cache_root``)."""
    root = _cache_root()
    return JsonCache(root / name) if root else None
