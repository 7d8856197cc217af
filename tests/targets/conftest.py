"""Session-wide throwaway database servers for the SQL target tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.dbservers import MariaDB, Postgres, ServerError


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster on loopback; a server that cannot start fails the tests with its log."""
    server = Postgres()
    try:
        server.start()
    except ServerError as exc:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    """A MariaDB server on loopback; a server that cannot start fails the tests with its log."""
    server = MariaDB()
    try:
        server.start()
    except ServerError as exc:
        server.stop()
        pytest.fail(f"MariaDB did not start: {exc}", pytrace=False)
    yield server
    server.stop()
