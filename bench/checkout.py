"""Completed checkouts per second: the checkout engine against bare stock-and-order SQL.

One checkout is what a partner's Buy tap costs the platform: create the session from an offer
token (verify, re-price, hold stock, totals, promise) then complete it (Idempotency-Key claimed,
re-check, payment authorised by the sandbox, order placed with its webhook event and stored
answer). ``clients`` tasks run checkouts back to back in one process for ``seconds``, on one hot
variant (every client on the same stock row) and on 1,000 variants (a random one each time).

Baseline in the same run: the same number of clients doing bare transactions through asyncpg,
``UPDATE stock SET reserved = reserved + q WHERE … AND on_hand - reserved >= q`` plus an
``INSERT`` of an order row — the least any checkout must write. Target (issue): ≥ 0.5.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import asyncpg
from rich.console import Console

from bench.bare_app import asyncpg_dsn
from bench.prepare import BenchData, loader_settings
from bench.results import machine_info, median, utc_timestamp

NAME = "checkout"
TARGET_RATIO = 0.5
VARIANTS = 1000
WAREHOUSE = "BCH1"
STOCK = 10_000_000
SANDBOX_CARD = "tok_sandbox_visa_bench"  # a sandbox test token, approved


@dataclass(frozen=True)
class Options:
    """Clients, duration and rounds."""

    clients: int = 64
    seconds: float = 8.0
    rounds: int = 3
    pool_size: int = 20  # database connections, the same for the engine and the baseline


@dataclass(frozen=True)
class Fixture:
    """What the checkouts use: a buyer, its offer tokens by SKU, variant and warehouse ids."""

    buyer: Any
    tokens: dict[str, str]
    variant_ids: dict[str, str]
    warehouse_id: str


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "handle": f"bench-item-{n:04d}", "category": "bench/items", "category_name_en": "Bench",
            "category_name_fr": "Banc", "brand": "Bench", "title_en": f"Bench item {n}",
            "title_fr": f"Article {n}", "sku": f"BCH-{n:04d}", "currency": "EUR",
            "list_price": "19.99", "stock": {WAREHOUSE: STOCK},
        }
        for n in range(VARIANTS)
    ]  # fmt: skip


async def _catalog(container: Any) -> None:
    from handshake.catalog import service as catalog

    await catalog.create_warehouse(
        uow=container.uow(), code=WAREHOUSE, name="Bench", timezone="Europe/Paris",
        cutoff_local="16:00", ship_weekdays=[0, 1, 2, 3, 4, 5],
        zones=[{"country": "FR", "postal_prefix": "", "transit_days": 2,
                "member_transit_days": 1, "window_start_hour": 8, "window_end_hour": 20}],
    )  # fmt: skip
    rows = _rows()
    for start in range(0, len(rows), 500):
        report = await catalog.import_rows(uow=container.uow(), rows=rows[start : start + 500])
        if report.errors:
            raise RuntimeError(f"bench catalog import failed: {report.errors[:3]}")


async def _buyer(container: Any) -> Any:
    from handshake.accounts import service as accounts
    from handshake.checkout.service import Buyer
    from handshake.partners import service as partners

    shopper = await accounts.sign_up(
        uow=container.uow(), email=f"bench-{secrets.token_hex(4)}@bench.example",
        password=secrets.token_urlsafe(16), name="Bench Shopper",
    )  # fmt: skip
    await accounts.add_address(
        uow=container.uow(), shopper_id=shopper.id, line1="1 rue du Banc", city="Paris",
        postal_code="75011", country="FR",
    )  # fmt: skip
    await accounts.add_payment_method(
        uow=container.uow(), shopper_id=shopper.id, provider="sandbox",
        token=SANDBOX_CARD, brand="visa", last4="4242", exp_month=12, exp_year=2035,
    )  # fmt: skip
    partner = await partners.create_partner(
        uow=container.uow(), name=f"Bench shop {secrets.token_hex(3)}", kind="social",
        contact_email="checkout@bench.example",
    )  # fmt: skip
    return Buyer(shopper.id, partner.id, None, f"sub_{shopper.id}", partner.name)


async def _tokens(container: Any, buyer: Any) -> tuple[dict[str, str], dict[str, str]]:
    from handshake.catalog import service as catalog
    from handshake.kernel import clock
    from handshake.offers import key_rotation
    from handshake.offers import service as offers
    from handshake.offers.tokens import OfferClaims, sign_offer

    policy = offers.OfferPolicy.from_settings(container.settings)
    keyring = await key_rotation.signing_keyring(
        uow=container.read_uow(), writer=container.uow(), policy=policy
    )
    now = clock.now()
    tokens, variant_ids = {}, {}
    for n in range(VARIANTS):
        sku = f"BCH-{n:04d}"
        variant = (await catalog.get_variant(uow=container.read_uow(), reference=sku)).variant
        claims = OfferClaims(
            token_id=f"oft_bench_{n}", issuer=policy.issuer, partner_id=buyer.partner_id,
            subject=buyer.subject, variant_id=variant.id, sku=sku, unit_price_minor=1999,
            currency="EUR", member_price=False, placement_id="bench", campaign_id=None,
            creative_id=None, issued_at=now, expires_at=now + timedelta(hours=2),
        )  # fmt: skip
        tokens[sku], variant_ids[sku] = sign_offer(claims, keyring), variant.id
    return tokens, variant_ids


async def _prepare(data: BenchData) -> Fixture:
    from handshake.bootstrap import build_container
    from handshake.catalog import service as catalog

    container = build_container(loader_settings(data.database))
    try:
        await _catalog(container)
        buyer = await _buyer(container)
        tokens, variant_ids = await _tokens(container, buyer)
        warehouses = await catalog.list_warehouses(uow=container.read_uow())
        warehouse_id = next(w.warehouse.id for w in warehouses if w.warehouse.code == WAREHOUSE)
    finally:
        await container.dispose()
    return Fixture(buyer, tokens, variant_ids, warehouse_id)


def _pick(hot: bool) -> str:
    return "BCH-0000" if hot else f"BCH-{random.randrange(VARIANTS):04d}"


async def _engine_round(data: BenchData, fixture: Fixture, options: Options, hot: bool) -> int:
    """Checkouts completed by ``clients`` tasks in ``seconds`` through the service layer."""
    from handshake.bootstrap import build_container
    from handshake.checkout import service as checkout
    from handshake.idempotency import service as idempotency

    settings = loader_settings(data.database)
    database = settings.database.model_copy(
        update={"pool_size": options.pool_size, "max_overflow": 0}
    )
    container = build_container(settings.model_copy(update={"database": database}))
    policy = checkout.CheckoutPolicy.from_settings(settings)
    done = 0

    async def one() -> None:
        sku = _pick(hot)
        summary = await checkout.create_checkout_session(
            uow=container.uow(), policy=policy, buyer=fixture.buyer,
            items=[checkout.RequestedItem(fixture.tokens[sku], 1)],
        )  # fmt: skip
        body = {"total_minor": summary.totals.total_minor, "currency": "EUR"}
        keyed = idempotency.keyed_request(scope="bench", key=str(uuid.uuid4()), body=body)
        if await idempotency.claim(uow=container.uow(), request=keyed) is None:
            await checkout.complete_checkout(
                uow=container.uow(), policy=policy, buyer=fixture.buyer,
                session_id=summary.session.id,
                confirmation=checkout.Confirmation(True, summary.totals.total_minor, "EUR"),
                render=lambda placed: {"order": placed.order.id}, idempotent=keyed,
            )  # fmt: skip

    async def client(deadline: float) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await one()
            done += 1

    try:
        await one()  # warm-up: keyring, compiled statements
        done = 0
        deadline = time.perf_counter() + options.seconds
        await asyncio.gather(*(client(deadline) for _ in range(options.clients)))
    finally:
        await container.dispose()
    return done


async def _bare_round(data: BenchData, fixture: Fixture, options: Options, hot: bool) -> int:
    """Bare reserve-and-insert transactions by ``clients`` tasks in ``seconds``."""
    schema = data.database.schema_name
    pool = await asyncpg.create_pool(
        asyncpg_dsn(data.database.url), min_size=options.pool_size, max_size=options.pool_size,
        server_settings={"search_path": str(schema)},
    )  # fmt: skip
    done = 0
    reserve = (
        "UPDATE catalog_stock SET reserved = reserved + $3"
        " WHERE variant_id = $1 AND warehouse_id = $2 AND on_hand - reserved >= $3"
        " RETURNING on_hand"
    )
    insert = "INSERT INTO bench_bare_orders (id, variant_id, quantity) VALUES ($1, $2, $3)"

    async def client(deadline: float) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            variant_id = fixture.variant_ids[_pick(hot)]
            async with pool.acquire() as connection, connection.transaction():
                if await connection.fetchval(reserve, variant_id, fixture.warehouse_id, 1) is None:
                    raise RuntimeError("bench stock ran out")
                await connection.execute(insert, uuid.uuid4().hex, variant_id, 1)
            done += 1

    try:
        async with pool.acquire() as connection:
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS bench_bare_orders"
                " (id varchar(32) PRIMARY KEY, variant_id varchar(32), quantity integer)"
            )
        deadline = time.perf_counter() + options.seconds
        await asyncio.gather(*(client(deadline) for _ in range(options.clients)))
    finally:
        await pool.close()
    return done


def _scenario(
    data: BenchData, fixture: Fixture, options: Options, hot: bool, console: Console
) -> dict[str, Any]:
    rounds = []
    label = "hot variant" if hot else f"{VARIANTS} variants"
    for number in range(1, options.rounds + 1):
        bare = asyncio.run(_bare_round(data, fixture, options, hot)) / options.seconds
        engine = asyncio.run(_engine_round(data, fixture, options, hot)) / options.seconds
        rounds.append({"engine_per_second": round(engine, 1), "bare_per_second": round(bare, 1)})
        console.print(
            f"  {label} round {number}/{options.rounds}: engine {engine:.0f}/s, bare {bare:.0f}/s"
        )
    engine_rate = median([r["engine_per_second"] for r in rounds])
    bare_rate = median([r["bare_per_second"] for r in rounds])
    ratio = round(engine_rate / bare_rate, 4) if bare_rate else 0.0
    return {
        "rounds": rounds, "median_engine_per_second": engine_rate,
        "median_bare_per_second": bare_rate, "ratio_engine_over_bare": ratio,
        "passed": ratio >= TARGET_RATIO,
    }  # fmt: skip


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """Both scenarios, alternating bare and engine rounds; the report."""
    started = time.monotonic()
    fixture = asyncio.run(_prepare(data))
    hot = _scenario(data, fixture, options, True, console)
    spread = _scenario(data, fixture, options, False, console)
    return {
        "benchmark": NAME, "timestamp": utc_timestamp(), "machine": machine_info(),
        "settings": {
            **asdict(options),
            "engine": "create_checkout_session + Idempotency-Key claim + complete_checkout, "
            "in-process service calls, sandbox payments, PostgreSQL",
            "bare": "asyncpg: UPDATE stock … WHERE on_hand - reserved >= q, INSERT order row",
        },
        "hot_variant": hot, "many_variants": spread, "target_ratio": TARGET_RATIO,
        "passed": hot["passed"] and spread["passed"],
        "duration_seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The medians, ratios and verdict of both scenarios."""
    for key, label in (("hot_variant", "hot variant"), ("many_variants", f"{VARIANTS} variants")):
        scenario = report[key]
        verdict = "[green]PASS[/green]" if scenario["passed"] else "[red]FAIL[/red]"
        console.print(
            f"checkouts ({label}): engine [bold]{scenario['median_engine_per_second']:.0f}/s"
            f"[/bold], bare {scenario['median_bare_per_second']:.0f}/s, ratio"
            f" {scenario['ratio_engine_over_bare']:.3f} (target ≥ {TARGET_RATIO}) {verdict}"
        )
