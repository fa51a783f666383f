"""Reports over millions of ad events: the performance report from the worker's daily rollups,
against a bare SQL aggregate of the raw events (issue 11: under a second with 10 million events
on PostgreSQL).

Data (see ``analytics_data``): ``events`` events over ``days`` days, written set-based, with
orders, lines, insights and touches. The rollups are then built as the worker would: the set-based
``rollup_rebuild.rebuild_rollups`` for the history (timed), and the last ``incremental_events``
pushed through the worker's own path, ``service.store_events``, in the batches the intake makes
(timed: events/s; baseline: the same rows inserted by bare asyncpg ``executemany``, one
transaction per batch, then deleted). ``VACUUM ANALYZE`` follows the load, and the rollups are
checked to count every stored event.

Measured over the last 30 days and over all 90, each after a warm-up:
``reports.performance_report`` (what the dashboard, the CSV and the API call) grouped by
creative and by partner (``runs`` runs), and the bare aggregate (``bare_runs`` runs):
``SELECT partner_id, channel, campaign_id, creative_id, kind, count(*) FROM ad_events WHERE
occurred_at in the period GROUP BY …`` plus the report's own order aggregate, given 256 MB of
work_mem and a plan for its actual period (``analytics_bare``). Both must count the same events
and orders. Target: the report under 1 s in every run.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start
from functools import partial
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from bench import analytics_bare as bare
from bench import analytics_data as data_gen
from bench.bare_app import asyncpg_dsn
from bench.prepare import BenchData, loader_settings
from bench.results import machine_info, median, utc_timestamp

NAME = "analytics"
TARGET_REPORT_SECONDS = 1.0
PERIODS = (30, 90)
CHUNK = 500_000  # events per INSERT … SELECT (each its own transaction)


@dataclass(frozen=True)
class Options:
    """Data size and shape, the incremental slice, runs per measure."""

    events: int = 10_000_000
    days: int = 90
    partners: int = 6
    campaigns: int = 50  # per partner
    creatives: int = 4  # per campaign
    shoppers: int = 150_000
    linked_share: float = 0.3
    order_rate: float = 0.015  # orders per click
    incremental_events: int = 20_000
    runs: int = 5  # of each report, after a warm-up
    bare_runs: int = 3  # of each bare aggregate (seconds each on 10M events), after a warm-up
    loaders: int = max(2, os.cpu_count() or 2)  # connections generating events at once


def _phase(console: Console, phases: dict[str, float], name: str, started: float) -> None:
    phases[name] = round(time.perf_counter() - started, 2)
    console.print(f"  {name}: {phases[name]:.1f} s")


async def _partners(database: Any, options: Options) -> list[tuple[str, str]]:
    """The bench partners, created through the partners service: (id, kind)."""
    from handshake.bootstrap import build_container
    from handshake.partners import service as partners

    container = build_container(loader_settings(database))
    made = []
    try:
        for number in range(options.partners):
            kind = data_gen.PARTNER_KINDS[number % len(data_gen.PARTNER_KINDS)]
            partner = await partners.create_partner(
                uow=container.uow(), name=f"Bench {kind} {number + 1} {secrets.token_hex(3)}",
                kind=kind, contact_email="analytics@bench.example",
            )  # fmt: skip
            made.append((partner.id, kind))
    finally:
        await container.dispose()
    return made


@dataclass(frozen=True)
class Window:
    """The data's time span: whole UTC days from ``first``, up to ``now``."""

    first: date
    now: datetime

    @property
    def since(self) -> datetime:
        """The first instant."""
        return datetime.combine(self.first, day_start.min, tzinfo=UTC)

    @property
    def history_until(self) -> datetime:
        """Where the set-based history ends and the live slice begins."""
        return self.now - timedelta(minutes=15)


async def _load(
    dsn: str, schema: str, options: Options, window: Window, partners: list[tuple[str, str]],
    console: Console, phases: dict[str, float],
) -> data_gen.Catalog:  # fmt: skip
    """Shoppers, events (indexes built after), orders; VACUUM ANALYZE."""
    settings = {"search_path": schema, "maintenance_work_mem": "512MB"}
    pool = await asyncpg.create_pool(
        dsn, min_size=options.loaders, max_size=options.loaders, server_settings=settings
    )
    try:
        async with pool.acquire() as connection:
            catalog = await data_gen.catalog(connection)
            started = time.perf_counter()
            await data_gen.insert_shoppers(connection, options.shoppers, window.since)
            _phase(console, phases, "shoppers", started)
            restore = await data_gen.detach_indexes(connection)
        history = options.events - options.incremental_events
        span = (window.history_until - window.since).total_seconds() - 300
        params = (
            window.since, span, [p for p, _ in partners],
            [*data_gen.CHANNELS, *(data_gen.MAIN_CHANNEL[k] for _, k in partners)],
            catalog.variant_ids, catalog.product_ids, options.shoppers, options.linked_share,
            options.campaigns, options.creatives,
        )  # fmt: skip
        started = time.perf_counter()
        await _events(pool, history, params, console)
        _phase(console, phases, "events", started)
        started = time.perf_counter()
        await _restore(pool, restore, console)
        _phase(console, phases, "event_indexes", started)
        started = time.perf_counter()
        async with pool.acquire() as connection:
            clicks = int(history * data_gen.KIND_WEIGHTS["click"])
            attributed = max(1, round(clicks * options.order_rate))
            await data_gen.insert_orders(
                connection, attributed=attributed, organic=max(1, attributed // 4),
                since=window.since, until=window.history_until, shoppers=options.shoppers,
            )  # fmt: skip
        _phase(console, phases, "orders", started)
        await _vacuum(pool, console, phases)
    finally:
        await pool.close()
    return catalog


async def _events(
    pool: asyncpg.Pool, history: int, params: tuple[Any, ...], console: Console
) -> None:
    """The history in chunks, ``loaders`` at once."""
    chunks = [(lo, min(lo + CHUNK - 1, history)) for lo in range(1, history + 1, CHUNK)]
    done = 0

    async def load(first: int, last: int) -> None:
        nonlocal done
        async with pool.acquire() as connection:
            await data_gen.insert_events(
                connection, first=first, last=last, total=history,
                seed=(first % 10_000_019) / 10_000_019, params=params,
            )  # fmt: skip
        done += last - first + 1
        console.print(f"    {done:,} / {history:,} events", highlight=False)

    await asyncio.gather(*(load(first, last) for first, last in chunks))


async def _restore(pool: asyncpg.Pool, statements: list[str], console: Console) -> None:
    """ad_events' constraints and indexes again, each built once over the whole table."""
    async with pool.acquire() as connection:
        for statement in statements:
            started = time.perf_counter()
            await connection.execute(statement)
            name = statement.split('"')[1] if '"' in statement else statement.split()[2]
            console.print(f"    {name}: {time.perf_counter() - started:.1f} s", highlight=False)


async def _vacuum(pool: asyncpg.Pool, console: Console, phases: dict[str, float]) -> None:
    started = time.perf_counter()
    tables = ("ad_events", "ad_event_days", "engaged_shopper_days", "shoppers", "orders",
              "order_lines", "order_insights", "order_touches")  # fmt: skip
    async with pool.acquire() as connection:
        for table in tables:
            await connection.execute(f"VACUUM ANALYZE {table}")
    _phase(console, phases, "vacuum_analyze", started)


async def _rebuild(container: Any, window: Window) -> tuple[float, Any]:
    from handshake.attribution.rollup_rebuild import rebuild_rollups

    started = time.perf_counter()
    outcome = await rebuild_rollups(uow=container.uow(), first=window.first, last=window.now.date())
    return time.perf_counter() - started, outcome


async def _store_slice(container: Any, chunk: data_gen.Slice) -> float:
    """Seconds ``service.store_events`` takes for every payload, one after the other."""
    from handshake.attribution import service
    from handshake.attribution.attributing import AttributionPolicy

    policy = AttributionPolicy.from_settings(container.settings)
    started = time.perf_counter()
    for payload in chunk.payloads:
        await service.store_events(uow=container.uow(), payload=payload, policy=policy)
    return time.perf_counter() - started


async def _timed(work: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await work()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - started)
    return seconds


def _period(window: Window, days: int) -> Any:
    from handshake.attribution.report_periods import report_period

    last = window.now.date()
    return report_period(last - timedelta(days=days - 1), last)


async def _report(container: Any, period: Any, grouping: str) -> tuple[int, int]:
    """The performance report of the period; (events, orders) it counted."""
    from handshake.attribution import reports
    from handshake.attribution.performance import CommissionRates, Grouping

    report = await reports.performance_report(
        uow=container.read_uow(),
        request=reports.ReportRequest(period=period, grouping=Grouping(grouping)),
        rates=CommissionRates.from_settings(container.settings.attribution),
    )
    total = report.total
    return total.impressions + total.views + total.clicks + total.add_to_carts, total.orders


def _seconds(values: list[float]) -> dict[str, Any]:
    return {
        "p50": round(median(values), 4), "max": round(max(values), 4),
        "min": round(min(values), 4), "runs": [round(v, 4) for v in values],
    }  # fmt: skip


async def _measure(container: Any, window: Window, options: Options) -> dict[str, Any]:
    """Report and bare seconds per period (and grouping), checking they count the same."""
    measured: dict[str, Any] = {}
    for days in PERIODS:
        period = _period(window, days)
        bare_counts = await bare.aggregate(container, period)
        entry: dict[str, Any] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        for grouping in ("creative", "partner"):
            counts = await _report(container, period, grouping)
            seconds = await _timed(partial(_report, container, period, grouping), options.runs)
            entry[f"report_{grouping}_seconds"] = _seconds(seconds)
            entry[f"report_{grouping}_matches_bare"] = counts == bare_counts
        seconds = await _timed(partial(bare.aggregate, container, period), options.bare_runs)
        entry["bare_seconds"] = _seconds(seconds)
        entry["events"], entry["orders"] = bare_counts
        slowest = max(
            entry["report_creative_seconds"]["p50"], entry["report_partner_seconds"]["p50"]
        )
        entry["speedup_bare_over_report"] = round(entry["bare_seconds"]["p50"] / slowest, 1)
        measured[f"{days}_days"] = entry
    return measured


SHAPE_SQL = """
SELECT (SELECT count(*) FROM ad_events) AS ad_events,
    (SELECT count(*) FROM ad_event_days) AS ad_event_days,
    (SELECT count(*) FROM engaged_shopper_days) AS engaged_shopper_days,
    (SELECT count(*) FROM orders) AS orders,
    (SELECT count(*) FROM order_touches) AS order_touches,
    (SELECT count(*) FROM shoppers) AS shoppers,
    (SELECT count(*) FROM ad_events WHERE kind = 'click') AS clicks,
    (SELECT coalesce(sum(impressions + views + clicks + add_to_carts), 0) FROM ad_event_days)
        AS events_in_rollups,
    pg_size_pretty(pg_total_relation_size('ad_events')) AS ad_events_size,
    pg_size_pretty(pg_total_relation_size('ad_event_days')) AS ad_event_days_size
"""


async def _shape(container: Any) -> dict[str, Any]:
    async with container.engine.connect() as connection:
        row = (await connection.execute(text(SHAPE_SQL))).one()
    shape = {key: (value if isinstance(value, str) else int(value))
             for key, value in row._mapping.items()}  # fmt: skip
    shape["rollups_count_every_event"] = shape["events_in_rollups"] == shape["ad_events"]
    return shape


async def _main(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    from handshake.bootstrap import build_container

    if options.incremental_events >= options.events:
        raise ValueError("incremental_events must be fewer than events")
    dsn, schema = asyncpg_dsn(data.database.url), data.database.schema_name or "public"
    now = datetime.now(UTC)
    window = Window(first=now.date() - timedelta(days=options.days - 1), now=now)
    phases: dict[str, float] = {}
    partners = await _partners(data.database, options)
    catalog = await _load(dsn, schema, options, window, partners, console, phases)
    container = build_container(loader_settings(data.database))
    try:
        rebuild_seconds, rebuilt = await _rebuild(container, window)
        phases["rebuild_rollups"] = round(rebuild_seconds, 2)
        console.print(f"  rebuild_rollups: {rebuild_seconds:.1f} s ({rebuilt.events:,} events)")
        live = data_gen.incremental_slice(
            count=options.incremental_events, partners=partners, catalog_=catalog,
            shoppers=options.shoppers, since=window.history_until, until=window.now,
            linked_share=options.linked_share, campaigns=options.campaigns,
            creatives=options.creatives, prefix="inc",
        )  # fmt: skip
        bare_insert = await bare.insert_slice(dsn, schema, live)
        stored = await _store_slice(container, live)
        incremental = {
            "events": live.events, "batches": len(live.payloads),
            "store_events_per_second": round(live.events / stored, 1),
            "bare_insert_per_second": round(live.events / bare_insert, 1),
        }  # fmt: skip
        incremental["ratio_store_over_bare"] = round(
            incremental["store_events_per_second"] / incremental["bare_insert_per_second"], 3
        )
        console.print(
            f"  store_events: {incremental['store_events_per_second']:,.0f} events/s"
            f" (bare insert {incremental['bare_insert_per_second']:,.0f}/s)"
        )
        async with container.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("ad_events", "ad_event_days", "engaged_shopper_days"):
                await connection.execute(text(f"VACUUM ANALYZE {table}"))
        shape = await _shape(container)
        measured = await _measure(container, window, options)
    finally:
        await container.dispose()
    return {"phases": phases, "incremental": incremental, "shape": shape, "periods": measured}


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """Generate the data, build the rollups, time the reports against the bare aggregate."""
    started = time.perf_counter()
    found = asyncio.run(_main(data, options, console))
    periods = found["periods"]
    worst = max(
        p[f"report_{g}_seconds"]["max"] for p in periods.values() for g in ("creative", "partner")
    )
    matches = all(
        p[f"report_{g}_matches_bare"] for p in periods.values() for g in ("creative", "partner")
    )
    return {
        "benchmark": NAME, "timestamp": utc_timestamp(), "machine": machine_info(),
        "settings": {**asdict(options),
                     "data": "set-based generate_series (see bench/analytics_data.py)",
                     "report": "reports.performance_report, read unit of work",
                     "bare": "GROUP BY over ad_events + the report's order aggregate",
                     "bare_settings": bare.BARE_SETTINGS},
        **found, "worst_report_seconds": round(worst, 4),
        "target_report_seconds": TARGET_REPORT_SECONDS,
        "total_seconds": round(time.perf_counter() - started, 1),
        "passed": worst < TARGET_REPORT_SECONDS and matches
        and found["shape"]["rollups_count_every_event"],
    }  # fmt: skip


def print_summary(report: dict[str, Any], console: Console) -> None:
    """A table of the report and bare seconds per period, the speed-up, the verdict."""
    table = Table(title=f"analytics: {report['shape']['ad_events']:,} events")
    for header in ("period", "report creative p50/max", "report partner p50/max",
                   "bare p50", "bare ÷ report", "same figures"):  # fmt: skip
        table.add_column(header)
    for name, p in report["periods"].items():
        creative, partner = p["report_creative_seconds"], p["report_partner_seconds"]
        table.add_row(
            name.replace("_", " "), f"{creative['p50']:.3f} / {creative['max']:.3f} s",
            f"{partner['p50']:.3f} / {partner['max']:.3f} s", f"{p['bare_seconds']['p50']:.2f} s",
            f"{p['speedup_bare_over_report']:.0f}×",
            str(p["report_creative_matches_bare"] and p["report_partner_matches_bare"]),
        )  # fmt: skip
    console.print(table)
    live = report["incremental"]
    console.print(
        f"store_events {live['store_events_per_second']:,.0f} events/s vs bare insert"
        f" {live['bare_insert_per_second']:,.0f}/s (ratio {live['ratio_store_over_bare']:.2f});"
        f" rebuild {report['phases']['rebuild_rollups']:.1f} s; whole run"
        f" {report['total_seconds']:.0f} s; worst report {report['worst_report_seconds']:.3f} s"
        f" (target < {TARGET_REPORT_SECONDS:.0f} s):"
        f" {'[green]passed[/green]' if report['passed'] else '[red]missed[/red]'}"
    )
