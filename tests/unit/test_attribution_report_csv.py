"""Pure shaping of the performance report: CSV lines, spreadsheet-safe text, KPI tiles, the
charts' data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import (
    Figures,
    Grouping,
    PerformanceReport,
    PerformanceRow,
)
from handshake.attribution.report_csv import csv_filename, report_csv, text_cell
from handshake.attribution.report_periods import ReportPeriod
from handshake.attribution.report_presentation import chart_data, funnel, tiles
from handshake.attribution.report_repository import DayCounts

DAY = date(2026, 3, 2)
HEADER = (
    "level,partner_id,partner,channel,campaign,creative,impressions,views,clicks,ctr_pct,"
    "add_to_carts,orders,conversion_pct,revenue,average_basket,currency,member_orders,"
    "non_member_orders,member_revenue,new_customer_orders,existing_customer_orders,"
    "new_customer_pct,cannibalised_orders,cannibalisation_pct,commission"
)


def _figures(**counts: int) -> Figures:
    return Figures(**counts)


def _report(
    rows: list[PerformanceRow], grouping: Grouping = Grouping.CREATIVE
) -> PerformanceReport:
    attributed = Figures()
    for row in rows:
        attributed.add(row.figures)
    organic = _figures(orders=2, revenue_minor=3001, member_orders=1, new_customer_orders=2,
                       cannibalised_orders=1)  # fmt: skip
    total = Figures()
    total.add(attributed)
    total.add(organic)
    channel = PerformanceRow(channel="feed_ad", figures=attributed)
    return PerformanceReport(
        period=ReportPeriod(date(2026, 3, 1), DAY), model=AttributionModel.VIEW_THROUGH,
        grouping=grouping, currency="EUR", rows=rows, channels=[channel],
        attributed=attributed, organic=organic, total=total,
        days=[DayCounts(date(2026, 3, 1)), DayCounts(DAY, impressions=8, clicks=3,
              attributed_orders=1, attributed_revenue_minor=1999, orders=2,
              revenue_minor=2500)],
    )  # fmt: skip


ROW = PerformanceRow(
    partner_id="ptn_a", partner_name="Picto", campaign_id="spring", creative_id="c1",
    figures=_figures(
        impressions=8, views=2, clicks=3, add_to_carts=2, orders=3, revenue_minor=5998,
        member_orders=1, member_revenue_minor=1999, new_customer_orders=1,
        cannibalised_orders=1, commission_minor=600,
    ),
)  # fmt: skip


def test_every_row_then_attributed_organic_and_total_lines_with_every_figure() -> None:
    idle = PerformanceRow(partner_id="ptn_b", partner_name="Vidz", figures=_figures(views=4))
    lines = report_csv(_report([ROW, idle])).splitlines()
    assert lines == [
        HEADER,
        "creative,ptn_a,Picto,,spring,c1,8,2,3,37.5,2,3,100.0,59.98,19.99,EUR,1,2,19.99,1,2,"
        "33.3,1,33.3,6.00",
        "creative,ptn_b,Vidz,,,,0,4,0,,0,0,,0.00,,EUR,0,0,0.00,0,0,,0,,0.00",
        "attributed,,,,,,8,6,3,37.5,2,3,100.0,59.98,19.99,EUR,1,2,19.99,1,2,33.3,1,33.3,6.00",
        # conversion and cannibalisation concern credited orders: empty on these two
        "organic,,,,,,0,0,0,,0,2,,30.01,15.01,EUR,1,1,0.00,2,0,100.0,1,,0.00",
        "total,,,,,,8,6,3,37.5,2,5,,89.99,18.00,EUR,2,3,19.99,3,2,60.0,2,,6.00",
    ]


def test_a_currency_without_decimals_keeps_its_own_minor_unit() -> None:
    report = _report([ROW])
    report.currency = "JPY"
    line = report_csv(report).splitlines()[1]
    assert line.split(",")[13:16] == ["5998", "1999", "JPY"]


def test_csv_keeps_spreadsheets_from_running_partner_text() -> None:
    evil = PerformanceRow(
        partner_id="ptn_a", partner_name="@evil", campaign_id="=HYPERLINK(1)",
        creative_id="-2+3", figures=_figures(orders=1, revenue_minor=1999),
    )  # fmt: skip
    line = report_csv(_report([evil])).splitlines()[1]
    assert line.startswith("creative,ptn_a,'@evil,,'=HYPERLINK(1),'-2+3,0,0,0,,0,1,,19.99,")
    assert [text_cell(v) for v in ("+1", "\tx", "\rx", "plain", "", None, "a=b")] == [
        "'+1", "'\tx", "'\rx", "plain", "", "", "a=b",
    ]  # fmt: skip


def test_cells_with_commas_and_quotes_are_quoted() -> None:
    row = PerformanceRow(partner_id="ptn_a", partner_name='Picto, "the app"', figures=Figures())
    line = report_csv(_report([row], Grouping.PARTNER)).splitlines()[1]
    assert line.startswith('partner,ptn_a,"Picto, ""the app""",,,,')


def test_the_file_is_named_after_model_grouping_and_period() -> None:
    assert csv_filename(_report([ROW])) == (
        "channel-performance-view_through-creative-2026-03-01-2026-03-02.csv"
    )


def test_tiles_total_every_order_and_take_ratios_of_credited_orders() -> None:
    shown = tiles(_report([ROW]))
    assert (shown.orders, shown.revenue_minor, shown.attributed_orders, shown.organic_orders) == (
        5, 8999, 3, 2,
    )  # fmt: skip
    assert (shown.attributed_share, shown.ctr, shown.conversion) == (
        Decimal("60.0"), Decimal("37.5"), Decimal("100.0"),
    )  # fmt: skip
    assert (shown.new_customer_share, shown.cannibalisation, shown.commission_minor) == (
        Decimal("33.3"), Decimal("33.3"), 600,
    )  # fmt: skip
    empty = tiles(_report([]))
    assert (empty.attributed_share, empty.ctr, empty.conversion) == (Decimal("0.0"), None, None)


def test_chart_data_has_the_day_series_funnel_and_channel_comparison() -> None:
    report = _report([ROW])
    assert funnel(report) == [("impressions", 8), ("clicks", 3), ("add_to_carts", 2), ("orders", 3)]
    assert chart_data(report) == {
        "currency": "EUR", "days": ["2026-03-01", "2026-03-02"], "orders": [0, 2],
        "revenue": [0.0, 25.0], "attributed_orders": [0, 1], "attributed_revenue": [0.0, 19.99],
        "impressions": [0, 8], "clicks": [0, 3], "funnel": [8, 3, 2, 3],
        "channels": ["feed_ad"], "channel_orders": [3], "channel_revenue": [59.98],
        "channel_conversion": [100.0],
    }  # fmt: skip
