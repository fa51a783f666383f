"""Queries of the partner reports' privacy: the budget each partner spent, and the order
figures of a noisy report with every shopper's contribution clamped.

Clamping is what makes the noise's scale true: a noisy report counts at most a shopper's first
``max_orders`` orders of the period (by time placed), and at most ``max_revenue_minor`` of their
revenue (each order counts what is left of that allowance after the shopper's earlier orders).
Orders whose buyer was erased (no shopper id) are clamped together as if one shopper's: fewer
figures, never a weaker bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, join, select, text

from handshake.attribution.models import OrderInsight, OrderTouch, PrivacySpend
from handshake.checkout.models import Order, OrderStatus
from handshake.db.uow import Repository


@dataclass(frozen=True)
class ClampedOrderCell:
    """One cell of a partner's orders (of one day, when read by day), each shopper's
    contribution clamped."""

    channel: str
    campaign_id: str
    creative_id: str
    orders: int
    revenue_minor: int
    member_orders: int
    new_customer_orders: int
    cannibalised_orders: int
    day: date | None = None


def _least(a: Any, b: Any) -> Any:
    # LEAST on PostgreSQL, MIN(a, b) on SQLite: a CASE reads the same on both.
    return case((a < b, a), else_=b)


def _ones(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class PrivacyRepository(Repository):
    """Every query of the privacy budget and of the clamped order figures."""

    async def lock_partner(self, partner_id: str) -> None:
        """Serialise budget spending per partner until the transaction ends (PostgreSQL;
        SQLite's single writer, begun IMMEDIATE, already does)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"attribution.privacy:{partner_id}"},
        )

    async def spent(self, *, partner_id: str, period_start: date) -> float:
        """Privacy loss the partner spent in the budget period starting on ``period_start``."""
        query = select(func.coalesce(func.sum(PrivacySpend.epsilon), 0.0)).where(
            PrivacySpend.partner_id == partner_id, PrivacySpend.period_start == period_start
        )
        return float(await self.session.scalar(query) or 0.0)

    @staticmethod
    def _ranked_orders(
        *, first: date, last: date, model: str, currency: str, partner_id: str
    ) -> Any:
        """The partner's counted orders of the days under ``model``, each with its rank among
        its shopper's and the shopper's revenue before it."""
        net = Order.total_minor - Order.refunded_minor
        shopper = OrderInsight.shopper_id
        in_order = (Order.placed_at, Order.id)
        before = func.sum(net).over(partition_by=shopper, order_by=in_order, rows=(None, -1))
        return (
            select(
                OrderTouch.channel, OrderTouch.campaign_id, OrderTouch.creative_id,
                OrderInsight.day, OrderInsight.is_member, OrderInsight.is_new_customer,
                OrderInsight.is_cannibalised, net.label("net"),
                func.row_number().over(partition_by=shopper, order_by=in_order).label("rank"),
                func.coalesce(before, 0).label("before"),
            )
            .select_from(
                join(OrderTouch, OrderInsight, OrderInsight.order_id == OrderTouch.order_id)
                .join(Order, Order.id == OrderTouch.order_id)
            )
            .where(
                OrderTouch.partner_id == partner_id, OrderTouch.model == model,
                OrderInsight.day.between(first, last), Order.currency == currency,
                Order.status != OrderStatus.CANCELED,
            )
            .subquery()
        )  # fmt: skip

    async def clamped_order_cells(
        self,
        *,
        first: date,
        last: date,
        model: str,
        currency: str,
        partner_id: str,
        max_orders: int,
        max_revenue_minor: int,
        by_day: bool = False,
    ) -> list[ClampedOrderCell]:
        """The partner's orders credited under ``model`` per cell (and day of the order when
        ``by_day``), counting at most a shopper's first ``max_orders`` orders of the period and
        ``max_revenue_minor`` of their revenue."""
        ranked = self._ranked_orders(
            first=first, last=last, model=model, currency=currency, partner_id=partner_id
        )
        left = _least(ranked.c.net, max_revenue_minor - ranked.c.before)
        counted = case((left > 0, left), else_=0)
        keys = [ranked.c.channel, ranked.c.campaign_id, ranked.c.creative_id]
        days = [ranked.c.day] if by_day else []
        query = (
            select(
                *keys,
                func.count(),
                func.coalesce(func.sum(counted), 0),
                _ones(ranked.c.is_member.is_(True)),
                _ones(ranked.c.is_new_customer.is_(True)),
                _ones(ranked.c.is_cannibalised.is_(True)),
                *days,
            )
            .where(ranked.c.rank <= max_orders)
            .group_by(*keys, *days)
        )
        rows: list[Any] = list((await self.session.execute(query)).all())  # the day: last, if any
        return [
            ClampedOrderCell(*row[:3], *map(int, row[3:8]), *map(_day, row[8:])) for row in rows
        ]


def _day(value: date | str) -> date:
    # SQLite hands dates of a subquery back as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
