"""Benchmark data: a dedicated PostgreSQL schema, the tables, the demo catalog imported through
the catalog service, and one product id to read."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy import text

from handshake.bootstrap import build_container, import_models
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.migrations import runner
from handshake.settings import DatabaseSettings, JobSettings, SecuritySettings, Settings

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_URL_ENV = "HANDSHAKE_BENCH_POSTGRES_URL"
DEFAULT_SCHEMA = "handshake_bench"
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class BenchData:
    """Where the benchmark data lives and what to read."""

    database: DatabaseSettings
    product_table: str
    product_id: str
    products: int
    created_with: str


def bench_database(schema: str = DEFAULT_SCHEMA) -> DatabaseSettings:
    """The benchmark database (env ``HANDSHAKE_BENCH_POSTGRES_URL``) in its own schema."""
    if not _SCHEMA.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    url = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    database = DatabaseSettings(url=url, schema_name=schema)
    if database.is_sqlite:
        raise SystemExit("the benchmark runs on PostgreSQL: set a postgresql+asyncpg:// URL")
    return database


def product_table() -> str:
    """Name of the catalog's product table."""
    from handshake.catalog.models import Product

    return str(Product.__tablename__)


def has_migrations() -> bool:
    """Whether Alembic revisions exist in the package (else tables come from the metadata)."""
    versions = runner.MIGRATIONS_DIR / "versions"
    return any(p.suffix == ".py" and p.stem != "__init__" for p in versions.glob("*.py"))


async def _reset_schema(database: DatabaseSettings, *, create_tables: bool) -> None:
    engine = create_engine(DatabaseSettings(url=database.url), null_pool=True)
    schema = database.schema_name
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            if create_tables:
                await connection.execute(text(f'SET search_path TO "{schema}"'))
                await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


async def drop_schema(database: DatabaseSettings) -> None:
    """Remove the benchmark schema and everything in it."""
    engine = create_engine(DatabaseSettings(url=database.url), null_pool=True)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(f'DROP SCHEMA IF EXISTS "{database.schema_name}" CASCADE')
            )
    finally:
        await engine.dispose()


def loader_settings(database: DatabaseSettings) -> Settings:
    """Settings for the process that loads the data (not the one measured)."""
    return Settings(
        environment="test",
        database=database,
        security=SecuritySettings(secret_key=SecretStr("bench-loader-" + "x" * 40)),
        jobs=JobSettings(embedded_worker=False),
    )


async def _load_catalog(database: DatabaseSettings) -> tuple[int, str]:
    from handshake.demo.loader import load_catalog

    container = build_container(loader_settings(database))
    table = product_table()
    try:
        await load_catalog(container)
        async with container.engine.connect() as connection:
            count = (await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one()
            # The middle product by id: a typical row, not the first or last page.
            product_id = (
                await connection.execute(
                    text(f'SELECT id FROM "{table}" ORDER BY id OFFSET :n LIMIT 1'),
                    {"n": int(count) // 2},
                )
            ).scalar_one()
    finally:
        await container.dispose()
    return int(count), str(product_id)


def prepare(schema: str = DEFAULT_SCHEMA) -> BenchData:
    """Fresh schema, tables (migrations when present), catalog; returns what to read."""
    import_models()
    database = bench_database(schema)
    migrate = has_migrations()
    asyncio.run(_reset_schema(database, create_tables=not migrate))
    if migrate:
        runner.upgrade(database)
    count, product_id = asyncio.run(_load_catalog(database))
    return BenchData(
        database=database,
        product_table=product_table(),
        product_id=product_id,
        products=count,
        created_with="alembic upgrade head" if migrate else "metadata.create_all",
    )
