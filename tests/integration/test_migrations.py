"""Migrations: upgrade → check against models → downgrade → upgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from handshake.db.engine import create_engine
from handshake.migrations import runner
from handshake.settings import DatabaseSettings
from tests.conftest import postgres_url_or_skip

SCHEMA = f"mig_{os.getpid()}"


def _run_sql(url: str, statement: str) -> None:
    async def run() -> None:
        engine = create_engine(DatabaseSettings(url=url), null_pool=True)
        async with engine.begin() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def _table_names(database: DatabaseSettings) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async def run() -> set[str]:
        engine = create_engine(database, null_pool=True)
        async with engine.connect() as connection:
            names = await connection.run_sync(read)
        await engine.dispose()
        return names

    return asyncio.run(run())


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[DatabaseSettings]:
    """A database with no tables at all."""
    if backend == "sqlite":
        yield DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}")
        return
    url = postgres_url_or_skip()
    _run_sql(url, f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    _run_sql(url, f'CREATE SCHEMA "{SCHEMA}"')
    try:
        yield DatabaseSettings(url=url, schema_name=SCHEMA)
    finally:
        _run_sql(url, f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


@pytest.mark.slow
def test_migrations_round_trip_and_match_the_models(empty_database: DatabaseSettings) -> None:
    head = runner.head()
    assert head is not None, "no migration scripts"
    runner.upgrade(empty_database)
    assert runner.current(empty_database) == head
    runner.check(empty_database)  # raises when models and migrations disagree
    tables = _table_names(empty_database)
    assert {"jobs", "alembic_version"} <= tables

    runner.downgrade(empty_database, "base")
    assert runner.current(empty_database) is None
    assert _table_names(empty_database) <= {"alembic_version"}

    runner.upgrade(empty_database)
    assert runner.current(empty_database) == head
    assert _table_names(empty_database) == tables
    runner.check(empty_database)
