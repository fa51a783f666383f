"""Product read throughput: the real app's ``GET /api/v1/products/{id}`` against a bare FastAPI +
asyncpg endpoint reading the same row; same run, same database, alternating rounds.

The real app runs twice: in its default configuration (the in-process product page cache on, the
configuration the target applies to) and with that cache disabled
(``HANDSHAKE_CATALOG__READ_CACHE_SECONDS=0``), so every request goes to PostgreSQL. Both ratios are
reported.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.load import LoadGenerator, LoadResult
from bench.prepare import BenchData
from bench.results import machine_info, median, utc_timestamp
from bench.servers import Server, uvicorn_server

NAME = "product_read"
TARGET_RATIO = 0.8
REAL_FACTORY = "handshake.entrypoints.http:app_from_environment"
BARE_FACTORY = "bench.bare_app:app_from_environment"
NO_CACHE_ENV = {"HANDSHAKE_CATALOG__READ_CACHE_SECONDS": "0"}
# Printed and reported names of the measured apps, in the order rounds alternate.
REAL, REAL_NO_CACHE, BARE = "real", "real-nocache", "bare"


@dataclass(frozen=True)
class Options:
    """How long and how hard to measure."""

    rounds: int = 5
    seconds: float = 8.0
    warmup_seconds: float = 3.0
    connections: int = 32


def real_app_env(data: BenchData) -> dict[str, str]:
    """Production-like settings: random secret, JSON logs at WARNING, no embedded worker."""
    return {
        "HANDSHAKE_ENVIRONMENT": "production",
        "HANDSHAKE_SECURITY__SECRET_KEY": secrets.token_urlsafe(48),
        "HANDSHAKE_DATABASE__URL": data.database.url,
        "HANDSHAKE_DATABASE__SCHEMA_NAME": data.database.schema_name or "",
        "HANDSHAKE_LOG__LEVEL": "WARNING",
        "HANDSHAKE_LOG__JSON_OUTPUT": "true",
        "HANDSHAKE_JOBS__EMBEDDED_WORKER": "false",
    }


def bare_app_env(data: BenchData) -> dict[str, str]:
    """The baseline reads the same table of the same schema."""
    return {
        "BENCH_BARE_DSN": data.database.url,
        "BENCH_BARE_SCHEMA": data.database.schema_name or "",
        "BENCH_BARE_TABLE": data.product_table,
    }


def _check_response(server: Server, url: str, product_id: str) -> int:
    response = httpx.get(url, timeout=5.0)
    if response.status_code != 200:
        raise RuntimeError(
            f"{server.name}: GET {url} -> {response.status_code} {response.text[:300]}\n"
            f"{server.log_tail()}"
        )
    body = response.json()
    if body.get("id") != product_id:
        raise RuntimeError(f"{server.name}: answered for {body.get('id')!r}, not {product_id!r}")
    return len(response.content)


def _measure(
    load: LoadGenerator, urls: dict[str, str], options: Options, console: Console
) -> dict[str, list[LoadResult]]:
    for name, url in urls.items():
        load.run(url, seconds=options.warmup_seconds, connections=options.connections)
        console.print(f"  warmed up {name}")
    rounds: dict[str, list[LoadResult]] = {name: [] for name in urls}
    for number in range(1, options.rounds + 1):
        for name, url in urls.items():
            result = load.run(url, seconds=options.seconds, connections=options.connections)
            rounds[name].append(result)
            console.print(
                f"  round {number}/{options.rounds} {name:>12}: "
                f"{result.requests_per_second:9.1f} req/s  "
                f"p50 {result.latency_ms.get('p50', 0):.2f} ms"
                f"  errors {result.errors}"
            )
    return rounds


def run(data: BenchData, load: LoadGenerator, options: Options, console: Console) -> dict[str, Any]:
    """Serve the apps, measure them alternately and build the JSON report."""
    started = time.monotonic()
    path = f"/api/v1/products/{data.product_id}"
    with (
        uvicorn_server(REAL, REAL_FACTORY, real_app_env(data)) as real,
        uvicorn_server(REAL_NO_CACHE, REAL_FACTORY, real_app_env(data) | NO_CACHE_ENV) as nocache,
        uvicorn_server(BARE, BARE_FACTORY, bare_app_env(data)) as bare,
    ):
        servers = {REAL: real, REAL_NO_CACHE: nocache, BARE: bare}
        urls = {name: server.base_url + path for name, server in servers.items()}
        body_bytes = {
            name: _check_response(server, urls[name], data.product_id)
            for name, server in servers.items()
        }
        rounds = _measure(load, urls, options, console)
    medians = {
        name: median([r.requests_per_second for r in results]) for name, results in rounds.items()
    }
    ratios = {
        name: round(medians[name] / medians[BARE], 4) if medians[BARE] else 0.0
        for name in (REAL, REAL_NO_CACHE)
    }
    errors = sum(r.errors for results in rounds.values() for r in results)
    return {
        "benchmark": NAME,
        "timestamp": utc_timestamp(),
        "machine": machine_info(),
        "settings": _settings(data, load, options, path, body_bytes),
        "rounds": {name: [r.as_dict() for r in results] for name, results in rounds.items()},
        "median_requests_per_second": medians,
        "ratio_real_over_bare": ratios[REAL],
        "ratio_real_no_cache_over_bare": ratios[REAL_NO_CACHE],
        "target_ratio": TARGET_RATIO,
        "target_applies_to": "real (default configuration, read cache on)",
        "errors": errors,
        "passed": ratios[REAL] >= TARGET_RATIO and errors == 0,
        "duration_seconds": round(time.monotonic() - started, 1),
    }


def _settings(
    data: BenchData, load: LoadGenerator, options: Options, path: str, body_bytes: dict[str, int]
) -> dict[str, Any]:
    real_app = {
        "factory": REAL_FACTORY,
        "environment": "production",
        "log_level": "WARNING",
        "json_logs": True,
        "embedded_worker": False,
        "uvicorn_workers": 1,
    }
    return {
        **asdict(options),
        "load_generator": {"name": load.name, "version": load.version},
        "order": f"alternating rounds: {REAL}, {REAL_NO_CACHE}, {BARE}, ...",
        "database": {"backend": "postgresql", "schema": data.database.schema_name},
        "tables_created_with": data.created_with,
        "products": data.products,
        "product_id": data.product_id,
        "path": path,
        "response_bytes": body_bytes,
        REAL: {
            **real_app,
            "read_cache": "default (catalog.read_cache_seconds)",
            "note": "one product read over and over: after the first read within each TTL, "
            "requests are served from the in-process cache",
        },
        REAL_NO_CACHE: {**real_app, "read_cache": "disabled", "env": NO_CACHE_ENV},
        BARE: {
            "factory": BARE_FACTORY,
            "query": "SELECT * FROM <products> WHERE id = $1",
            "uvicorn_workers": 1,
        },
    }


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The medians, the ratio and the verdict."""
    table = Table(title="product read throughput (median of rounds)")
    table.add_column("app")
    table.add_column("req/s", justify="right")
    table.add_column("rounds", justify="right")
    for name, value in report["median_requests_per_second"].items():
        per_round = ", ".join(f"{r['requests_per_second']:.0f}" for r in report["rounds"][name])
        table.add_row(name, f"{value:.1f}", per_round)
    console.print(table)
    verdict = "[green]PASS[/green]" if report["passed"] else "[red]FAIL[/red]"
    console.print(
        f"ratio real/bare = [bold]{report['ratio_real_over_bare']:.3f}[/bold] "
        f"(default configuration; target ≥ {report['target_ratio']}) {verdict}; "
        f"errors: {report['errors']}"
    )
    console.print(
        f"ratio real-nocache/bare = [bold]{report['ratio_real_no_cache_over_bare']:.3f}[/bold] "
        "(read cache disabled: every request reads PostgreSQL; no target)"
    )
