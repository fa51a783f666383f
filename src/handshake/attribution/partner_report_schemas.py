"""Response models of the partner performance report (``/partner/v1/reports/performance``).

Aggregates only: never a shopper id, never a count of shoppers. One grouping per report: its
rows of enough shoppers, and their totals. Money is in minor units of ``currency``;
percentages have one decimal and are null when their base is zero.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ReportPeriodOut(BaseModel):
    """Whole UTC days, both included."""

    start: date
    end: date


class PartnerFiguresOut(BaseModel):
    """The figures of a row, or of the shown rows together."""

    impressions: int
    views: int
    clicks: int
    ctr_percent: float | None = Field(description="Clicks per 100 impressions.")
    add_to_carts: int
    orders: int = Field(description="Orders credited to your ads under the model.")
    conversion_percent: float | None = Field(description="Orders per 100 clicks.")
    revenue_minor: int = Field(description="What the buyers still pay (refunds deducted).")
    average_basket_minor: int | None
    member_orders: int
    non_member_orders: int
    new_customer_orders: int = Field(description="Buyers with no store order in the N days before.")
    existing_customer_orders: int
    cannibalised_orders: int = Field(
        description="Buyers who bought the same product or category on the store site in the "
        "M days before: sales the store would likely have made anyway."
    )
    cannibalisation_percent: float | None = Field(description="Cannibalised orders per 100.")
    commission_minor: int = Field(description="Commission owed to you on the revenue.")


class PartnerRowOut(BaseModel):
    """One row shown: its keys (those of the grouping; others null) and figures."""

    channel: str | None
    campaign_id: str | None
    creative_id: str | None
    day: date | None = Field(description="The UTC day of a row of group_by=day.")
    figures: PartnerFiguresOut


class ReportNoiseOut(BaseModel):
    """The differential privacy of a noisy report and the budget it spent."""

    epsilon_spent: float
    budget_epsilon: float
    budget_left_epsilon: float
    budget_period_start: date
    budget_renews_on: date
    noisy_figures: list[str] = Field(description="Figures with Laplace noise added.")
    derived_figures: list[str] = Field(description="Figures computed from the noisy ones.")
    noise_scales: dict[str, float] = Field(description="Laplace scale of each noisy figure.")
    max_orders_per_shopper: int
    max_revenue_minor_per_shopper: int


class PartnerReportOut(BaseModel):
    """Your own performance over the period."""

    period: ReportPeriodOut
    model: str = Field(description="last_click or view_through.")
    group_by: str = Field(description="What a row is: channel, campaign, creative or day.")
    currency: str
    min_shoppers: int = Field(description="Rows with fewer distinct shoppers are not shown.")
    suppressed_rows: int = Field(description="Rows not shown: fewer shoppers than min_shoppers "
                                 "(by day: the days of suppressed_days).")  # fmt: skip
    rows: list[PartnerRowOut] = Field(description="The rows shown (by day: in date order).")
    suppressed_days: list[date] = Field(
        description="By day: the days of the period not shown (fewer shoppers than "
        "min_shoppers, or none), without figures; empty for other groupings."
    )
    totals: PartnerFiguresOut = Field(description="The rows shown, together (nothing else).")
    noise: ReportNoiseOut | None = Field(description="Null when the figures are exact.")
