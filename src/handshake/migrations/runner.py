"""Run Alembic programmatically against a database described by ``DatabaseSettings``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from handshake.db.engine import create_engine
from handshake.settings import DatabaseSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(database: DatabaseSettings) -> Config:
    """An Alembic config pointing at this package's scripts and ``database``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database"] = database
    return config


def upgrade(database: DatabaseSettings, revision: str = "head") -> None:
    """Migrate up to ``revision``."""
    command.upgrade(alembic_config(database), revision)


def downgrade(database: DatabaseSettings, revision: str) -> None:
    """Migrate down to ``revision`` (``base`` drops everything)."""
    command.downgrade(alembic_config(database), revision)


def check(database: DatabaseSettings) -> None:
    """Raise if the models and the migrated schema disagree (``alembic check``)."""
    command.check(alembic_config(database))


def revision(database: DatabaseSettings, message: str) -> None:
    """Autogenerate a new revision from the models."""
    command.revision(alembic_config(database), message=message, autogenerate=True)


def head() -> str | None:
    """The newest revision id of the scripts."""
    return ScriptDirectory.from_config(alembic_config(DatabaseSettings())).get_current_head()


def current(database: DatabaseSettings) -> str | None:
    """The revision the database is at (None when never migrated)."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async def run() -> str | None:
        engine = create_engine(database, null_pool=True)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(run())
