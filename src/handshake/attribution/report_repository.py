"""Reads of the performance reports: daily event counts, attributed orders, distinct shoppers.

Events come from ``ad_event_days`` (kept by the worker), never from ``ad_events``; orders from
``order_insights`` (every attributed order) joined to the order (its live amount and status) and
to its touch under the chosen model (none: organic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, join, select, union

from handshake.attribution.models import (
    AdEventDay,
    EngagedShopperDay,
    OrderInsight,
    OrderTouch,
)
from handshake.checkout.models import Order, OrderStatus
from handshake.db.uow import Repository
from handshake.linking.models import Grant, GrantStatus

CELL_COLUMNS = ("partner_id", "channel", "campaign_id", "creative_id")


@dataclass(frozen=True)
class EventCell:
    """Event counts of one cell over the period (or of one day, when asked by day)."""

    partner_id: str
    channel: str
    campaign_id: str
    creative_id: str
    impressions: int
    views: int
    clicks: int
    add_to_carts: int
    day: date | None = None


@dataclass(frozen=True)
class OrderCell:
    """Orders of one cell over the period, or of one day when asked by day (the cell is all
    None for organic orders)."""

    partner_id: str | None
    channel: str | None
    campaign_id: str | None
    creative_id: str | None
    orders: int
    revenue_minor: int
    member_orders: int
    member_revenue_minor: int
    new_customer_orders: int
    cannibalised_orders: int
    day: date | None = None


@dataclass(frozen=True)
class DayCounts:
    """One day's events and orders (attributed and all)."""

    day: date
    impressions: int = 0
    clicks: int = 0
    add_to_carts: int = 0
    attributed_orders: int = 0
    attributed_revenue_minor: int = 0
    orders: int = 0
    revenue_minor: int = 0


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


class PerformanceRepository(Repository):
    """Every query of the performance reports."""

    async def event_cells(
        self, *, first: date, last: date, partner_id: str | None = None, by_day: bool = False
    ) -> list[EventCell]:
        """Event counts per cell over the days ``first`` to ``last`` (per cell and day when
        ``by_day``)."""
        cells = [getattr(AdEventDay, c) for c in CELL_COLUMNS]
        days = [AdEventDay.day] if by_day else []
        query = (
            select(
                *cells,
                _sum(AdEventDay.impressions),
                _sum(AdEventDay.views),
                _sum(AdEventDay.clicks),
                _sum(AdEventDay.add_to_carts),
                *days,
            )
            .where(AdEventDay.day.between(first, last))
            .group_by(*cells, *days)
        )
        if partner_id is not None:
            query = query.where(AdEventDay.partner_id == partner_id)
        rows: list[Any] = list((await self.session.execute(query)).all())  # the day: last, if any
        return [EventCell(*row[:4], *map(int, row[4:8]), *map(_day, row[8:])) for row in rows]

    @staticmethod
    def _orders(*, first: date, last: date, model: str, currency: str) -> Any:
        """Counted orders of the days, each with its touch under ``model`` (if any)."""
        joined = join(OrderInsight, Order, Order.id == OrderInsight.order_id).outerjoin(
            OrderTouch,
            and_(OrderTouch.order_id == OrderInsight.order_id, OrderTouch.model == model),
        )
        return (
            select()
            .select_from(joined)
            .where(
                OrderInsight.day.between(first, last),
                Order.currency == currency,
                Order.status != OrderStatus.CANCELED,
            )
        )

    async def order_cells(
        self,
        *,
        first: date,
        last: date,
        model: str,
        currency: str,
        partner_id: str | None = None,
        by_day: bool = False,
    ) -> list[OrderCell]:
        """Orders per cell of their touch under ``model`` (organic orders: one all-None cell),
        and per day of the order when ``by_day``."""
        net = Order.total_minor - Order.refunded_minor
        member = OrderInsight.is_member.is_(True)
        cells = [getattr(OrderTouch, c) for c in CELL_COLUMNS]
        days = [OrderInsight.day] if by_day else []
        query = (
            self._orders(first=first, last=last, model=model, currency=currency)
            .add_columns(
                *cells,
                func.count(),
                _sum(net),
                _sum(case((member, 1), else_=0)),
                _sum(case((member, net), else_=0)),
                _sum(case((OrderInsight.is_new_customer.is_(True), 1), else_=0)),
                _sum(case((OrderInsight.is_cannibalised.is_(True), 1), else_=0)),
                *days,
            )
            .group_by(*cells, *days)
        )
        if partner_id is not None:
            query = query.where(OrderTouch.partner_id == partner_id)
        rows: list[Any] = list((await self.session.execute(query)).all())  # the day: last, if any
        return [OrderCell(*row[:4], *map(int, row[4:10]), *map(_day, row[10:])) for row in rows]

    async def days(
        self,
        *,
        first: date,
        last: date,
        model: str,
        currency: str,
        partner_id: str | None = None,
    ) -> dict[date, DayCounts]:
        """Each day's events, attributed orders and all orders (a partner's: theirs only)."""
        events = select(
            AdEventDay.day, _sum(AdEventDay.impressions), _sum(AdEventDay.clicks),
            _sum(AdEventDay.add_to_carts),
        ).where(AdEventDay.day.between(first, last)).group_by(AdEventDay.day)  # fmt: skip
        if partner_id is not None:
            events = events.where(AdEventDay.partner_id == partner_id)
        net = Order.total_minor - Order.refunded_minor
        touched = OrderTouch.order_id.is_not(None)
        orders = (
            self._orders(first=first, last=last, model=model, currency=currency)
            .add_columns(
                OrderInsight.day,
                _sum(case((touched, 1), else_=0)),
                _sum(case((touched, net), else_=0)),
                func.count(),
                _sum(net),
            )
            .group_by(OrderInsight.day)
        )
        if partner_id is not None:
            orders = orders.where(OrderTouch.partner_id == partner_id)
        found: dict[date, dict[str, Any]] = {}
        for day, impressions, clicks, carts in (await self.session.execute(events)).all():
            found[_day(day)] = {
                "impressions": int(impressions), "clicks": int(clicks),
                "add_to_carts": int(carts),
            }  # fmt: skip
        for day, attributed, attributed_net, count, total in (
            await self.session.execute(orders)
        ).all():
            found.setdefault(_day(day), {}).update(
                attributed_orders=int(attributed), attributed_revenue_minor=int(attributed_net),
                orders=int(count), revenue_minor=int(total),
            )  # fmt: skip
        return {day: DayCounts(day, **figures) for day, figures in found.items()}

    async def cell_shoppers(
        self,
        *,
        first: date,
        last: date,
        model: str,
        currency: str,
        partner_id: str,
        dims: Sequence[str],
    ) -> dict[tuple[str, ...], int]:
        """Distinct shoppers per cell (grouped by ``dims``, which may include ``day``) of one
        partner: those who clicked or added to cart, and the buyers of the orders credited
        that the figures count (those of :meth:`order_cells`: in ``currency``, not cancelled,
        placed on the days)."""
        engaged = select(
            *(getattr(EngagedShopperDay, d) for d in dims), EngagedShopperDay.shopper_id
        ).where(
            EngagedShopperDay.partner_id == partner_id,
            EngagedShopperDay.day.between(first, last),
        )
        # A buyer whose order the figures leave out must not help a cell over the threshold.
        keys = [OrderInsight.day if d == "day" else getattr(OrderTouch, d) for d in dims]
        buyers = (
            select(*keys, OrderInsight.shopper_id)
            .select_from(OrderTouch)
            .join(OrderInsight, OrderInsight.order_id == OrderTouch.order_id)
            .join(Order, Order.id == OrderTouch.order_id)
            .where(
                OrderTouch.partner_id == partner_id,
                OrderTouch.model == model,
                OrderInsight.day.between(first, last),
                OrderInsight.shopper_id.is_not(None),
                Order.currency == currency,
                Order.status != OrderStatus.CANCELED,
            )
        )
        people = union(engaged, buyers).subquery()
        columns = [people.c[d] for d in dims]
        query = select(*columns, func.count(func.distinct(people.c.shopper_id))).group_by(*columns)
        rows = (await self.session.execute(query)).all()
        return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in rows}

    async def orders_awaiting_attribution(
        self, *, since: datetime, until: datetime, currency: str
    ) -> int:
        """Orders placed in [since, until) that attribution has not reached yet (those the
        figures will count: not cancelled)."""
        query = select(func.count()).where(
            Order.placed_at >= since,
            Order.placed_at < until,
            Order.currency == currency,
            Order.status != OrderStatus.CANCELED,
            ~exists().where(OrderInsight.order_id == Order.id),
        )
        return int(await self.session.scalar(query) or 0)

    async def linked_shopper_count(self, *, now: datetime) -> int:
        """Shoppers with at least one link in force to a partner app."""
        query = select(func.count(func.distinct(Grant.shopper_id))).where(
            Grant.status == GrantStatus.ACTIVE, Grant.expires_at > now
        )
        return int(await self.session.scalar(query) or 0)


def _day(value: date | str) -> date:
    # SQLite hands dates of an aggregate back as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
