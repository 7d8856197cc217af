"""errors.toml, the curated table of Juhe's system-level error codes: every problem on one line in
the right file and line, the shipped table as the default, and ``check`` noticing a change to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dictgen.errors import ErrorTableError
from dictgen.model.errorcodes import BUILTIN, load_error_codes
from dictgen.shipped import ERRORS
from tests.support.helpers import ROOT, copy_project, dictgen
from tests.support.httpserver import Reply, run_fetch, serving

GOOD = '[10001]\nname = "WRONG_KEY"\nlabel = "错误的请求KEY"\nmeaning = "wrong API key"\nretryable = false\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """This project's inputs with its own errors.toml (a copy of the shipped one), Python only."""
    copy_project(tmp_path)
    shutil.copy(ROOT / "errors.toml", tmp_path / "errors.toml")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dictgen]\ntargets = ["python", "sql"]\nerrors = "errors.toml"\n', encoding="utf-8"
    )
    return tmp_path


def test_the_shipped_table_is_the_repository_file_and_reads_in_code_order() -> None:
    assert BUILTIN == ERRORS == ROOT / "errors.toml"
    codes = load_error_codes()
    assert [c.code for c in codes] == sorted(c.code for c in codes) and len(codes) == 14
    assert (codes[0].code, codes[0].name, codes[0].label) == (10001, "WRONG_KEY", "错误的请求KEY")
    assert {c.code for c in codes if c.retryable} == {10011, 10012, 10013, 10014, 10020}


def test_every_problem_of_errors_toml_is_one_line(project: Path) -> None:
    (project / "errors.toml").write_text(
        "10000 = 1\n"
        + GOOD
        + '[10002]\nname = "WRONG_KEY"\nlabel = ""\nmeaning = "m"\nretryable = "no"\ncolour = 1\n'
        + '["010003"]\nname = "A"\n'
        + '[10004]\nname = "lower"\nlabel = "x"\n',
        encoding="utf-8",
    )
    result = dictgen("generate", cwd=project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: errors.toml:1: 10000 must be a table: [10000] with name, label, meaning, retryable",
        "error: errors.toml:8: [10002] name: WRONG_KEY is already the name of 10001",
        "error: errors.toml:9: [10002] label: must be a non-empty string",
        "error: errors.toml:11: [10002] retryable: must be true or false",
        "error: errors.toml:12: [10002] colour: unknown key (known: name, label, meaning, retryable)",
        "error: errors.toml:13: ['010003']: not an error code (a whole number, no sign or leading zero)",
        "error: errors.toml:15: [10004]: missing meaning, retryable",
    ]
    assert "Traceback" not in result.stderr and not (project / "generated").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "errors.toml:1: no error codes: the table needs at least one [CODE]"),
        ("[10001\n", "errors.toml: invalid TOML: "),
        (GOOD.replace('"WRONG_KEY"', '"' + "A" * 61 + '"'), "is not an UPPER_SNAKE_CASE name of at most 60"),
        (GOOD.replace("[10001]", "[0]"), "errors.toml:1: ['0']: not an error code"),
        (GOOD.replace("wrong API key", "wrong\\u0000key"), "errors.toml:4: [10001] meaning: contains U+0000"),
    ],
)
def test_one_problem_is_one_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "errors.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ErrorTableError) as caught:
        load_error_codes(tmp_path / "errors.toml")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_configured_table_that_does_not_exist_is_an_error(project: Path) -> None:
    (project / "errors.toml").unlink()
    result = dictgen("generate", cwd=project)
    assert (result.returncode, result.stderr) == (2, "error: errors.toml: file not found\n")


def test_check_notices_a_changed_table_also_when_it_remembers_an_up_to_date_tree(project: Path) -> None:
    """The table is an input like names.toml: the remembered plan of ``check`` is keyed on it."""
    env = {"XDG_CACHE_HOME": str(project / "cache"), "DICTGEN_NO_FASTPATHS": ""}
    assert dictgen("generate", cwd=project, env=env).returncode == 0
    for _ in range(2):  # the second answer comes from the record the first one made
        result = dictgen("check", cwd=project, env=env)
        assert (result.returncode, result.stderr) == (0, "up to date: generated\n"), result.stdout
    assert list((project / "cache" / "dictgen" / "plans").rglob("*.json"))
    table = project / "errors.toml"
    table.write_text(table.read_text(encoding="utf-8").replace("接口停用", "接口已停用"), encoding="utf-8")
    result = dictgen("check", cwd=project, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    stale = sorted(line.split()[-1] for line in result.stdout.splitlines() if line.startswith("stale"))
    assert stale == [
        "generated/manifest.json",
        "generated/python/juhe_grabticket/v1/__init__.py",
        "generated/sql/mysql.sql",
        "generated/sql/postgresql.sql",
        "generated/sql/sqlite.sql",
    ], result.stdout
    assert dictgen("generate", cwd=project, env=env).returncode == 0
    assert "接口已停用" in (project / "generated" / "sql" / "sqlite.sql").read_text(encoding="utf-8")
    assert dictgen("check", cwd=project, env=env).returncode == 0


def test_fetch_and_import_explain_a_failed_call_with_the_projects_table(project: Path) -> None:
    """A code the project's table adds, and a meaning it changes, are what the messages say."""
    table = (project / "errors.toml").read_text(encoding="utf-8")
    assert table.count('meaning = "the API is under maintenance"') == 1
    table = table.replace('meaning = "the API is under maintenance"', 'meaning = "our own words"')
    added = '\n[10099]\nname = "NEW_CODE"\nlabel = "新"\nmeaning = "a code Juhe added"\nretryable = true\n'
    (project / "errors.toml").write_text(table + added, encoding="utf-8")
    failed = {"reason": "whatever", "result": None, "error_code": 10099}
    (project / "failed.json").write_text(json.dumps(failed), encoding="utf-8")

    imported = dictgen("import", "failed.json", cwd=project)
    assert imported.returncode == 2, imported.stderr
    assert imported.stderr == (
        "error: failed.json: Juhe error 10099: a code Juhe added (temporary: worth retrying later)\n"
    )
    with serving() as server:
        server.serve(Reply(json.dumps({**failed, "error_code": 10020}).encode()))
        fetched = run_fetch(project, server.url, "--retries", "0")
    assert fetched.returncode == 2, fetched.stderr
    assert "Juhe error 10020: our own words (temporary: worth retrying later)" in fetched.stderr
    assert not (project / "snapshots" / "1.0.1.json").exists()
