"""The performance report as CSV (pure): one line per row, then every attributed order
together, the organic orders and the total.

Money is in major units with its currency beside; percentages to one decimal, empty when they
have no base. Conversion and the cannibalisation estimate concern orders credited to ads, so
the organic and total lines leave them empty (the ``attributed`` line has them).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from handshake.attribution.performance import Figures, PerformanceReport, PerformanceRow
from handshake.kernel.money import Money

CSV_HEADER = (
    "level", "partner_id", "partner", "channel", "campaign", "creative",
    "impressions", "views", "clicks", "ctr_pct", "add_to_carts", "orders", "conversion_pct",
    "revenue", "average_basket", "currency", "member_orders", "non_member_orders",
    "member_revenue", "new_customer_orders", "existing_customer_orders", "new_customer_pct",
    "cannibalised_orders", "cannibalisation_pct", "commission",
)  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str | None) -> str:
    """A text cell a spreadsheet shows as text: names and references come from partners."""
    text = value or ""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _pct(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _major(minor: int | None, currency: str) -> str:
    return "" if minor is None else str(Money(minor, currency).as_decimal())


def figure_cells(figures: Figures, currency: str, *, credited: bool = True) -> list[str]:
    """The figure columns of a line; ``credited=False`` leaves the ratios of credited orders
    (conversion, cannibalisation) empty."""
    f = figures
    return [
        str(f.impressions), str(f.views), str(f.clicks), _pct(f.ctr), str(f.add_to_carts),
        str(f.orders), _pct(f.conversion if credited else None),
        _major(f.revenue_minor, currency), _major(f.average_basket_minor, currency), currency,
        str(f.member_orders), str(f.non_member_orders), _major(f.member_revenue_minor, currency),
        str(f.new_customer_orders), str(f.existing_customer_orders), _pct(f.new_customer_share),
        str(f.cannibalised_orders), _pct(f.cannibalisation if credited else None),
        _major(f.commission_minor, currency),
    ]  # fmt: skip


def _row_cells(level: str, row: PerformanceRow, currency: str) -> list[str]:
    return [
        level, text_cell(row.partner_id), text_cell(row.partner_name), text_cell(row.channel),
        text_cell(row.campaign_id), text_cell(row.creative_id),
        *figure_cells(row.figures, currency),
    ]  # fmt: skip


def _summary_cells(level: str, figures: Figures, currency: str, *, credited: bool) -> list[str]:
    return [level, "", "", "", "", "", *figure_cells(figures, currency, credited=credited)]


def report_csv(report: PerformanceReport) -> str:
    """The report as CSV text (header, rows, ``attributed``, ``organic``, ``total``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    currency = report.currency
    writer.writerows(_row_cells(report.grouping.value, row, currency) for row in report.rows)
    writer.writerow(_summary_cells("attributed", report.attributed, currency, credited=True))
    writer.writerow(_summary_cells("organic", report.organic, currency, credited=False))
    writer.writerow(_summary_cells("total", report.total, currency, credited=False))
    return out.getvalue()


def csv_filename(report: PerformanceReport) -> str:
    """``channel-performance-<model>-<grouping>-<start>-<end>.csv``."""
    period = report.period
    return (
        f"channel-performance-{report.model.value}-{report.grouping.value}"
        f"-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    )
