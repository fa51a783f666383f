"""The performance report: what each partner, channel, campaign and creative brings.

Definitions (the same on the page, in the CSV, in the charts and in the partner API):

- the period is whole UTC days; events count on the day they occurred, orders on the day they
  were placed; only orders in the report's currency that were not cancelled count, for what the
  shopper still pays (total minus refunds);
- an order belongs to the touch credited under the chosen model (``last_click`` or
  ``view_through``, see ``attributing``); orders credited to no touch are *organic*;
- CTR = clicks ÷ impressions; conversion = attributed orders ÷ clicks; average basket =
  revenue ÷ orders; a *new customer* had no order in the N days before; an order is *likely
  cannibalised* when its buyer bought the same product or category on the store site in the M
  days before;
- commission = the partner's rate × its attributed revenue, rounded half up once per partner;
  a finer row (campaign, creative, day) shows its share, so rows add up to the partner's
  exactly (a partner's own report instead rounds each shown row's own: see ``reports``);
- rows per day (the partner reports' time series) come in date order, other rows most revenue
  first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from handshake.attribution.models import NO_REFERENCE, AttributionModel
from handshake.attribution.report_periods import ReportPeriod, percent
from handshake.attribution.report_repository import DayCounts, EventCell, OrderCell
from handshake.settings import AttributionSettings


class Grouping(StrEnum):
    """What a report's rows are."""

    PARTNER = "partner"
    CHANNEL = "channel"
    CAMPAIGN = "campaign"
    CREATIVE = "creative"
    DAY = "day"  # partner reports only: the operator's dashboard has its own day series


# The cell columns identifying a row of each grouping.
ROW_KEYS: Mapping[Grouping, tuple[str, ...]] = {
    Grouping.PARTNER: ("partner_id",),
    Grouping.CHANNEL: ("channel",),
    Grouping.CAMPAIGN: ("partner_id", "campaign_id"),
    Grouping.CREATIVE: ("partner_id", "campaign_id", "creative_id"),
    Grouping.DAY: ("day",),
}


@dataclass
class Figures:
    """The counted figures of a row; ratios derive from them."""

    impressions: int = 0
    views: int = 0
    clicks: int = 0
    add_to_carts: int = 0
    orders: int = 0
    revenue_minor: int = 0
    member_orders: int = 0
    member_revenue_minor: int = 0
    new_customer_orders: int = 0
    cannibalised_orders: int = 0
    commission_minor: int = 0

    def add(self, other: Figures) -> None:
        """Add ``other``'s counts to these."""
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def ctr(self) -> Decimal | None:
        """Clicks per 100 impressions."""
        return percent(self.clicks, self.impressions)

    @property
    def conversion(self) -> Decimal | None:
        """Attributed orders per 100 clicks."""
        return percent(self.orders, self.clicks)

    @property
    def average_basket_minor(self) -> int | None:
        """Revenue per order, rounded to the minor unit."""
        if self.orders == 0:
            return None
        return int((Decimal(self.revenue_minor) / self.orders).quantize(1, ROUND_HALF_UP))

    @property
    def existing_customer_orders(self) -> int:
        """Orders of buyers who had ordered in the N days before."""
        return self.orders - self.new_customer_orders

    @property
    def non_member_orders(self) -> int:
        """Orders of shoppers who were not members."""
        return self.orders - self.member_orders

    @property
    def new_customer_share(self) -> Decimal | None:
        """New customers' orders per 100 orders."""
        return percent(self.new_customer_orders, self.orders)

    @property
    def member_share(self) -> Decimal | None:
        """Members' orders per 100 orders."""
        return percent(self.member_orders, self.orders)

    @property
    def cannibalisation(self) -> Decimal | None:
        """Likely cannibalised orders per 100 orders: the estimate of sales made anyway."""
        return percent(self.cannibalised_orders, self.orders)


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


@dataclass
class PerformanceRow:
    """One row: a partner, channel, campaign, creative or day, and its figures."""

    partner_id: str | None = None
    partner_name: str = ""
    channel: str | None = None
    campaign_id: str | None = None
    creative_id: str | None = None
    day: date | None = None
    figures: Figures = field(default_factory=Figures)


@dataclass
class PerformanceReport:
    """The whole report."""

    period: ReportPeriod
    model: AttributionModel
    grouping: Grouping
    currency: str
    rows: list[PerformanceRow]
    # The operator's channel comparison and day series, whatever the grouping. A partner
    # report leaves both empty: it releases one partition only (see ``reports``).
    channels: list[PerformanceRow]
    attributed: Figures  # every row together
    organic: Figures  # orders credited to no touch
    total: Figures  # everything
    days: list[DayCounts]
    awaiting_attribution: int = 0
    suppressed_rows: int = 0
    suppressed_days: list[date] = field(default_factory=list)  # partner reports by day
    noise: dict[str, float] | None = None  # partner reports with noise: the scales used
    partners: list[PerformanceRow] = field(default_factory=list)  # per partner, any grouping


@dataclass(frozen=True)
class CommissionRates:
    """Commission per partner in basis points, with the default for the rest."""

    default_bp: int
    by_partner: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, section: AttributionSettings) -> CommissionRates:
        """The rates of ``settings.attribution``."""
        return cls(section.commission_rate_bp, dict(section.commission_rate_bp_by_partner))

    def rate_bp(self, partner_id: str) -> int:
        """The partner's rate."""
        return self.by_partner.get(partner_id, self.default_bp)

    def commission_minor(self, partner_id: str, revenue_minor: int) -> int:
        """The commission owed on ``revenue_minor``, rounded half up to the minor unit."""
        owed = Decimal(revenue_minor) * self.rate_bp(partner_id) / 10000
        return int(owed.quantize(1, ROUND_HALF_UP))


@dataclass(frozen=True)
class Cell:
    """The finest cell: partner, channel, campaign, creative ('' when none), and the day when
    the figures were read by day (None otherwise)."""

    partner_id: str
    channel: str
    campaign_id: str
    creative_id: str
    day: date | None = None

    def value(self, name: str) -> str:
        """One of the cell's columns."""
        return str(getattr(self, name))


def _event_figures(cell: EventCell) -> Figures:
    return Figures(
        impressions=cell.impressions, views=cell.views, clicks=cell.clicks,
        add_to_carts=cell.add_to_carts,
    )  # fmt: skip


def _order_figures(cell: OrderCell) -> Figures:
    return Figures(
        orders=cell.orders, revenue_minor=cell.revenue_minor, member_orders=cell.member_orders,
        member_revenue_minor=cell.member_revenue_minor,
        new_customer_orders=cell.new_customer_orders, cannibalised_orders=cell.cannibalised_orders,
    )  # fmt: skip


def _share_commission(cells: Mapping[Cell, Figures], rates: CommissionRates) -> None:
    """Give each cell its share of its partner's commission.

    A partner owes its rate on its whole revenue, rounded once: rounding every cell would make
    the partner's row drift from that by up to half a minor unit per cell. Cells, in key order,
    take the steps of the partner's running rounded commission, so they add up to it exactly.
    """
    running: dict[str, int] = {}
    for cell in sorted(cells, key=astuple):
        before = running.get(cell.partner_id, 0)
        running[cell.partner_id] = before + cells[cell].revenue_minor
        cells[cell].commission_minor = rates.commission_minor(
            cell.partner_id, running[cell.partner_id]
        ) - rates.commission_minor(cell.partner_id, before)


def cell_figures(
    events: Iterable[EventCell], orders: Iterable[OrderCell], rates: CommissionRates
) -> tuple[dict[Cell, Figures], Figures]:
    """Figures per finest cell (with its share of the partner's commission), and the organic
    orders' figures."""
    cells: dict[Cell, Figures] = {}
    organic = Figures()
    for event in events:
        key = Cell(event.partner_id, event.channel, event.campaign_id, event.creative_id, event.day)
        cells.setdefault(key, Figures()).add(_event_figures(event))
    for order in orders:
        if order.partner_id is None:
            organic.add(_order_figures(order))
            continue
        key = Cell(
            order.partner_id, order.channel or "", order.campaign_id or "",
            order.creative_id or "", order.day,
        )  # fmt: skip
        cells.setdefault(key, Figures()).add(_order_figures(order))
    _share_commission(cells, rates)
    return cells, organic


def _row_of(cell: Cell, grouping: Grouping, names: Mapping[str, str]) -> PerformanceRow:
    keys = ROW_KEYS[grouping]
    partner_id = cell.partner_id if "partner_id" in keys else None

    def reference(name: str) -> str | None:
        return (cell.value(name) or None) if name in keys else None

    return PerformanceRow(
        partner_id=partner_id,
        partner_name=names.get(partner_id, partner_id) if partner_id else "",
        channel=cell.channel if "channel" in keys else None,
        campaign_id=reference("campaign_id"),
        creative_id=reference("creative_id"),
        day=cell.day if "day" in keys else None,
    )


def group_rows(
    cells: Mapping[Cell, Figures], grouping: Grouping, names: Mapping[str, str]
) -> list[PerformanceRow]:
    """Rows of ``grouping`` summed from the finest cells, most revenue first (days: in date
    order)."""
    rows: dict[tuple[str, ...], PerformanceRow] = {}
    for cell, figures in cells.items():
        key = tuple(cell.value(name) for name in ROW_KEYS[grouping])
        row = rows.get(key)
        if row is None:
            row = rows[key] = _row_of(cell, grouping, names)
        row.figures.add(figures)
    if grouping == Grouping.DAY:  # a time series
        return sorted(rows.values(), key=lambda row: row.day or date.min)
    return sorted(rows.values(), key=_rank)


def _rank(row: PerformanceRow) -> tuple[int, int, int, str, str, str, str]:
    f = row.figures
    return (
        -f.revenue_minor, -f.orders, -f.clicks, row.partner_name, row.channel or "",
        row.campaign_id or NO_REFERENCE, row.creative_id or NO_REFERENCE,
    )  # fmt: skip


def sum_figures(rows: Iterable[PerformanceRow]) -> Figures:
    """The figures of ``rows`` together."""
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return total


def day_series(period: ReportPeriod, found: Mapping[date, DayCounts]) -> list[DayCounts]:
    """Every day of the period, zero where nothing happened."""
    return [found.get(day) or DayCounts(day) for day in period.days()]
