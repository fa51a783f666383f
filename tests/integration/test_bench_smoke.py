"""Smoke test of the benchmark harness (not a benchmark: no timing is asserted).

The bare baseline app answers from PostgreSQL in-process, the wrk parser reads wrk's summary, and
the result writer leaves a JSON report with the fields a reader needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from bench import analytics
from bench.bare_app import asyncpg_dsn, create_bare_app
from bench.load import parse_wrk_output
from bench.prepare import POSTGRES_URL_ENV, drop_schema, prepare
from bench.results import machine_info, median, write_result
from bench.token_bare_app import create_token_bare_app
from rich.console import Console
from sqlalchemy import text

from handshake.db.engine import create_engine
from handshake.settings import DatabaseSettings
from tests.conftest import postgres_url_or_skip

SCHEMA = f"bench_smoke_{os.getpid()}"
WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:40000/api/v1/products/prd_1
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.58ms    3.10ms  61.05ms   90.12%
    Req/Sec     2.20k   120.33     2.41k    80.00%
  Latency Distribution
     50%   14.14ms
     75%   16.42ms
     90%   18.95ms
     99%    1.05s
  17520 requests in 8.01s, 16.10MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2187.27
Transfer/sec:      2.01MB
"""


@pytest.fixture
async def product_table() -> AsyncIterator[str]:
    url = postgres_url_or_skip()
    engine = create_engine(DatabaseSettings(url=url), null_pool=True)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        await connection.execute(
            text(f'CREATE TABLE "{SCHEMA}".products (id varchar(32) PRIMARY KEY, title text)')
        )
        await connection.execute(
            text(f"INSERT INTO \"{SCHEMA}\".products VALUES ('prd_1', 'Thermostat')")
        )
    try:
        yield url
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await engine.dispose()


async def test_bare_app_reads_the_row_by_primary_key(product_table: str) -> None:
    app = create_bare_app(dsn=asyncpg_dsn(product_table), schema=SCHEMA, table="products")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            found = await client.get("/api/v1/products/prd_1")
            missing = await client.get("/api/v1/products/prd_2")
    assert found.status_code == 200
    assert found.json() == {"id": "prd_1", "title": "Thermostat"}
    assert missing.status_code == 404


def test_bare_app_refuses_identifiers_that_are_not_plain() -> None:
    with pytest.raises(ValueError, match="identifier"):
        create_bare_app(dsn="postgresql://x", schema=None, table="products; DROP TABLE x")


def test_asyncpg_dsn_drops_the_sqlalchemy_driver() -> None:
    assert asyncpg_dsn("postgresql+asyncpg://u@h:5432/db") == "postgresql://u@h:5432/db"


def test_wrk_summary_is_parsed_with_errors_and_percentiles() -> None:
    result = parse_wrk_output(WRK_OUTPUT)
    assert result.requests == 17520
    assert result.seconds == 8.01
    assert result.requests_per_second == 2187.27
    assert result.errors == 3
    assert result.latency_ms == {"p50": 14.14, "p75": 16.42, "p90": 18.95, "p99": 1050.0}


def test_wrk_parser_refuses_garbage() -> None:
    with pytest.raises(RuntimeError, match="cannot parse"):
        parse_wrk_output("connection refused")


def test_result_writer_leaves_a_readable_json_report(tmp_path: Path) -> None:
    document = {
        "benchmark": "product_read",
        "machine": machine_info(),
        "median_requests_per_second": {"real": median([1.0, 3.0, 2.0]), "bare": 4.0},
    }
    path = write_result("product_read", document, directory=tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("product_read-")
    assert path.suffix == ".json"
    loaded = json.loads(path.read_text())
    assert loaded["median_requests_per_second"] == {"real": 2.0, "bare": 4.0}
    assert loaded["machine"]["cpu_count"] == os.cpu_count()


@pytest.fixture
async def token_table() -> AsyncIterator[str]:
    url = postgres_url_or_skip()
    engine = create_engine(DatabaseSettings(url=url), null_pool=True)
    digest = hashlib.sha256(b"hsat_known").hexdigest()
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        await connection.execute(
            text(
                f'CREATE TABLE "{SCHEMA}".oauth_tokens (id varchar(32) PRIMARY KEY, '
                "access_hash varchar(64) UNIQUE, client_id varchar(32), scope text, "
                "expires_at timestamptz, revoked_at timestamptz)"
            )
        )
        await connection.execute(
            text(
                f'INSERT INTO "{SCHEMA}".oauth_tokens VALUES '
                f"('tok_1', '{digest}', 'cli_1', 'profile', now(), NULL)"
            )
        )
    try:
        yield url
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await engine.dispose()


async def test_token_bare_app_reads_the_token_by_its_digest(token_table: str) -> None:
    app = create_token_bare_app(dsn=asyncpg_dsn(token_table), schema=SCHEMA)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            found = await client.post("/read", data={"token": "hsat_known"})
            missing = await client.post("/read", data={"token": "hsat_other"})
    assert found.status_code == 200
    assert found.json() == {"id": "tok_1", "client_id": "cli_1", "scope": "profile"}
    assert missing.status_code == 404


def test_the_analytics_bench_runs_end_to_end_on_a_tiny_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not a measure: a few thousand events, so the generation, rebuild, live slice, report and
    # bare aggregate code paths keep working. No timing is asserted.
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url_or_skip())
    data = prepare(f"bench_analytics_{os.getpid()}")
    options = analytics.Options(
        events=3000, incremental_events=400, shoppers=300, partners=4, campaigns=5,
        creatives=2, runs=1, bare_runs=1, loaders=2,
    )  # fmt: skip
    output = io.StringIO()
    try:
        report = analytics.run(data, options, Console(file=output, width=160))
        analytics.print_summary(report, Console(file=output, width=160))
    finally:
        asyncio.run(drop_schema(data.database))

    shape = report["shape"]
    assert (shape["ad_events"], shape["events_in_rollups"]) == (3000, 3000)
    assert shape["rollups_count_every_event"] is True
    assert shape["orders"] > 0
    assert report["incremental"]["events"] == 400
    assert set(report["periods"]) == {"30_days", "90_days"}
    ninety = report["periods"]["90_days"]
    assert ninety["events"] == 3000
    assert ninety["report_creative_matches_bare"] is True
    assert ninety["report_partner_matches_bare"] is True
    assert len(ninety["bare_seconds"]["runs"]) == 1
    assert report["benchmark"] == "analytics"
    assert "analytics: 3,000 events" in output.getvalue()
