"""Differentially private noise on a partner report's order figures (pure; OpenDP's Laplace).

Pure ε-differential privacy, one shopper being the privacy unit:

- **Bounded contributions.** The figures noised are read with each shopper's orders clamped
  (``PrivacyRepository.clamped_order_cells``): at most B orders and R of revenue per report.
- **One partition.** A partner report releases one grouping only (``reports``): its rows
  (channels, campaigns, creatives or days) partition the partner's orders, and nothing else is
  released beside them (the totals add the rows up). Five figure kinds are noisy: orders,
  revenue, member orders, new-customer orders and likely-cannibalised orders. The report's ε is
  split evenly across them (ε/5 each), and a kind is released once, as one vector: its value
  in every shown row. Each order belongs to one row, so one shopper changes the vector by at
  most B (revenue: R) in L1: the kind's sensitivity is B (R), with no multiplier, and its
  discrete-Laplace scale sensitivity ÷ (ε/5).
- **The defaults** (``AttributionSettings``): ε = 1.0 per report out of a budget of 10.0 per
  30 days (ten reports), B = 2 orders and R = 20000 minor units (200.00 in a currency of two
  decimals) per shopper: ε/5 = 0.2 per kind, so a scale of 2 ÷ 0.2 = 10 on each count (orders,
  member, new-customer and cannibalised orders) and 20000 ÷ 0.2 = 100000 minor units (1000.00)
  on revenue, per row.
- **Post-processing** (costs no ε): noisy values floored at 0; member, new-customer and
  cannibalised orders at most the noisy orders; commission from the noisy revenue; ratios,
  non-member and existing-customer orders and totals from the noisy figures. Member revenue is
  not released (it is zeroed).
- **Not noisy**: the partner's own event counts (impressions, views, clicks, add-to-carts: what
  it reported itself), and which rows are shown (the threshold counts exact shoppers).
- **Across reports**: the threshold alone does not stop differencing two reports (a campaign
  report minus a creative report of the same period, or periods a day apart); each report's
  noise, paid from the partner's budget, is what bounds what any series of reports reveals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from handshake.attribution.performance import (
    ROW_KEYS,
    CommissionRates,
    Figures,
    Grouping,
    PerformanceReport,
    PerformanceRow,
    sum_figures,
)
from handshake.attribution.privacy_repository import ClampedOrderCell

NOISY_FIGURES = ("orders", "revenue_minor", "member_orders", "new_customer_orders",
                 "cannibalised_orders")  # fmt: skip
# Figures computed from the noisy ones (as the partner API names them).
DERIVED_FIGURES = ("commission_minor", "average_basket_minor", "conversion_percent",
                   "non_member_orders", "existing_customer_orders",
                   "cannibalisation_percent")  # fmt: skip
# A float ε computed from settings may exceed its share by rounding, never by more.
EPSILON_SLACK = 1e-9
Key = tuple[str, ...]  # a row's values of its grouping's columns (one partner: not its id)
Sums = dict[str, int]
# (values, the L1 sensitivity of the vector, the ε to spend on it) → the noisy values
NoiseSource = Callable[[Sequence[int], int, float], list[int]]


def laplace_scale(sensitivity: int, epsilon: float) -> float:
    """The (discrete) Laplace scale giving ε-DP to a vector of L1 ``sensitivity``."""
    return sensitivity / epsilon


def opendp_laplace(values: Sequence[int], sensitivity: int, epsilon: float) -> list[int]:
    """``values`` with OpenDP's discrete Laplace noise, checked by OpenDP to cost ≤ ``epsilon``."""
    # Imported on first use: OpenDP takes ~0.4 s to import, and noise is off by default.
    import opendp.prelude as dp

    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T="i64")),
        dp.l1_distance(T="i64"),
        scale=laplace_scale(sensitivity, epsilon),
    )
    spent = measurement.map(sensitivity)  # type: ignore[no-untyped-call]  # untyped in 0.16
    if spent > epsilon * (1 + EPSILON_SLACK):
        raise RuntimeError("the noise's privacy loss exceeds its share of the report's ε")
    return [int(v) for v in measurement(list(values))]


@dataclass(frozen=True)
class NoisePlan:
    """How one report's ε is spent: its share per figure kind and each kind's sensitivity."""

    epsilon: float
    max_orders: int  # per shopper
    max_revenue_minor: int  # per shopper
    sensitivities: dict[str, int]

    @property
    def epsilon_per_figure(self) -> float:
        """Each noisy figure kind's share of the report's ε."""
        return self.epsilon / len(NOISY_FIGURES)

    @property
    def scales(self) -> dict[str, float]:
        """The Laplace scale of each noisy figure kind."""
        return {
            name: laplace_scale(sensitivity, self.epsilon_per_figure)
            for name, sensitivity in self.sensitivities.items()
        }


def noise_plan(*, epsilon: float, max_orders: int, max_revenue_minor: int) -> NoisePlan:
    """The plan of a report (one partition: see the module's docstring)."""
    sensitivities = {
        name: max_revenue_minor if name == "revenue_minor" else max_orders for name in NOISY_FIGURES
    }
    return NoisePlan(epsilon, max_orders, max_revenue_minor, sensitivities)


def _columns(grouping: Grouping) -> tuple[str, ...]:
    return tuple(name for name in ROW_KEYS[grouping] if name != "partner_id")


def _text(value: str | date | None) -> str:
    return value.isoformat() if isinstance(value, date) else value or ""


def cell_key(grouping: Grouping, cell: ClampedOrderCell) -> Key:
    """The row of ``grouping`` a clamped cell belongs to."""
    return tuple(_text(getattr(cell, name)) for name in _columns(grouping))


def row_key(grouping: Grouping, row: PerformanceRow) -> Key:
    """The key of a report row, as :func:`cell_key` gives it."""
    return tuple(_text(getattr(row, name)) for name in _columns(grouping))


def sums_by(cells: Sequence[ClampedOrderCell], grouping: Grouping) -> dict[Key, Sums]:
    """The clamped figures added up per row of ``grouping``."""
    found: dict[Key, Sums] = {}
    for cell in cells:
        sums = found.setdefault(cell_key(grouping, cell), dict.fromkeys(NOISY_FIGURES, 0))
        for name in NOISY_FIGURES:
            sums[name] += getattr(cell, name)
    return found


def noisy_figures(base: Figures, sums: Sums, rates: CommissionRates, partner_id: str) -> Figures:
    """``base`` (its event counts kept) with the noisy order figures, made consistent."""
    orders = max(0, sums["orders"])
    revenue = max(0, sums["revenue_minor"])

    def part(name: str) -> int:
        return min(orders, max(0, sums[name]))

    return replace(
        base, orders=orders, revenue_minor=revenue, member_orders=part("member_orders"),
        member_revenue_minor=0, new_customer_orders=part("new_customer_orders"),
        cannibalised_orders=part("cannibalised_orders"),
        commission_minor=rates.commission_minor(partner_id, revenue),
    )  # fmt: skip


def apply_noise(
    report: PerformanceReport,
    cells: Sequence[ClampedOrderCell],
    *,
    plan: NoisePlan,
    noise: NoiseSource,
    rates: CommissionRates,
    partner_id: str,
) -> None:
    """Replace every order figure of ``report``'s rows by its noisy value from the clamped
    ``cells`` (one vector per figure kind, over the shown rows), and the totals by the noisy
    rows together, in place."""
    grouping = report.grouping
    found = sums_by(cells, grouping)
    zero = dict.fromkeys(NOISY_FIGURES, 0)
    exact = [found.get(row_key(grouping, row), zero) for row in report.rows]
    released: list[Sums] = [{} for _ in report.rows]
    for name in NOISY_FIGURES if report.rows else ():
        values = noise([s[name] for s in exact], plan.sensitivities[name], plan.epsilon_per_figure)
        for sums, value in zip(released, values, strict=True):
            sums[name] = value
    for row, sums in zip(report.rows, released, strict=True):
        row.figures = noisy_figures(row.figures, sums, rates, partner_id)
    report.attributed = sum_figures(report.rows)
    report.total, report.organic = replace(report.attributed), Figures()
    report.noise = plan.scales
