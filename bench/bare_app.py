"""The baseline: a bare FastAPI endpoint reading one product row with asyncpg, nothing else.

Served by uvicorn exactly like the real app; configured through environment variables set by the
benchmark (``BENCH_BARE_DSN``, ``BENCH_BARE_SCHEMA``, ``BENCH_BARE_TABLE``).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
POOL_MIN = 10
POOL_MAX = 20  # the real app's default pool: pool_size 10 + max_overflow 10


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"not a plain SQL identifier: {value!r}")
    return value


def create_bare_app(*, dsn: str, schema: str | None, table: str) -> FastAPI:
    """The baseline app reading ``table`` by primary key through an asyncpg pool."""
    query = f'SELECT * FROM "{_identifier(table)}" WHERE id = $1'
    server_settings = {"search_path": _identifier(schema)} if schema else {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            dsn, min_size=POOL_MIN, max_size=POOL_MAX, server_settings=server_settings
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="bare baseline", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/products/{product_id}")
    async def product(product_id: str, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(query, product_id)
        if row is None:
            raise HTTPException(status_code=404, detail="no such product")
        return dict(row)

    return app


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy form) → ``postgresql://…`` (asyncpg form)."""
    scheme, sep, rest = sqlalchemy_url.partition("://")
    return f"postgresql{sep}{rest}" if scheme.startswith("postgres") else sqlalchemy_url


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory bench.bare_app:app_from_environment``."""
    return create_bare_app(
        dsn=asyncpg_dsn(os.environ["BENCH_BARE_DSN"]),
        schema=os.environ.get("BENCH_BARE_SCHEMA") or None,
        table=os.environ["BENCH_BARE_TABLE"],
    )
