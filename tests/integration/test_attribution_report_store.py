"""The performance reports on SQLite and PostgreSQL: the repository's reads (distinct shoppers
per cell for the privacy threshold, orders awaiting attribution, daily counts) and the operator
report's exact figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import CommissionRates, Figures, Grouping
from handshake.attribution.report_repository import DayCounts, PerformanceRepository
from handshake.bootstrap import Container, build_container
from handshake.checkout import service as checkout
from handshake.entrypoints.http import create_app
from handshake.kernel import clock
from tests.attribution_order_helpers import (
    LAMP,
    PLAIN,
    THERMO,
    USD_SKU,
    Shopper,
    ad_event,
    ago,
    attribution_catalog,
    batch,
    catch_up,
    click_id_of,
    insight,
    new_shopper,
    partner_order,
    report,
    request,
    store,
    store_order,
)
from tests.checkout_helpers import checkout_shopper, link_shopper
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LinkedShopper

DAY = FROZEN_START.date()
LAST_CLICK = AttributionModel.LAST_CLICK.value
VIEW_THROUGH = AttributionModel.VIEW_THROUGH.value


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test starts at FROZEN_START."""
    with clock.frozen_at(FROZEN_START):
        yield


async def shoppers_per_cell(
    container: Container, partner_id: str, dims: tuple[str, ...], model: str = LAST_CLICK
) -> dict[tuple[str, ...], int]:
    """Distinct shoppers of the partner's cells on the frozen day."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(PerformanceRepository).cell_shoppers(
            first=DAY, last=DAY, model=model, currency="EUR", partner_id=partner_id, dims=dims
        )


async def test_shoppers_per_cell_count_engaged_people_and_buyers_once(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    """Clickers and carters, and buyers of credited orders, each once; never anonymous events,
    viewers, other partners' people or cancelled orders' buyers."""
    await attribution_catalog(container)
    clicker = await new_shopper(app, container)
    a, b = clicker.a.app.partner_id, clicker.b.app.partner_id
    buyer, carter, viewer, cancelled = [await new_shopper(app, container, clicker.b)
                                        for _ in range(4)]  # fmt: skip
    now = clock.now()
    await store(container, batch(a, clicker.id, [
        await ad_event(container, a, "k1", "click", now - timedelta(hours=1), campaign_id="s"),
        await ad_event(container, a, "k2", "click", now - timedelta(days=1), campaign_id="s"),
    ]))  # fmt: skip
    await store(container, batch(b, carter.id, [
        await ad_event(container, b, "c1", "add_to_cart", now - timedelta(hours=1),
                       channel="video"),
    ]))  # fmt: skip
    await store(container, batch(b, viewer.id, [
        await ad_event(container, b, "v1", "view", now - timedelta(hours=1), channel="video"),
    ]))  # fmt: skip
    await store(container, batch(a, None, [
        await ad_event(container, a, "anon", "click", now - timedelta(hours=1)),
    ]))  # fmt: skip
    await store_order(app, container, clicker.a.login, LAMP)  # credited to the click
    await partner_order(client, buyer.a, [(THERMO, 1)])  # credited to buyer's own app
    await store_order(app, container, viewer.a.login, LAMP)  # view-through only
    dropped = await partner_order(client, cancelled.b, [(THERMO, 1)])
    await checkout.cancel_order(uow=container.uow(), order_id=dropped["id"], actor="shopper")
    await catch_up(container)

    assert await shoppers_per_cell(container, a, ("channel",)) == {("feed_ad",): 1}
    assert await shoppers_per_cell(container, a, ("campaign_id",)) == {("s",): 1}
    assert await shoppers_per_cell(container, a, ("day",)) == {(DAY.isoformat(),): 1}
    assert await shoppers_per_cell(container, buyer.a.app.partner_id, ("partner_id",)) == {
        (buyer.a.app.partner_id,): 1
    }
    assert await shoppers_per_cell(container, b, ("channel",)) == {("video",): 1}
    assert await shoppers_per_cell(container, b, ("channel",), VIEW_THROUGH) == {("video",): 2}
    assert await shoppers_per_cell(container, b, ("channel", "campaign_id", "creative_id")) == {
        ("video", "", ""): 1
    }


async def test_shoppers_per_day_follow_the_day_of_each_engagement(
    container: Container, shopper: Shopper
) -> None:
    a = shopper.a.app.partner_id
    now = clock.now()
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "today", "click", now - timedelta(hours=1)),
        await ad_event(container, a, "yesterday", "click", now - timedelta(days=1)),
    ]))  # fmt: skip
    uow = container.read_uow()
    async with uow:
        found = await uow.repo(PerformanceRepository).cell_shoppers(
            first=DAY - timedelta(days=1), last=DAY, model=LAST_CLICK, currency="EUR",
            partner_id=a, dims=("day", "channel"),
        )  # fmt: skip

    assert found == {
        ((DAY - timedelta(days=1)).isoformat(), "feed_ad"): 1, (DAY.isoformat(), "feed_ad"): 1,
    }  # fmt: skip


@pytest.fixture
async def shopper(app: object, container: Container) -> Shopper:
    """The catalog, and one shopper linked to two apps."""
    await attribution_catalog(container)
    return await new_shopper(app, container)


async def test_orders_awaiting_attribution_are_those_the_figures_will_count(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    await partner_order(client, shopper.a, [(THERMO, 1)])
    await catch_up(container)
    await store_order(app, container, shopper.a.login, LAMP)
    dropped = await partner_order(client, shopper.a, [(THERMO, 1)])
    await checkout.cancel_order(uow=container.uow(), order_id=dropped["id"], actor="shopper")
    since = FROZEN_START - timedelta(hours=1)

    uow = container.read_uow()
    async with uow:
        repo = uow.repo(PerformanceRepository)
        counts = [
            await repo.orders_awaiting_attribution(since=since, until=until, currency=currency)
            for until, currency in (
                (FROZEN_START + timedelta(hours=1), "EUR"),
                (FROZEN_START, "EUR"),  # until is excluded
                (FROZEN_START + timedelta(hours=1), "USD"),
            )
        ]

    assert counts == [1, 0, 0]


async def test_days_add_events_attributed_orders_and_all_orders_per_day(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    a = shopper.a.app.partner_id
    now = clock.now()
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "i1", "impression", now - timedelta(days=1)),
        await ad_event(container, a, "k1", "click", now - timedelta(hours=1)),
        await ad_event(container, a, "c1", "add_to_cart", now - timedelta(hours=1)),
    ]))  # fmt: skip
    credited = await partner_order(client, shopper.a, [(THERMO, 1)])
    other = await partner_order(client, shopper.b, [(THERMO, 1)])  # credited to A's click
    await catch_up(container)
    total = credited["totals"]["total_minor"] + other["totals"]["total_minor"]

    uow = container.read_uow()
    async with uow:
        repo = uow.repo(PerformanceRepository)
        every = await repo.days(
            first=DAY - timedelta(days=2), last=DAY, model=LAST_CLICK, currency="EUR"
        )
        of_b = await repo.days(
            first=DAY, last=DAY, model=LAST_CLICK, currency="EUR",
            partner_id=shopper.b.app.partner_id,
        )  # fmt: skip

    yesterday = DAY - timedelta(days=1)
    assert every == {
        yesterday: DayCounts(yesterday, impressions=1),
        DAY: DayCounts(DAY, clicks=1, add_to_carts=1, attributed_orders=2,
                       attributed_revenue_minor=total, orders=2, revenue_minor=total),
    }  # fmt: skip
    assert of_b == {}
    assert isinstance(next(iter(every)), date)


# The report's figures.


async def dollar_order(container: Container, linked: LinkedShopper) -> dict[str, Any]:
    """An order in US dollars, placed while the store sold in dollars (another process over
    the same database, with the store's currency set so)."""
    catalog = container.settings.catalog.model_copy(update={"default_currency": "USD"})
    dollars = build_container(container.settings.model_copy(update={"catalog": catalog}))
    transport = httpx.ASGITransport(app=create_app(container=dollars, run_worker=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await partner_order(http, linked, [(USD_SKU, 1)])
    finally:
        await dollars.dispose()


async def order_total(container: Container, order_id: str) -> int:
    """What the order costs now (net of refunds)."""
    details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    return details.order.total_minor - details.order.refunded_minor


async def test_the_report_counts_what_shoppers_still_pay_in_its_currency(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    """Refunds come off, cancelled orders and orders in another currency are left out; members,
    new customers, organic orders, commission per partner and the day series are exact."""
    member = await checkout_shopper(app, container, member=True)
    member = await link_shopper(app, container, member.login, shopper.a.app)
    walker = await new_shopper(app, container, shopper.b)
    now = clock.now()
    a, b = shopper.a.app.partner_id, shopper.b.app.partner_id
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "i1", "impression", now - ago(hours=2), campaign_id="spring",
                       creative_id="c1"),
        await ad_event(container, a, "k1", "click", now - ago(hours=1), campaign_id="spring",
                       creative_id="c1"),
        await ad_event(container, a, "i2", "impression", now - ago(days=1), campaign_id="spring",
                       creative_id="c1"),
    ]))  # fmt: skip
    await store(container, batch(b, walker.id, [
        await ad_event(container, b, "v1", "view", now - ago(hours=2), channel="video",
                       campaign_id="reels"),
    ]))  # fmt: skip
    clicked = await partner_order(
        client, shopper.a, [(THERMO, 2)], click_id=click_id_of(container, a, "k1")
    )
    await checkout.ship_order(uow=container.uow(), order_id=clicked["id"], carrier="La Poste",
                              tracking_number="LP1", actor="operator")  # fmt: skip
    await checkout.refund_order(
        uow=container.uow(), order_id=clicked["id"], actor="operator", amount_minor=1001
    )
    dropped = await partner_order(client, shopper.a, [(PLAIN, 1)])
    await checkout.cancel_order(uow=container.uow(), order_id=dropped["id"], actor="operator")
    dollars = await dollar_order(container, shopper.a)
    assert dollars["currency"] == "USD"
    members = await partner_order(client, member, [(THERMO, 1)])
    organic = await store_order(app, container, walker.a.login, LAMP)
    assert await catch_up(container) == 5
    late = await store_order(app, container, walker.a.login, LAMP)  # not attributed yet

    clicked_net = await order_total(container, clicked["id"])
    assert clicked_net == clicked["totals"]["total_minor"] - 1001
    member_total = members["totals"]["total_minor"]
    organic_total = await order_total(container, organic)
    rates = CommissionRates(1000, {b: 500})

    last_click = await report(container, request(), rates)

    assert [(r.partner_id, r.campaign_id, r.creative_id, r.figures) for r in last_click.rows] == [
        (a, "spring", "c1", Figures(
            impressions=1, clicks=1, orders=1, revenue_minor=clicked_net, new_customer_orders=1,
            commission_minor=rates.commission_minor(a, clicked_net))),
        (a, None, None, Figures(
            orders=1, revenue_minor=member_total, member_orders=1,
            member_revenue_minor=member_total, new_customer_orders=1,
            commission_minor=rates.commission_minor(a, clicked_net + member_total)
            - rates.commission_minor(a, clicked_net))),
        (b, "reels", None, Figures(views=1)),
    ]  # fmt: skip
    assert last_click.organic == Figures(
        orders=1, revenue_minor=organic_total, new_customer_orders=1
    )
    assert last_click.total.orders == 3
    assert last_click.total.revenue_minor == clicked_net + member_total + organic_total
    assert last_click.awaiting_attribution == 1
    assert await insight(container, late) is None
    [day] = last_click.days
    assert day == DayCounts(
        FROZEN_START.date(), impressions=1, clicks=1, attributed_orders=2,
        attributed_revenue_minor=clicked_net + member_total, orders=3,
        revenue_minor=clicked_net + member_total + organic_total,
    )  # fmt: skip
    by_partner = await report(container, request(grouping=Grouping.PARTNER), rates)
    assert [(r.partner_id, r.figures.orders, r.figures.commission_minor)
            for r in by_partner.rows] == [
        (a, 2, rates.commission_minor(a, clicked_net + member_total)), (b, 0, 0),
    ]  # fmt: skip

    view_through = await report(container, request(AttributionModel.VIEW_THROUGH), rates)

    assert [(r.partner_id, r.campaign_id, r.figures.orders) for r in view_through.rows] == [
        (a, "spring", 1),
        (a, None, 1),
        (b, "reels", 1),
    ]
    assert view_through.rows[2].figures.commission_minor == rates.commission_minor(b, organic_total)
    assert view_through.organic == Figures()
    assert view_through.total == replace(
        last_click.total,
        commission_minor=last_click.total.commission_minor
        + rates.commission_minor(b, organic_total),
    )
