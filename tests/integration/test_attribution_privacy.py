"""The privacy of partner reports on SQLite and PostgreSQL: the threshold counting only the
buyers of counted orders, each shopper's orders clamped for the noise (over the period, or per
day), and a budget that concurrent reports never overspend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handshake.attribution import privacy
from handshake.attribution.errors import PrivacyBudgetExhausted
from handshake.attribution.order_repository import OrderAttributionRepository
from handshake.attribution.privacy_repository import ClampedOrderCell, PrivacyRepository
from handshake.attribution.report_repository import PerformanceRepository
from handshake.bootstrap import Container
from handshake.checkout.models import OrderStatus
from handshake.kernel import clock
from tests.attribution_report_helpers import (
    PlacedOrder,
    ad,
    at,
    attribute_all,
    make_shoppers,
    place_orders,
    store,
)
from tests.linking_helpers import FROZEN_START, register_app, row_count

CELL = {"campaign": "x", "creative": "c", "channel": "feed_ad"}
POLICY = privacy.PrivacyPolicy(
    noise=True, budget_epsilon=0.3, epsilon_per_report=0.1, budget_days=30, max_orders=5,
    max_revenue_minor=100000,
)  # fmt: skip


async def _clamped(
    container: Container, partner_id: str, model: str = "last_click", *, by_day: bool = True
) -> list[ClampedOrderCell]:
    day = clock.now().date() - timedelta(days=2)
    uow = container.read_uow()
    async with uow:
        cells = await uow.repo(PrivacyRepository).clamped_order_cells(
            first=day, last=day + timedelta(days=1), model=model, currency="EUR",
            partner_id=partner_id, max_orders=5, max_revenue_minor=100000, by_day=by_day,
        )  # fmt: skip
    return sorted(cells, key=lambda c: c.day or day)


async def test_each_shoppers_first_orders_and_revenue_are_counted_up_to_the_bounds(
    container: Container,
) -> None:
    with clock.frozen_at(FROZEN_START):
        partner = (await register_app(container)).partner_id
        other = (await register_app(container)).partner_id
        d, d1 = clock.now().date() - timedelta(days=2), clock.now().date() - timedelta(days=1)
        s1, s2, s3, s4, s5 = await make_shoppers(container, 5)
        for shopper in (s1, s2, s3, s4):
            await store(container, partner, shopper, [ad("click", at(d, 8), **CELL)])
        await store(container, other, s5, [ad("click", at(d, 8), **CELL)])
        await place_orders(container, [
            # s1: 7 orders of 300.00 over two days: its first 5 count, up to 1,000.00.
            *(PlacedOrder(s1, at(d, 10, n), 30000) for n in range(3)),
            *(PlacedOrder(s1, at(d1, 10, n), 30000) for n in range(4)),
            PlacedOrder(s2, at(d, 11), 2000, refunded_minor=500, member=True),
            PlacedOrder(s2, at(d, 12), 9000, status=OrderStatus.CANCELED),
            # s3 and s4 are erased: their 6 orders count as one shopper's.
            *(PlacedOrder(s, at(d1, 11 + i, n), 20000) for i, s in enumerate((s3, s4))
              for n in range(3)),
            PlacedOrder(s5, at(d, 10), 7000),  # another partner's
        ])  # fmt: skip
        await attribute_all(container)
        uow = container.uow()
        async with uow:
            for shopper in (s3, s4):
                await uow.repo(OrderAttributionRepository).forget_shopper(shopper)
            await uow.commit()

        last_click = await _clamped(container, partner)
        view_through = await _clamped(container, partner, "view_through")
        whole_period = await _clamped(container, partner, by_day=False)

    assert (
        last_click
        == view_through
        == [
            # s1's first three (900.00), s2's (15.00 after the refund, a member's, both new).
            ClampedOrderCell("feed_ad", "x", "c", 4, 91500, 1, 2, 0, d),
            # s1's 4th (the 100.00 left) and 5th (nothing left); the erased pair's first 5.
            ClampedOrderCell("feed_ad", "x", "c", 7, 110000, 0, 2, 0, d1),
        ]
    )
    # Not by day: the same clamping over the period (the rank is the shopper's, not the day's).
    assert whole_period == [ClampedOrderCell("feed_ad", "x", "c", 11, 201500, 1, 4, 0)]


async def test_the_threshold_counts_only_buyers_of_the_orders_the_figures_count(
    container: Container,
) -> None:
    """Viewers are not engaged shoppers: under view-through, only their orders make them count,
    and only orders in the report's currency, not cancelled, placed in the period."""
    with clock.frozen_at(FROZEN_START):
        partner = (await register_app(container)).partner_id
        d = clock.now().date() - timedelta(days=2)
        eur, usd, cancelled, late, other = await make_shoppers(container, 5)
        for shopper in (eur, usd, cancelled, late, other):
            await store(container, partner, shopper, [ad("impression", at(d, 8), **CELL)])
        await place_orders(container, [
            PlacedOrder(eur, at(d, 10), 3000), PlacedOrder(usd, at(d, 10), 3000, currency="USD"),
            PlacedOrder(cancelled, at(d, 10), 3000, status=OrderStatus.CANCELED),
            PlacedOrder(late, at(d + timedelta(days=1), 7), 3000),  # the next day
        ])  # fmt: skip
        await attribute_all(container)

        async def shoppers(model: str, *dims: str) -> dict[tuple[str, ...], int]:
            uow = container.read_uow()
            async with uow:
                return await uow.repo(PerformanceRepository).cell_shoppers(
                    first=d, last=d, model=model, currency="EUR", partner_id=partner, dims=dims
                )

        by_campaign = await shoppers("view_through", "campaign_id")
        by_day = await shoppers("view_through", "day")
        by_channel_and_day = await shoppers("view_through", "channel", "day")
        last_click = await shoppers("last_click", "campaign_id")

    assert by_campaign == {("x",): 1}  # the EUR buyer only
    assert by_day == {(d.isoformat(),): 1}
    assert by_channel_and_day == {("feed_ad", d.isoformat()): 1}
    assert last_click == {}  # an impression credits nothing under last click


async def test_concurrent_reports_never_spend_more_than_the_budget(container: Container) -> None:
    partner = (await register_app(container)).partner_id
    other = (await register_app(container)).partner_id

    async def report(partner_id: str) -> bool:
        try:
            await privacy.spend_budget(
                uow=container.uow(), policy=POLICY, partner_id=partner_id, query="race"
            )
        except PrivacyBudgetExhausted:
            return False
        return True

    answers = await asyncio.gather(*(report(partner) for _ in range(8)), report(other))

    assert sorted(answers[:8]) == [False] * 5 + [True] * 3
    assert answers[8] is True  # another partner's budget is its own
    assert await row_count(container, "privacy_spends") == 4


async def test_the_budget_renews_with_the_next_period(container: Container) -> None:
    partner = (await register_app(container)).partner_id
    with clock.frozen_at(FROZEN_START):
        spent = [
            await privacy.spend_budget(
                uow=container.uow(), policy=POLICY, partner_id=partner, query=f"report {n}"
            )
            for n in range(3)
        ]
        start, renews_on = privacy.budget_period(FROZEN_START.date(), 30)
        clock.advance(timedelta(days=(renews_on - FROZEN_START.date()).days) - timedelta(hours=9))
        renewed = await privacy.spend_budget(
            uow=container.uow(), policy=POLICY, partner_id=partner, query="next period"
        )

    assert [round(b.left, 9) for b in spent] == [0.2, 0.1, 0.0]
    assert (spent[0].period_start, spent[0].renews_on) == (start, renews_on)
    assert (renewed.period_start, renewed.left) == (renews_on, 0.2)
    assert await row_count(container, "privacy_spends") == 4
