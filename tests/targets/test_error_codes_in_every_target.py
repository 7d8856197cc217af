"""Juhe's system-level error codes in every target: the Python enum and parser (mypy --strict), the
TypeScript table and parser (real tsc, run under node), the SQL table (SQLite, PostgreSQL, MariaDB),
the JSON Schema definition; hostile texts in errors.toml come back exactly in each."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dictgen.config import Settings
from dictgen.model.errorcodes import ErrorCode, load_error_codes
from dictgen.targets import sql as sql_target
from tests.support.dbservers import MariaDB, Postgres
from tests.support.helpers import ROOT, planned, render_target, sample_result, write_snapshot
from tests.support.sqldb import ErrorRow, databases
from tests.support.tsc import MODES, STRICT, find_tsc, run, run_tsc

BIN = Path(sys.executable).parent
# Texts that would end a string literal, a comment or an SQL quote if printed as they are.
HOSTILE_LABEL = '\'"""`${x}`*/ -- \'); DROP TABLE x; --\\ \n\r\u2028\u202e</script>接口维护'
HOSTILE_MEANING = "back\\slash \"quote\" '' \\' \x01 \t # not a comment"


def _toml_str(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = (f"\\u{ord(c):04x}" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
    return '"' + "".join(escaped) + '"'


def _table(folder: Path, codes: list[ErrorCode]) -> Path:
    """Write ``codes`` as an errors.toml in ``folder``."""
    lines = []
    for c in codes:
        lines += [f"[{c.code}]", f'name = "{c.name}"', f"label = {_toml_str(c.label)}"]
        lines += [f"meaning = {_toml_str(c.meaning)}", f"retryable = {str(c.retryable).lower()}", ""]
    path = folder / "errors.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert load_error_codes(path) == tuple(sorted(codes, key=lambda c: c.code))
    return path


def _hostile(folder: Path) -> tuple[list[ErrorCode], Path]:
    """The shipped table with 10020 made hostile, 10021 gone and 123456 added."""
    codes = [c for c in load_error_codes() if c.code != 10021]
    codes = [
        ErrorCode(c.code, c.name, HOSTILE_LABEL, HOSTILE_MEANING, c.retryable) if c.code == 10020 else c
        for c in codes
    ]
    codes.append(ErrorCode(123456, "SIX_DIGITS", "六位", "a code past the system range", True))
    return codes, _table(folder, codes)


def _expected(codes: list[ErrorCode] | tuple[ErrorCode, ...]) -> list[list[Any]]:
    return [[c.code, c.name, c.label, c.meaning, c.retryable] for c in sorted(codes, key=lambda c: c.code)]


# --- Python ---------------------------------------------------------------------------------

PYTHON_CHECK = """
import json, sys
from juhe_grabticket import SeatClassLiteral, SystemErrorCode, parse_error_code, ErrorCodeParts
rows = [[m.value, m.name, m.label, m.meaning, m.retryable] for m in SystemErrorCode]
member = SystemErrorCode.from_code("10012")
assert member is SystemErrorCode.from_code(10012) is SystemErrorCode(10012) and member == 10012
assert str(member) == "10012" and f"{member}" == "10012" and isinstance(member, int)
problems = []
for bad in (99, "x", "010012", " 10012", True, 10012.0):
    try:
        SystemErrorCode.from_code(bad)
    except (TypeError, ValueError) as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
parts = [list(parse_error_code(c)) for c in (200201, "200201", 100101, 299999)]
assert parse_error_code(200201) == ErrorCodeParts(level=2, module=2, detail=1)
for bad in (10001, 300201, "2002010", "20020", "\uff1200201", -200201, "+200201", None):
    try:
        parse_error_code(bad)
    except (TypeError, ValueError) as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"rows": rows, "parts": parts, "problems": problems}, ensure_ascii=False))
"""

# What an integrator writes; mypy --strict must accept it as it is.
PYTHON_CLIENT = """\
from __future__ import annotations

from juhe_grabticket import ErrorCodeParts, SeatClassLiteral, SystemErrorCode, parse_error_code


def advice(error_code: int) -> str:
    code = SystemErrorCode.from_code(error_code)
    later: bool = code.retryable
    return f"{code.label} ({code.meaning}): {'retry' if later else 'fix'}"


parts: ErrorCodeParts = parse_error_code("200201")
module: int = parts.module
seat: SeatClassLiteral = "4"
"""


def _python(package_root: Path, script: str) -> dict[str, Any]:
    run_ = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path.insert(0, {str(package_root)!r})\n{script}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run_.returncode == 0, run_.stderr
    result: dict[str, Any] = json.loads(run_.stdout)
    return result


def test_python_enum_and_parser_carry_the_table_exactly(tmp_path: Path) -> None:
    codes, table = _hostile(tmp_path)
    render_target(tmp_path, "python", sample_result(), errors=table)
    root = tmp_path / "out" / "python"
    seen = _python(root, PYTHON_CHECK)
    assert seen["rows"] == _expected(codes)
    assert seen["parts"] == [[2, 2, 1], [2, 2, 1], [1, 1, 1], [2, 999, 99]]
    assert seen["problems"] == [
        "ValueError: '99' is not a SystemErrorCode code",
        "ValueError: 'x' is not a SystemErrorCode code",
        "ValueError: '010012' is not a SystemErrorCode code",
        "ValueError: ' 10012' is not a SystemErrorCode code",
        "TypeError: SystemErrorCode codes are int or str, not bool",
        "TypeError: SystemErrorCode codes are int or str, not float",
        *(
            f"ValueError: {text!r} is not a six-digit Juhe error code (level 1 or 2, module, detail)"
            for text in ("10001", "300201", "2002010", "20020", "\uff1200201", "-200201", "+200201")
        ),
        "TypeError: Juhe error codes are int or str, not NoneType",
    ]
    (root / "client.py").write_text(PYTHON_CLIENT, encoding="utf-8")
    cache = Path(tempfile.gettempdir()) / "dictgen-test-mypy-cache"
    args = ["--strict", "--python-version", "3.10", "--cache-dir", str(cache), "-p", "juhe_grabticket"]
    typed = subprocess.run(
        [str(BIN / "mypy"), *args, "-m", "client"], cwd=root, capture_output=True, text=True, check=False
    )
    assert typed.returncode == 0, typed.stdout


def test_the_shipped_package_exports_what_the_issue_names() -> None:
    seen = _python(ROOT / "generated" / "python", PYTHON_CHECK)
    assert seen["rows"] == _expected(load_error_codes())
    assert seen["parts"][0] == [2, 2, 1]


# --- TypeScript -----------------------------------------------------------------------------

TS_DUMP = """
import * as m from "./out/src/index.js";
const problems = [];
for (const bad of [10001, "300201", 200201.5, "\uff1200201", -200201, null]) {
  try { m.parseErrorCode(bad); } catch (e) { problems.push(`${e.name}: ${e.message}`); }
}
const codes = Object.values(m.SystemErrorCode);
process.stdout.write(JSON.stringify({
  rows: Object.entries(m.SystemErrorCode).map(([name, code]) => [
    code, name, m.SystemErrorCodeLabels[code], m.SystemErrorCodeMeanings[code],
    m.SystemErrorCodeRetryable[code],
  ]),
  frozen: [m.SystemErrorCode, m.SystemErrorCodeLabels, m.SystemErrorCodeMeanings, m.SystemErrorCodeRetryable]
    .every(Object.isFrozen),
  guard: [
    codes.every(m.isSystemErrorCode), [String(codes[0]), 99, "__proto__", null].some(m.isSystemErrorCode),
  ],
  parts: [m.parseErrorCode(200201), m.parseErrorCode("100101")],
  problems,
}));
"""

TS_CLIENT = """\
import { SystemErrorCode, SystemErrorCodeRetryable } from "../src/index.js";
import { isSystemErrorCode, parseErrorCode } from "../src/index.js";
import type { ErrorCodeParts } from "../src/index.js";

export function later(errorCode: number): boolean {
  return isSystemErrorCode(errorCode) && SystemErrorCodeRetryable[errorCode];
}
export const parts: ErrorCodeParts = parseErrorCode(200201);
export const limited: SystemErrorCode = SystemErrorCode.KEY_RATE_LIMITED;
// @ts-expect-error: 10006 is no system-level error code
export const unknown: SystemErrorCode = 10006;
"""


@pytest.mark.node
@pytest.mark.parametrize("style", ["const", "enum"])
def test_typescript_table_and_parser_compile_and_run_under_node(tmp_path: Path, style: str) -> None:
    find_tsc()
    codes, table = _hostile(tmp_path)
    render_target(tmp_path, "typescript", sample_result(), names="", errors=table)
    package = tmp_path / "out" / "typescript"
    if style == "enum":  # the style changes the dictionaries, never the error table
        text = (package / "src" / "v1" / "index.ts").read_text(encoding="utf-8")
        assert "export const SystemErrorCode: {" in text
    (package / "client").mkdir()
    (package / "client" / "client.ts").write_text(TS_CLIENT, encoding="utf-8")
    options = {**STRICT, **MODES["nodenext"], "target": "es2020", "rootDir": ".", "outDir": "out"}
    run_tsc(
        find_tsc(),
        package,
        "errors",
        {**options, "isolatedDeclarations": True, "declaration": True},
        ["src", "client"],
    )
    (package / "out" / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (package / "dump.mjs").write_text(TS_DUMP, encoding="utf-8")
    seen = json.loads(run(["node", "dump.mjs"], package))
    assert seen["rows"] == _expected(codes)
    assert seen["frozen"] and seen["guard"] == [True, False]
    assert seen["parts"] == [{"level": 2, "module": 2, "detail": 1}, {"level": 1, "module": 1, "detail": 1}]
    shown = ["10001", "300201", "200201.5", "\uff1200201", "-200201"]
    layout = "is not a six-digit Juhe error code (level 1 or 2, module, detail)"
    assert seen["problems"] == [
        *(f"RangeError: {json.dumps(t, ensure_ascii=False)} {layout}" for t in shown),
        "TypeError: Juhe error codes are numbers or strings, not object",
    ]


# --- JSON Schema ----------------------------------------------------------------------------


def test_json_schema_defines_the_codes_and_accepts_nothing_else(tmp_path: Path) -> None:
    codes, table = _hostile(tmp_path)
    files = render_target(tmp_path, "jsonschema", sample_result(), errors=table)
    schema = json.loads(files["jsonschema/schema.json"])
    oneof = json.loads(files["jsonschema/oneof.schema.json"])
    openapi = json.loads(files["jsonschema/openapi.json"])
    definition = schema["$defs"]["SystemErrorCode"]
    ordered = sorted(codes, key=lambda c: c.code)
    assert definition["enum"] == [c.code for c in ordered] and definition["type"] == "integer"
    assert definition["x-enum-varnames"] == [c.name for c in ordered]
    assert definition["x-enum-descriptions"] == [c.label for c in ordered]
    assert definition["x-enum-meanings"] == [c.meaning for c in ordered]
    assert definition["x-retryable"] == [c.code for c in ordered if c.retryable]
    assert openapi["components"]["schemas"]["SystemErrorCode"] == definition
    constants = [
        {"const": c.code, "title": c.name, "description": c.label, "$comment": c.meaning} for c in ordered
    ]
    assert oneof["$defs"]["SystemErrorCode"]["oneOf"] == constants
    for document in (schema, oneof):
        Draft202012Validator.check_schema(document)
        check = Draft202012Validator({"$defs": document["$defs"], "$ref": "#/$defs/SystemErrorCode"})
        assert [check.is_valid(v) for v in (10001, 123456, 10021, "10001", 10001.5, True)] == [
            True,
            True,
            False,
            False,
            False,
            False,
        ]


# --- SQL ------------------------------------------------------------------------------------


def _rows(codes: list[ErrorCode] | tuple[ErrorCode, ...], active: bool = True) -> list[ErrorRow]:
    return [(c.code, c.name, c.label, c.meaning, c.retryable, active) for c in codes]


@pytest.mark.db
def test_sql_seeds_fill_retire_and_prefix_the_error_table(
    postgres: Postgres, mariadb: MariaDB, tmp_path: Path
) -> None:
    shipped = render_target(tmp_path / "shipped", "sql", sample_result())
    codes, table = _hostile(tmp_path)
    changed = render_target(tmp_path / "changed", "sql", sample_result(), errors=table)
    gone = [c for c in load_error_codes() if c.code == 10021]
    for db in databases(postgres, mariadb, tmp_path):
        for seed in (shipped, changed):
            for _ in range(2):  # a second run changes nothing
                db.apply(seed[f"sql/{db.dialect}.sql"].decode("utf-8"))
        assert db.read_errors() == sorted(_rows(codes) + _rows(gone, active=False)), db.via
    prefixed = _prefixed(tmp_path / "prefixed")
    for db in databases(postgres, mariadb, tmp_path, prefix="shop_"):
        db.apply(prefixed[f"sql/{db.dialect}.sql"])
        assert db.read_errors() == _rows(load_error_codes()), db.via
        assert "juhe_" not in prefixed[f"sql/{db.dialect}.sql"]


def _prefixed(folder: Path) -> dict[str, str]:
    """The seeds of the shipped snapshot and error table with table prefix ``shop_``."""
    write_snapshot(folder / "snapshots", "1.0.0", sample_result())
    options = {"sql": sql_target.Options("shop_")}
    settings = Settings(
        folder / "snapshots", folder / "out", folder / "names.toml", ("sql",), options=options
    )
    return {rel: data.decode("utf-8") for rel, data in planned(settings).items() if rel.startswith("sql/")}
