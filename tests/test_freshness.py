"""``check`` answered from a remembered plan: only ever
for the very inputs they were made from, and neither can be talked into a wrong answer."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dictgen import pipeline
from dictgen.config import Settings
from dictgen.errors import DictgenError, RenderError
from dictgen.model import curated
from dictgen.output import freshness
from dictgen.output.caches import NO_FAST_PATHS
from dictgen.output.plan import write
from dictgen.targets import registry
from tests.support.helpers import ROOT, dictgen, fast_paths, sample_result, write_snapshot

Mutation = Callable[[Path], object]


def _project(tmp_path: Path) -> Settings:
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    (tmp_path / "names.toml").write_text('[seatClass]\n"1" = "WOODEN_BENCH"\n', encoding="utf-8")
    shutil.copy(ROOT / "errors.toml", tmp_path / "errors.toml")
    return Settings(
        tmp_path / "snapshots",
        tmp_path / "out",
        tmp_path / "names.toml",
        tuple(registry()),
        errors=tmp_path / "errors.toml",
    )


def _no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("rendered")

    monkeypatch.setattr(pipeline, "_render", refuse)


def test_an_up_to_date_tree_is_checked_without_rendering_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _project(tmp_path)
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == []  # renders, and remembers the plan
        with monkeypatch.context() as patch:
            _no_render(patch)
            assert pipeline.check(settings) == []
    with fast_paths(False, tmp_path / "cache"), monkeypatch.context() as patch:
        _no_render(patch)
        with pytest.raises(AssertionError, match="rendered"):
            pipeline.check(settings)  # without fast paths, always the full way


def _edit(rel: str) -> Mutation:
    return lambda root: (root / "out" / rel).write_bytes((root / "out" / rel).read_bytes() + b"\n")


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "edited output": (_edit("sql/sqlite.sql"), "stale"),
    "edited manifest": (_edit("manifest.json"), "stale"),
    "deleted output": (lambda root: (root / "out" / "docs" / "v1.md").unlink(), "missing"),
    "added file": (lambda root: (root / "out" / "python" / "extra.py").write_text(""), "unexpected"),
    "empty folder": (lambda root: (root / "out" / "typescript" / "src" / "x").mkdir(), "unexpected"),
    "changed label": (
        lambda root: write_snapshot(
            root / "snapshots", "1.0.0", sample_result() | {"x": {"msg": "m", "data": {"1": "硬座"}}}
        ),
        "stale",
    ),
    "new snapshot": (lambda root: write_snapshot(root / "snapshots", "1.0.1", sample_result()), "stale"),
    "changed names": (lambda root: (root / "names.toml").write_text("", encoding="utf-8"), "stale"),
    "changed error table": (
        lambda root: (root / "errors.toml").write_text(
            (ROOT / "errors.toml").read_text(encoding="utf-8").replace("接口维护", "维护"), encoding="utf-8"
        ),
        "stale",
    ),
    "changed changelog": (lambda root: (root / "snapshots" / "CHANGELOG.md").write_text("x"), "stale"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_every_change_after_a_remembered_check_is_still_found(tmp_path: Path, mutation: str) -> None:
    settings = _project(tmp_path)
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == []
        change, kind = MUTATIONS[mutation]
        change(tmp_path)
        found = pipeline.check(settings)
        assert kind in {d.kind for d in found}, found
        with fast_paths(False, tmp_path / "slow-cache"):
            assert [(d.kind, d.path) for d in pipeline.check(settings)] == [(d.kind, d.path) for d in found]


def test_a_user_template_change_means_rendering_again(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    (tmp_path / "templates" / "docs").mkdir(parents=True)
    template = tmp_path / "templates" / "docs" / "reference.md.j2"
    template.write_text("{{ major.version }}\n", encoding="utf-8")
    settings = Settings(**{**settings.__dict__, "templates": tmp_path / "templates"})
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == []
        template.write_text("{{ major.sha256 }}\n", encoding="utf-8")
        assert [d.path for d in pipeline.check(settings)] == [
            str(tmp_path / "out" / "docs" / "README.md"),
            str(tmp_path / "out" / "docs" / "v1.md"),
            str(tmp_path / "out" / "manifest.json"),
        ]


def test_a_damaged_or_forged_record_only_means_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _project(tmp_path)
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == []
        [record] = (tmp_path / "cache" / "dictgen" / "plans").rglob("*.json")
        (tmp_path / "out" / "sql" / "mysql.sql").write_text("-- edited\n", encoding="utf-8")
        remembered = json.loads(record.read_text(encoding="utf-8"))
        forgeries = ["{", "[]", '{"files": {}, "owned": []}', json.dumps(remembered | {"owned": [1]})]
        files = {path: digest for path, digest in remembered["files"].items() if "mysql" not in path}
        forgeries.append(json.dumps(remembered | {"files": files}))  # a record that lost a file
        for forged in forgeries:
            record.write_text(forged, encoding="utf-8")
            assert [d.kind for d in pipeline.check(settings)] == ["stale"]


def test_snapshot_warnings_are_repeated_when_the_render_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _project(tmp_path)
    path = tmp_path / "snapshots" / "1.0.0.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(doc | {"surprise": 1}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        capsys.readouterr()
        for _ in range(2):
            assert pipeline.check(settings) == []
            assert "unknown key ignored" in capsys.readouterr().err


# --- names ---------------------------------------------------------------------------------


def test_pinyin_names_do_not_depend_on_the_environment(tmp_path: Path) -> None:
    write_snapshot(
        tmp_path / "snapshots", "1.0.0", {"banks": {"msg": "m", "data": {"1": "银行", "2": "重庆"}}}
    )
    (tmp_path / "pyproject.toml").write_text("[tool.dictgen]\nbuiltin_names = false\n", encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PYPINYIN_NO_PHRASES": "1", NO_FAST_PATHS: "1"}
    assert dictgen("generate", cwd=tmp_path, env=env).returncode == 0
    module = (tmp_path / "generated" / "python" / "juhe_grabticket" / "v1" / "__init__.py").read_text()
    assert 'YIN_HANG = "1"' in module and 'CHONG_QING = "2"' in module


def test_a_linked_template_folder_is_never_answered_from_the_record(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    (tmp_path / "shared" / "docs").mkdir(parents=True)
    template = tmp_path / "shared" / "docs" / "reference.md.j2"
    template.write_text("{{ major.version }}\n", encoding="utf-8")
    shutil.copytree(tmp_path / "shared", tmp_path / "templates")
    settings = Settings(**{**settings.__dict__, "templates": tmp_path / "templates"})
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == [] and pipeline.check(settings) == []
        # The same template, now through a link: refused (it could lead to any file), every time.
        shutil.rmtree(tmp_path / "templates" / "docs")
        (tmp_path / "templates" / "docs").symlink_to(tmp_path / "shared" / "docs")
        for _ in range(2):
            with pytest.raises(RenderError, match="templates/docs: is a symbolic link"):
                pipeline.check(settings)


def test_the_names_shipped_with_dictgen_are_part_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = tmp_path / "builtin.toml"
    builtin.write_text((ROOT / "names.toml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(curated, "BUILTIN", builtin)
    monkeypatch.setattr(freshness, "BUILTIN", builtin)
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    settings = Settings(tmp_path / "snapshots", tmp_path / "out", tmp_path / "none.toml", ("python",))
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == [] and pipeline.check(settings) == []
        text = builtin.read_text(encoding="utf-8").replace("SECOND_CLASS_SEAT", "SECOND_CLASS_SEAT_X")
        builtin.write_text(text, encoding="utf-8")
        assert {d.kind for d in pipeline.check(settings)} == {"stale"}


def test_a_linked_output_folder_is_refused_by_check_as_by_generate(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        assert pipeline.check(settings) == []
        (tmp_path / "out" / "sql").rename(tmp_path / "elsewhere")
        (tmp_path / "out" / "sql").symlink_to(tmp_path / "elsewhere")
        with pytest.raises(DictgenError, match="is a symbolic link"):
            pipeline.check(settings)


def test_check_never_reads_through_a_linked_file_or_waits_on_a_fifo(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("AWS_SECRET_ACCESS_KEY=topsecret\n", encoding="utf-8")
    with fast_paths(True, tmp_path / "cache"):
        write(pipeline.plan(settings))
        linked = tmp_path / "out" / "sql" / "postgresql.sql"
        linked.unlink()
        linked.symlink_to(secret)
        os.mkfifo(tmp_path / "out" / "sql" / "sqlite.sql.tmp-fifo")
        (tmp_path / "out" / "sql" / "sqlite.sql").unlink()
        os.mkfifo(tmp_path / "out" / "sql" / "sqlite.sql")
        found = pipeline.check(settings)
        shown = "\n".join(f"{d.kind} {d.path} {d.diff}" for d in found)
        assert "topsecret" not in shown
        assert {(d.kind, Path(d.path).name) for d in found} >= {
            ("missing", "postgresql.sql"),
            ("missing", "sqlite.sql"),
        }
