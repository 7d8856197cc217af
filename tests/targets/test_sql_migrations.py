"""SQL seeds in real applications: positions, upgrades of tables made by dictgen 0.1's seeds, seeds that
run in the caller's transaction (psql -1, a driver, the docs' Alembic recipe), and MySQL keys that
come back as strings, on real SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, create_engine, event

from dictgen.choices import DIALECTS, SQL_TRANSACTIONS, SqlTransaction
from tests.support.dbservers import MariaDB, Postgres
from tests.support.doc_blocks import parse
from tests.support.helpers import ROOT, sample_result
from tests.support.sqldb import Db, MariaDb, PgDb, SqliteDb, State, as_text, by_key, databases
from tests.targets.test_sql import Seed, _older, expected, render_seed, seed_of

# Seeds rendered by dictgen 0.1.0, before positions and MySQL string keys (see README.md there).
LEGACY = Path(__file__).parent / "data" / "seeds-0.1.0"
TRANSACTION = re.compile(r"^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK)\b", re.MULTILINE)
MYSQL_KEY = "VARCHAR(384) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL"
DRIVERS = ("psycopg", "pymysql", "python")  # the ways of databases() that apply seeds through a driver
README = (ROOT / "docs" / "targets" / "sql.md").read_text(encoding="utf-8")  # the SQL seeds page


def legacy(version: str, dialect: str) -> str:
    """The seed dictgen 0.1.0 rendered for snapshot ``version``."""
    return (LEGACY / version / f"{dialect}.sql").read_text(encoding="utf-8")


def plant_legacy(db: Db, version: str) -> None:
    """The tables and rows dictgen 0.1's seed of ``version`` leaves (through the driver: its NOTICEs
    on a second run are 0.1's, and ``PgDb.apply`` refuses any)."""
    sql = legacy(version, db.dialect)
    if isinstance(db, PgDb):
        db.conn.execute(sql.encode("utf-8"))
    else:
        db.apply(sql)


def shipped(transaction: SqlTransaction = "own") -> Seed:
    """The seeds of this repository's newest snapshot."""
    return render_seed(ROOT / "snapshots", ROOT / "names.toml", transaction=transaction)


def old_state(db: Db) -> State:
    """Both tables as a 0.1 seed made them (no position: None), normalised like ``Db.read``."""
    p = db.prefix
    dicts = db.query(f"SELECT name, description, version, sha256, active FROM {p}dictionary")
    entries = db.query(f"SELECT dictionary, code, name, label, active FROM {p}dictionary_entry")

    def rows(found: list[tuple[Any, ...]]) -> list[Any]:
        return sorted(((*map(as_text, r[:4]), bool(r[4]), None) for r in found), key=by_key)

    return rows(dicts), rows(entries)


def upgraded(before: State, new: Seed) -> State:
    """``before`` after ``new``: the snapshot's rows as a fresh seed leaves them, the others retired."""
    fresh = expected([new])
    merged: list[list[Any]] = []
    for old_rows, new_rows, width in zip(before, fresh, (1, 2), strict=True):
        rows: dict[tuple[Any, ...], Any] = {row[:width]: (*row[:4], False, None) for row in old_rows}
        rows.update({row[:width]: row for row in new_rows})
        merged.append(sorted(rows.values(), key=by_key))
    return merged[0], merged[1]


def sqlite_upgrade(seed: str) -> str:
    """The one-time ALTER TABLE statements that the SQLite seed's header shows."""
    lines = [line.removeprefix("--   ") for line in seed.splitlines() if line.startswith("--   ALTER TABLE ")]
    assert len(lines) == 2, lines
    return "\n".join(lines) + "\n"


def statements(script: str) -> list[str]:
    """A seed's statements one by one, split where sqlite3 sees each end (as the docs' helper)."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found, pending = [*found, pending], ""
    assert not pending.strip() or pending.lstrip().startswith("--"), pending
    return found


def apply_twice(db: Db, sql: str, want: State) -> None:
    """Apply a seed, compare the tables with ``want``; a second run changes and writes nothing."""
    db.apply(sql)
    assert db.read() == want, f"{db.dialect} via {db.via}"
    probe = db.probe()
    db.apply(sql)
    assert db.read() == want, f"{db.dialect} via {db.via}: second run changed the tables"
    assert db.probe() == probe, f"{db.dialect} via {db.via}: second run wrote rows"


def refused_by_old_sqlite_tables(db: Db, sql: str) -> None:
    """The seed fails on a 0.1 SQLite database (no column named position) and leaves it as it was."""
    before = old_state(db)
    with pytest.raises((AssertionError, sqlite3.OperationalError), match="no column named position"):
        db.apply(sql)
    if db.via == "python" and db.conn.in_transaction:
        db.conn.execute("ROLLBACK")  # the seed's own BEGIN; the sqlite3 CLI rolls back as it exits
    assert old_state(db) == before


# --- positions ---------------------------------------------------------------------------


@pytest.mark.db
def test_a_position_that_alone_changed_is_written_back(
    postgres: Postgres, mariadb: MariaDB, tmp_path: Path
) -> None:
    """Positions follow upstream order; one moved by hand (or by upstream) is put back by the upsert."""
    new = shipped()
    seat_classes = [e.code for d in new.snapshot.dictionaries if d.key == "seatClass" for e in d.entries]
    assert seat_classes[:3] == ["1", "2", "3"] and sorted(seat_classes)[:3] == ["1", "10", "11"]
    for db in databases(postgres, mariadb, tmp_path):
        db.apply(new.sql[db.dialect])
        db.execute(
            "UPDATE juhe_dictionary_entry SET position = 100 - position WHERE dictionary = 'seatClass'"
        )
        db.execute("UPDATE juhe_dictionary SET position = 7 WHERE name = 'idType'")
        apply_twice(db, new.sql[db.dialect], expected([new]))
        order = "SELECT code FROM juhe_dictionary_entry WHERE dictionary = 'seatClass' ORDER BY position"
        assert [as_text(code) for (code,) in db.query(order)] == seat_classes, db.via


# --- upgrades from the tables of dictgen 0.1 ---------------------------------------------


@pytest.mark.db
@pytest.mark.parametrize("history", [("0.9.0",), ("0.9.0", "1.0.0")])
@pytest.mark.parametrize("transaction", SQL_TRANSACTIONS)
def test_seeds_upgrade_the_tables_of_dictgen_0_1(
    postgres: Postgres,
    mariadb: MariaDB,
    tmp_path: Path,
    history: tuple[str, ...],
    transaction: SqlTransaction,
) -> None:
    """0.1 seeds, then today's: rows get positions, retired rows stay retired; a rerun changes nothing."""
    new = shipped(transaction)
    for db in databases(postgres, mariadb, tmp_path):
        for version in history:
            plant_legacy(db, version)
        before = old_state(db)
        assert ("legacyType", "1") in [row[:2] for row in before[1]]
        if db.dialect != "mysql":  # MariaDB: test_mariadb_upgrade_stops_at_your_foreign_keys
            db.add_downstream()
        if db.dialect == "sqlite":
            refused_by_old_sqlite_tables(db, new.sql["sqlite"])
            db.apply(sqlite_upgrade(new.sql["sqlite"]))
        apply_twice(db, new.sql[db.dialect], upgraded(before, new))
        if db.dialect != "mysql":
            assert db.downstream() == sorted(row[:2] for row in before[1])


@pytest.mark.db
def test_mariadb_upgrade_makes_the_tables_a_fresh_seed_makes(mariadb: MariaDB) -> None:
    """Upgraded MariaDB tables are the same, column for column and key for key, as fresh ones."""
    new = shipped()
    fresh, old = MariaDb(mariadb, "pymysql", False), MariaDb(mariadb, "pymysql", False)
    try:
        fresh.apply(new.sql["mysql"])
        plant_legacy(old, "0.9.0")
        old.apply(new.sql["mysql"])
        for table in ("juhe_dictionary", "juhe_dictionary_entry"):
            shown = [db.query(f"SHOW CREATE TABLE {table}")[0][1] for db in (fresh, old)]
            assert shown[0] == shown[1] and "utf8mb4_nopad_bin" in shown[0] and "varbinary" not in shown[0]
    finally:
        fresh.close()
        old.close()


@pytest.mark.db
def test_mariadb_upgrade_stops_at_your_foreign_keys(mariadb: MariaDB) -> None:
    """A table of yours with VARBINARY keys into the entries stops the upgrade, rows intact, until the
    docs' steps: drop your key, run the seed, make your columns strings and add the key back."""
    new = shipped()
    db = MariaDb(mariadb, "pymysql", False)
    try:
        plant_legacy(db, "0.9.0")
        db.execute(
            "CREATE TABLE orders (dictionary VARBINARY(1024) NOT NULL, code VARBINARY(1024) NOT NULL, "
            "CONSTRAINT orders_entry FOREIGN KEY (dictionary, code) "
            "REFERENCES juhe_dictionary_entry (dictionary, code))"
        )
        db.execute("INSERT INTO orders SELECT dictionary, code FROM juhe_dictionary_entry")
        before = old_state(db)
        with pytest.raises(pymysql.err.MySQLError, match="orders_entry"):
            db.apply(new.sql["mysql"])
        assert old_state(db) == before
        db.execute("ALTER TABLE orders DROP FOREIGN KEY orders_entry")
        db.apply(new.sql["mysql"])
        db.execute(
            f"ALTER TABLE orders MODIFY dictionary {MYSQL_KEY}, MODIFY code {MYSQL_KEY}, "
            "ADD CONSTRAINT orders_entry FOREIGN KEY (dictionary, code) "
            "REFERENCES juhe_dictionary_entry (dictionary, code)"
        )
        assert db.read() == upgraded(before, new)
        assert len(db.query("SELECT * FROM orders")) == len(before[1])
    finally:
        db.close()


# --- seeds that run in the caller's transaction ------------------------------------------


def test_only_own_seeds_have_transaction_statements() -> None:
    """``own`` seeds hold BEGIN (START TRANSACTION) and COMMIT; ``none`` seeds no transaction statement."""
    own, none = shipped("own"), shipped("none")
    for dialect in DIALECTS:
        assert [m[1] for m in TRANSACTION.finditer(own.sql[dialect])] == [
            "START TRANSACTION" if dialect == "mysql" else "BEGIN",
            "COMMIT",
        ]
        assert not TRANSACTION.search(none.sql[dialect]), dialect
        assert 'sql_transaction = "none"' in none.sql[dialect] and "sql_transaction" not in own.sql[dialect]


@pytest.mark.db
def test_psql_single_transaction_runs_a_none_seed_cleanly(postgres: Postgres) -> None:
    """``psql -1 -v ON_ERROR_STOP=1``: fresh, again, and over 0.1 tables; nothing on stderr."""
    new, db = shipped("none"), PgDb(postgres, "psql")
    try:
        for _ in range(2):
            _psql_single(db, new.sql["postgresql"])
            assert db.read() == expected([new])
        other = PgDb(postgres, "psql")
        try:
            plant_legacy(other, "0.9.0")
            before = old_state(other)
            _psql_single(other, new.sql["postgresql"])
            assert other.read() == upgraded(before, new)
        finally:
            other.close()
    finally:
        db.close()


def _psql_single(db: PgDb, sql: str) -> None:
    stderr = db.psql(sql, "-1")
    assert stderr == "", stderr


@contextmanager
def rolled_back(db: Db) -> Iterator[Callable[[str], None]]:
    """A transaction of the caller's on ``db``'s connection, rolled back at the end; yields ``run(seed)``."""
    if isinstance(db, PgDb):
        with db.conn.transaction() as tx:
            yield lambda sql: db.conn.execute(sql.encode("utf-8"))
            raise psycopg.Rollback(tx)
    elif isinstance(db, SqliteDb):

        def run(sql: str) -> None:
            for statement in statements(sql):
                db.conn.execute(statement)

        db.conn.execute("BEGIN")
        yield run
        db.conn.execute("ROLLBACK")
    else:
        db.conn.autocommit(False)
        db.conn.begin()
        yield db.apply
        db.conn.rollback()
        db.conn.autocommit(True)


def _layout(db: Db) -> list[tuple[str, str]]:
    """(table, column) of both tables, from the catalogue."""
    if db.dialect == "sqlite":
        tables = ("juhe_dictionary", "juhe_dictionary_entry")
        return [(t, c) for t in tables for (c,) in db.query(f"SELECT name FROM pragma_table_info('{t}')")]
    where = "current_schema()" if db.dialect == "postgresql" else "DATABASE()"
    columns = "table_name, column_name FROM information_schema.columns"
    found = db.query(f"SELECT {columns} WHERE table_schema = {where} AND table_name LIKE 'juhe%'")
    return sorted((as_text(t), as_text(c)) for t, c in found)


@pytest.mark.db
def test_a_rolled_back_transaction_keeps_every_change_of_a_none_seed_out(
    postgres: Postgres, mariadb: MariaDB, tmp_path: Path
) -> None:
    """In the caller's transaction, then rolled back: PostgreSQL and SQLite keep nothing, MariaDB
    keeps the tables (and their upgrade: DDL commits implicitly) but none of the seed's rows."""
    older, new = seed_of(_older(sample_result()), "0.9.0", "none"), shipped("none")
    for db in databases(postgres, mariadb, tmp_path):
        if db.via not in DRIVERS:
            continue
        with rolled_back(db) as run:
            run(new.sql[db.dialect])
            assert db.read() == expected([new])
        if db.dialect == "mysql":
            assert db.read() == ([], [])
        else:
            assert _layout(db) == []
        db.apply(older.sql[db.dialect])
        before, layout = db.read(), _layout(db)
        with rolled_back(db) as run:
            run(new.sql[db.dialect])
        assert db.read() == before and _layout(db) == layout, db.via


@pytest.mark.db
def test_a_rolled_back_upgrade_of_dictgen_0_1_tables(postgres: Postgres, mariadb: MariaDB) -> None:
    """PostgreSQL rolls the added columns back with the rest. MariaDB has upgraded the tables for good
    and committed what the transaction did before the seed, but the rows keep what 0.1 wrote (no
    position) until a committed run."""
    new = shipped("none")
    pg, maria = PgDb(postgres, "psycopg"), MariaDb(mariadb, "pymysql", False)
    try:
        for db in (pg, maria):
            plant_legacy(db, "0.9.0")
            db.execute("CREATE TABLE caller_rows (x INT)")
            before, layout = old_state(db), _layout(db)
            with rolled_back(db) as run:
                db.execute("INSERT INTO caller_rows VALUES (1)")
                run(new.sql[db.dialect])
            assert old_state(db) == before, db.dialect
            assert db.query("SELECT x FROM caller_rows") == ([(1,)] if db.dialect == "mysql" else [])
            if db.dialect == "postgresql":
                assert _layout(db) == layout
            else:
                assert db.read() == before  # the position column is there now, NULL everywhere
            db.apply(new.sql[db.dialect])
            assert db.read() == upgraded(before, new)
    finally:
        pg.close()
        maria.close()


# --- MySQL keys: strings, compared byte for byte ------------------------------------------


@pytest.mark.db
def test_mysql_codes_and_names_are_strings_compared_byte_for_byte(mariadb: MariaDB) -> None:
    """PyMySQL reads codes and names as str; 'a', 'A' and 'a ' are three entries; the longest keys fit."""
    longest = "😀" * 384
    cases = {"a": "小写", "A": "大写", "a ": "带空格", longest: "最长"}
    result = {
        "caseType": {"msg": "大小写", "data": cases},
        longest: {"msg": "最长", "data": {longest: "最长"}},
    }
    seed = seed_of(result, "1.0.0")
    for via in ("pymysql", "mariadb"):
        db = MariaDb(mariadb, via, False)
        try:
            db.apply(seed.sql["mysql"])
            rows = db.query("SELECT dictionary, code, name FROM juhe_dictionary_entry")
            assert all(type(value) is str for row in rows for value in row), rows
            assert sorted(code for _, code, _ in rows) == sorted(["a", "A", "a ", longest, longest])
            for code in ("a", "A", "a "):
                found = db.query(f"SELECT label FROM juhe_dictionary_entry WHERE code = '{code}'")
                assert found == [(cases[code],)], code
            assert db.read() == expected([seed])
        finally:
            db.close()


# --- the docs' Alembic recipe ---------------------------------------------------------


def alembic_migration(folder: Path, seed: str) -> dict[str, Any]:
    """The README's Alembic migration, as a module in ``folder`` with the seed beside it."""
    [block] = [b for b in parse(README) if b.lang == "python" and "from alembic import op" in b.text]
    (folder / "juhe_seed.sql").write_text(seed, encoding="utf-8")
    module: dict[str, Any] = {"__file__": str(folder / "0002_juhe_seed.py"), "__name__": "juhe_seed"}
    exec(compile(block.text, "docs/targets/sql.md", "exec"), module)
    return module


def _engine(db: Db) -> Engine:
    """SQLAlchemy on ``db``'s database (schema, file)."""
    if isinstance(db, PgDb):
        url = f"postgresql+psycopg://postgres@127.0.0.1:{db.server.port}/postgres"
        return create_engine(url, connect_args={"options": f"-c search_path={db.schema}"})
    if isinstance(db, MariaDb):
        return create_engine(f"mysql+pymysql://root@127.0.0.1:{db.server.port}/{db.database}?charset=utf8mb4")
    assert isinstance(db, SqliteDb)
    engine = create_engine(f"sqlite:///{db.path}")
    # sqlite3 before Python 3.12 commits CREATE TABLE by itself: SQLAlchemy's recipe for a SQLite
    # transaction that holds DDL too (the docs say so) is no implicit handling and our own BEGIN.
    event.listen(engine, "connect", lambda dbapi, _: setattr(dbapi, "isolation_level", None))
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


@pytest.mark.db
def test_the_readme_alembic_migration_runs_in_alembic_transaction(
    postgres: Postgres, mariadb: MariaDB, tmp_path: Path
) -> None:
    """upgrade() in Alembic's transaction: rolled back, PostgreSQL and SQLite keep nothing (MariaDB its
    tables); committed, the tables hold the snapshot, even with '%' and ':' in labels."""
    result = sample_result()
    result["seatClass"]["data"]["98"] = "100%s :name %% %(x)s ?"
    seed = seed_of(result, "1.0.0", "none")
    for db in databases(postgres, mariadb, tmp_path):
        if db.via not in DRIVERS or getattr(db, "no_backslash", False):
            continue
        folder = tmp_path / db.via
        folder.mkdir()
        migration = alembic_migration(folder, seed.sql[db.dialect])
        engine = _engine(db)
        for commit in (False, True):
            with engine.connect() as conn:
                transaction = conn.begin()
                with Operations.context(MigrationContext.configure(conn)):
                    migration["upgrade"]()
                if commit:
                    transaction.commit()
                else:
                    transaction.rollback()
            if not commit and db.dialect == "mysql":
                assert db.read() == ([], []), db.via
            elif not commit:
                assert _layout(db) == [], db.via
        engine.dispose()
        assert db.read() == expected([seed]), db.via
        shutil.rmtree(folder)
