"""Attribution racing the worker storing events, on SQLite and PostgreSQL.

- The catch-up attributing an order while a click of the same shopper is being stored: whatever
  the interleaving, the order ends credited to the click (both hold the shopper's lock; on
  PostgreSQL an advisory lock, which the forced interleavings below queue them behind).
- Erasure racing the catch-up: the buyer ends unnamed either way (erasure takes the lock too).
- Batches of overlapping cells stored at once add up exactly in ``ad_event_days`` (upserts in
  key order: no lost update, no deadlock).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.attribution_order_helpers import (
    PLAIN,
    THERMO,
    ad_event,
    attribution_catalog,
    batch,
    catch_up,
    day_rows,
    engaged,
    erase,
    insight,
    partner_order,
    store,
    touches,
)
from tests.checkout_helpers import checkout_shopper
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LinkedShopper

ROUNDS = 6
BATCHES = 24
TIMEOUT = 60


@pytest.fixture
def frozen() -> Iterator[None]:
    """A frozen clock (the test moves it)."""
    with clock.frozen_at(FROZEN_START):
        yield


async def click_touch(container: Container, order_id: str) -> dict[str, tuple[str, str | None]]:
    """(kind, partner's event id) credited per model."""
    return {m: (t.kind, t.event_id) for m, t in (await touches(container, order_id)).items()}


async def click_batch(container: Container, linked: LinkedShopper, event_id: str) -> dict:
    """A batch of one click of the linked shopper, a minute ago."""
    partner = linked.app.partner_id
    moment = clock.now() - timedelta(minutes=1)
    return batch(partner, linked.login.shopper_id,
                 [await ad_event(container, partner, event_id, "click", moment)])  # fmt: skip


async def test_a_click_stored_while_the_catch_up_runs_is_credited_whatever_the_timing(
    app: object, client: httpx.AsyncClient, container: Container, frozen: None
) -> None:
    await attribution_catalog(container)
    linked = await checkout_shopper(app, container)
    chance = random.Random(11)

    async def later(work: Awaitable[Any]) -> Any:
        await asyncio.sleep(chance.uniform(0, 0.02))
        return await work

    placed = []
    for round_ in range(ROUNDS):
        clock.advance(timedelta(minutes=5))  # each click is after the orders before
        order = await partner_order(client, linked, [(PLAIN, 1)])
        payload = await click_batch(container, linked, f"click-{round_}")
        await asyncio.wait_for(
            asyncio.gather(later(catch_up(container)), later(store(container, payload))), TIMEOUT
        )
        placed.append(order["id"])

    for round_, order_id in enumerate(placed):
        credited = ("click", f"click-{round_}")
        assert await click_touch(container, order_id) == {
            "last_click": credited, "view_through": credited,
        }  # fmt: skip


@asynccontextmanager
async def holding_the_lock_of(
    container: Container, shopper_id: str
) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
    """Hold the shopper's attribution lock (PostgreSQL) in another connection; yields a wait for
    ``n`` transactions queued behind it. On leaving, the lock is released."""
    async with container.engine.connect() as connection:
        key = f"attribution:{shopper_id}"
        number = (await connection.execute(
            text("SELECT hashtextextended(:key, 0)"), {"key": key}
        )).scalar_one()  # fmt: skip
        await connection.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})

        async def queued(n: int) -> None:
            waiting = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
            )
            params = {"high": (number >> 32) & 0xFFFFFFFF, "low": number & 0xFFFFFFFF}
            async with container.engine.connect() as probe:
                for _ in range(500):
                    if (await probe.execute(waiting, params)).scalar_one() >= n:
                        return
                    await probe.rollback()
                    await asyncio.sleep(0.01)
            raise AssertionError(f"{n} transactions never queued behind the lock")

        yield queued
        await connection.commit()


async def in_order(
    container: Container, shopper_id: str, first: Awaitable[Any], second: Awaitable[Any]
) -> None:
    """Run ``first`` then ``second``, each up to its wait for the shopper's lock (PostgreSQL:
    queued in that order behind a held lock; SQLite's single writer runs them one by one)."""
    if container.settings.database.is_sqlite:
        await first
        await second
        return
    async with holding_the_lock_of(container, shopper_id) as queued:
        one = asyncio.ensure_future(first)
        await queued(1)
        two = asyncio.ensure_future(second)
        await queued(2)
    await asyncio.wait_for(asyncio.gather(one, two), TIMEOUT)


async def test_catch_up_first_then_the_click_the_click_is_credited(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    """The catch-up reads the shopper's clicks before the click commits; the worker storing it
    then credits the order again."""
    await attribution_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await partner_order(client, linked, [(THERMO, 1)])
    payload = await click_batch(container, linked, "k1")

    await in_order(container, linked.login.shopper_id, catch_up(container),
                   store(container, payload))  # fmt: skip

    assert await click_touch(container, order["id"]) == {
        "last_click": ("click", "k1"), "view_through": ("click", "k1"),
    }  # fmt: skip


async def test_the_click_first_then_the_catch_up_the_click_is_credited(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    """The click is stored while the order waits for attribution; the catch-up sees it."""
    await attribution_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await partner_order(client, linked, [(THERMO, 1)])
    payload = await click_batch(container, linked, "k1")

    await in_order(container, linked.login.shopper_id, store(container, payload),
                   catch_up(container))  # fmt: skip

    assert await click_touch(container, order["id"]) == {
        "last_click": ("click", "k1"), "view_through": ("click", "k1"),
    }  # fmt: skip


async def test_batches_of_overlapping_cells_stored_at_once_add_up_exactly(
    app: object, container: Container
) -> None:
    await attribution_catalog(container)
    shoppers = [(await checkout_shopper(app, container)) for _ in range(2)]
    partners = [s.app.partner_id for s in shoppers]
    morning = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
    kinds = ("impression", "click", "view", "add_to_cart")
    chance = random.Random(5)

    async def payload(n: int) -> dict[str, Any]:
        """Batch ``n``: a partner's events of 3 campaigns, in a different order each time; a
        shopper's or anonymous."""
        partner = partners[n % 2]
        events = [
            await ad_event(container, partner, f"b{n}-{campaign}-{kind}", kind,
                           morning + timedelta(hours=campaign), campaign_id=f"camp-{campaign}")
            for campaign in range(3)
            for kind in kinds
        ]  # fmt: skip
        chance.shuffle(events)
        owner = shoppers[n % 3].login.shopper_id if n % 3 < 2 else None
        return batch(partner, owner, events)

    payloads = [await payload(n) for n in range(BATCHES)]
    stored = await asyncio.wait_for(
        asyncio.gather(*(store(container, p) for p in payloads)), TIMEOUT
    )

    assert stored == [12] * BATCHES
    day, half = date(2029, 3, 1), BATCHES // 2
    assert await day_rows(container) == [
        (day, partner, "feed_ad", f"camp-{campaign}", "", half, half, half, half)
        for partner in sorted(partners)
        for campaign in range(3)
    ]
    assert await engaged(container) == sorted(
        (day, partner, "feed_ad", f"camp-{campaign}", "", s.login.shopper_id)
        for partner in partners
        for campaign in range(3)
        for s in shoppers
    )
    again = await asyncio.gather(*(store(container, p) for p in payloads[:4]))
    assert again == [0] * 4
    assert {r[-4:] for r in await day_rows(container)} == {(half,) * 4}


async def buyer_named(container: Container, order_id: str) -> str | None:
    """The shopper the order's insight names."""
    found = await insight(container, order_id)
    assert found is not None
    return found.shopper_id


async def test_catch_up_first_then_the_erasure_the_buyer_is_forgotten(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await attribution_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await partner_order(client, linked, [(THERMO, 1)])
    shopper_id = linked.login.shopper_id

    await in_order(container, shopper_id, catch_up(container), erase(container, shopper_id))

    assert await buyer_named(container, order["id"]) is None


async def test_the_erasure_first_then_the_catch_up_the_buyer_is_never_named(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await attribution_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await partner_order(client, linked, [(THERMO, 1)])
    shopper_id = linked.login.shopper_id

    await in_order(container, shopper_id, erase(container, shopper_id), catch_up(container))

    assert await buyer_named(container, order["id"]) is None
    assert set(await touches(container, order["id"])) == {"last_click", "view_through"}
