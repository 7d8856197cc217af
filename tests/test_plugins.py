"""Targets are plug-ins: a target that no core module knows renders, is checked and reads its options."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dictgen import pipeline, targets
from dictgen.config import load
from dictgen.errors import ConfigError
from dictgen.render.contract import Files, Job, Target, encode_text
from dictgen.render.filters import md_cell
from tests.support.helpers import sample_result, write_snapshot


@dataclass(frozen=True)
class ListOptions:
    """``[tool.dictgen.codelist]``."""

    heading: str = "Codes"
    counts: bool = False


def _render(job: Job) -> Files:
    """One text file per major, from a template of the project's own folder."""
    files: Files = {}
    for view in job.views:
        text = job.templates.render("codelist/list.txt.j2", major=view, options=job.options)
        files[f"codelist/v{view.major}.txt"] = encode_text(text)
    return files


CODELIST = Target("codelist", "codelist", _render, "every code on a line", ListOptions)


@pytest.fixture
def codelist(tmp_path: Path) -> Iterator[Path]:
    """A project with the throwaway target registered, its template and its options table."""
    targets.register(CODELIST)
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    (tmp_path / "templates" / "codelist").mkdir(parents=True)
    (tmp_path / "templates" / "codelist" / "list.txt.j2").write_text(
        "{{ options.heading }}\n{% for d in major.dictionaries %}{{ d.class_name }}"
        "{% if options.counts %} ({{ d.entries | length }}){% endif %}: "
        "{% for e in d.entries %}{{ e.code | md_cell }} {% endfor %}\n{% endfor %}",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["python", "codelist"]\ntemplates = "templates"\nbuiltin_names = false\n'
        '[tool.dictgen.codelist]\nheading = "All codes"\ncounts = true\n',
        encoding="utf-8",
    )
    try:
        yield tmp_path
    finally:
        targets.unregister("codelist")


def test_a_registered_target_renders_and_is_checked(codelist: Path) -> None:
    settings = load(codelist / "pyproject.toml")
    assert settings.options_of(CODELIST) == ListOptions("All codes", True)
    actions = pipeline.generate(settings)
    assert f"wrote {codelist / 'generated' / 'codelist' / 'v1.txt'}" in actions
    page = (codelist / "generated" / "codelist" / "v1.txt").read_text(encoding="utf-8")
    seats = sample_result()["seatClass"]["data"]
    assert page.startswith("All codes\n")
    assert f"({len(seats)}): " + " ".join(md_cell(c) for c in seats) in page
    assert '"codelist"' in (codelist / "generated" / "manifest.json").read_text(encoding="utf-8")
    assert pipeline.check(settings) == []
    (codelist / "generated" / "codelist" / "v1.txt").write_text("edited\n", encoding="utf-8")
    assert [d.kind for d in pipeline.check(settings)] == ["stale"]


def test_a_registered_target_reports_its_own_options(codelist: Path) -> None:
    (codelist / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["codelist"]\n[tool.dictgen.codelist]\ncounts = "yes"\nshout = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load(codelist / "pyproject.toml")
    assert raised.value.problems == [  # type: ignore[attr-defined]
        ("codelist.counts", "must be true or false"),
        ("codelist.shout", "unknown option of the codelist target (known: counts, heading)"),
    ]


def test_a_name_or_folder_cannot_be_registered_twice(codelist: Path) -> None:
    with pytest.raises(ConfigError):
        targets.register(CODELIST)
    with pytest.raises(ConfigError):
        targets.register(Target("other", "python", _render, "clashes with python's folder"))
    assert "other" not in targets.registry()


def test_every_shipped_target_comes_from_the_registry() -> None:
    shipped = targets.registry()
    assert list(shipped) == ["docs", "jsonschema", "python", "sql", "typescript"]
    assert {t.folder for t in shipped.values()} == {"docs", "jsonschema", "python", "sql", "typescript"}
    assert {n for n, t in shipped.items() if t.vendoring} == {"python", "typescript"}
