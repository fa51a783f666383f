"""Partner report fixtures: many shoppers' ad engagement and orders, written cheaply.

Shoppers, checkout sessions and orders are inserted as rows; ad events go through
``attribution.service.store_events`` (the worker's job: rows, daily counts, engaged shoppers);
orders are then credited by ``attributing.catch_up``, as the worker would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from handshake.accounts.models import Shopper
from handshake.attribution import attributing, service
from handshake.bootstrap import Container
from handshake.checkout.models import CheckoutSession, Order, OrderStatus
from handshake.db.uow import Repository
from handshake.kernel import clock
from handshake.kernel.ids import new_id

_emails = itertools.count(1)


class RowWriter(Repository):
    """Inserts test rows as they are."""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


async def make_shoppers(container: Container, count: int) -> list[str]:
    """``count`` new shopper accounts (rows only: nobody signs in); their ids."""
    ids = [new_id("shp") for _ in range(count)]
    uow = container.uow()
    async with uow:
        writer = uow.repo(RowWriter)
        for shopper_id in ids:
            writer.add(Shopper(id=shopper_id, email=f"reports{next(_emails)}@example.com",
                               name=None, locale="en", password_hash="!"))  # fmt: skip
        await uow.commit()
    return ids


def ad(kind: str, when: datetime, *, campaign: str, creative: str, channel: str) -> dict[str, Any]:
    """One event entry of a stored batch."""
    return {
        "event_id": new_id("evt"), "kind": kind, "channel": channel,
        "occurred_at": when.isoformat(), "placement_id": "feed", "campaign_id": campaign,
        "creative_id": creative, "variant_id": "var_demo", "product_id": "prd_demo",
        "offer_token": None, "click_id": None, "metadata": {},
    }  # fmt: skip


async def store(
    container: Container, partner_id: str, shopper_id: str | None, events: list[dict[str, Any]]
) -> None:
    """Store a batch as the worker does (rows, daily counts, engaged shoppers)."""
    payload = {
        "partner_id": partner_id, "shopper_id": shopper_id, "grant_id": None,
        "received_at": clock.now().isoformat(), "events": events,
    }  # fmt: skip
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    await service.store_events(uow=container.uow(), payload=payload, policy=policy)


@dataclass(frozen=True)
class PlacedOrder:
    """An order to insert."""

    shopper_id: str
    placed_at: datetime
    total_minor: int
    refunded_minor: int = 0
    member: bool = False
    status: str = OrderStatus.PAID
    currency: str = "EUR"


async def place_orders(container: Container, orders: list[PlacedOrder]) -> list[str]:
    """Insert the orders (store checkout, each with its session); their ids."""
    ids = []
    uow = container.uow()
    async with uow:
        writer = uow.repo(RowWriter)
        for o in orders:
            session_id, order_id = new_id("cs"), new_id("ord")
            writer.add(CheckoutSession(
                id=session_id, shopper_id=o.shopper_id, status="completed", currency=o.currency,
                delivery_option="standard", is_member=o.member, order_id=order_id,
            ))  # fmt: skip
            writer.add(Order(
                id=order_id, session_id=session_id, shopper_id=o.shopper_id, partner_id=None,
                channel="store", status=o.status, payment_id=new_id("pay"), card_label="visa",
                currency=o.currency, items_minor=o.total_minor, list_items_minor=o.total_minor,
                shipping_minor=0, tax_minor=0, total_minor=o.total_minor,
                refunded_minor=o.refunded_minor, address={}, delivery_option="standard",
                placed_at=o.placed_at,
            ))  # fmt: skip
            ids.append(order_id)
        await uow.commit()
    return ids


async def attribute_all(container: Container) -> int:
    """Credit every order not credited yet (the worker's catch-up)."""
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    return await attributing.catch_up(uow_factory=container.uow, policy=policy)


@dataclass(frozen=True)
class Story:
    """Who did what: partner A's big campaign, its small one, partner B's campaign."""

    first_day: date  # D0: nothing happened
    busy_day: date  # D1: A's "spring" (60 shoppers, 22 orders), B's "spring"
    small_day: date  # D2: A's "small" video campaign (10 shoppers, 3 orders)
    shopper_ids: tuple[str, ...]  # everyone in the story


async def tell_story(container: Container, partner_a: str, partner_b: str) -> Story:
    """Partner A: 60 shoppers saw and clicked "spring"/c1 (feed ad) on D1 (30 added to cart,
    40 more anonymous impressions); 20 of them ordered 50.00 (the first 10 as members, the 3rd
    refunded 10.00), the first two again for 25.00, the 21st ordered and cancelled. 10 other
    shoppers clicked "small"/v1 (video) on D2, 3 ordered 30.00. Partner B: 55 shoppers clicked
    its own "spring"/c1 on D1, 5 ordered 40.00."""
    today = clock.now().date()
    d1, d2 = today - timedelta(days=2), today - timedelta(days=1)
    spring = {"campaign": "spring", "creative": "c1", "channel": "feed_ad"}
    small = {"campaign": "small", "creative": "v1", "channel": "video"}
    a_spring = await make_shoppers(container, 60)
    a_small = await make_shoppers(container, 10)
    b_spring = await make_shoppers(container, 55)
    for n, shopper in enumerate(a_spring):
        events = [ad("impression", at(d1, 8), **spring), ad("click", at(d1, 8, 1), **spring)]
        if n < 30:
            events.append(ad("add_to_cart", at(d1, 8, 2), **spring))
        await store(container, partner_a, shopper, events)
    await store(container, partner_a, None, [ad("impression", at(d1, 9), **spring)
                                             for _ in range(40)])  # fmt: skip
    for shopper in a_small:
        await store(container, partner_a, shopper, [ad("click", at(d2, 8), **small)])
    for shopper in b_spring:
        await store(container, partner_b, shopper, [ad("click", at(d1, 9), **spring)])
    orders = [
        PlacedOrder(s, at(d1, 10), 5000, refunded_minor=1000 if n == 2 else 0, member=n < 10)
        for n, s in enumerate(a_spring[:20])
    ]
    orders += [PlacedOrder(s, at(d1, 11), 2500) for s in a_spring[:2]]
    orders.append(PlacedOrder(a_spring[20], at(d1, 10), 5000, status=OrderStatus.CANCELED))
    orders += [PlacedOrder(s, at(d2, 10), 3000) for s in a_small[:3]]
    orders += [PlacedOrder(s, at(d1, 12), 4000) for s in b_spring[:5]]
    await place_orders(container, orders)
    await attribute_all(container)
    return Story(d1 - timedelta(days=1), d1, d2, (*a_spring, *a_small, *b_spring))


@dataclass(frozen=True)
class SharedStory:
    """Partner A's shown campaign and a small one on the same channel and day."""

    first_day: date  # D0: nothing happened
    busy_day: date  # D1: "spring" (60 shoppers) and "tiny" (5 shoppers), both feed ads
    shopper_ids: tuple[str, ...]


async def tell_shared_story(container: Container, partner_id: str) -> SharedStory:
    """On D1, 60 shoppers saw and clicked "spring"/c1 (feed ad), 20 of them ordered 50.00; 5
    other shoppers clicked "tiny"/t1 (also a feed ad), 2 of them ordered 70.00 (the first as a
    member). "tiny" alone is too small to be shown, but shares its channel and day with
    "spring"."""
    d1 = clock.now().date() - timedelta(days=1)
    spring = {"campaign": "spring", "creative": "c1", "channel": "feed_ad"}
    tiny = {"campaign": "tiny", "creative": "t1", "channel": "feed_ad"}
    spring_shoppers = await make_shoppers(container, 60)
    tiny_shoppers = await make_shoppers(container, 5)
    for shopper in spring_shoppers:
        await store(container, partner_id, shopper, [
            ad("impression", at(d1, 8), **spring), ad("click", at(d1, 8, 1), **spring),
        ])  # fmt: skip
    for shopper in tiny_shoppers:
        await store(container, partner_id, shopper, [ad("click", at(d1, 9), **tiny)])
    orders = [PlacedOrder(s, at(d1, 10), 5000) for s in spring_shoppers[:20]]
    orders += [PlacedOrder(s, at(d1, 11), 7000, member=n == 0)
               for n, s in enumerate(tiny_shoppers[:2])]  # fmt: skip
    await place_orders(container, orders)
    await attribute_all(container)
    return SharedStory(d1 - timedelta(days=1), d1, (*spring_shoppers, *tiny_shoppers))
