"""`dictgen vendor` and `dictgen check --vendored`, run as processes against a temp "other repository"."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dictgen import __version__
from tests.support.helpers import ROOT, dictgen, sample_result, tree, write_snapshot

PACKAGE = "app/_vendor/juhe_grabticket"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that has run `dictgen generate` once (shared; tests copy it before changing it)."""
    folder = tmp_path_factory.mktemp("generated") / "project"
    shutil.copytree(ROOT / "snapshots", folder / "snapshots", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(ROOT / "names.toml", folder / "names.toml")
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    result = dictgen("generate", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def producer(generated: Path, tmp_path: Path) -> Path:
    """A private copy of the generated project, free to change."""
    return Path(shutil.copytree(generated, tmp_path / "producer"))


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """Another repository, where the copy goes."""
    (tmp_path / "other" / ".git").mkdir(parents=True)
    return tmp_path / "other"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _vendor(producer: Path, dest: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return dictgen("vendor", dest, *args, cwd=producer)


def _check(other: Path, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return dictgen("check", "--vendored", *args, cwd=cwd or other)


def _python(cwd: Path, code: str) -> str:
    """Run ``code`` in a fresh interpreter in ``cwd``; its stdout (stderr when it fails)."""
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else done.stderr


def _one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_python_round_trip(generated: Path, other: Path) -> None:
    dest = other / PACKAGE
    result = _vendor(generated, dest, "--target", "python")
    assert result.returncode == 0, result.stderr
    source = tree(generated / "generated/python/juhe_grabticket")
    copied = tree(dest)
    record = json.loads(copied.pop("VENDORED.json"))
    assert {k: v for k, v in copied.items() if k != "VENDORED.md"} == {
        k: v for k, v in source.items() if "__pycache__" not in k
    }
    snapshot = json.loads((generated / "snapshots/1.0.0.json").read_text(encoding="utf-8"))
    assert record["package"] == "juhe_grabticket" and record["target"] == "python"
    assert record["generator"] == f"grabticket-dictgen {__version__}" and record["major"] is None
    assert record["snapshots"] == [{"version": "1.0.0", "sha256": snapshot["sha256"]}]
    assert record["files"] == {rel: _sha256(data) for rel, data in sorted(copied.items())}
    assert list(record["files"]) == sorted(record["files"])
    assert record["verify"] == f"dictgen check --vendored {PACKAGE}"
    assert f"dictgen check --vendored {PACKAGE}" in copied["VENDORED.md"].decode()
    (dest / "__pycache__").mkdir()
    (dest / "__pycache__/__init__.cpython-311.pyc").write_bytes(b"bytecode")  # ignored, like check
    checked = _check(other, PACKAGE)
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stderr
    assert checked.stderr == f"vendored copy intact: {PACKAGE}\n"
    assert f"`dictgen check --vendored {PACKAGE}`" in result.stderr
    assert _python(
        other, "from app._vendor.juhe_grabticket.v1 import SeatClass as S; print(S('4').name)"
    ) == ("SECOND_CLASS_SEAT\n")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("edit", "edited: {d}/v1/__init__.py"),
        ("add", "unexpected: {d}/v1/extra.py"),
        ("remove", "missing: {d}/py.typed"),
    ],
)
def test_check_vendored_lists_each_difference(
    generated: Path, other: Path, change: str, expected: str
) -> None:
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    if change == "edit":
        with (dest / "v1/__init__.py").open("a", encoding="utf-8") as handle:
            handle.write("# a local fix\n")
    elif change == "add":
        (dest / "v1/extra.py").write_text("X = 1\n", encoding="utf-8")
    else:
        (dest / "py.typed").unlink()
    result = _check(other, PACKAGE)
    assert result.returncode == 1
    assert result.stdout == expected.format(d=PACKAGE) + "\n"
    assert "1 file(s) differ from the vendored copy" in result.stderr


def _record_with(dest: Path, **changes: object) -> bytes:
    record = json.loads((dest / "VENDORED.json").read_text(encoding="utf-8"))
    return json.dumps({**record, **changes}).encode()


@pytest.mark.parametrize(
    "hostile",
    [
        "outside",
        "absolute",
        "backslash",
        "dotdot-inside",
        "not-json",
        "deep",
        "not-utf8",
        "format",
        "no-files",
        "symlink",
    ],
)
def test_hostile_record_is_one_line_and_exit_2(generated: Path, other: Path, hostile: str) -> None:
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    digest = "0" * 64
    documents = {
        "outside": _record_with(dest, files={"../../../victim.txt": digest}),
        "absolute": _record_with(dest, files={"/etc/passwd": digest}),
        "backslash": _record_with(dest, files={"v1\\..\\..\\x": digest}),
        "dotdot-inside": _record_with(dest, files={"v1/../../../x": digest}),
        "not-json": b"{",
        "deep": b"[" * 100_000,
        "not-utf8": b'{"files": "\xff"}',
        "format": _record_with(dest, format=99),
        "no-files": _record_with(dest, files={}),
    }
    (other / "victim.txt").write_text("mine\n", encoding="utf-8")
    record = dest / "VENDORED.json"
    if hostile == "symlink":
        record.unlink()
        record.symlink_to(other / "victim.txt")
    else:
        record.write_bytes(documents[hostile])
    _one_error(_check(other, PACKAGE))
    _one_error(_vendor(generated, dest, "--target", "python"))
    assert (other / "victim.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("listed", [".git/config", ".GIT/config", "v1/.git", ".git./config", "GIT~1/config"])
def test_a_record_listing_a_git_folder_deletes_nothing(generated: Path, tmp_path: Path, listed: str) -> None:
    """A copy at a repository's root (its own package repository): a record that lists a file of
    .git with its very bytes must not have vendor delete it as a file no longer part of the copy."""
    dest = tmp_path / "package"
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    (dest / ".git").mkdir()
    config = dest / ".git" / "config"
    config.write_text("[core]\n", encoding="utf-8")
    record = json.loads((dest / "VENDORED.json").read_text(encoding="utf-8"))
    record["files"][listed] = _sha256(config.read_bytes())
    (dest / "VENDORED.json").write_text(json.dumps(record), encoding="utf-8")
    assert "in a .git folder" in _one_error(_vendor(generated, dest, "--target", "python"))
    _one_error(_check(tmp_path, dest))
    assert config.read_text(encoding="utf-8") == "[core]\n"


def test_vendor_refuses_a_folder_that_is_not_a_vendored_copy(generated: Path, other: Path) -> None:
    dest = other / "lib"
    dest.mkdir()
    (dest / "notes.txt").write_text("not ours\n", encoding="utf-8")
    before = tree(other)
    error = _one_error(_vendor(generated, dest, "--target", "python"))
    assert "is not a vendored copy (no VENDORED.json)" in error
    assert tree(other) == before and sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    _one_error(_check(other, "lib"))


def test_vendor_refuses_symbolic_links_and_its_own_folders(generated: Path, other: Path) -> None:
    (other / "real").mkdir()
    (other / "link").symlink_to(other / "real")
    assert "is a symbolic link" in _one_error(_vendor(generated, other / "link", "--target", "python"))
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    shutil.rmtree(dest / "v1")
    (dest / "v1").symlink_to(other / "real")
    assert "is a symbolic link" in _one_error(_vendor(generated, dest, "--target", "python"))
    assert list((other / "real").iterdir()) == []
    _one_error(_vendor(generated, generated / "generated/python/copy", "--target", "python"))
    _one_error(_vendor(generated, generated, "--target", "python"))


def test_a_journal_planted_in_the_copy_steers_nothing(generated: Path, other: Path) -> None:
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    victim = other / "victim.txt"
    victim.write_text("mine\n", encoding="utf-8")
    journal = {"steps": [{"path": str(victim), "delete": False, "existed": False}], "made": []}
    (dest / ".dictgen-journal").write_text(json.dumps(journal), encoding="utf-8")
    # Journals live in the user's state folder: this one is only a foreign file.
    assert _check(other, PACKAGE).stdout == f"unexpected: {PACKAGE}/.dictgen-journal\n"
    _vendor(generated, dest, "--target", "python")
    assert victim.read_text(encoding="utf-8") == "mine\n"


def _new_major(producer: Path) -> None:
    result = sample_result()
    del result["seatClass"]["data"]["44"]  # an entry removed: breaking, a new major
    write_snapshot(producer / "snapshots", "2.0.0", result)
    generated = dictgen("generate", cwd=producer)
    assert generated.returncode == 0, generated.stderr


def test_revendor_after_a_new_major_removes_stale_files(producer: Path, other: Path) -> None:
    dest = other / PACKAGE
    first = _vendor(producer, dest, "--target", "python", "--major", "1")
    assert first.returncode == 0, first.stderr
    assert sorted(tree(dest)) == ["VENDORED.json", "VENDORED.md", "py.typed", "v1/__init__.py"]
    (dest / "v1/__pycache__").mkdir()
    (dest / "v1/__pycache__/__init__.cpython-311.pyc").write_bytes(b"bytecode")
    _new_major(producer)
    second = _vendor(producer, dest, "--target", "python", "--major", "2")
    assert second.returncode == 0, second.stderr
    assert f"deleted {dest}/v1/__init__.py" in second.stdout.splitlines()
    assert sorted(tree(dest)) == ["VENDORED.json", "VENDORED.md", "py.typed", "v2/__init__.py"]
    assert not (dest / "v1").exists()
    record = json.loads((dest / "VENDORED.json").read_text(encoding="utf-8"))
    assert (record["major"], [s["version"] for s in record["snapshots"]]) == (2, ["2.0.0"])
    assert _check(other, PACKAGE).returncode == 0
    # without the root __init__.py, juhe_grabticket is a namespace package: v2 imports on its own
    code = "from app._vendor.juhe_grabticket.v2 import SeatClass as S; print(S('4').name, '44' in [*S])"
    assert _python(other, code) == "SECOND_CLASS_SEAT False\n"
    missing = _vendor(producer, dest, "--target", "python", "--major", "3")
    assert "no v3 in" in _one_error(missing) and "v1, v2" in missing.stderr


def test_revendor_keeps_a_stale_file_that_was_edited(generated: Path, other: Path) -> None:
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    (dest / "__init__.py").write_text("# mine now\n", encoding="utf-8")
    result = _vendor(generated, dest, "--target", "python", "--major", "1")
    assert result.returncode == 0, result.stderr
    assert f"kept {dest}/__init__.py: edited since it was vendored, delete it by hand" in result.stdout
    assert _check(other, PACKAGE).stdout == f"unexpected: {PACKAGE}/__init__.py\n"


def test_typescript_round_trip(generated: Path, other: Path) -> None:
    dest = other / "web/vendor/juhe-grabticket"
    result = _vendor(generated, dest, "--target", "typescript")
    assert result.returncode == 0, result.stderr
    copied = tree(dest)
    record = json.loads(copied.pop("VENDORED.json"))
    assert (record["package"], record["target"]) == ("juhe-grabticket", "typescript")
    source = tree(generated / "generated/typescript")
    assert {"package.json", "src/index.ts", "src/v1/index.ts"} <= set(source)
    assert copied == {**source, "VENDORED.md": copied["VENDORED.md"]}
    for tool in ("node_modules/typescript", "dist"):
        (dest / tool).mkdir(parents=True)
        (dest / tool / "index.js").write_text("//\n", encoding="utf-8")
    assert _check(other, "web/vendor/juhe-grabticket").returncode == 0
    (dest / "src/v1/index.ts").write_text("export {};\n", encoding="utf-8")
    assert _check(other, "web/vendor/juhe-grabticket").stdout == (
        "edited: web/vendor/juhe-grabticket/src/v1/index.ts\n"
    )
    assert "--target python only" in _one_error(
        _vendor(generated, dest, "--target", "typescript", "--major", "1")
    )


def test_newer_snapshot_is_a_note_and_vendor_wants_a_fresh_generate(producer: Path, other: Path) -> None:
    dest = other / PACKAGE
    assert _vendor(producer, dest, "--target", "python").returncode == 0
    result = sample_result()
    result["seatClass"]["data"]["55"] = "新座"  # an entry added: 1.1.0, same major
    write_snapshot(producer / "snapshots", "1.1.0", result)
    noted = _check(other, dest, cwd=producer)
    assert noted.returncode == 0, noted.stderr
    assert "note: snapshot 1.1.0 in snapshots is newer than the vendored 1.0.0 (major 1)" in noted.stderr
    assert "note:" not in _check(other, PACKAGE).stderr  # the other repository has no snapshots
    (dest / "py.typed").unlink()
    assert _check(other, dest, cwd=producer).returncode == 1  # the note does not change the exit code
    stale = _one_error(_vendor(producer, dest, "--target", "python"))
    assert "run `dictgen generate` first" in stale
    with (producer / "generated/python/juhe_grabticket/py.typed").open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    assert dictgen("generate", cwd=producer).returncode == 0  # generate repairs py.typed too
    assert _vendor(producer, dest, "--target", "python").returncode == 0
    assert _check(other, dest, cwd=producer).stderr == f"vendored copy intact: {dest}\n"


def test_vendor_refuses_edited_generated_output(generated: Path, producer: Path, other: Path) -> None:
    edited = producer / "generated/python/juhe_grabticket/v1/__init__.py"
    edited.write_bytes(edited.read_bytes() + b"# local\n")
    error = _one_error(_vendor(producer, other / PACKAGE, "--target", "python"))
    assert f"error: {edited.relative_to(producer)}: edited since `dictgen generate` wrote it" in error
    assert not (other / "app").exists()
    assert "takes no --out" in _one_error(_check(other, PACKAGE, "--out", "generated"))


@pytest.mark.parametrize("stand_in", ["fifo", "dev-zero", "dev-null", "link-same-bytes"])
def test_check_vendored_reads_only_regular_files(generated: Path, other: Path, stand_in: str) -> None:
    """A FIFO, a device or a link in place of a listed file is missing: never read, never intact."""
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    target = dest / ("py.typed" if stand_in == "dev-null" else "v1/__init__.py")
    data = target.read_bytes()
    target.unlink()
    if stand_in == "fifo":
        os.mkfifo(target)
    elif stand_in.startswith("dev-"):
        target.symlink_to("/dev/zero" if stand_in == "dev-zero" else "/dev/null")
    else:
        (other / "same.py").write_bytes(data)
        target.symlink_to(other / "same.py")
    result = subprocess.run(
        [sys.executable, "-m", "dictgen", "check", "--vendored", PACKAGE],
        cwd=other,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"missing: {target.relative_to(other)}" in result.stdout.splitlines()


def test_check_vendored_shows_a_hostile_file_name_printable(generated: Path, other: Path) -> None:
    dest = other / PACKAGE
    assert _vendor(generated, dest, "--target", "python").returncode == 0
    (dest / "a\n::error title=x::forged").write_text("", encoding="utf-8")
    (dest / "\x1b[31mred").write_text("", encoding="utf-8")
    out = _check(other, PACKAGE).stdout
    assert "\x1b" not in out and "\n::" not in out, out
    assert "a\\u000a::error title=x::forged" in out and "\\u001b[31mred" in out, out


def test_check_vendored_notes_show_a_hostile_snapshot_name_printable(producer: Path, other: Path) -> None:
    """The notes name the snapshot folder and its files: a newline or ESC there forges no line."""
    dest = other / PACKAGE
    assert _vendor(producer, dest, "--target", "python").returncode == 0
    folder = producer / "snap\n::error title=x::forged\x1b[2J"
    shutil.copytree(producer / "snapshots", folder)
    result = sample_result()
    result["seatClass"]["data"]["55"] = "新座"
    write_snapshot(folder, "1.1.0", result)
    noted = _check(other, dest, "--snapshots", folder, cwd=producer).stderr
    (folder / "x\n::error::forged\x1b[31m.json").write_bytes((folder / "1.0.0.json").read_bytes())
    broken = _check(other, dest, "--snapshots", folder, cwd=producer).stderr
    for err in (noted, broken):
        assert "\x1b" not in err and "\n::" not in err, err
    assert "snap\\u000a::error title=x::forged\\u001b[2J is newer than the vendored 1.0.0" in noted, noted
    assert "x\\u000a::error::forged\\u001b[31m.json: not compared with the vendored copy" in broken, broken


def test_a_copy_at_a_repositorys_root_checks_clean_and_vendors_again(generated: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    assert _vendor(generated, root, "--target", "python").returncode == 0
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "sub").mkdir()
    (root / "sub" / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")  # a submodule's gitlink
    (root / "sub" / "extra.py").write_text("", encoding="utf-8")
    checked = dictgen("check", "--vendored", str(root), cwd=tmp_path)
    assert checked.stdout.splitlines() == [f"unexpected: {root}/sub/extra.py"], checked.stdout
    (root / "sub" / "extra.py").unlink()
    assert dictgen("check", "--vendored", str(root), cwd=tmp_path).returncode == 0
    again = _vendor(generated, root, "--target", "python")
    assert again.returncode == 0 and (root / ".git" / "HEAD").is_file(), again.stdout + again.stderr
