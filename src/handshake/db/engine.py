"""Async engine creation for PostgreSQL (asyncpg) and the embedded SQLite default (aiosqlite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from handshake.settings import DatabaseSettings

SQLITE_BUSY_TIMEOUT_MS = 15000


def create_engine(settings: DatabaseSettings, *, null_pool: bool = False) -> AsyncEngine:
    """An async engine for ``settings.url``; SQLite gets WAL, foreign keys and explicit BEGINs."""
    url = make_url(settings.url)
    kwargs: dict[str, Any] = {"echo": settings.echo}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if null_pool:
            kwargs["poolclass"] = NullPool
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if settings.schema_name:
        kwargs["connect_args"] = {"server_settings": {"search_path": settings.schema_name}}
    if null_pool:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_pre_ping=settings.pool_pre_ping,
            pool_recycle=settings.pool_recycle_seconds,
        )
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling would BEGIN lazily and deferred; we take control so
    # writing units of work can ask for BEGIN IMMEDIATE and never deadlock on lock upgrade.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
