"""SQL target: ``sql/{postgresql,sqlite,mysql}.sql`` seeds of the newest snapshot."""

from __future__ import annotations

from collections.abc import Sequence

from generator.choices import Dialect
from generator.errors import RenderError
from generator.escape import utf8_length
from generator.views import Files, MajorView, Options, Templates

# dialect -> the literal for false (SQLite stores booleans as 0/1)
FALSE_SQL: dict[Dialect, str] = {"postgresql": "FALSE", "sqlite": "0", "mysql": "FALSE"}

# MySQL keys are VARBINARY: two of them must fit InnoDB's 3072-byte index limit.
MYSQL_KEY_BYTES = 1024


def render(templates: Templates, views: Sequence[MajorView], options: Options) -> Files:
    """Render one seed per dialect from the newest snapshot."""
    prefix = options.sql_prefix  # validated with the settings (config.check_sql_prefix)
    newest = views[-1]
    _check_mysql_keys(newest)
    files: Files = {}
    for dialect, false_sql in FALSE_SQL.items():
        text = templates.render(
            f"sql/{dialect}.sql.j2",
            newest=newest,
            dialect=dialect,
            false_sql=false_sql,
            dictionary_table=f"{prefix}dictionary",
            entry_table=f"{prefix}dictionary_entry",
            key_bytes=MYSQL_KEY_BYTES,
        )
        files[f"sql/{dialect}.sql"] = text.encode("utf-8")
    return files


def _check_mysql_keys(view: MajorView) -> None:
    """Fail rather than let MySQL reject or truncate a dictionary name or code."""
    for d in view.dictionaries:
        for what, value in [("dictionary name", d.key)] + [(f"code ({e.name})", e.code) for e in d.entries]:
            size = utf8_length(value)
            if size > MYSQL_KEY_BYTES:
                where = f"sql/mysql.sql: {d.class_name}"
                raise RenderError(where, f"a {what} of {size} UTF-8 bytes exceeds {MYSQL_KEY_BYTES}")
