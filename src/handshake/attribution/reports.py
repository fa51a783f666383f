"""Use cases of the reports: the operator's performance report, a partner's own report, and
the overview's counts.

A partner report releases exactly one partition of the partner's figures: its rows are the
partner's channels, campaigns, creatives or days of the period (one grouping per report). A row
with fewer than ``min_shoppers`` distinct shoppers is withheld: counted in ``suppressed_rows``,
never shown (by day, every day of the period is a part, and a withheld day is listed as a date
without figures: a date tells nothing). The totals add up the released rows only, and nothing
else is released beside them: no channel comparison, no day series, no organic orders, and a
row's commission is its rate on its own revenue. So no figure of one answer includes a withheld
row's orders, and no subtraction within the answer recovers them.

Differencing ACROSS reports is not prevented by the threshold alone: a campaign report minus a
creative report of the same period, or two periods one day apart, may isolate a withheld part.
The optional noise, with its per-partner budget (``privacy``, ``report_noise``), is the
protection against that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from handshake.attribution.errors import InvalidReportOption
from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import (
    ROW_KEYS,
    CommissionRates,
    Figures,
    Grouping,
    PerformanceReport,
    PerformanceRow,
    cell_figures,
    day_series,
    group_rows,
    sum_figures,
)
from handshake.attribution.report_periods import ReportPeriod
from handshake.attribution.report_repository import PerformanceRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.partners import service as partners


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for."""

    period: ReportPeriod
    model: AttributionModel = AttributionModel.LAST_CLICK
    grouping: Grouping = Grouping.PARTNER
    currency: str = "EUR"


async def performance_report(
    *, uow: UnitOfWork, request: ReportRequest, rates: CommissionRates
) -> PerformanceReport:
    """Every partner's figures over the period, grouped as asked, with organic orders."""
    if request.grouping == Grouping.DAY:  # partner reports only: this one has its day series
        raise InvalidReportOption(
            "Group rows by partner, channel, campaign or creative.", extra={"value": "day"}
        )
    period = request.period
    async with uow:
        repo = uow.repo(PerformanceRepository)
        events = await repo.event_cells(first=period.start, last=period.end)
        orders = await repo.order_cells(
            first=period.start, last=period.end, model=request.model, currency=request.currency
        )
        days = await repo.days(
            first=period.start, last=period.end, model=request.model, currency=request.currency
        )
        awaiting = await repo.orders_awaiting_attribution(
            since=period.since, until=period.until, currency=request.currency
        )
        names = {p.id: p.name for p in await partners.list_partners(uow=uow)}
    cells, organic = cell_figures(events, orders, rates)
    rows = group_rows(cells, request.grouping, names)
    attributed = sum_figures(rows)
    total = Figures()
    total.add(attributed)
    total.add(organic)
    return PerformanceReport(
        period=period, model=request.model, grouping=request.grouping,
        currency=request.currency, rows=rows,
        channels=group_rows(cells, Grouping.CHANNEL, names), attributed=attributed,
        partners=group_rows(cells, Grouping.PARTNER, names),
        organic=organic, total=total, days=day_series(period, days),
        awaiting_attribution=awaiting,
    )  # fmt: skip


def _key(row: PerformanceRow, grouping: Grouping) -> tuple[str, ...]:
    values = {
        "partner_id": row.partner_id, "channel": row.channel, "campaign_id": row.campaign_id,
        "creative_id": row.creative_id, "day": row.day.isoformat() if row.day else None,
    }  # fmt: skip
    return tuple(values[name] or "" for name in ROW_KEYS[grouping])


def released_rows(
    rows: list[PerformanceRow],
    grouping: Grouping,
    shoppers: Mapping[tuple[str, ...], int],
    minimum: int,
) -> tuple[list[PerformanceRow], int]:
    """The rows with at least ``minimum`` distinct shoppers (never their count), and how many
    others were withheld."""
    shown = [row for row in rows if shoppers.get(_key(row, grouping), 0) >= minimum]
    return shown, len(rows) - len(shown)


def withheld_days(period: ReportPeriod, shown: list[PerformanceRow]) -> list[date]:
    """The days of the period without a released row: by day, every day of the period is a
    part, those with too few shoppers (or none) withheld."""
    days = {row.day for row in shown}
    return [day for day in period.days() if day not in days]


async def partner_report(
    *,
    uow: UnitOfWork,
    partner_id: str,
    request: ReportRequest,
    rates: CommissionRates,
    min_shoppers: int,
) -> PerformanceReport:
    """One partner's own figures as one partition, its rows of ``request.grouping``: rows of
    fewer than ``min_shoppers`` distinct shoppers withheld, totals of the rows released only."""
    grouping = Grouping.CHANNEL if request.grouping == Grouping.PARTNER else request.grouping
    period, model, currency = request.period, request.model, request.currency
    by_day = grouping == Grouping.DAY
    window = {"first": period.start, "last": period.end}
    async with uow:
        repo = uow.repo(PerformanceRepository)
        events = await repo.event_cells(**window, partner_id=partner_id, by_day=by_day)
        orders = await repo.order_cells(
            **window, model=model, currency=currency, partner_id=partner_id, by_day=by_day
        )
        shoppers = await repo.cell_shoppers(
            **window, model=model, currency=currency, partner_id=partner_id,
            dims=ROW_KEYS[grouping],
        )  # fmt: skip
        name = (await partners.get_partner(uow=uow, partner_id=partner_id)).name
    cells, _ = cell_figures(events, orders, rates)
    rows, withheld = released_rows(
        group_rows(cells, grouping, {partner_id: name}), grouping, shoppers, min_shoppers
    )
    for row in rows:
        # Its own revenue's commission: a share of the partner's (see ``performance``) would
        # depend, by its rounding, on the revenue of the rows before it, withheld ones too.
        row.figures.commission_minor = rates.commission_minor(partner_id, row.figures.revenue_minor)
    hidden_days = withheld_days(period, rows) if by_day else []
    released = sum_figures(rows)
    return PerformanceReport(
        period=period, model=model, grouping=grouping, currency=currency, rows=rows,
        channels=[], attributed=released, organic=Figures(), total=replace(released), days=[],
        suppressed_rows=len(hidden_days) if by_day else withheld, suppressed_days=hidden_days,
    )  # fmt: skip


async def linked_shopper_count(*, uow: UnitOfWork) -> int:
    """Shoppers with at least one partner app linked now."""
    async with uow:
        return await uow.repo(PerformanceRepository).linked_shopper_count(now=clock.now())
