"""The contract between the pipeline and the targets: what a target is, reads and returns.

A target is one ``Target`` object, registered by a module in ``dictgen.targets``. Targets import
this module (and the filters, choices and errors) and nothing above it; it imports no target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dictgen.model.errorcodes import ErrorCode
from dictgen.model.naming import Derived, Names, derived
from dictgen.model.types import Snapshot, Version
from dictgen.text import Untrusted

# The file map: output path (relative to the output folder, "/"-separated) -> content.
Files = dict[str, bytes]


def encode_text(text: str) -> bytes:
    """LF line ends, no trailing blanks, exactly one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


class Templates(Protocol):
    """Renders a named template; every failure is a RenderError."""

    def render(self, name: str, **context: Any) -> str:
        """The text of template ``name`` rendered with ``context``."""
        ...

    def builtin(self, name: str) -> bool:
        """True when ``name`` and every template it includes are dictgen's own (no user template)."""
        ...


@dataclass(frozen=True)
class NoOptions:
    """The options of a target that has none."""


@dataclass(frozen=True)
class Job:
    """What a target renders: every major version, its own options, where the changelog is, and
    Juhe's error codes."""

    templates: Templates
    views: Sequence[MajorView]
    options: Any  # an instance of the target's ``Target.options``
    # The snapshot changelog, relative to the output folder ("/"-separated, percent-encoded).
    changelog: str
    errors: tuple[ErrorCodeView, ...]  # Juhe's system-level error codes, ascending

    def link(self, folder: str, path: str) -> str:
        """``path`` (relative to the output folder) as a link from a page in ``folder``."""
        return "../" * len([part for part in folder.split("/") if part]) + path


@dataclass(frozen=True)
class Vendoring:
    """How ``dictgen vendor`` copies a target's package into another repository."""

    package: str  # the package's folder below the output folder
    language: str  # as VENDORED.md names it
    majors: bool = False  # each major is a subfolder ``v{M}``: ``--major`` can copy one alone
    # The package's name from its files (package.json's "name"), or None: the folder's name.
    name: Callable[[Mapping[str, bytes]], str | None] | None = None


@dataclass(frozen=True)
class Target:
    """One output target: a plug-in that the core knows only through this object."""

    name: str
    folder: str  # the one folder below the output folder that the target owns
    render: Callable[[Job], Files]
    summary: str  # one line for ``--help`` and the docs
    options: type = NoOptions  # a frozen dataclass with defaults: ``[tool.dictgen.<name>]``
    reserved: frozenset[str] = frozenset()  # names the generated code defines: never a class name
    vendoring: Vendoring | None = None
    # Settings of dictgen 0.1, before targets had tables: flat key (and CLI option) -> option field.
    flat: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryView:
    """One entry as templates see it: text wrapped in Untrusted, names ready to print."""

    code: Untrusted
    label: Untrusted
    name: str
    curated: bool = True  # False: a fallback name, not from names.toml or dictgen's built-in names


@dataclass(frozen=True)
class DictionaryView:
    """One dictionary as templates see it."""

    key: Untrusted
    msg: Untrusted
    class_name: str
    derived: Derived
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class MajorView:
    """Everything the templates of one major version need."""

    major: int
    version: str
    sha256: str
    tips: tuple[Untrusted, ...]
    dictionaries: tuple[DictionaryView, ...]


@dataclass(frozen=True)
class ErrorCodeView:
    """One system-level ``error_code`` as templates see it: text wrapped in Untrusted, the name
    (UPPER_SNAKE_CASE, checked when errors.toml is read) ready to print."""

    code: int
    name: str
    label: Untrusted
    meaning: Untrusted
    retryable: bool


def build_error_views(codes: Sequence[ErrorCode]) -> tuple[ErrorCodeView, ...]:
    """The view-models of the error codes, in the order given."""
    return tuple(
        ErrorCodeView(c.code, c.name, Untrusted(c.label), Untrusted(c.meaning), c.retryable) for c in codes
    )


def build_views(snapshots: Sequence[Snapshot], names: Mapping[Version, Names]) -> list[MajorView]:
    """View-models per major version, in ascending major order."""
    return [_major_view(snap, names[snap.version]) for snap in snapshots]


def _major_view(snap: Snapshot, named: Names) -> MajorView:
    fallback = {(key, code) for key, code, _ in named.fallbacks}
    dictionaries = tuple(
        DictionaryView(
            Untrusted(d.key),
            Untrusted(d.msg),
            named.classes[d.key],
            derived(named.classes[d.key]),
            tuple(
                EntryView(
                    Untrusted(e.code),
                    Untrusted(e.label),
                    named.members[d.key][e.code],
                    (d.key, e.code) not in fallback,
                )
                for e in d.entries
            ),
        )
        for d in snap.dictionaries
    )
    tips = tuple(Untrusted(t) for t in snap.tips or ())
    return MajorView(snap.version.major, str(snap.version), snap.sha256, tips, dictionaries)
