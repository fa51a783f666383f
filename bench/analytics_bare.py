"""The baselines of the analytics benchmark: bare inserts of the live events, and the bare
aggregate of the raw events a report would run without the rollups."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import text

from bench.analytics_data import Slice

# The bare aggregates run with this much memory, so that PostgreSQL may hash the groups in
# memory (the default 4 MB makes it sort on disk), and always with a plan for the actual period:
# after five runs of a prepared statement PostgreSQL may switch to a generic plan, which here
# sorts every row (measured: 46 s instead of 7 s for 90 days). The strongest plain baseline.
BARE_SETTINGS = {"work_mem": "256MB", "plan_cache_mode": "force_custom_plan"}

BARE_INSERT = (
    "INSERT INTO ad_events (id, partner_id, event_id, kind, channel, occurred_at, received_at,"
    " placement_id, campaign_id, creative_id, variant_id, product_id, offer_token, click_id,"
    " shopper_id, grant_id, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
    " $13, $14, $15, $16, $17::jsonb)"
)


def _rows(payload: dict[str, Any], start: int) -> list[tuple[Any, ...]]:
    received = datetime.fromisoformat(payload["received_at"])
    return [
        (f"ade_bare{n:022d}", payload["partner_id"], e["event_id"],
         e["kind"], e["channel"], datetime.fromisoformat(e["occurred_at"]), received,
         e["placement_id"], e["campaign_id"], e["creative_id"], e["variant_id"], e["product_id"],
         None, e["click_id"], payload["shopper_id"], payload["grant_id"], "{}")
        for n, e in enumerate(payload["events"], start)
    ]  # fmt: skip


async def insert_slice(dsn: str, schema: str, chunk: Slice) -> float:
    """Seconds to insert the same rows with bare asyncpg, a transaction per batch; the rows
    are deleted afterwards (not timed)."""
    connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        rows, start = [], 0
        for payload in chunk.payloads:
            rows.append(_rows(payload, start))
            start += len(payload["events"])
        started = time.perf_counter()
        for batch in rows:
            async with connection.transaction():
                await connection.executemany(BARE_INSERT, batch)
        elapsed = time.perf_counter() - started
        await connection.execute("DELETE FROM ad_events WHERE id LIKE 'ade_bare%'")
    finally:
        await connection.close()
    return elapsed


BARE_EVENTS = """
SELECT partner_id, channel, campaign_id, creative_id, kind, count(*) AS events
FROM ad_events WHERE occurred_at >= :since AND occurred_at < :until
GROUP BY partner_id, channel, campaign_id, creative_id, kind
"""
BARE_ORDERS = """
SELECT t.partner_id, t.channel, t.campaign_id, t.creative_id, count(*) AS orders,
    sum(o.total_minor - o.refunded_minor) AS revenue_minor,
    sum(CASE WHEN i.is_member THEN 1 ELSE 0 END) AS member_orders,
    sum(CASE WHEN i.is_member THEN o.total_minor - o.refunded_minor ELSE 0 END) AS member_revenue,
    sum(CASE WHEN i.is_new_customer THEN 1 ELSE 0 END) AS new_customer_orders,
    sum(CASE WHEN i.is_cannibalised THEN 1 ELSE 0 END) AS cannibalised_orders
FROM order_insights AS i JOIN orders AS o ON o.id = i.order_id
LEFT JOIN order_touches AS t ON t.order_id = i.order_id AND t.model = 'last_click'
WHERE i.day BETWEEN :first AND :last AND o.currency = 'EUR' AND o.status <> 'canceled'
GROUP BY t.partner_id, t.channel, t.campaign_id, t.creative_id
"""


async def aggregate(container: Any, period: Any) -> tuple[int, int]:
    """The bare aggregates of the period; (events, orders) they counted."""
    async with container.engine.connect() as connection:
        for name, value in BARE_SETTINGS.items():
            await connection.execute(text(f"SET LOCAL {name} = '{value}'"))
        events = (
            await connection.execute(
                text(BARE_EVENTS), {"since": period.since, "until": period.until}
            )
        ).all()
        orders = (
            await connection.execute(text(BARE_ORDERS), {"first": period.start, "last": period.end})
        ).all()
    return sum(int(row.events) for row in events), sum(int(row.orders) for row in orders)
