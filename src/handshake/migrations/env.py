"""Alembic environment: async engine, batch mode on SQLite, every domain's metadata."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from handshake.bootstrap import import_models
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.settings import DatabaseSettings

import_models()
config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(database: DatabaseSettings) -> None:
    engine = create_engine(database, null_pool=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Migrate the database handed over by the runner."""
    database = config.attributes.get("database")
    if not isinstance(database, DatabaseSettings):
        raise RuntimeError("no database: run migrations through handshake.migrations.runner")
    asyncio.run(_run_async(database))


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
