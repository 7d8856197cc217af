"""Fresh SQLite, PostgreSQL and MariaDB databases that apply a seed by client or driver and read it back."""

from __future__ import annotations

import functools
import itertools
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pymysql
from pymysql.constants import CLIENT

from tests.support.dbservers import MariaDB, Postgres

DictRow = tuple[str, str, str, str, bool, int | None]  # name, description, version, sha256, active, position
EntryRow = tuple[str, str, str, str, bool, int | None]  # dictionary, code, name, label, active, position
State = tuple[list[DictRow], list[EntryRow]]
ErrorRow = tuple[int, str, str, str, bool, bool]  # code, name, label, meaning, retryable, active
NO_BACKSLASH = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"
_counter = itertools.count()


# --- databases: a fresh namespace, a way to apply a seed, a way to read the tables -------


class Db:
    """One fresh database (or schema) and one way of applying seeds to it."""

    dialect = ""
    key_type = "TEXT"
    conn: Any

    def __init__(self, via: str, prefix: str = "juhe_") -> None:
        self.via = via
        self.prefix = prefix

    def apply(self, sql: str) -> None:
        """Run a whole seed."""
        raise NotImplementedError

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, through the driver."""
        raise NotImplementedError

    def execute(self, sql: str) -> None:
        """Run one statement through the driver."""
        self.query(sql)

    def probe(self) -> object:
        """Something that changes whenever a row is written (None: not observable)."""
        return None

    def close(self) -> None:
        """Close the driver connection."""
        self.conn.close()

    def read(self) -> State:
        """Both tables, normalised to text and bools, sorted."""
        p = self.prefix
        dicts = self.query(f"SELECT name, description, version, sha256, active, position FROM {p}dictionary")
        entries = self.query(
            f"SELECT dictionary, code, name, label, active, position FROM {p}dictionary_entry"
        )
        return sorted(map(_row, dicts), key=by_key), sorted(map(_row, entries), key=by_key)

    def read_errors(self) -> list[ErrorRow]:
        """The error code table, normalised to int, text and bools, by code."""
        rows = self.query(
            f"SELECT code, name, label, meaning, retryable, active FROM {self.prefix}system_error"
        )
        return sorted(
            (int(code), as_text(name), as_text(label), as_text(meaning), bool(retryable), bool(active))
            for code, name, label, meaning, retryable, active in rows
        )

    def add_downstream(self) -> None:
        """A table of ours that references every entry, as an application's orders would."""
        p, k = self.prefix, self.key_type
        self.execute(
            f"CREATE TABLE downstream_order (dictionary {k} NOT NULL, code {k} NOT NULL, "
            f"FOREIGN KEY (dictionary, code) REFERENCES {p}dictionary_entry (dictionary, code))"
        )
        self.execute(f"INSERT INTO downstream_order SELECT dictionary, code FROM {p}dictionary_entry")

    def downstream(self) -> list[tuple[str, str]]:
        """The keys the downstream table references."""
        return sorted((as_text(a), as_text(b)) for a, b in self.query("SELECT * FROM downstream_order"))


def as_text(value: Any) -> str:
    """A value read back by a driver, as text (bytes are UTF-8)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _row(row: tuple[Any, ...]) -> tuple[str, str, str, str, bool, int | None]:
    a, b, c, d, active, position = row
    return as_text(a), as_text(b), as_text(c), as_text(d), bool(active), position


def by_key(row: tuple[str, str, str, str, bool, int | None]) -> tuple[str, str]:
    """Rows sort by their key: a dictionary's name (and description), an entry's dictionary and code."""
    return row[0], row[1]


def _run(cmd: Sequence[str], sql: str, env: dict[str, str] | None = None) -> str:
    """Run a client on ``sql``; return its stderr, which holds no error."""
    proc = subprocess.run(
        cmd, input=sql.encode("utf-8"), capture_output=True, env={**os.environ, **(env or {})}, timeout=120
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, f"{cmd[0]} failed: {stderr}"
    assert "ERROR" not in stderr, stderr
    return stderr


class PgDb(Db):
    """A fresh schema; ``via``: psql, psql-nonstandard (standard_conforming_strings off), psycopg.

    A seed runs quietly: ``apply`` fails on any message the server sends (a NOTICE, a WARNING).
    """

    dialect = "postgresql"

    def __init__(self, server: Postgres, via: str, prefix: str = "juhe_") -> None:
        super().__init__(via, prefix)
        self.server = server
        self.schema = f"s{next(_counter)}"
        self.conn = psycopg.connect(server.conninfo(), autocommit=True)
        self.conn.execute(f"CREATE SCHEMA {self.schema}")
        self.conn.execute(f"SET search_path = {self.schema}")
        self.messages: list[str] = []
        self.conn.add_notice_handler(
            lambda diag: self.messages.append(f"{diag.severity}: {diag.message_primary}")
        )

    def apply(self, sql: str) -> None:
        """Run a whole seed through psql or psycopg; the server says nothing."""
        if self.via == "psycopg":
            self.messages.clear()
            self.conn.execute(sql.encode("utf-8"))
            assert self.messages == [], self.messages
            return
        stderr = self.psql(sql)
        assert stderr == "", stderr

    def psql(self, sql: str, *flags: str) -> str:
        """Run ``sql`` with psql (and ``flags``, such as ``-1``); return what it printed on stderr."""
        options = f"-c search_path={self.schema}"
        if self.via == "psql-nonstandard":
            options += " -c standard_conforming_strings=off -c escape_string_warning=off"
        cmd = [self.server.psql, "-X", "-q", *flags, "-v", "ON_ERROR_STOP=1", "-d", self.server.conninfo()]
        # LC_ALL=C: psql starts in SQL_ASCII, so the seed's own SET client_encoding must work.
        return _run([*cmd, "-f", "-"], sql, {"PGOPTIONS": options, "LC_ALL": "C", "LANG": "C"})

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, through psycopg."""
        cur = self.conn.execute(sql.encode("utf-8"))
        return list(cur.fetchall()) if cur.description else []

    def probe(self) -> object:
        """The rows' transaction ids: a rewritten row gets a new one."""
        p = self.prefix
        xmins = f"SELECT xmin::text FROM {p}dictionary UNION ALL SELECT xmin::text FROM {p}dictionary_entry"
        return sorted(self.query(xmins))


class MariaDb(Db):
    """A fresh database; ``via``: mariadb or pymysql, optionally with NO_BACKSLASH_ESCAPES."""

    dialect = "mysql"
    key_type = "VARCHAR(384) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"

    def __init__(self, server: MariaDB, via: str, no_backslash: bool, prefix: str = "juhe_") -> None:
        super().__init__(via, prefix)
        self.server = server
        self.no_backslash = no_backslash
        self.database = f"d{next(_counter)}"
        admin = self._connect(None)
        admin.cursor().execute(f"CREATE DATABASE {self.database}")
        admin.close()
        self.conn = self._connect(self.database)

    def _connect(self, database: str | None) -> pymysql.connections.Connection[Any]:
        return pymysql.connect(
            host="127.0.0.1",
            port=self.server.port,
            user="root",
            database=database,
            charset="utf8mb4",
            autocommit=True,
            client_flag=CLIENT.MULTI_STATEMENTS,
            init_command=NO_BACKSLASH if self.no_backslash else None,
        )

    def apply(self, sql: str) -> None:
        """Run a whole seed through the mariadb client or pymysql."""
        if self.via == "pymysql":
            with self.conn.cursor() as cur:
                cur.execute(sql)
                while cur.nextset():
                    pass
            return
        cmd = [self.server.client, "--no-defaults", "-h", "127.0.0.1", "-P", str(self.server.port), "-u"]
        # latin1 on the client side: the seed's own SET NAMES utf8mb4 must make the labels exact.
        cmd += ["root", "--default-character-set=latin1", self.database]
        if self.no_backslash:
            cmd.append(f"--init-command={NO_BACKSLASH}")
        _run(cmd, sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, through pymysql."""
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    def add_downstream(self) -> None:
        """The downstream table, and a check that the session runs in the asked sql_mode."""
        super().add_downstream()
        rows = self.query("SELECT @@SESSION.sql_mode")
        assert ("NO_BACKSLASH_ESCAPES" in rows[0][0]) == self.no_backslash, rows[0][0]


class SqliteDb(Db):
    """A fresh database file; ``via``: the sqlite3 CLI or Python's sqlite3, foreign keys enforced."""

    dialect = "sqlite"

    def __init__(self, folder: Path, via: str, prefix: str = "juhe_") -> None:
        super().__init__(via, prefix)
        self.path = folder / f"db{next(_counter)}.sqlite"
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def apply(self, sql: str) -> None:
        """Run a whole seed through the sqlite3 CLI or Python's sqlite3."""
        if self.via == "python":
            self.conn.executescript(sql)
        else:
            _run(["sqlite3", "-bail", "-cmd", "PRAGMA foreign_keys = ON", str(self.path)], sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, through Python's sqlite3."""
        return list(self.conn.execute(sql).fetchall())

    def probe(self) -> object:
        """The changes counted on this connection (None when a CLI applies the seed)."""
        # Only this connection's writes are counted: meaningful when the seed runs through it.
        return self.conn.total_changes if self.via == "python" else None


def databases(postgres: Postgres, mariadb: MariaDB, folder: Path, prefix: str = "juhe_") -> Iterator[Db]:
    """One fresh database per way of applying a seed."""
    makers: list[Callable[[], Db]] = []
    for via in ("psql", "psql-nonstandard", "psycopg"):
        makers.append(functools.partial(PgDb, postgres, via, prefix))
    for via, no_backslash in itertools.product(("mariadb", "pymysql"), (False, True)):
        makers.append(functools.partial(MariaDb, mariadb, via, no_backslash, prefix))
    for via in ("sqlite3", "python"):
        makers.append(functools.partial(SqliteDb, folder, via, prefix))
    for make in makers:
        db = make()
        try:
            yield db
        finally:
            db.close()
