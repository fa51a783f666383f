"""A released partner report as the partner API answers it: JSON models, or CSV (pure)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from handshake.attribution.partner_report_schemas import (
    PartnerFiguresOut,
    PartnerReportOut,
    PartnerRowOut,
    ReportNoiseOut,
    ReportPeriodOut,
)
from handshake.attribution.performance import Figures, PerformanceRow
from handshake.attribution.privacy import ReleasedReport
from handshake.attribution.report_noise import DERIVED_FIGURES, NOISY_FIGURES

FIGURE_COLUMNS = tuple(PartnerFiguresOut.model_fields)
CSV_HEADER = ("line", "channel", "campaign_id", "creative_id", "day", "suppressed",
              *FIGURE_COLUMNS, "currency")  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def figures_out(f: Figures) -> PartnerFiguresOut:
    """What a partner sees of a row's figures."""
    return PartnerFiguresOut(
        impressions=f.impressions, views=f.views, clicks=f.clicks, ctr_percent=_percent(f.ctr),
        add_to_carts=f.add_to_carts, orders=f.orders,
        conversion_percent=_percent(f.conversion), revenue_minor=f.revenue_minor,
        average_basket_minor=f.average_basket_minor, member_orders=f.member_orders,
        non_member_orders=f.non_member_orders, new_customer_orders=f.new_customer_orders,
        existing_customer_orders=f.existing_customer_orders,
        cannibalised_orders=f.cannibalised_orders,
        cannibalisation_percent=_percent(f.cannibalisation), commission_minor=f.commission_minor,
    )  # fmt: skip


def row_out(row: PerformanceRow) -> PartnerRowOut:
    """A shown row: its keys and figures."""
    return PartnerRowOut(
        channel=row.channel, campaign_id=row.campaign_id, creative_id=row.creative_id,
        day=row.day, figures=figures_out(row.figures),
    )  # fmt: skip


def _noise_out(released: ReleasedReport) -> ReportNoiseOut | None:
    plan, budget = released.plan, released.budget
    if plan is None or budget is None:
        return None
    return ReportNoiseOut(
        epsilon_spent=plan.epsilon,
        budget_epsilon=budget.epsilon, budget_left_epsilon=budget.left,
        budget_period_start=budget.period_start, budget_renews_on=budget.renews_on,
        noisy_figures=list(NOISY_FIGURES), derived_figures=list(DERIVED_FIGURES),
        noise_scales=plan.scales, max_orders_per_shopper=plan.max_orders,
        max_revenue_minor_per_shopper=plan.max_revenue_minor,
    )  # fmt: skip


def report_out(released: ReleasedReport) -> PartnerReportOut:
    """The JSON answer of a released report."""
    report = released.report
    return PartnerReportOut(
        period=ReportPeriodOut(start=report.period.start, end=report.period.end),
        model=report.model.value, group_by=report.grouping.value, currency=report.currency,
        min_shoppers=released.min_shoppers, suppressed_rows=report.suppressed_rows,
        rows=[row_out(r) for r in report.rows], suppressed_days=list(report.suppressed_days),
        totals=figures_out(report.attributed), noise=_noise_out(released),
    )  # fmt: skip


def _text(value: str | None) -> str:
    # Campaign and creative ids are the partner's own words: never a formula.
    text = value or ""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _cells(figures: PartnerFiguresOut | None) -> list[str]:
    if figures is None:
        return [""] * len(FIGURE_COLUMNS)
    values = figures.model_dump()
    return ["" if values[name] is None else str(values[name]) for name in FIGURE_COLUMNS]


def _row_line(row: PartnerRowOut, currency: str) -> list[str]:
    day = row.day.isoformat() if row.day else ""
    return ["row", _text(row.channel), _text(row.campaign_id), _text(row.creative_id), day,
            "false", *_cells(row.figures), currency]  # fmt: skip


def report_csv(released: ReleasedReport) -> str:
    """The report as CSV: a line per row (by day: per day of the period in date order, a
    suppressed one without figures), then the total of the rows shown."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    document, currency = report_out(released), released.report.currency
    lines = [(row.day or date.min, _row_line(row, currency)) for row in document.rows]
    lines += [(day, ["row", "", "", "", day.isoformat(), "true", *_cells(None), currency])
              for day in document.suppressed_days]  # fmt: skip
    # Stable: rows of other groupings (no day) keep their order.
    writer.writerows(line for _, line in sorted(lines, key=lambda pair: pair[0]))
    writer.writerow(["total", "", "", "", "", "false", *_cells(document.totals), currency])
    return out.getvalue()
