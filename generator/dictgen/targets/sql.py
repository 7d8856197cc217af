"""SQL target: ``sql/{postgresql,sqlite,mysql}.sql`` seeds of the newest snapshot."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dictgen.choices import Dialect, SqlTransaction
from dictgen.errors import RenderError
from dictgen.render.contract import ErrorCodeView, Files, Job, MajorView, Target
from dictgen.render.filters import char_length, utf8_length
from dictgen.text import Untrusted

# dialect -> the literal for false (SQLite stores booleans as 0/1)
FALSE_SQL: dict[Dialect, str] = {"postgresql": "FALSE", "sqlite": "0", "mysql": "FALSE"}

# MySQL keys are VARCHAR(384) in utf8mb4, counted in characters of up to 4 bytes: the two of the
# entry table's primary key fill InnoDB's 3072-byte index limit.
MYSQL_KEY_CHARS = 384
# Descriptions and labels are TEXT columns, which hold at most 65,535 bytes in MySQL.
MYSQL_TEXT_BYTES = 65_535
# What a value is measured in against each limit: VARCHAR counts characters, TEXT bytes.
_Limit = tuple[int, Callable[[Untrusted | str], int], str]
_KEY: _Limit = (MYSQL_KEY_CHARS, char_length, "characters")
_TEXT: _Limit = (MYSQL_TEXT_BYTES, utf8_length, "UTF-8 bytes")


# Table names are printed unquoted: only a lowercase identifier prefix is safe in every dialect,
# and 40 characters leave room for "dictionary_entry" within 63 bytes (PostgreSQL).
_PREFIX = re.compile(r"([a-z_][a-z0-9_]{0,39})?")


@dataclass(frozen=True)
class Options:
    """``[tool.dictgen.sql]``."""

    prefix: str = "juhe_"  # table names: {prefix}dictionary, {prefix}dictionary_entry, {prefix}system_error
    transaction: SqlTransaction = "own"  # "own": BEGIN/COMMIT in the seed; "none": the caller's

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            rule = "up to 40 lowercase letters, digits and _, not starting with a digit"
            raise ValueError(f"{self.prefix!r} is not a safe SQL table prefix ({rule})")


def render(job: Job) -> Files:
    """Render one seed per dialect from the newest snapshot."""
    templates, prefix = job.templates, job.options.prefix
    newest = job.views[-1]
    _check_mysql_sizes(newest, job.errors)
    files: Files = {}
    for dialect, false_sql in FALSE_SQL.items():
        text = templates.render(
            f"sql/{dialect}.sql.j2",
            newest=newest,
            dialect=dialect,
            false_sql=false_sql,
            dictionary_table=f"{prefix}dictionary",
            entry_table=f"{prefix}dictionary_entry",
            error_table=f"{prefix}system_error",
            errors=job.errors,
            key_chars=MYSQL_KEY_CHARS,
            transaction=job.options.transaction,
        )
        _check_complete(f"sql/{dialect}.sql", text)
        files[f"sql/{dialect}.sql"] = text.encode("utf-8")
    return files


def _check_complete(path: str, text: str) -> None:
    """Fail unless the seed is blank or ends with a complete statement, outside any quote or comment."""
    # A sanity check of user templates, not a parse. SQLite's tokenizer reads the literals sql_str
    # writes for every dialect as the dialect does ('' inside quotes; no \' or $$), so a final ';'
    # counts only when every quote and /* comment before it is closed.
    import sqlite3  # only its tokenizer

    if text.strip() and not sqlite3.complete_statement(text):
        problem = "an unclosed quote or /* comment, or no ';' after the last statement"
        raise RenderError(path, f"generated SQL is incomplete: {problem}")


def _check_mysql_sizes(view: MajorView, errors: Sequence[ErrorCodeView]) -> None:
    """Fail rather than let MySQL reject or truncate a dictionary name, description, code or label,
    or an error code's label or meaning."""
    for d in view.dictionaries:
        values = [("dictionary name", d.key, _KEY), ("description", d.msg, _TEXT)]
        for e in d.entries:
            values += [(f"code ({e.name})", e.code, _KEY), (f"label ({e.name})", e.label, _TEXT)]
        _check_sizes(d.class_name, values)
    for c in errors:
        _check_sizes(f"error code {c.code}", [("label", c.label, _TEXT), ("meaning", c.meaning, _TEXT)])


def _check_sizes(where: str, values: list[tuple[str, Untrusted, _Limit]]) -> None:
    for what, value, (limit, measure, unit) in values:
        size = measure(value)
        if size > limit:
            raise RenderError(f"sql/mysql.sql: {where}", f"a {what} of {size} {unit} exceeds {limit}")


TARGET = Target(
    "sql",
    "sql",
    render,
    "seed files for PostgreSQL, SQLite and MySQL/MariaDB",
    Options,
    flat={"sql_prefix": "prefix", "sql_transaction": "transaction"},
)
