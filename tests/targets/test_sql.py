"""SQL target: every seed applied to real SQLite, PostgreSQL and MariaDB, by client and by driver."""

from __future__ import annotations

import functools
import itertools
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymysql.constants import CLIENT

from generator.choices import DIALECTS
from generator.config import Settings
from generator.curated import load_curated
from generator.escape import sql_str
from generator.model import Snapshot
from generator.naming import Names, assign
from generator.snapshot import load_snapshots, newest_per_major
from tests.dbservers import MariaDB, Postgres
from tests.helpers import ROOT, dictgen, planned, sample_result, tree, write_snapshot
from tests.strategies import results, text

DictRow = tuple[str, str, str, str, bool]  # name, description, version, sha256, active
EntryRow = tuple[str, str, str, str, bool]  # dictionary, code, name, label, active
State = tuple[list[DictRow], list[EntryRow]]
NO_BACKSLASH = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_counter = itertools.count()


# --- seeds and what they should leave behind ---------------------------------------------


@dataclass(frozen=True)
class Seed:
    """The three rendered seeds of one snapshot, and the snapshot with its names."""

    sql: dict[str, str]
    snapshot: Snapshot
    names: Names


def render_seed(snapshots: Path, names: Path, prefix: str = "juhe_") -> Seed:
    """Render the SQL target in-process for the newest snapshot in ``snapshots``."""
    files = planned(Settings(snapshots=snapshots, names=names, targets=("sql",), sql_prefix=prefix))
    sql: dict[str, str] = {d: files[f"sql/{d}.sql"].decode("utf-8") for d in DIALECTS}
    snap = newest_per_major(load_snapshots(snapshots))[-1]
    return Seed(sql, snap, assign(snap, load_curated(names)))


def seed_of(result: dict[str, Any], version: str) -> Seed:
    """Render the seeds of ``result`` as snapshot ``version`` (no curated names)."""
    with tempfile.TemporaryDirectory() as tmp:
        write_snapshot(Path(tmp) / "snapshots", version, result)
        return render_seed(Path(tmp) / "snapshots", Path(tmp) / "names.toml")


def expected(seeds: Sequence[Seed]) -> State:
    """The tables after applying ``seeds`` in order: newest rows active, older ones retired."""
    dicts: dict[str, DictRow] = {}
    entries: dict[tuple[str, str], EntryRow] = {}
    for seed in seeds:
        dicts = {k: (*row[:4], False) for k, row in dicts.items()}
        entries = {k: (*row[:4], False) for k, row in entries.items()}
        snap = seed.snapshot
        for d in snap.dictionaries:
            dicts[d.key] = (d.key, d.msg, str(snap.version), snap.sha256, True)
            for e in d.entries:
                entries[d.key, e.code] = (d.key, e.code, seed.names.members[d.key][e.code], e.label, True)
    return sorted(dicts.values()), sorted(entries.values())


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
        dicts = self.query(f"SELECT name, description, version, sha256, active FROM {p}dictionary")
        entries = self.query(f"SELECT dictionary, code, name, label, active FROM {p}dictionary_entry")
        return sorted(_row(r) for r in dicts), sorted(_row(r) for r in entries)

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
        return sorted((_text(a), _text(b)) for a, b in self.query("SELECT * FROM downstream_order"))


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _row(row: tuple[Any, ...]) -> tuple[str, str, str, str, bool]:
    a, b, c, d, active = row
    return _text(a), _text(b), _text(c), _text(d), bool(active)


def _run(cmd: Sequence[str], sql: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(
        cmd, input=sql.encode("utf-8"), capture_output=True, env={**os.environ, **(env or {})}, timeout=120
    )
    assert proc.returncode == 0, f"{cmd[0]} failed: {proc.stderr.decode('utf-8', 'replace')}"
    assert b"ERROR" not in proc.stderr, proc.stderr.decode("utf-8", "replace")


class PgDb(Db):
    """A fresh schema; ``via``: psql, psql-nonstandard (standard_conforming_strings off), psycopg."""

    dialect = "postgresql"

    def __init__(self, server: Postgres, via: str, prefix: str = "juhe_") -> None:
        super().__init__(via, prefix)
        self.server = server
        self.schema = f"s{next(_counter)}"
        self.conn = psycopg.connect(server.conninfo(), autocommit=True)
        self.conn.execute(f"CREATE SCHEMA {self.schema}")
        self.conn.execute(f"SET search_path = {self.schema}")

    def apply(self, sql: str) -> None:
        if self.via == "psycopg":
            self.conn.execute(sql.encode("utf-8"))
            return
        options = f"-c search_path={self.schema}"
        if self.via == "psql-nonstandard":
            options += " -c standard_conforming_strings=off -c escape_string_warning=off"
        cmd = [self.server.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.server.conninfo(), "-f", "-"]
        # LC_ALL=C: psql starts in SQL_ASCII, so the seed's own SET client_encoding must work.
        _run(cmd, sql, {"PGOPTIONS": options, "LC_ALL": "C", "LANG": "C"})

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(sql.encode("utf-8"))
        return list(cur.fetchall()) if cur.description else []

    def probe(self) -> object:
        p = self.prefix
        xmins = f"SELECT xmin::text FROM {p}dictionary UNION ALL SELECT xmin::text FROM {p}dictionary_entry"
        return sorted(self.query(xmins))


class MariaDb(Db):
    """A fresh database; ``via``: mariadb or pymysql, optionally with NO_BACKSLASH_ESCAPES."""

    dialect = "mysql"
    key_type = "VARBINARY(1024)"

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
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    def add_downstream(self) -> None:
        super().add_downstream()
        rows = self.query("SELECT @@SESSION.sql_mode")
        assert ("NO_BACKSLASH_ESCAPES" in rows[0][0]) == self.no_backslash


class SqliteDb(Db):
    """A fresh database file; ``via``: the sqlite3 CLI or Python's sqlite3, foreign keys enforced."""

    dialect = "sqlite"

    def __init__(self, folder: Path, via: str, prefix: str = "juhe_") -> None:
        super().__init__(via, prefix)
        self.path = folder / f"db{next(_counter)}.sqlite"
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def apply(self, sql: str) -> None:
        if self.via == "python":
            self.conn.executescript(sql)
        else:
            _run(["sqlite3", "-bail", "-cmd", "PRAGMA foreign_keys = ON", str(self.path)], sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql).fetchall())

    def probe(self) -> object:
        # Only this connection's writes are counted: meaningful when the seed runs through it.
        return self.conn.total_changes if self.via == "python" else None


# --- the scenario ------------------------------------------------------------------------


def check_upgrade(db: Db, old: Seed, new: Seed) -> None:
    """Seed ``old`` twice, reference it downstream, seed ``new`` twice; compare every step."""
    for applied in ([old], [old, new]):
        seed = applied[-1].sql[db.dialect]
        db.apply(seed)
        state = db.read()
        assert state == expected(applied), f"{db.dialect} via {db.via}"
        probe = db.probe()
        db.apply(seed)
        assert db.read() == state, f"{db.dialect} via {db.via}: second run changed the tables"
        assert db.probe() == probe, f"{db.dialect} via {db.via}: second run wrote rows"
        if len(applied) == 1:
            db.add_downstream()
    old_keys = sorted((d.key, e.code) for d in old.snapshot.dictionaries for e in d.entries)
    assert db.downstream() == old_keys


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


def _older(result: dict[str, Any]) -> dict[str, Any]:
    """A plausible older release of ``result``: an extra dictionary and entry, one label changed."""
    old = {k: v if k == "tips" else {"msg": v["msg"], "data": dict(v["data"])} for k, v in result.items()}
    first = next(k for k in old if k != "tips")
    old[first]["data"]["99"] = "已下线的代码'); DROP TABLE juhe_dictionary; --"
    code = next(iter(old[first]["data"]))
    old[first]["data"][code] = "旧\\'标签 $$ %s"
    old["legacyType"] = {"msg": "旧字典 \\", "data": {"1": "甲", "2": "乙\n"}}
    return old


def test_real_snapshot_seeds_and_upgrades(postgres: Postgres, mariadb: MariaDB, tmp_path: Path) -> None:
    """The shipped snapshot, after an older hostile release, on every database and every way."""
    new = render_seed(ROOT / "snapshots", ROOT / "names.toml")
    old = seed_of(_older(sample_result()), "0.9.0")
    assert len(expected([old, new])[1]) > len(expected([new])[1])
    for db in databases(postgres, mariadb, tmp_path):
        check_upgrade(db, old, new)


@st.composite
def upgrades(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A hostile release and the next one: some dictionaries and entries dropped, changed, added."""
    old = draw(results())
    new: dict[str, Any] = {}
    for key, value in old.items():
        if key == "tips" or draw(st.integers(0, 3)) == 0:
            continue
        data = {c: draw(st.sampled_from([label, label + "'"])) for c, label in value["data"].items()}
        kept = {c: label for c, label in data.items() if draw(st.integers(0, 3))}
        new[key] = {"msg": draw(st.sampled_from([value["msg"], "\\"])), "data": kept}
    for key, value in draw(results(max_dictionaries=2, max_entries=3)).items():
        new.setdefault(key, value)
    return old, new


@FAST
@given(upgrades())
def test_hostile_dictionaries_round_trip(
    postgres: Postgres, mariadb: MariaDB, pair: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Hostile names, codes, labels and msgs come back exactly, and upgrades retire, on every way."""
    old, new = seed_of(pair[0], "1.0.0"), seed_of(pair[1], "1.1.0")
    with tempfile.TemporaryDirectory() as folder:
        for db in databases(postgres, mariadb, Path(folder)):
            check_upgrade(db, old, new)


@settings(max_examples=30, deadline=None)
@given(st.lists(text, min_size=1, max_size=20))
def test_literals_read_back_exactly(postgres: Postgres, mariadb: MariaDB, values: list[str]) -> None:
    """sql_str alone: a SELECT of the literals returns the strings, in every dialect and mode."""
    with tempfile.TemporaryDirectory() as folder:
        for db in databases(postgres, mariadb, Path(folder)):
            literals = ", ".join(sql_str(v, db.dialect) for v in values)
            assert [_text(v) for v in db.query(f"SELECT {literals}")[0]] == values, db.via


def test_prefix_names_the_tables(postgres: Postgres, mariadb: MariaDB, tmp_path: Path) -> None:
    """--sql-prefix renames both tables in every dialect; the default names stay unused."""
    seed = render_seed(ROOT / "snapshots", ROOT / "names.toml", prefix="shop_")
    for db in databases(postgres, mariadb, tmp_path, prefix="shop_"):
        db.apply(seed.sql[db.dialect])
        assert db.read() == expected([seed])
        assert "juhe_" not in seed.sql[db.dialect]


@pytest.mark.parametrize("prefix", ["Juhe_", "1x_", "x; DROP TABLE t; --", "a-b", "é_", "x" * 41])
def test_unsafe_prefix_is_an_error(tmp_path: Path, prefix: str) -> None:
    """An unsafe --sql-prefix is one error line, exit 2, and nothing written."""
    proc = dictgen("generate", "--target", "sql", "--out", tmp_path / "out", "--sql-prefix", prefix)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: --sql-prefix: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_unsafe_prefix_in_pyproject_is_an_error(tmp_path: Path) -> None:
    """The same check applies to [tool.dictgen] sql_prefix, naming the file."""
    (tmp_path / "pyproject.toml").write_text('[tool.dictgen]\nsql_prefix = "x y"\n', encoding="utf-8")
    proc = dictgen("generate", "--target", "sql", "--snapshots", ROOT / "snapshots", cwd=tmp_path)
    assert proc.returncode == 2
    assert "pyproject.toml: [tool.dictgen] sql_prefix" in proc.stderr and "'x y'" in proc.stderr
    assert not (tmp_path / "generated").exists()


def test_oversized_mysql_key_is_an_error(tmp_path: Path) -> None:
    """A code longer than the MySQL key columns hold fails the render instead of being truncated."""
    result = sample_result()
    result["idType"]["data"]["码" * 400] = "太长"
    write_snapshot(tmp_path / "snapshots", "1.0.0", result)
    proc = dictgen(
        "generate", "--target", "sql", "--snapshots", tmp_path / "snapshots", "--out", tmp_path / "o"
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: sql/mysql.sql: IdType: a code (TAI_ZHANG) of 1200 UTF-8 bytes")
    assert not (tmp_path / "o").exists()


def test_cli_output_is_deterministic(tmp_path: Path) -> None:
    """``dictgen generate --target sql`` writes the same bytes under any hash seed, LF and UTF-8."""
    trees = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        proc = dictgen("generate", "--target", "sql", "--out", out, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        trees.append({k: v for k, v in tree(out).items() if k.startswith("sql/")})
    assert trees[0] == trees[1]
    assert sorted(trees[0]) == ["sql/mysql.sql", "sql/postgresql.sql", "sql/sqlite.sql"]
    for name, data in trees[0].items():
        body = data.decode("utf-8")
        assert b"\r" not in data and body.endswith(";\n") and not body.endswith("\n\n"), name
        assert body.startswith("-- Generated by grabticket-dictgen ") and "Do not edit" in body
        assert "1.0.0" in body.splitlines()[0] and "6c7a4b858a882d93" in body.splitlines()[1]
