"""Use cases of the reports: the operator's performance report, a partner's own report (only
aggregates, small cells suppressed), and the overview's counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

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
from handshake.attribution.report_repository import DayCounts, PerformanceRepository
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


def _dims(grouping: Grouping) -> tuple[str, ...]:
    return ROW_KEYS[grouping]


def _key(row: PerformanceRow, grouping: Grouping) -> tuple[str, ...]:
    values = {
        "partner_id": row.partner_id, "channel": row.channel,
        "campaign_id": row.campaign_id, "creative_id": row.creative_id,
    }  # fmt: skip
    return tuple(values[name] or "" for name in _dims(grouping))


def suppress_rows(
    rows: list[PerformanceRow],
    grouping: Grouping,
    shoppers: Mapping[tuple[str, ...], int],
    minimum: int,
) -> int:
    """Hide the figures of every row with fewer than ``minimum`` distinct shoppers; how many
    rows were hidden. A row's shopper count is never shown either."""
    hidden = 0
    for row in rows:
        count = shoppers.get(_key(row, grouping), 0)
        if count < minimum:
            row.figures, row.suppressed = Figures(), True
            hidden += 1
    return hidden


def suppress_days(
    days: list[DayCounts], shoppers: Mapping[tuple[str, ...], int], minimum: int
) -> list[DayCounts]:
    """The day series with every day of fewer than ``minimum`` shoppers hidden."""
    return [
        day
        if shoppers.get((day.day.isoformat(),), 0) >= minimum
        else DayCounts(day.day, suppressed=True)
        for day in days
    ]


async def partner_report(
    *,
    uow: UnitOfWork,
    partner_id: str,
    request: ReportRequest,
    rates: CommissionRates,
    min_shoppers: int,
) -> PerformanceReport:
    """One partner's own figures: aggregates only, every row, channel and day with fewer than
    ``min_shoppers`` distinct shoppers suppressed; totals add up the rows shown."""
    grouping = Grouping.CHANNEL if request.grouping == Grouping.PARTNER else request.grouping
    period, model = request.period, request.model
    window = {"first": period.start, "last": period.end}
    async with uow:
        repo = uow.repo(PerformanceRepository)
        events = await repo.event_cells(**window, partner_id=partner_id)
        orders = await repo.order_cells(
            **window, model=model, currency=request.currency, partner_id=partner_id
        )
        days = await repo.days(
            **window, model=model, currency=request.currency, partner_id=partner_id
        )

        async def shoppers(dims: tuple[str, ...]) -> dict[tuple[str, ...], int]:
            return await repo.cell_shoppers(**window, model=model, partner_id=partner_id, dims=dims)

        row_shoppers = await shoppers(_dims(grouping))
        channel_shoppers = await shoppers(_dims(Grouping.CHANNEL))
        day_shoppers = await shoppers(("day",))
        name = (await partners.get_partner(uow=uow, partner_id=partner_id)).name
    cells, _ = cell_figures(events, orders, rates)
    names = {partner_id: name}
    rows = group_rows(cells, grouping, names)
    channels = group_rows(cells, Grouping.CHANNEL, names)
    hidden = suppress_rows(rows, grouping, row_shoppers, min_shoppers)
    suppress_rows(channels, Grouping.CHANNEL, channel_shoppers, min_shoppers)
    shown = sum_figures(rows)
    return PerformanceReport(
        period=period, model=model, grouping=grouping, currency=request.currency,
        rows=[r for r in rows if not r.suppressed],
        channels=[c for c in channels if not c.suppressed], attributed=shown,
        organic=Figures(), total=replace(shown),
        days=suppress_days(day_series(period, days), day_shoppers, min_shoppers),
        suppressed_rows=hidden,
    )  # fmt: skip


async def linked_shopper_count(*, uow: UnitOfWork) -> int:
    """Shoppers with at least one partner app linked now."""
    async with uow:
        return await uow.repo(PerformanceRepository).linked_shopper_count(now=clock.now())
