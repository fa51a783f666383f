"""The channel report: orders, revenue and conversion per partner and campaign over a period.

Definitions (the same on the page, in the CSV and in the charts):

- the period is whole UTC days, ``start`` to ``end`` included;
- an order counts when it was placed in the period, in the report's currency, and was not
  cancelled; its revenue is what the shopper still pays (total minus refunds);
- an order belongs to the partner that placed it (none: the store's own checkout) and to the
  campaign of its ad click, else of its first line bought from a campaign's offer;
- impressions and clicks are the ad events that occurred in the period;
- conversion is orders ÷ clicks and orders ÷ impressions, in percent (none without a
  denominator); only orders placed through partners count there, as the store's own orders
  come from no ad (the total's conversion would otherwise grow with the store's sales).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from handshake.attribution.errors import InvalidReportPeriod
from handshake.attribution.models import AdEventKind
from handshake.attribution.repository import ChannelReportRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.partners import service as partners

DEFAULT_DAYS = 30
MAX_DAYS = 366
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class ReportPeriod:
    """Whole UTC days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def report_period(start: date | None = None, end: date | None = None) -> ReportPeriod:
    """The period asked for; by default the last 30 days up to today (UTC)."""
    last = end or clock.now().date()
    try:
        first = start or last - timedelta(days=DEFAULT_DAYS - 1)
        last + timedelta(days=1)  # the period's ``until``
    except OverflowError:
        raise InvalidReportPeriod("Give days within the years 1 to 9999.") from None
    if first > last:
        raise InvalidReportPeriod("The period must start on or before its last day.")
    if (last - first).days >= MAX_DAYS:
        raise InvalidReportPeriod(f"A report covers at most {MAX_DAYS} days.")
    return ReportPeriod(first, last)


def conversion(orders: int, base: int) -> Decimal | None:
    """``orders`` per 100 of ``base``, to one decimal (None when ``base`` is zero)."""
    if base == 0:
        return None
    return (Decimal(orders) * 100 / base).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OrderFact:
    """One counted order, reduced to what the report needs."""

    partner_id: str | None
    campaign_id: str | None
    day: date
    net_minor: int


@dataclass(frozen=True)
class FunnelCount:
    """How many ad events of one kind a partner's campaign had."""

    partner_id: str
    campaign_id: str | None
    kind: str
    count: int


@dataclass
class ChannelRow:
    """Figures of one partner, one campaign of a partner, or everything."""

    partner_id: str | None
    partner_name: str
    campaign_id: str | None = None
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    revenue_minor: int = 0
    partner_orders: int = 0  # the orders placed through partners: conversion's numerator

    @property
    def click_conversion(self) -> Decimal | None:
        """Orders (through partners) per 100 clicks."""
        return conversion(self.partner_orders, self.clicks)

    @property
    def impression_conversion(self) -> Decimal | None:
        """Orders (through partners) per 100 impressions."""
        return conversion(self.partner_orders, self.impressions)


@dataclass(frozen=True)
class DayFigures:
    """Orders and revenue of one day."""

    day: date
    orders: int
    revenue_minor: int


@dataclass(frozen=True)
class ChannelReport:
    """The whole report of a period."""

    period: ReportPeriod
    currency: str
    total: ChannelRow
    partners: list[ChannelRow] = field(default_factory=list)
    campaigns: list[ChannelRow] = field(default_factory=list)
    days: list[DayFigures] = field(default_factory=list)


def _add(row: ChannelRow, *, orders: int = 0, revenue: int = 0, kind: str = "", n: int = 0) -> None:
    row.orders += orders
    row.revenue_minor += revenue
    if kind == AdEventKind.IMPRESSION:
        row.impressions += n
    elif kind == AdEventKind.CLICK:
        row.clicks += n


def build_report(
    period: ReportPeriod,
    currency: str,
    orders: Iterable[OrderFact],
    funnel: Iterable[FunnelCount],
    names: Mapping[str, str],
    *,
    store_name: str = "Store",
) -> ChannelReport:
    """Aggregate order facts and funnel counts into the report (pure)."""
    total = ChannelRow(None, "")
    by_partner: dict[str | None, ChannelRow] = {}
    by_campaign: dict[tuple[str | None, str | None], ChannelRow] = {}
    per_day: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0])

    def rows_of(partner_id: str | None, campaign_id: str | None) -> list[ChannelRow]:
        name = store_name if partner_id is None else names.get(partner_id, partner_id)
        partner = by_partner.setdefault(partner_id, ChannelRow(partner_id, name))
        campaign = by_campaign.setdefault(
            (partner_id, campaign_id), ChannelRow(partner_id, name, campaign_id)
        )
        return [total, partner, campaign]

    for order in orders:
        for row in rows_of(order.partner_id, order.campaign_id):
            _add(row, orders=1, revenue=order.net_minor)
            row.partner_orders += int(order.partner_id is not None)
        per_day[order.day][0] += 1
        per_day[order.day][1] += order.net_minor
    for count in funnel:
        for row in rows_of(count.partner_id, count.campaign_id):
            _add(row, kind=count.kind, n=count.count)
    days = [DayFigures(d, *per_day.get(d, [0, 0])) for d in period.days()]
    return ChannelReport(
        period=period,
        currency=currency,
        total=total,
        partners=sorted(by_partner.values(), key=_rank),
        campaigns=sorted(by_campaign.values(), key=_rank),
        days=days,
    )


def _rank(row: ChannelRow) -> tuple[int, int, str, str]:
    """Most revenue first, then most orders, then by name and campaign for a stable order."""
    return (-row.revenue_minor, -row.orders, row.partner_name, row.campaign_id or "")


async def channel_report(
    *, uow: UnitOfWork, period: ReportPeriod, currency: str, store_name: str = "Store"
) -> ChannelReport:
    """The channel report of ``period`` for sales in ``currency``."""
    async with uow:
        repo = uow.repo(ChannelReportRepository)
        order_rows = await repo.order_facts(
            since=period.since, until=period.until, currency=currency
        )
        funnel_rows = await repo.funnel_counts(since=period.since, until=period.until)
        names = {p.id: p.name for p in await partners.list_partners(uow=uow)}
    orders = [
        OrderFact(r.partner_id, r.campaign_id, clock.ensure_utc(r.placed_at).date(), r.net_minor)
        for r in order_rows
    ]
    funnel = [FunnelCount(*row) for row in funnel_rows]
    return build_report(period, currency, orders, funnel, names, store_name=store_name)


async def linked_shopper_count(*, uow: UnitOfWork) -> int:
    """Shoppers with at least one partner app linked now."""
    async with uow:
        return await uow.repo(ChannelReportRepository).linked_shopper_count(now=clock.now())


CSV_HEADER = (
    "level", "partner_id", "partner", "campaign", "impressions", "clicks", "orders",
    "revenue", "currency", "conversion_clicks_pct", "conversion_impressions_pct",
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(value: str) -> str:
    # Partner names and campaign ids come from outside: keep spreadsheets from running them.
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _csv_line(level: str, row: ChannelRow, currency: str) -> list[str]:
    def pct(value: Decimal | None) -> str:
        return "" if value is None else str(value)

    return [
        level, row.partner_id or "", _text_cell(row.partner_name),
        _text_cell(row.campaign_id or ""), str(row.impressions), str(row.clicks),
        str(row.orders), str(Money(row.revenue_minor, currency).as_decimal()), currency,
        pct(row.click_conversion), pct(row.impression_conversion),
    ]  # fmt: skip


def report_csv(report: ChannelReport) -> str:
    """The report as CSV: the total, one line per partner, then one per campaign."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerow(_csv_line("total", report.total, report.currency))
    writer.writerows(_csv_line("partner", row, report.currency) for row in report.partners)
    writer.writerows(_csv_line("campaign", row, report.currency) for row in report.campaigns)
    return out.getvalue()
