"""The OAuth benchmarks' baseline: a bare FastAPI endpoint doing one indexed read.

``POST /read`` takes a form field ``token``, hashes it like handshake does and reads the token
row by its unique ``access_hash`` index with asyncpg — the least any token endpoint or
introspection must do. Configured by ``BENCH_BARE_DSN`` and ``BENCH_BARE_SCHEMA``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, Form, HTTPException, Request

from bench.bare_app import POOL_MAX, POOL_MIN, _identifier, asyncpg_dsn

QUERY = (
    "SELECT id, client_id, scope, expires_at, revoked_at FROM oauth_tokens WHERE access_hash = $1"
)


def create_token_bare_app(*, dsn: str, schema: str | None) -> FastAPI:
    """The baseline app over the ``oauth_tokens`` table of ``schema``."""
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

    app = FastAPI(title="bare token read", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/read")
    async def read(token: Annotated[str, Form()], request: Request) -> dict[str, Any]:
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = await request.app.state.pool.fetchrow(QUERY, digest)
        if row is None:
            raise HTTPException(status_code=404, detail="no such token")
        return {"id": row["id"], "client_id": row["client_id"], "scope": row["scope"]}

    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory bench.token_bare_app:app_from_environment``."""
    return create_token_bare_app(
        dsn=asyncpg_dsn(os.environ["BENCH_BARE_DSN"]),
        schema=os.environ.get("BENCH_BARE_SCHEMA") or None,
    )
