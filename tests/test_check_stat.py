"""``dictgen check --stat``: one line per differing file with its line counts, checked against git's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import Run
from tests.support.helpers import git, sample_result, write_snapshot

STAT_LINE = re.compile(r" (\S+) +\| +(\d+) (\+*)(-*)")
SUMMARY = re.compile(r" (\d+) files? differs?, (\d+) insertions?\(\+\), (\d+) deletions?\(-\)")


def minor_bump(project: Path) -> None:
    """A new snapshot with one more code: every generated file's header changes."""
    result = sample_result()
    result["idType"]["data"]["5"] = "外国人永久居留身份证"
    write_snapshot(project / "snapshots", "1.1.0", result)


def git_numstat(project: Path) -> dict[str, tuple[int, int]]:
    """``git diff --numstat`` of the work tree: path -> (added, removed)."""
    out = subprocess.run(
        ["git", "diff", "--numstat"], cwd=project, check=True, capture_output=True, text=True
    ).stdout
    return {path: (int(a), int(r)) for a, r, path in (line.split("\t") for line in out.splitlines())}


def test_a_minor_bump_is_one_line_per_file_with_the_counts_git_gives(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    git(project, "init", "-q")
    git(project, "add", "generated", "snapshots")
    git(project, "commit", "-q", "-m", "generated")
    minor_bump(project)
    stat = run("check", "--stat")
    assert stat.exit_code == 1
    *lines, summary = stat.stdout.splitlines()
    found = {}
    for line in lines:
        match = STAT_LINE.fullmatch(line)
        assert match, line
        found[match[1]] = int(match[2]), len(match[3]), len(match[4])
    assert stat.stderr == f"{len(lines)} file(s) out of date: run `dictgen generate`\n"
    # What generate then writes is what check counted, file for file and line for line.
    assert run("generate").exit_code == 0
    counts = git_numstat(project)
    assert sorted(found) == sorted(counts) and len(counts) > 15
    # difflib may pair lines less tightly than git does, never more: a file's count is at least
    # git's, and the same up to pairs of one line removed and one added.
    assert all(found[path][0] >= sum(counts[path]) for path in counts)
    assert all((found[path][0] - sum(counts[path])) % 2 == 0 for path in counts)
    bars = {path: bar for path, (_, *bar) in found.items()}
    assert all(0 < added + removed <= 40 for added, removed in bars.values())
    assert SUMMARY.fullmatch(summary), summary
    files, added, removed = map(int, SUMMARY.fullmatch(summary).groups())  # type: ignore[union-attr]
    assert files == len(counts)  # what the bump adds net does not depend on how lines are paired
    assert added - removed == sum(a - r for a, r in counts.values())


def test_the_full_report_ends_with_the_same_summary(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    minor_bump(project)
    full, stat = run("check"), run("check", "--stat")
    assert full.exit_code == stat.exit_code == 1
    assert full.stdout.splitlines()[0].startswith("stale: generated/")
    assert full.stdout.splitlines()[-1] == stat.stdout.splitlines()[-1]
    assert SUMMARY.fullmatch(full.stdout.splitlines()[-1])
    assert full.stderr == stat.stderr


def test_files_without_lines_to_count_show_their_kind(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    readme = project / "generated" / "python" / "README.md"
    lines = len(readme.read_text(encoding="utf-8").splitlines())
    readme.unlink()
    (project / "generated" / "python" / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run("check", "--stat")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f" generated/python/README.md | {lines} {'+' * 40}",
        " generated/python/notes.txt | unexpected",
        f" 2 files differ, {lines} insertions(+), 0 deletions(-)",
    ]
    assert "1 file(s) that dictgen does not write" in result.stderr


def test_up_to_date_prints_no_stat(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    result = run("check", "--stat")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "up to date: generated\n")


def test_stat_is_refused_with_vendored(project: Path, run: Run) -> None:
    result = run("check", "--vendored", "elsewhere", "--stat")
    assert result.exit_code == 2
    assert result.stderr == "error: --vendored: takes no --stat (only --snapshots)\n"


def test_file_names_print_as_one_escaped_line_each(project: Path, run: Run) -> None:
    """A file name cannot split a line, colour the terminal or start a CI workflow command."""
    assert run("generate").exit_code == 0
    folder = project / "generated" / "python"
    for name in ("a\n::error title=x::forged", "\x1b[31mred", "rtl\u202etxt"):
        (folder / name).write_text("x", encoding="utf-8")
    for args in (["check"], ["check", "--stat"]):
        out = run(*args).stdout
        assert "\x1b" not in out and "\u202e" not in out and not out.count("\n::"), out
        assert "a\\u000a::error title=x::forged" in out and "\\u001b[31mred" in out, out
