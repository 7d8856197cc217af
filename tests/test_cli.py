"""The command line as users run it: exit codes, one-line errors, settings, start-up cost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dictgen import __version__
from tests.conftest import Run
from tests.support.helpers import ROOT, dictgen


def test_version_and_help() -> None:
    result = dictgen("--version")
    assert result.returncode == 0 and result.stdout == f"dictgen, version {__version__}\n"
    helped = dictgen("--help")
    for command in ("generate", "check", "fetch", "import", "diff"):
        assert command in helped.stdout


_LIST_MODULES = """
import runpy, sys
sys.argv = ["dictgen", *sys.argv[1:]]
try:
    runpy.run_module("dictgen", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sys.modules))
"""


def _imported(*args: str, cache: Path | None = None) -> set[str]:
    """The modules loaded by one ``dictgen`` run in the repo (with its caches in ``cache``)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)} if cache else None
    command = [sys.executable, "-c", _LIST_MODULES, *args]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return set(run.stdout.splitlines()[-1].split())


def test_help_imports_no_heavy_library() -> None:
    loaded = _imported("--help")
    assert "click" in loaded
    assert not loaded & {"requests", "pypinyin", "black", "jinja2"}


def test_check_without_fallback_names_skips_requests_and_pypinyin(tmp_path: Path) -> None:
    loaded = _imported("check", cache=tmp_path)
    assert "jinja2" in loaded  # black too, unless its result is cached (tests/test_fastpaths.py)
    assert not loaded & {"requests", "pypinyin"}
    # Up to date from the same inputs before: answered from the record, nothing rendered.
    assert not _imported("check", cache=tmp_path) & {"requests", "pypinyin", "black", "jinja2"}


def test_python_m_dictgen_and_console_script_agree() -> None:
    script = Path(sys.executable).parent / "dictgen"
    assert subprocess.run([script, "--version"], capture_output=True, text=True, check=False).stdout == (
        dictgen("--version").stdout
    )


def test_usage_errors_are_exit_2(run: Run) -> None:
    assert run("generate", "--target", "cobol").exit_code == 2
    assert run("nonsense").exit_code == 2


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"', "pyproject.toml: [tool.dictgen] colour: unknown setting"),
        (
            'targets = ["python", "cobol"]',
            "[tool.dictgen] targets: must be a non-empty list of docs, jsonschema, python, sql, typescript",
        ),
        ("strict_names = 1", "[tool.dictgen] strict_names: must be true or false"),
        ("out = 3", "[tool.dictgen] out: must be a string"),
        ("targets = []", "[tool.dictgen] targets: must be a non-empty list"),
        ('typescript = {style = "class"}', '[tool.dictgen] typescript.style: must be "const" or "enum"'),
        ('sql = {prefix = "x; DROP"}', "[tool.dictgen] sql.prefix: 'x; DROP' is not a safe SQL table prefix"),
        ('sql = {transaction = "single"}', '[tool.dictgen] sql.transaction: must be "own" or "none"'),
        ("sql = {prefixes = 1}", "[tool.dictgen] sql.prefixes: unknown option of the sql target"),
    ],
)
def test_bad_settings_are_one_line_exit_2(project: Path, run: Run, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.dictgen]\n{table}\n", encoding="utf-8")
    result = run("generate")
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (project / "generated").exists()


def test_every_bad_setting_is_reported_at_once(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dictgen]\ncolour = 1\nout = 3\n[tool.dictgen.sql]\ntransaction = "x"\n', encoding="utf-8"
    )
    result = run("generate")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: pyproject.toml: [tool.dictgen] colour: unknown setting (known: builtin_names, docs,"
        " errors, jsonschema, max_entries, names, out, python, snapshots, sql, strict_names, targets,"
        " templates, typescript)",
        "error: pyproject.toml: [tool.dictgen] out: must be a string",
        'error: pyproject.toml: [tool.dictgen] sql.transaction: must be "own" or "none"',
    ]


def test_the_flat_keys_of_0_1_still_work_with_a_deprecation_line(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["sql"]\nsql_prefix = "app_"\n', encoding="utf-8"
    )
    result = run("generate")
    assert result.exit_code == 0
    assert (
        "warning: pyproject.toml: [tool.dictgen] sql_prefix is deprecated: use [tool.dictgen.sql] prefix"
        in result.stderr.splitlines()
    )
    assert "CREATE TABLE IF NOT EXISTS app_dictionary" in (project / "generated/sql/sqlite.sql").read_text()


def test_a_tool_table_that_is_not_a_table(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text("tool = 1\n", encoding="utf-8")
    result = run("generate")
    assert (
        result.exit_code == 2 and result.stderr == "error: pyproject.toml: [tool.dictgen] must be a table\n"
    )


def test_settings_from_pyproject_and_options_override_them(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dictgen]\nout = "build/gen"\ntargets = ["sql"]\nsql-prefix = "app_"\n', encoding="utf-8"
    )
    assert run("generate").exit_code == 0
    assert "app_dictionary" in (project / "build/gen/sql/sqlite.sql").read_text(encoding="utf-8")
    assert not (project / "build/gen/python").exists()
    assert run("generate", "--target", "python", "--out", "other").exit_code == 0
    assert (project / "other/python/juhe_grabticket/__init__.py").exists()


def test_sql_transaction_from_pyproject_and_the_option(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["sql"]\nsql_transaction = "none"\n', encoding="utf-8"
    )
    seed = project / "generated" / "sql" / "postgresql.sql"
    assert run("generate").exit_code == 0 and "\nBEGIN;\n" not in seed.read_text(encoding="utf-8")
    assert run("check").exit_code == 0
    assert run("check", "--sql-transaction", "own").exit_code == 1
    assert run("generate", "--sql-transaction", "own").exit_code == 0
    assert "\nBEGIN;\n" in seed.read_text(encoding="utf-8")
    assert run("generate", "--sql-transaction", "single").exit_code == 2


def test_committed_tree_is_up_to_date_and_strictly_named() -> None:
    result = dictgen("check", "--strict-names")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "up to date: generated\n"


def test_check_exits_1_after_an_edit(project: Path, run: Run) -> None:
    assert run("generate").exit_code == 0
    index = project / "generated" / "typescript" / "src" / "index.ts"
    index.write_text(index.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run("check").exit_code == 1


def test_usage_errors_are_one_line_and_exit_2() -> None:
    for args in (("generate", "--bogus"), ("diff", "--format", "yaml"), ("nosuch",)):
        result = dictgen(*args)
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("error: usage: ") and "dictgen --help" in result.stderr


def test_debug_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    result = dictgen("check", "--debug", "--snapshots", tmp_path / "none")
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")


def test_a_full_stdout_is_exit_2_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "dictgen", "diff", "1.0.0", "1.0.0", "--format", "json"],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert (
        result.returncode == 2 and result.stderr == "error: <stdout>: cannot write: No space left on device\n"
    )


def test_an_unexpected_exception_is_an_internal_error_with_exit_2(
    run: Run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for a bug: the handler is what is under test, so the bug is planted.
    def broken(*_: object) -> None:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr("dictgen.pipeline.plan", broken)
    result = run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: internal error: ZeroDivisionError: planted (run with --debug for the traceback)\n"
    )
