"""Pure parts of the channel report: conversion rounding, aggregation, periods, CSV cells."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from handshake.attribution.channel_report import (
    FunnelCount,
    OrderFact,
    ReportPeriod,
    build_report,
    conversion,
    report_csv,
    report_period,
)
from handshake.attribution.errors import InvalidReportPeriod

DAY = date(2026, 3, 2)


def test_conversion_is_a_percentage_to_one_decimal_and_none_without_a_base() -> None:
    assert conversion(2, 3) == Decimal("66.7")
    assert conversion(1, 8) == Decimal("12.5")
    assert conversion(1, 16) == Decimal("6.3")  # half up
    assert conversion(0, 5) == Decimal("0.0")
    assert conversion(3, 0) is None


def test_build_report_adds_orders_and_funnel_per_partner_campaign_and_day() -> None:
    period = ReportPeriod(date(2026, 3, 1), DAY)
    orders = [
        OrderFact("ptn_a", "spring", DAY, 1000),
        OrderFact("ptn_a", None, DAY, 500),
        OrderFact(None, None, date(2026, 3, 1), 250),
    ]
    funnel = [
        FunnelCount("ptn_a", "spring", "impression", 10),
        FunnelCount("ptn_a", "spring", "click", 4),
        FunnelCount("ptn_b", None, "click", 1),
    ]
    report = build_report(period, "EUR", orders, funnel, {"ptn_a": "Picto"}, store_name="Shop")
    assert (report.total.orders, report.total.revenue_minor) == (3, 1750)
    assert (report.total.impressions, report.total.clicks) == (10, 5)
    assert [(r.partner_name, r.orders, r.revenue_minor, r.clicks) for r in report.partners] == [
        ("Picto", 2, 1500, 4), ("Shop", 1, 250, 0), ("ptn_b", 0, 0, 1),
    ]  # fmt: skip
    assert [(r.partner_id, r.campaign_id, r.orders) for r in report.campaigns] == [
        ("ptn_a", "spring", 1), ("ptn_a", None, 1), (None, None, 1), ("ptn_b", None, 0),
    ]  # fmt: skip
    assert report.partners[0].click_conversion == Decimal("50.0")
    assert [(d.day, d.orders, d.revenue_minor) for d in report.days] == [
        (date(2026, 3, 1), 1, 250), (DAY, 2, 1500),
    ]  # fmt: skip


def test_the_stores_own_orders_do_not_raise_the_conversion_of_partners_ads() -> None:
    orders = [OrderFact("ptn_a", "spring", DAY, 1000), *[OrderFact(None, None, DAY, 100)] * 9]
    funnel = [FunnelCount("ptn_a", "spring", "click", 10),
              FunnelCount("ptn_a", "spring", "impression", 40)]  # fmt: skip
    report = build_report(ReportPeriod(DAY, DAY), "EUR", orders, funnel, {"ptn_a": "Picto"})
    assert report.total.orders == 10
    assert (report.total.click_conversion, report.total.impression_conversion) == (
        Decimal("10.0"), Decimal("2.5"),
    )  # fmt: skip
    store = next(row for row in report.partners if row.partner_id is None)
    assert (store.orders, store.click_conversion) == (9, None)


def test_periods_default_to_thirty_days_and_refuse_reversed_or_long_ones() -> None:
    period = report_period(None, DAY)
    assert (period.start, len(period.days())) == (date(2026, 2, 1), 30)
    with pytest.raises(InvalidReportPeriod):
        report_period(DAY, date(2026, 3, 1))
    with pytest.raises(InvalidReportPeriod):
        report_period(date(2020, 1, 1), DAY)
    for start, end in ((None, date.min), (date.max, date.max)):  # no day before / after
        with pytest.raises(InvalidReportPeriod):
            report_period(start, end)


def test_csv_keeps_spreadsheets_from_running_partner_text() -> None:
    period = ReportPeriod(DAY, DAY)
    report = build_report(
        period, "EUR", [OrderFact("ptn_a", "=HYPERLINK(1)", DAY, 1999)], [], {"ptn_a": "@evil"}
    )
    lines = report_csv(report).splitlines()
    assert lines[2] == "partner,ptn_a,'@evil,,0,0,1,19.99,EUR,,"
    assert lines[3] == "campaign,ptn_a,'@evil,'=HYPERLINK(1),0,0,1,19.99,EUR,,"
