"""SQL target: every seed applied to real SQLite, PostgreSQL and MariaDB, by client and by driver."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dictgen.choices import DIALECTS, SQL_TRANSACTIONS, SqlTransaction
from dictgen.config import Settings
from dictgen.model.curated import load_curated
from dictgen.model.naming import Names, assign
from dictgen.model.snapshot import load_snapshots, newest_per_major
from dictgen.model.types import Snapshot
from dictgen.render.filters import sql_str
from dictgen.targets import reserved
from dictgen.targets import sql as sql_target
from tests.support.dbservers import MariaDB, Postgres
from tests.support.helpers import ROOT, dictgen, planned, sample_result, tree, write_snapshot
from tests.support.sqldb import Db, DictRow, EntryRow, PgDb, State, as_text, by_key, databases
from tests.support.strategies import results, text

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- seeds and what they should leave behind ---------------------------------------------


@dataclass(frozen=True)
class Seed:
    """The three rendered seeds of one snapshot, and the snapshot with its names."""

    sql: dict[str, str]
    snapshot: Snapshot
    names: Names


def render_seed(
    snapshots: Path, names: Path, prefix: str = "juhe_", transaction: SqlTransaction = "own"
) -> Seed:
    """Render the SQL target in-process for the newest snapshot in ``snapshots``."""
    settings = Settings(
        snapshots=snapshots,
        names=names,
        targets=("sql",),
        builtin_names=False,
        options={"sql": sql_target.Options(prefix, transaction)},
    )
    files = planned(settings)
    sql: dict[str, str] = {d: files[f"sql/{d}.sql"].decode("utf-8") for d in DIALECTS}
    snap = newest_per_major(load_snapshots(snapshots))[-1]
    return Seed(sql, snap, assign(snap, load_curated(names), reserved()))


def seed_of(result: dict[str, Any], version: str, transaction: SqlTransaction = "own") -> Seed:
    """Render the seeds of ``result`` as snapshot ``version`` (no curated names)."""
    with tempfile.TemporaryDirectory() as tmp:
        write_snapshot(Path(tmp) / "snapshots", version, result)
        return render_seed(Path(tmp) / "snapshots", Path(tmp) / "names.toml", transaction=transaction)


def expected(seeds: Sequence[Seed]) -> State:
    """The tables after applying ``seeds`` in order: newest rows active at their position, older retired."""
    dicts: dict[str, DictRow] = {}
    entries: dict[tuple[str, str], EntryRow] = {}
    for seed in seeds:
        dicts = {k: (*row[:4], False, None) for k, row in dicts.items()}
        entries = {k: (*row[:4], False, None) for k, row in entries.items()}
        snap = seed.snapshot
        for i, d in enumerate(snap.dictionaries):
            dicts[d.key] = (d.key, d.msg, str(snap.version), snap.sha256, True, i)
            for j, e in enumerate(d.entries):
                name = seed.names.members[d.key][e.code]
                entries[d.key, e.code] = (d.key, e.code, name, e.label, True, j)
    return sorted(dicts.values(), key=by_key), sorted(entries.values(), key=by_key)


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


def _older(result: dict[str, Any]) -> dict[str, Any]:
    """A plausible older release of ``result``: an extra dictionary and entry, one label changed."""
    old = {k: v if k == "tips" else {"msg": v["msg"], "data": dict(v["data"])} for k, v in result.items()}
    first = next(k for k in old if k != "tips")
    old[first]["data"]["99"] = "已下线的代码'); DROP TABLE juhe_dictionary; --"
    code = next(iter(old[first]["data"]))
    old[first]["data"][code] = "旧\\'标签 $$ %s"
    old["legacyType"] = {"msg": "旧字典 \\", "data": {"1": "甲", "2": "乙\n"}}
    return old


@pytest.mark.db
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


@pytest.mark.slow
@pytest.mark.db
@FAST
@given(upgrades(), st.sampled_from(SQL_TRANSACTIONS), st.sampled_from(SQL_TRANSACTIONS))
def test_hostile_dictionaries_round_trip(
    postgres: Postgres,
    mariadb: MariaDB,
    pair: tuple[dict[str, Any], dict[str, Any]],
    first: SqlTransaction,
    then: SqlTransaction,
) -> None:
    """Hostile names, codes, labels and msgs come back exactly, and upgrades retire, on every way."""
    old, new = seed_of(pair[0], "1.0.0", first), seed_of(pair[1], "1.1.0", then)
    with tempfile.TemporaryDirectory() as folder:
        for db in databases(postgres, mariadb, Path(folder)):
            check_upgrade(db, old, new)


@pytest.mark.slow
@pytest.mark.db
@settings(max_examples=30, deadline=None)
@given(st.lists(text, min_size=1, max_size=20))
def test_literals_read_back_exactly(postgres: Postgres, mariadb: MariaDB, values: list[str]) -> None:
    """sql_str alone: a SELECT of the literals returns the strings, in every dialect and mode."""
    with tempfile.TemporaryDirectory() as folder:
        for db in databases(postgres, mariadb, Path(folder)):
            literals = ", ".join(sql_str(v, db.dialect) for v in values)
            assert [as_text(v) for v in db.query(f"SELECT {literals}")[0]] == values, db.via


@pytest.mark.db
@pytest.mark.parametrize("transaction", SQL_TRANSACTIONS)
def test_seeds_run_quietly_on_postgresql(postgres: Postgres, transaction: SqlTransaction) -> None:
    """psql prints nothing on stderr, no NOTICE "already exists, skipping", on a fresh database and
    on a current one; a ``none`` seed alone and in psql's single transaction (-1)."""
    seed = render_seed(ROOT / "snapshots", ROOT / "names.toml", transaction=transaction)
    db = PgDb(postgres, "psql")
    try:
        # The capture sees a NOTICE when there is one: the DDL the seeds used to run prints two.
        ddl = "CREATE TABLE IF NOT EXISTS probe (x INTEGER);"
        assert db.psql(ddl) == "" and 'NOTICE:  relation "probe" already exists' in db.psql(ddl)
        for flags in [(), ()] if transaction == "own" else [(), (), ("-1",), ("-1",)]:
            assert db.psql(seed.sql["postgresql"], *flags) == "", flags
            assert db.read() == expected([seed])
    finally:
        db.close()


@pytest.mark.db
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
    result["idType"]["data"]["码" * 385] = "太长"
    write_snapshot(tmp_path / "snapshots", "1.0.0", result)
    proc = dictgen(
        "generate", "--target", "sql", "--snapshots", tmp_path / "snapshots", "--out", tmp_path / "o"
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "error: sql/mysql.sql: IdType: a code (TAI_ZHANG) of 385 characters exceeds 384"
    )
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
