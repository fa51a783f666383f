"""``python -m bench`` (``make bench``): prepare data, run every benchmark, write JSON reports."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from rich.console import Console

from bench import analytics as analytics_bench
from bench import assistant as assistant_bench
from bench import checkout as checkout_bench
from bench import devices as devices_bench
from bench import devices_connector, oauth_tokens, product_read
from bench import offers as offers_bench
from bench import webhooks as webhooks_bench
from bench.load import LoadGenerator, detect_load_generator
from bench.prepare import DEFAULT_SCHEMA, BenchData, drop_schema, prepare
from bench.results import write_result


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (defaults keep the whole run under ~3 minutes)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    defaults = product_read.Options()
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="per round and app")
    parser.add_argument("--warmup", type=float, default=defaults.warmup_seconds)
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="PostgreSQL schema (recreated)")
    parser.add_argument("--keep-data", action="store_true", help="keep the schema afterwards")
    parser.add_argument(
        "--fail-below-target", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument(
        "--only",
        choices=(
            product_read.NAME,
            oauth_tokens.NAME,
            offers_bench.NAME,
            webhooks_bench.NAME,
            checkout_bench.NAME,
            devices_bench.NAME,
            devices_connector.NAME,
            assistant_bench.NAME,
            analytics_bench.NAME,
        ),
        help="run one benchmark",
    )
    parser.add_argument(
        "--analytics-events",
        type=_event_count,
        default=analytics_bench.Options().events,
        help="ad events generated for the analytics benchmark (default 10000000: a few minutes)",
    )
    parser.add_argument(
        "--assistant-sizes",
        type=_sizes,
        default=assistant_bench.DEFAULT_SIZES,
        help="catalog sizes of the assistant benchmark, comma-separated (default 1000; the"
        " issue's full run is 1000,100000, about 18 minutes)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.rounds <= 20 and 1 <= args.seconds <= 60 and 1 <= args.connections <= 256):
        parser.error("rounds 1..20, seconds 1..60, connections 1..256")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; the exit status is 0 unless asked to fail below target."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    console = Console()
    load = detect_load_generator(args.load)
    console.print(f"load generator: [bold]{load.name} {load.version}[/bold]")
    console.print("preparing data (schema, tables, demo catalog through the catalog service)…")
    data = prepare(args.schema)
    console.print(
        f"  {data.products} products in schema {data.database.schema_name}; "
        f"reading {data.product_id}",
        soft_wrap=True,
    )
    reports = []
    try:
        if args.only in (None, product_read.NAME):
            reports.append(_product_read(data, load, args, console))
        if args.only in (None, oauth_tokens.NAME):
            reports.append(_oauth_tokens(data, args, console))
        if args.only in (None, offers_bench.NAME):
            reports.append(_offers(data, load, args, console))
        if args.only in (None, webhooks_bench.NAME):
            reports.append(_webhooks(data, console))
        if args.only in (None, checkout_bench.NAME):
            reports.append(_checkout(data, args, console))
        if args.only in (None, devices_bench.NAME):
            reports.append(_devices(data, args, console))
        if args.only in (None, devices_connector.NAME):
            reports.append(_devices_connector(data, args, console))
        if args.only in (None, assistant_bench.NAME):
            reports.append(_assistant(args, console))
        if args.only in (None, analytics_bench.NAME):
            reports.append(_analytics(data, args, console))
    finally:
        if not args.keep_data:
            asyncio.run(drop_schema(data.database))
    passed = all(report["passed"] for report in reports)
    return 1 if args.fail_below_target and not passed else 0


def _product_read(
    data: BenchData, load: LoadGenerator, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    options = product_read.Options(
        rounds=args.rounds,
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        connections=args.connections,
    )
    console.print(f"[bold]{product_read.NAME}[/bold]: real app vs bare FastAPI + asyncpg")
    report = product_read.run(data, load, options, console)
    product_read.print_summary(report, console)
    console.print(f"report: {write_result(product_read.NAME, report)}")
    return report


def _oauth_tokens(data: BenchData, args: argparse.Namespace, console: Console) -> dict[str, Any]:
    defaults = oauth_tokens.Options()
    options = oauth_tokens.Options(
        rounds=min(args.rounds, defaults.rounds),
        seconds=min(args.seconds, defaults.seconds),
        warmup_seconds=min(args.warmup, defaults.warmup_seconds),
        connections=min(args.connections, defaults.connections),
    )
    console.print(f"[bold]{oauth_tokens.NAME}[/bold]: refresh grant and introspection vs bare read")
    report = oauth_tokens.run(data, options, console)
    oauth_tokens.print_summary(report, console)
    console.print(f"report: {write_result(oauth_tokens.NAME, report)}")
    return report


def _offers(
    data: BenchData, load: LoadGenerator, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    defaults = offers_bench.Options()
    options = offers_bench.Options(
        rounds=min(args.rounds, defaults.rounds),
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        connections=args.connections,
    )
    console.print(f"[bold]{offers_bench.NAME}[/bold]: linked offer vs bare FastAPI + asyncpg read")
    report = offers_bench.run(data, load, options, console)
    offers_bench.print_summary(report, console)
    console.print(f"report: {write_result(offers_bench.NAME, report)}")
    return report


def _webhooks(data: BenchData, console: Console) -> dict[str, Any]:
    console.print(f"[bold]{webhooks_bench.NAME}[/bold]: one worker vs bare signed POSTs")
    report = webhooks_bench.run(data, webhooks_bench.Options(), console)
    webhooks_bench.print_summary(report, console)
    console.print(f"report: {write_result(webhooks_bench.NAME, report)}")
    return report


def _checkout(data: BenchData, args: argparse.Namespace, console: Console) -> dict[str, Any]:
    defaults = checkout_bench.Options()
    options = checkout_bench.Options(
        rounds=min(args.rounds, defaults.rounds), seconds=min(args.seconds, defaults.seconds)
    )
    console.print(f"[bold]{checkout_bench.NAME}[/bold]: checkouts vs bare reserve + insert")
    report = checkout_bench.run(data, options, console)
    checkout_bench.print_summary(report, console)
    console.print(f"report: {write_result(checkout_bench.NAME, report)}")
    return report


def _devices(data: BenchData, args: argparse.Namespace, console: Console) -> dict[str, Any]:
    defaults = devices_bench.Options()
    options = devices_bench.Options(
        rounds=min(args.rounds, defaults.rounds), seconds=min(args.seconds, defaults.seconds)
    )
    console.print(f"[bold]{devices_bench.NAME}[/bold]: event gateway vs bare asyncpg inserts")
    report = devices_bench.run(data, options, console)
    devices_bench.print_summary(report, console)
    console.print(f"report: {write_result(devices_bench.NAME, report)}")
    return report


def _devices_connector(
    data: BenchData, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    options = devices_connector.Options(seconds=min(args.seconds, 8.0))
    console.print(
        f"[bold]{devices_connector.NAME}[/bold]: simulated devices → MQTT → connector → gateway"
    )
    report = devices_connector.run(data, options, console)
    devices_connector.print_summary(report, console)
    console.print(f"report: {write_result(devices_connector.NAME, report)}")
    return report


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(",") if part.strip())
    if not sizes or not all(10 <= size <= 1_000_000 for size in sizes):
        raise argparse.ArgumentTypeError("sizes between 10 and 1000000, comma-separated")
    return sizes


def _assistant(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    options = assistant_bench.Options(sizes=args.assistant_sizes, keep_databases=args.keep_data)
    console.print(
        f"[bold]{assistant_bench.NAME}[/bold]: turn latency on generated catalogs vs keyword search"
    )
    report = assistant_bench.run(options, console)
    assistant_bench.print_summary(report, console)
    console.print(f"report: {write_result(assistant_bench.NAME, report)}")
    return report


def _event_count(text: str) -> int:
    count = int(text.replace("_", ""))
    if not 2_000 <= count <= 100_000_000:
        raise argparse.ArgumentTypeError("between 2000 and 100000000 events")
    return count


def _analytics(data: BenchData, args: argparse.Namespace, console: Console) -> dict[str, Any]:
    defaults = analytics_bench.Options()
    events = args.analytics_events
    options = analytics_bench.Options(
        events=events,
        incremental_events=min(defaults.incremental_events, events // 2),
        shoppers=min(defaults.shoppers, max(100, events // 50)),
    )
    console.print(
        f"[bold]{analytics_bench.NAME}[/bold]: performance report over {events:,} generated"
        " events vs a bare SQL aggregate"
    )
    report = analytics_bench.run(data, options, console)
    analytics_bench.print_summary(report, console)
    console.print(f"report: {write_result(analytics_bench.NAME, report)}")
    return report


if __name__ == "__main__":
    raise SystemExit(main())
