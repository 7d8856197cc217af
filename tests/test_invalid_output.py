"""Output that would not parse (templates making bad JSON or SQL, labels too long for MySQL) is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import dictgen, tree, write_snapshot


def _templates(project: Path, name: str, text: str) -> Path:
    folder = project / "mytemplates"
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


_PACKAGE, _TSCONFIG = "typescript/package.json", "typescript/tsconfig.json"
_JSON, _SQL = "generated JSON does not parse", "generated SQL is incomplete"


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        (_PACKAGE, '{"name": "x",}', f"{_JSON}: Expecting property name enclosed in double quotes: line 1"),
        (_PACKAGE, "// npm reads strict JSON\n{}", f"{_JSON}: Expecting value: line 1 column 1"),
        (_PACKAGE, '{"n": NaN}', f"{_JSON}: NaN is not JSON"),
        (_PACKAGE, "[]", "generated JSON is not an object"),
        (_TSCONFIG, '// ok\n{"a": {"b": 1}\n', f"{_JSON}: Expecting ',' delimiter: line 3 column 1"),
        ("sql/sqlite.sql", "INSERT INTO t VALUES ('it's');\n", _SQL),
        ("sql/postgresql.sql", "BEGIN;\nCOMMIT\n", _SQL),
        ("sql/mysql.sql", "SELECT 1;\n/* unclosed\n", _SQL),
    ],
)
def test_a_template_whose_output_does_not_parse(project: Path, path: str, text: str, message: str) -> None:
    assert dictgen("generate", cwd=project).returncode == 0
    before = tree(project / "generated")
    result = dictgen("generate", "--templates", _templates(project, f"{path}.j2", text), cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: {message}") and len(result.stderr.splitlines()) == 1
    assert tree(project / "generated") == before


def test_tsconfig_may_have_comments_and_trailing_commas_and_a_seed_may_be_blank(project: Path) -> None:
    tsconfig = '// c\n{"a": "// kept, not a comment", /* b */ "c": [1, 2,],\n}\n'
    folder = _templates(project, "typescript/tsconfig.json.j2", tsconfig)
    _templates(project, "sql/mysql.sql.j2", "\n")
    result = dictgen("generate", "--templates", folder, cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "generated/typescript/tsconfig.json").read_text(encoding="utf-8") == tsconfig
    assert (project / "generated/sql/mysql.sql").read_text(encoding="utf-8") == "\n"


def test_a_label_too_long_for_a_mysql_text_column_is_refused(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", {"d": {"msg": "m", "data": {"1": "码" * 22_000}}})
    result = dictgen("generate", "--target", "sql", "--names", "none.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: sql/mysql.sql: D: a label (MA_MA_MA_")
    assert result.stderr.endswith(" of 66000 UTF-8 bytes exceeds 65535\n")
