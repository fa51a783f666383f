"""Response bodies of the operator's performance report (``/api/v1/admin/reports``).

Money is in minor units of ``currency``; percentages have one decimal and are null when their
base is zero. Conversion and cannibalisation concern orders credited to ads: they are null on
the organic and total lines.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import (
    CommissionRates,
    Figures,
    Grouping,
    PerformanceReport,
    PerformanceRow,
)
from handshake.attribution.report_repository import DayCounts


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class FiguresOut(BaseModel):
    """Counted figures of a row or a total, and their ratios."""

    impressions: int
    views: int
    clicks: int
    ctr_pct: float | None = Field(description="Clicks per 100 impressions.")
    add_to_carts: int
    orders: int
    conversion_pct: float | None = Field(
        description="Credited orders per 100 clicks (null on the organic and total lines)."
    )
    revenue_minor: int = Field(description="Net of refunds; cancelled orders never count.")
    average_basket_minor: int | None
    member_orders: int
    non_member_orders: int
    member_revenue_minor: int
    new_customer_orders: int = Field(description="Buyers with no order in the N days before.")
    existing_customer_orders: int
    new_customer_pct: float | None
    cannibalised_orders: int = Field(
        description="Buyers who bought the same product or category on the store site in the"
        " M days before."
    )
    cannibalisation_pct: float | None = Field(
        description="Likely cannibalised orders per 100 credited orders (null on the organic"
        " and total lines)."
    )
    commission_minor: int

    @classmethod
    def of(cls, f: Figures, *, credited: bool = True) -> FiguresOut:
        """The body of ``f``; ``credited=False`` leaves the ratios of credited orders null."""
        return cls(
            impressions=f.impressions, views=f.views, clicks=f.clicks, ctr_pct=_pct(f.ctr),
            add_to_carts=f.add_to_carts, orders=f.orders,
            conversion_pct=_pct(f.conversion) if credited else None,
            revenue_minor=f.revenue_minor, average_basket_minor=f.average_basket_minor,
            member_orders=f.member_orders, non_member_orders=f.non_member_orders,
            member_revenue_minor=f.member_revenue_minor,
            new_customer_orders=f.new_customer_orders,
            existing_customer_orders=f.existing_customer_orders,
            new_customer_pct=_pct(f.new_customer_share),
            cannibalised_orders=f.cannibalised_orders,
            cannibalisation_pct=_pct(f.cannibalisation) if credited else None,
            commission_minor=f.commission_minor,
        )  # fmt: skip


class RowOut(BaseModel):
    """A row: the columns of its grouping are set, the others null."""

    partner_id: str | None
    partner_name: str
    channel: str | None
    campaign_id: str | None
    creative_id: str | None
    figures: FiguresOut

    @classmethod
    def of(cls, row: PerformanceRow) -> RowOut:
        """The body of ``row``."""
        return cls(
            partner_id=row.partner_id, partner_name=row.partner_name, channel=row.channel,
            campaign_id=row.campaign_id, creative_id=row.creative_id,
            figures=FiguresOut.of(row.figures),
        )  # fmt: skip


class DayOut(BaseModel):
    """One day: events, orders credited under the model, and every order."""

    day: date
    impressions: int
    clicks: int
    add_to_carts: int
    attributed_orders: int
    attributed_revenue_minor: int
    orders: int
    revenue_minor: int

    @classmethod
    def of(cls, day: DayCounts) -> DayOut:
        """The body of ``day``."""
        return cls(
            day=day.day, impressions=day.impressions, clicks=day.clicks,
            add_to_carts=day.add_to_carts, attributed_orders=day.attributed_orders,
            attributed_revenue_minor=day.attributed_revenue_minor, orders=day.orders,
            revenue_minor=day.revenue_minor,
        )  # fmt: skip


class CommissionOut(BaseModel):
    """What a partner is owed on the revenue credited to it."""

    partner_id: str
    partner_name: str
    rate_bp: int = Field(description="Basis points of the credited revenue (1000 = 10 %).")
    revenue_minor: int
    commission_minor: int


class PerformanceReportOut(BaseModel):
    """The operator's performance report over whole UTC days ``start`` to ``end``."""

    start: date
    end: date
    model: AttributionModel
    group: Grouping
    currency: str
    rows: list[RowOut]
    channels: list[RowOut] = Field(description="The channel comparison, whatever the grouping.")
    attributed: FiguresOut = Field(description="Every order credited to an ad touch.")
    organic: FiguresOut = Field(description="Orders credited to no ad touch.")
    total: FiguresOut
    days: list[DayOut]
    commission: list[CommissionOut] = Field(description="Per partner, whatever the grouping.")
    awaiting_attribution: int = Field(
        description="Orders of the period not attributed yet (not in the figures)."
    )

    @classmethod
    def of(cls, report: PerformanceReport, rates: CommissionRates) -> PerformanceReportOut:
        """The body of ``report``."""
        commission = [
            CommissionOut(
                partner_id=row.partner_id,
                partner_name=row.partner_name,
                rate_bp=rates.rate_bp(row.partner_id),
                revenue_minor=row.figures.revenue_minor,
                commission_minor=row.figures.commission_minor,
            )
            for row in report.partners
            if row.partner_id is not None
        ]
        return cls(
            start=report.period.start, end=report.period.end, model=report.model,
            group=report.grouping, currency=report.currency,
            rows=[RowOut.of(r) for r in report.rows],
            channels=[RowOut.of(r) for r in report.channels],
            attributed=FiguresOut.of(report.attributed),
            organic=FiguresOut.of(report.organic, credited=False),
            total=FiguresOut.of(report.total, credited=False),
            days=[DayOut.of(d) for d in report.days], commission=commission,
            awaiting_attribution=report.awaiting_attribution,
        )  # fmt: skip
