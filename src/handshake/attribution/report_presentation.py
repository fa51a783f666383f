"""What the performance report's page shows beyond its rows (pure): the KPI tiles and the
charts' data (time series, funnel, channel comparison), in major units for money.

The page's tables carry the same figures, for screen readers and browsers without scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from handshake.attribution.performance import PerformanceReport, PerformanceRow
from handshake.attribution.report_periods import percent
from handshake.kernel.money import Money

FUNNEL_STEPS = ("impressions", "clicks", "add_to_carts", "orders")


@dataclass(frozen=True)
class Tiles:
    """The KPI tiles of the report's total."""

    orders: int
    revenue_minor: int
    attributed_orders: int
    attributed_share: Decimal | None  # credited orders per 100 orders
    organic_orders: int
    ctr: Decimal | None
    conversion: Decimal | None
    new_customer_share: Decimal | None  # of credited orders
    cannibalisation: Decimal | None  # of credited orders
    commission_minor: int


def tiles(report: PerformanceReport) -> Tiles:
    """The tiles: totals of every order, ratios of the orders credited to ads."""
    credited = report.attributed
    return Tiles(
        orders=report.total.orders, revenue_minor=report.total.revenue_minor,
        attributed_orders=credited.orders,
        attributed_share=percent(credited.orders, report.total.orders),
        organic_orders=report.organic.orders, ctr=credited.ctr, conversion=credited.conversion,
        new_customer_share=credited.new_customer_share, cannibalisation=credited.cannibalisation,
        commission_minor=credited.commission_minor,
    )  # fmt: skip


def funnel(report: PerformanceReport) -> list[tuple[str, int]]:
    """Impressions → clicks → add-to-carts → credited orders of the whole selection."""
    credited = report.attributed
    return [(step, int(getattr(credited, step))) for step in FUNNEL_STEPS]


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart_data(report: PerformanceReport) -> dict[str, Any]:
    """The charts' figures (the JSON block the page's script reads)."""

    def major(minor: int) -> float:
        return float(Money(minor, report.currency).as_decimal())

    days = report.days
    channels: list[PerformanceRow] = report.channels
    return {
        "currency": report.currency,
        "days": [d.day.isoformat() for d in days],
        "orders": [d.orders for d in days],
        "revenue": [major(d.revenue_minor) for d in days],
        "attributed_orders": [d.attributed_orders for d in days],
        "attributed_revenue": [major(d.attributed_revenue_minor) for d in days],
        "impressions": [d.impressions for d in days],
        "clicks": [d.clicks for d in days],
        "funnel": [count for _, count in funnel(report)],
        "channels": [row.channel or "" for row in channels],
        "channel_orders": [row.figures.orders for row in channels],
        "channel_revenue": [major(row.figures.revenue_minor) for row in channels],
        "channel_conversion": [_ratio(row.figures.conversion) for row in channels],
    }
