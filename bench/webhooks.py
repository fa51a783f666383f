"""Webhook deliveries per second: one outbox worker delivering to a local receiver.

``events`` events are published (each its own transaction, as a change would) before the worker
starts; the worker then drains the queue (claim, prepare, sign, POST, record, complete) and the
rate is events / time to drain. Baseline in the same run: the same number of POSTs of signed
messages to the same receiver with the same concurrency straight from httpx, no database.
Target (issue): ≥ 500 deliveries/s with one worker.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import text
from standardwebhooks import Webhook

from bench.prepare import BenchData, loader_settings
from bench.results import machine_info, utc_timestamp
from bench.servers import uvicorn_server

NAME = "webhooks"
TARGET_PER_SECOND = 500.0
RECEIVER_FACTORY = "bench.webhook_receiver:create_receiver_app"


@dataclass(frozen=True)
class Options:
    """How many events and how many deliveries at once."""

    events: int = 3000
    concurrency: int = 4  # deliveries in flight (webhooks.max_in_flight) and bare POSTs
    batch_size: int = 100  # the default: ceil(100 / 4) x 15 s timeout < the 600 s lease
    rounds: int = 3


async def _prepare(data: BenchData, url: str, events: int) -> str:
    """A partner with one endpoint at ``url`` and ``events`` published events; the partner id."""
    from handshake.bootstrap import build_container
    from handshake.partners import service as partners
    from handshake.webhooks import service as webhooks

    container = build_container(loader_settings(data.database))
    try:
        partner = await partners.create_partner(
            uow=container.uow(), name=f"Bench hooks {secrets.token_hex(3)}", kind="social",
            contact_email="hooks@bench.example",
        )  # fmt: skip
        await partners.add_webhook_endpoint(
            uow=container.uow(), partner_id=partner.id, url=url, event_types=["order.created"]
        )
        for number in range(events):
            await webhooks.publish_event(
                uow=container.uow(), partner_id=partner.id, event_type="order.created",
                data={"order_id": f"ord_bench_{number}", "total": {"minor": 4999}},
            )  # fmt: skip
    finally:
        await container.dispose()
    return partner.id


async def _drain(data: BenchData, options: Options, partner_id: str) -> tuple[float, int]:
    """Seconds one worker takes to deliver everything queued; deliveries that succeeded."""
    from handshake.bootstrap import build_container
    from handshake.entrypoints.observability import configure_logging
    from handshake.jobs.worker import Worker
    from handshake.settings import LogSettings

    settings = loader_settings(data.database)
    settings = settings.model_copy(
        update={
            "jobs": settings.jobs.model_copy(update={"batch_size": options.batch_size}),
            "webhooks": settings.webhooks.model_copy(update={"max_in_flight": options.concurrency}),
            "log": LogSettings(level="WARNING", json_output=True),  # as in production
        }
    )
    configure_logging(settings)
    container = build_container(settings)
    try:
        worker = Worker(
            uow_factory=container.uow, registry=container.jobs, settings=settings.jobs,
            concurrency=options.concurrency,
        )  # fmt: skip
        started = time.perf_counter()
        await worker.run_until_idle(max_batches=100_000)
        elapsed = time.perf_counter() - started
        async with container.engine.connect() as connection:
            succeeded = await connection.scalar(
                text(
                    "SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e"
                    " ON e.id = d.event_id WHERE e.partner_id = :p AND d.status = 'succeeded'"
                ),
                {"p": partner_id},
            )
    finally:
        await container.dispose()
    return elapsed, int(succeeded or 0)


async def _bare(url: str, options: Options) -> float:
    """Seconds to POST ``events`` signed messages with ``concurrency`` at once, no database."""
    hook = Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    slots = asyncio.Semaphore(options.concurrency)
    limits = httpx.Limits(max_connections=options.concurrency)

    async def post(client: httpx.AsyncClient, number: int) -> None:
        body = f'{{"type":"order.created","data":{{"order_id":"ord_bare_{number}"}}}}'
        message_id = f"msg_{number}"
        moment = datetime.now(tz=UTC)
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": hook.sign(message_id, moment, body),
            "content-type": "application/json",
        }
        async with slots:
            answer = await client.post(url, content=body, headers=headers)
            answer.raise_for_status()

    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        await asyncio.gather(*(post(client, n) for n in range(options.events)))
        return time.perf_counter() - started


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """Alternate bare and worker rounds against one receiver; the report."""
    started = time.monotonic()
    rounds: list[dict[str, float]] = []
    with uvicorn_server("receiver", RECEIVER_FACTORY, {}) as receiver:
        url = f"{receiver.base_url}/hook"
        for number in range(1, options.rounds + 1):
            bare_seconds = asyncio.run(_bare(url, options))
            partner_id = asyncio.run(_prepare(data, url, options.events))
            seconds, succeeded = asyncio.run(_drain(data, options, partner_id))
            if succeeded != options.events:
                raise RuntimeError(f"{succeeded} of {options.events} deliveries succeeded")
            result = {
                "worker_per_second": round(options.events / seconds, 1),
                "bare_per_second": round(options.events / bare_seconds, 1),
            }
            rounds.append(result)
            console.print(
                f"  round {number}/{options.rounds}: worker {result['worker_per_second']:.0f}/s,"
                f" bare {result['bare_per_second']:.0f}/s"
            )
    best = max(rounds, key=lambda r: r["worker_per_second"])
    worker_rate = sorted(r["worker_per_second"] for r in rounds)[len(rounds) // 2]
    bare_rate = sorted(r["bare_per_second"] for r in rounds)[len(rounds) // 2]
    return {
        "benchmark": NAME,
        "timestamp": utc_timestamp(),
        "machine": machine_info(),
        "settings": {
            **asdict(options),
            "worker": "one in-process Worker, PostgreSQL, shared httpx client",
            "bare": "httpx POSTs of Standard Webhooks-signed bodies, same concurrency, no DB",
            "receiver": "plain ASGI app under uvicorn answering 204",
        },
        "rounds": rounds,
        "best_round": best,
        "median_worker_per_second": worker_rate,
        "median_bare_per_second": bare_rate,
        "ratio_worker_over_bare": round(worker_rate / bare_rate, 4) if bare_rate else 0.0,
        "target_per_second": TARGET_PER_SECOND,
        "passed": worker_rate >= TARGET_PER_SECOND,
        "duration_seconds": round(time.monotonic() - started, 1),
    }


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The medians, the ratio and the verdict."""
    verdict = "[green]PASS[/green]" if report["passed"] else "[red]FAIL[/red]"
    console.print(
        f"webhook deliveries: worker [bold]{report['median_worker_per_second']:.0f}/s[/bold]"
        f" (target ≥ {report['target_per_second']:.0f}), bare"
        f" {report['median_bare_per_second']:.0f}/s, ratio"
        f" {report['ratio_worker_over_bare']:.3f} {verdict}"
    )
