"""Writing and checking: owned files only, atomic, all-or-nothing, exact bytes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dictgen.config import load
from dictgen.errors import DictgenError
from dictgen.output.atomic import write_files
from dictgen.output.plan import MANIFEST
from tests.conftest import Run
from tests.support.helpers import sample_result, tree, write_snapshot

PY = Path("generated/python/juhe_grabticket")


def _second_major(project: Path) -> None:
    result = sample_result()
    del result["idType"]["data"]["4"]
    write_snapshot(project / "snapshots", "2.0.0", result)


def test_generate_writes_manifest_of_owned_files(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    manifest = json.loads((project / "generated" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["snapshots"] == ["1.0.0"]
    assert sorted(manifest["targets"]) == sorted(load(project / "pyproject.toml", must_exist=True).targets)
    assert {"docs", "python", "sql", "typescript"} <= set(manifest["targets"])
    owned = {p for files in manifest["targets"].values() for p in files}
    assert owned | {MANIFEST} == set(tree(project / "generated"))


def test_new_major_adds_a_subpackage_and_removal_deletes_only_owned_files(project: Path, run: Run) -> None:
    _second_major(project)
    assert run("generate").exit_code == 0
    v1, v2 = (project / PY / "v1" / "__init__.py"), (project / PY / "v2" / "__init__.py")
    assert "HK_MACAO_TRAVEL_PERMIT" in v1.read_text(encoding="utf-8")
    assert "HK_MACAO_TRAVEL_PERMIT" not in v2.read_text(encoding="utf-8")
    assert "from .v2 import" in (project / PY / "__init__.py").read_text(encoding="utf-8")
    (project / PY / "v2" / "notes.txt").write_text("mine", encoding="utf-8")
    (project / "generated" / "README.txt").write_text("mine too", encoding="utf-8")
    (project / "snapshots" / "2.0.0.json").unlink()
    result = run("generate")
    assert result.exit_code == 0 and f"deleted {PY / 'v2' / '__init__.py'}" in result.stdout
    assert not v2.exists() and (project / PY / "v2" / "notes.txt").exists()
    assert (project / "generated" / "README.txt").read_text(encoding="utf-8") == "mine too"
    # A file of one's own inside the generated package is reported; one beside the targets is not.
    result = run("check")
    assert result.exit_code == 1
    unexpected = f"unexpected: {PY / 'v2' / 'notes.txt'}"
    assert result.stdout.splitlines() == [unexpected, " 1 file differs, 0 insertions(+), 0 deletions(-)"]


def test_generate_twice_changes_nothing(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    again = run("generate")
    assert again.exit_code == 0 and again.stdout == ""


def test_check_reports_stale_missing_and_extra(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    assert run("check").exit_code == 0
    module = project / PY / "v1" / "__init__.py"
    module.write_text(module.read_text(encoding="utf-8").replace('"4"', '"5"', 1), encoding="utf-8")
    (project / PY / "py.typed").unlink()
    _second_major(project)
    assert run("generate").exit_code == 0
    (project / "snapshots" / "2.0.0.json").unlink()
    (project / "snapshots" / "CHANGELOG.md").write_text("edited\n", encoding="utf-8")
    module.write_text(module.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    result = run("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"stale: {PY / 'v1' / '__init__.py'}" in lines
    assert f"extra: {PY / 'v2' / '__init__.py'}" in lines
    assert "stale: snapshots/CHANGELOG.md" in lines
    assert any(line.strip() == "-# edited" for line in lines)
    assert "out of date" in result.stderr


def test_check_reports_missing_files(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    (project / PY / "py.typed").unlink()
    result = run("check", "--target", "python")
    assert result.exit_code == 1
    summary = " 1 file differs, 0 insertions(+), 0 deletions(-)"  # py.typed is empty
    assert result.stdout.splitlines() == [f"missing: {PY / 'py.typed'}", summary]


def test_a_failed_write_puts_every_file_back(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a.txt", tmp_path / "b" / "c.txt", tmp_path / "d.txt"
    first.write_bytes(b"old a")
    (tmp_path / "d.txt").mkdir()  # renaming onto a directory fails after a.txt and b/c.txt are in place
    with pytest.raises(DictgenError, match=r"d\.txt: cannot write"):
        write_files({first: b"new a", second: b"new c", third: b"new d"}, tmp_path)
    assert first.read_bytes() == b"old a" and not second.exists() and not second.parent.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.txt"]


def test_a_failed_generate_leaves_the_previous_output(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    before = tree(project / "generated")
    write_snapshot(project / "snapshots", "1.1.0", {**sample_result(), "newDict": {"msg": "", "data": {}}})
    blocker = project / "generated" / "sql" / "sqlite.sql"
    blocker.unlink()
    blocker.mkdir()
    result = run("generate")
    assert result.exit_code == 2 and "sqlite.sql: cannot write" in result.stderr
    blocker.rmdir()
    after = tree(project / "generated")
    del before["sql/sqlite.sql"]
    assert after == before


@pytest.mark.parametrize("entry", ["../../victim.txt", "/tmp/victim.txt", "python/./x", "a\\b", ""])
def test_a_tampered_manifest_cannot_reach_outside(project: Path, run: Run, entry: str) -> None:
    assert run("generate").exit_code == 0
    victim = project.parent / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    path = project / "generated" / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["targets"]["sql"][entry] = "0" * 64
    path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run("generate", "--target", "sql")
    assert result.exit_code == 2 and "refusing a manifest entry outside the output folder" in result.stderr
    assert victim.read_text(encoding="utf-8") == "keep"


def test_changelog_is_written_with_the_output_as_one_set(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    before = tree(project / "generated")
    (project / "snapshots" / "CHANGELOG.md").unlink()
    (project / "snapshots" / "CHANGELOG.md").mkdir()
    write_snapshot(project / "snapshots", "1.1.0", {**sample_result(), "newDict": {"msg": "", "data": {}}})
    result = run("generate")
    assert result.exit_code == 2 and "CHANGELOG.md: cannot write" in result.stderr
    assert tree(project / "generated") == before


def test_output_is_lf_utf8_with_final_newline(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    for rel, data in tree(project / "generated").items():
        if rel.endswith("py.typed"):
            continue
        assert data.endswith(b"\n") and b"\r\n" not in data, rel
        data.decode("utf-8")


def test_a_cr_inside_a_label_survives_writing(project: Path, run: Run) -> None:
    result = sample_result()
    result["seatClass"]["data"]["4"] = "二等\r座"
    write_snapshot(project / "snapshots", "1.0.1", result)
    assert run("generate").exit_code == 0
    module = (project / PY / "v1" / "__init__.py").read_bytes()
    assert b'"\\u4e8c' not in module and "二等\\r座".encode() in module and b"\r" not in module


def test_check_shows_terminal_escapes_in_an_edited_file_as_text(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    edited = project / "generated" / "sql" / "sqlite.sql"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\x1b]8;;http://x\x07link\x1b[2J\n", encoding="utf-8"
    )
    result = run("check")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "-\\u001b]8;;http://x\\u0007link\\u001b[2J" in result.stdout


@pytest.mark.parametrize(
    ("edit", "shown", "counted"),
    [
        (
            lambda data: data.replace(b"\n", b"\r\n"),
            "    -BEGIN;\\u000d\\u000a\n",
            "557 insertions(+), 557 deletions(-)",
        ),
        (lambda data: data[:-1], "    -COMMIT;\n    +COMMIT;\\u000a\n", "1 insertion(+), 1 deletion(-)"),
    ],
    ids=["crlf", "no final newline"],
)
def test_check_shows_what_differs_when_only_line_ends_do(
    project: Path, run: Run, edit: Callable[[bytes], bytes], shown: str, counted: str
) -> None:
    """A checkout with autocrlf: the same lines, other bytes. The diff was empty, 0 lines counted."""
    assert run("generate").exit_code == 0
    edited = project / "generated" / "sql" / "sqlite.sql"
    edited.write_bytes(edit(edited.read_bytes()))
    result = run("check", "--target", "sql")
    assert result.exit_code == 1
    assert shown in result.stdout and result.stdout.endswith(f" 1 file differs, {counted}\n")
