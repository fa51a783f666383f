"""Generated history for the analytics benchmark, written set-based with ``generate_series``.

Shape (not tuned to the reports): ``days`` days up to now; partners of every kind (two social,
two video, an assistant, a device maker: the four channels), each with ``campaigns`` campaigns
of ``creatives`` creatives; every fifth campaign runs on another channel than the partner's own,
3 % of events name no campaign. Partners, campaigns and shoppers are skewed (a few big ones, a
long tail). Kinds: 80 % impressions, 9 % views, 8 % clicks, 3 % add-to-carts; ``linked_share``
of events come from linked shoppers (their ids), the rest are anonymous. Events arrive in time
order (ids follow time, as real ids do) with a few minutes of jitter; no offer tokens (which
would only make the raw table, and so the bare aggregate, bigger).

Orders are set-based rows consistent with the schema (not made by the attribution code):
``order_rate`` of the clicks, taken among linked shoppers' clicks, become an order placed within
two days of the click (70 % in the partner's app carrying the click id, the rest on the store);
each gets one line, an insight (member 40 %, new customer 35 %, likely cannibalised 12 %) and a
touch per model crediting the click; a quarter more are organic (insight, no touch), a few of
the last minutes await attribution; 3 % are cancelled, 2 % refunded.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

PARTNER_KINDS = ("social", "video", "assistant", "device_maker", "social", "video")
MAIN_CHANNEL = {
    "social": "feed_ad", "video": "video", "assistant": "assistant",
    "device_maker": "device_suggestion",
}  # fmt: skip
CHANNELS = ("feed_ad", "video", "assistant", "device_suggestion")
KIND_WEIGHTS = {"impression": 0.80, "view": 0.09, "click": 0.08, "add_to_cart": 0.03}

# $1..$2 the numbers of the events, $3 how many in all, $4 the first instant, $5 the span in
# seconds, $6 partner ids, $7 the four channels then each partner's own, $8/$9 variant and
# product ids, $10 shoppers, $11 linked share, $12 campaigns, $13 creatives.
EVENTS_SQL = """
INSERT INTO ad_events (id, partner_id, event_id, kind, channel, occurred_at, received_at,
    placement_id, campaign_id, creative_id, variant_id, product_id, offer_token, click_id,
    shopper_id, grant_id, metadata)
SELECT 'ade_' || lpad(g::text, 26, '0'), ($6::text[])[p], 'ev-' || g, kind,
    CASE WHEN c % 5 = 4 THEN ($7::text[])[1 + (p + c) % 4] ELSE ($7::text[])[4 + p] END,
    at, at + r_received * interval '90 seconds',
    CASE WHEN r_slot < 0.5 THEN 'slot-' || floor(r_slot * 16)::int END,
    'cmp-' || c, 'crv-' || c || '-' || floor(r_creative * $13)::int,
    ($8::text[])[v], ($9::text[])[v], NULL,
    CASE WHEN kind = 'click' THEN 'clk_' || lpad(g::text, 26, '0') END,
    CASE WHEN r_linked < $11
        THEN 'shp_b' || lpad((1 + floor($10 * power(r_shopper, 1.5)))::int::text, 25, '0') END,
    CASE WHEN r_linked < $11 THEN 'gnt_bench' END,
    '{}'::jsonb
FROM (
    SELECT g, p, c, v, r_creative, r_received, r_slot, r_linked, r_shopper,
        CASE WHEN r_kind < 0.80 THEN 'impression' WHEN r_kind < 0.89 THEN 'view'
            WHEN r_kind < 0.97 THEN 'click' ELSE 'add_to_cart' END AS kind,
        $4::timestamptz + ((g - 1)::float8 / $3 * $5 + r_jitter * 300) * interval '1 second' AS at
    FROM (
        SELECT g,
            1 + least(cardinality($6::text[]) - 1,
                      floor(cardinality($6::text[]) * power(random(), 1.4)))::int AS p,
            CASE WHEN random() < 0.97 THEN floor($12 * power(random(), 2))::int END AS c,
            1 + floor(random() * cardinality($8::text[]))::int AS v,
            random() AS r_kind, random() AS r_jitter, random() AS r_creative,
            random() AS r_received, random() AS r_slot, random() AS r_linked,
            random() AS r_shopper
        FROM generate_series($1::bigint, $2::bigint) AS g
    ) AS drawn
) AS shaped
"""

SHOPPERS_SQL = """
INSERT INTO shoppers (id, email, name, locale, password_hash, created_at, updated_at)
SELECT 'shp_b' || lpad(n::text, 25, '0'), 'bench-' || n || '@shoppers.bench.example', NULL,
    'en', '!', $2::timestamptz, $2::timestamptz
FROM generate_series(1, $1::int) AS n
"""

# Orders of a sample of linked shoppers' clicks, then organic ones; in the statement that draws
# them $1 how many attributed, $2 how many organic, $3 the first instant, $4 the last,
# $5 shoppers; in the ones writing insights and touches $1 the last instant (orders of the last
# ten minutes await attribution).
ORDERS_SQL = """
CREATE TEMP TABLE bench_orders (id text, event_id text, shopper_id text, partner_id text,
    channel text, click_id text, occurred_at timestamptz, campaign_id text, creative_id text,
    r_app float8, placed_at timestamptz, items_minor int, r_status float8, r_member float8,
    r_new float8, r_cannibalised float8) ON COMMIT DROP;

INSERT INTO bench_orders
WITH clicked AS (
    SELECT e.id AS event_id, e.shopper_id, e.partner_id, e.channel, e.click_id, e.occurred_at,
        e.campaign_id, e.creative_id, random() AS r_app
    FROM ad_events AS e
    WHERE e.kind = 'click' AND e.shopper_id IS NOT NULL
    ORDER BY random() LIMIT $1
), organic AS (
    SELECT NULL::text AS event_id,
        'shp_b' || lpad((1 + floor($5 * power(random(), 1.5)))::int::text, 25, '0') AS shopper_id,
        NULL::text AS partner_id, NULL::text AS channel, NULL::text AS click_id,
        $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) AS occurred_at,
        NULL::text AS campaign_id, NULL::text AS creative_id, 1.0::float8 AS r_app
    FROM generate_series(1, $2::int)
)
SELECT 'ord_b' || lpad(row_number() OVER ()::text, 25, '0'), t.*,
    t.occurred_at + random() * least(interval '2 days', $4::timestamptz - t.occurred_at),
    1500 + floor(random() * 23500)::int, random(), random(), random(), random()
FROM (SELECT * FROM clicked UNION ALL SELECT * FROM organic) AS t;

INSERT INTO orders (id, session_id, shopper_id, partner_id, channel, click_id, status,
    payment_id, card_label, currency, items_minor, list_items_minor, shipping_minor, tax_minor,
    total_minor, refunded_minor, address, delivery_option, placed_at, canceled_at, updated_at)
SELECT o.id, 'cks' || substr(o.id, 4), o.shopper_id,
    CASE WHEN o.r_app < 0.7 THEN o.partner_id END,
    CASE WHEN o.r_app < 0.7 THEN p.name ELSE 'store' END,
    CASE WHEN o.r_app < 0.7 THEN o.click_id END,
    CASE WHEN o.r_status < 0.03 THEN 'canceled' WHEN o.r_status < 0.05 THEN 'refunded'
        WHEN o.r_status < 0.5 THEN 'delivered' ELSE 'paid' END,
    'pay' || substr(o.id, 4), 'Visa •••• 4242', 'EUR', o.items_minor, o.items_minor,
    CASE WHEN o.items_minor >= 5000 THEN 0 ELSE 499 END, o.items_minor / 6,
    o.items_minor + CASE WHEN o.items_minor >= 5000 THEN 0 ELSE 499 END,
    CASE WHEN o.r_status >= 0.03 AND o.r_status < 0.05
        THEN o.items_minor + CASE WHEN o.items_minor >= 5000 THEN 0 ELSE 499 END ELSE 0 END,
    '{"city": "Lyon", "country": "FR"}'::jsonb, 'standard', o.placed_at,
    CASE WHEN o.r_status < 0.03 THEN o.placed_at + interval '1 hour' END, o.placed_at
FROM bench_orders AS o LEFT JOIN partners AS p ON p.id = o.partner_id;

INSERT INTO order_lines (id, order_id, position, variant_id, sku, title_en, title_fr, quantity,
    unit_price_minor, list_price_minor, warehouse_code, campaign_id, creative_id)
SELECT 'oln' || substr(o.id, 4), o.id, 0, v.id, v.sku, 'Bench item', 'Article de banc', 1,
    o.items_minor, o.items_minor, 'BENCH', o.campaign_id, o.creative_id
FROM bench_orders AS o
CROSS JOIN LATERAL (
    SELECT id, sku FROM catalog_variants ORDER BY id
    OFFSET (hashtext(o.id) & 1023) % (SELECT count(*) FROM catalog_variants) LIMIT 1
) AS v;

INSERT INTO order_insights (order_id, shopper_id, day, is_member, is_new_customer,
    is_cannibalised, attributed_at)
SELECT o.id, o.shopper_id, (o.placed_at AT TIME ZONE 'UTC')::date, o.r_member < 0.4,
    o.r_new < 0.35, o.r_cannibalised < 0.12, o.placed_at + interval '10 seconds'
FROM bench_orders AS o
WHERE o.placed_at < $1::timestamptz - interval '10 minutes';

INSERT INTO order_touches (order_id, model, day, ad_event_id, partner_id, channel, campaign_id,
    creative_id, kind, matched_by, touched_at)
SELECT o.id, m.model, (o.placed_at AT TIME ZONE 'UTC')::date, o.event_id, o.partner_id,
    o.channel, coalesce(o.campaign_id, ''), coalesce(o.creative_id, ''), 'click',
    CASE WHEN o.r_app < 0.7 THEN 'click_id' ELSE 'shopper' END, o.occurred_at
FROM bench_orders AS o
CROSS JOIN (VALUES ('last_click'), ('view_through')) AS m (model)
WHERE o.event_id IS NOT NULL AND o.placed_at < $1::timestamptz - interval '10 minutes';
"""


@dataclass(frozen=True)
class Catalog:
    """Variant and product ids the events name."""

    variant_ids: list[str]
    product_ids: list[str]


async def catalog(connection: asyncpg.Connection) -> Catalog:
    """Every catalog variant, by id."""
    rows = await connection.fetch("SELECT id, product_id FROM catalog_variants ORDER BY id")
    if not rows:
        raise RuntimeError("the analytics benchmark needs the prepared catalog's variants")
    return Catalog([r["id"] for r in rows], [r["product_id"] for r in rows])


async def insert_shoppers(connection: asyncpg.Connection, count: int, at: datetime) -> None:
    """``count`` shopper rows (ad_events.shopper_id and orders name them)."""
    await connection.execute(SHOPPERS_SQL, count, at)


async def insert_events(
    connection: asyncpg.Connection, *, first: int, last: int, total: int, seed: float,
    params: Sequence[Any],
) -> None:  # fmt: skip
    """Events ``first`` to ``last`` of ``total`` (``params``: $4 onwards of EVENTS_SQL)."""
    async with connection.transaction():
        await connection.execute("SELECT setseed($1)", seed)
        await connection.execute(EVENTS_SQL, first, last, total, *params)


async def detach_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drop ad_events' constraints and indexes (a bulk load then builds each index once, from
    sorted rows, and checks each foreign key with one join); the statements restoring them."""
    constraints = await connection.fetch(
        "SELECT conname, contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
        " WHERE conrelid = 'ad_events'::regclass AND contype IN ('p', 'u', 'f')"
        " ORDER BY position(contype::text in 'puf'), conname"
    )
    indexes = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = 'ad_events' AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = 'ad_events'::regclass)"
        " ORDER BY indexname"
    )
    for row in constraints:
        await connection.execute(f'ALTER TABLE ad_events DROP CONSTRAINT "{row["conname"]}"')
    for row in indexes:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [
        *(f'ALTER TABLE ad_events ADD CONSTRAINT "{r["conname"]}" {r["definition"]}'
          for r in constraints),
        *(str(r["indexdef"]) for r in indexes),
    ]  # fmt: skip


async def insert_orders(
    connection: asyncpg.Connection, *, attributed: int, organic: int, since: datetime,
    until: datetime, shoppers: int,
) -> None:  # fmt: skip
    """The orders, lines, insights and touches described in the module docstring."""
    async with connection.transaction():
        await connection.execute("SELECT setseed(0.5)")
        for statement in ORDERS_SQL.split(";\n\n"):
            if "$5" in statement:
                await connection.execute(statement, attributed, organic, since, until, shoppers)
            elif "$1" in statement:
                await connection.execute(statement, until)
            else:
                await connection.execute(statement)


def channel_of(number: int, campaign: int, kind: str) -> str:
    """The channel of a campaign of the ``number``-th partner (1-based), as EVENTS_SQL says."""
    return CHANNELS[(number + campaign) % 4] if campaign % 5 == 4 else MAIN_CHANNEL[kind]


@dataclass(frozen=True)
class Slice:
    """Events for the incremental path: job payloads as the intake shapes them."""

    payloads: list[dict[str, Any]]

    @property
    def events(self) -> int:
        """How many events in all."""
        return sum(len(p["events"]) for p in self.payloads)


def incremental_slice(
    *, count: int, partners: Sequence[tuple[str, str]], catalog_: Catalog, shoppers: int,
    since: datetime, until: datetime, linked_share: float, campaigns: int, creatives: int,
    prefix: str,
) -> Slice:  # fmt: skip
    """``count`` live events between ``since`` and ``until``: anonymous batches of 500 from a
    partner's server, linked shoppers' batches of 25 from their app, as the worker gets them."""
    draw = random.Random(7)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    payloads, made = [], 0
    while made < count:
        linked = draw.random() < linked_share
        size = min(25 if linked else 500, count - made)
        number = min(len(partners) - 1, int(len(partners) * draw.random() ** 1.4))
        partner_id, kind = partners[number]
        shopper = f"shp_b{1 + int(shoppers * draw.random() ** 1.5):025d}" if linked else None
        entries = []
        for _ in range(size):
            made += 1
            event_kind = draw.choices(kinds, weights)[0]
            campaign = int(campaigns * draw.random() ** 2)
            variant = draw.randrange(len(catalog_.variant_ids))
            at = since + (until - since) * draw.random()
            entries.append({
                "event_id": f"{prefix}-{made}", "kind": event_kind,
                "channel": channel_of(number + 1, campaign, kind),
                "occurred_at": at.isoformat(), "placement_id": None,
                "campaign_id": f"cmp-{campaign}",
                "creative_id": f"crv-{campaign}-{draw.randrange(creatives)}",
                "variant_id": catalog_.variant_ids[variant],
                "product_id": catalog_.product_ids[variant], "offer_token": None,
                "click_id": f"{prefix}_{uuid.uuid4().hex}" if event_kind == "click" else None,
                "metadata": {},
            })  # fmt: skip
        payloads.append({
            "partner_id": partner_id, "shopper_id": shopper,
            "grant_id": "gnt_bench" if linked else None,
            "received_at": (until + timedelta(seconds=1)).isoformat(), "events": entries,
        })  # fmt: skip
    return Slice(payloads)
