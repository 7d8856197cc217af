"""A closed pipe is the reader's choice, a vendored copy never goes in .git, a link loop is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import copy_project, dictgen


def _project(tmp_path: Path) -> Path:
    assert dictgen("generate", cwd=copy_project(tmp_path)).returncode == 0
    return tmp_path


def test_a_reader_that_closes_the_pipe_gets_no_error_line(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "generated" / "sql" / "sqlite.sql").write_text("-- edited\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before dictgen writes its first line, as after `| head -1`
    try:
        check = subprocess.run(
            [sys.executable, "-m", "dictgen", "check"],
            cwd=project,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert check.returncode == 141, check.stderr
    assert "error" not in check.stderr and "Broken pipe" not in check.stderr


def test_vendor_refuses_a_destination_inside_dot_git(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / ".git").mkdir()
    result = dictgen("vendor", ".git/vend", "--target", "python", cwd=project)
    assert result.returncode == 2
    assert result.stderr == "error: .git/vend: is inside a .git folder: refusing to write there\n"
    assert not (project / ".git" / "vend").exists()


def test_vendor_refuses_a_destination_inside_a_bare_repository(tmp_path: Path) -> None:
    project = _project(tmp_path)
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "origin.git")], check=True)
    result = dictgen("vendor", str(tmp_path / "origin.git" / "vend"), "--target", "python", cwd=project)
    assert result.returncode == 2
    assert result.stderr.endswith("origin.git/vend: is inside a .git folder: refusing to write there\n")
    assert not (tmp_path / "origin.git" / "vend").exists()


@pytest.mark.parametrize(
    ("where", "command"),
    [("loop/x", ("vendor", "loop/x", "--target", "python")), ("loop/out", ("generate", "--out", "loop/out"))],
)
def test_a_symbolic_link_loop_as_destination_is_one_line(
    tmp_path: Path, where: str, command: list[str]
) -> None:
    project = _project(tmp_path)
    (project / "loop").symlink_to("loop")
    result = dictgen(*command, cwd=project)
    assert result.returncode == 2
    assert result.stderr == f"error: {where}: cannot be followed: a symbolic link loop\n"
