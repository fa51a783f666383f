"""The arithmetic of noisy partner reports: budget periods, scales (one partition: no
multiplier), OpenDP's noise, and how noisy figures replace the exact ones (with a fake noise
source)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import (
    CommissionRates,
    Figures,
    Grouping,
    PerformanceReport,
    PerformanceRow,
    sum_figures,
)
from handshake.attribution.privacy import PrivacyBudget, budget_period
from handshake.attribution.privacy_repository import ClampedOrderCell
from handshake.attribution.report_noise import (
    NOISY_FIGURES,
    apply_noise,
    laplace_scale,
    noise_plan,
    noisy_figures,
    opendp_laplace,
)
from handshake.attribution.report_periods import ReportPeriod
from handshake.settings import AttributionSettings

D0, D1, D2 = date(2029, 2, 26), date(2029, 2, 27), date(2029, 2, 28)
RATES = CommissionRates(1000)


@pytest.mark.parametrize(
    ("day", "days", "start", "renews_on"),
    [
        (date(1970, 1, 1), 30, date(1970, 1, 1), date(1970, 1, 31)),
        (date(1970, 1, 30), 30, date(1970, 1, 1), date(1970, 1, 31)),
        (date(1970, 1, 31), 30, date(1970, 1, 31), date(1970, 3, 2)),
        (date(2029, 3, 1), 30, date(2029, 2, 20), date(2029, 3, 22)),  # day 21609 since 1970
        (date(2029, 3, 1), 1, date(2029, 3, 1), date(2029, 3, 2)),
        (date(2029, 3, 1), 366, date(2029, 2, 14), date(2030, 2, 15)),  # 59 × 366 days
    ],
)
def test_budget_periods_are_aligned_on_the_days_since_1970(
    day: date, days: int, start: date, renews_on: date
) -> None:
    assert budget_period(day, days) == (start, renews_on)


def test_the_budget_left_is_never_negative_nor_a_rounding_artefact() -> None:
    spent = 0.1 + 0.1 + 0.1  # 0.30000000000000004
    assert PrivacyBudget(D0, D1, 0.3, spent).left == 0.0
    assert PrivacyBudget(D0, D1, 1.0, 0.7).left == 0.3


def test_the_report_epsilon_is_split_evenly_over_the_five_figure_kinds() -> None:
    plan = noise_plan(epsilon=0.1, max_orders=5, max_revenue_minor=100000)

    assert plan.epsilon_per_figure == pytest.approx(0.02)
    # One partition: a shopper changes each kind's vector by at most one bound, no multiplier.
    assert plan.sensitivities == {
        "orders": 5, "revenue_minor": 100000, "member_orders": 5, "new_customer_orders": 5,
        "cannibalised_orders": 5,
    }  # fmt: skip
    assert plan.scales == pytest.approx({
        "orders": 250.0, "revenue_minor": 5_000_000.0, "member_orders": 250.0,
        "new_customer_orders": 250.0, "cannibalised_orders": 250.0,
    })  # fmt: skip
    assert laplace_scale(10, 0.5) == 20.0


def test_the_default_settings_give_the_scales_the_docstring_states() -> None:
    defaults = AttributionSettings()
    plan = noise_plan(
        epsilon=defaults.privacy_epsilon_per_report,
        max_orders=defaults.privacy_max_orders_per_shopper,
        max_revenue_minor=defaults.privacy_max_revenue_minor_per_shopper,
    )

    assert (defaults.privacy_budget_epsilon, defaults.privacy_epsilon_per_report) == (10.0, 1.0)
    assert plan.scales == pytest.approx({
        "orders": 10.0, "revenue_minor": 100_000.0, "member_orders": 10.0,
        "new_customer_orders": 10.0, "cannibalised_orders": 10.0,
    })  # fmt: skip


def test_opendp_noise_keeps_the_values_when_the_scale_is_negligible() -> None:
    assert opendp_laplace([3, 0, 7, 2_000_000_000_000], 1, 1e12) == [3, 0, 7, 2_000_000_000_000]
    assert opendp_laplace([], 5, 0.1) == []


def test_opendp_noise_is_integer_centred_and_of_the_planned_scale() -> None:
    draws = opendp_laplace([0] * 4000, 1, 0.1)  # scale 10: variance ≈ 2 × 10²

    assert all(isinstance(v, int) for v in draws)
    assert abs(statistics.fmean(draws)) < 1.5  # ~6 standard errors
    assert 150 < statistics.pvariance(draws) < 260
    assert len(set(draws)) > 20


class FakeNoise:
    """Adds a fixed offset per call (in NOISY_FIGURES order) and remembers each call."""

    def __init__(self, offsets: Sequence[int]) -> None:
        self.offsets = list(offsets)
        self.calls: list[tuple[list[int], int, float]] = []

    def __call__(self, values: Sequence[int], sensitivity: int, epsilon: float) -> list[int]:
        self.calls.append((list(values), sensitivity, epsilon))
        offset = self.offsets[len(self.calls) - 1]
        return [v + offset for v in values]


def _report(grouping: Grouping, rows: list[PerformanceRow]) -> PerformanceReport:
    """A released report with ``rows`` (channels and days empty, as a partner's)."""
    return PerformanceReport(
        period=ReportPeriod(D0, D2), model=AttributionModel.LAST_CLICK, grouping=grouping,
        currency="EUR", rows=rows, channels=[], attributed=sum_figures(rows),
        organic=Figures(orders=1), total=sum_figures(rows), days=[], suppressed_rows=1,
    )  # fmt: skip


def _row(**keys: Any) -> PerformanceRow:
    exact = Figures(impressions=100, views=3, clicks=60, add_to_carts=30, orders=99,
                    revenue_minor=999, member_orders=9, member_revenue_minor=99,
                    new_customer_orders=9, cannibalised_orders=9, commission_minor=99)  # fmt: skip
    return PerformanceRow(figures=exact, **keys)


CELLS = [
    ClampedOrderCell("feed_ad", "spring", "c1", 4, 91500, 1, 2, 1),
    ClampedOrderCell("video", "spring", "v1", 3, 10000, 2, 3, 0),
    ClampedOrderCell("video", "small", "v2", 2, 6000, 0, 2, 0),  # a hidden row
]
DAY_CELLS = [
    ClampedOrderCell("feed_ad", "spring", "c1", 4, 91500, 1, 2, 1, D1),
    ClampedOrderCell("video", "spring", "v1", 3, 10000, 2, 3, 0, D1),
    ClampedOrderCell("video", "small", "v2", 2, 6000, 0, 2, 0, D2),
    ClampedOrderCell("video", "small", "v2", 1, 500, 0, 1, 0, D0),  # a hidden day
]
PLAN = noise_plan(epsilon=0.1, max_orders=5, max_revenue_minor=100000)


def test_noisy_figures_replace_every_order_figure_and_the_totals_add_them_up() -> None:
    report = _report(Grouping.CAMPAIGN, [_row(partner_id="ptn_a", campaign_id="spring")])
    # orders +1, revenue −101500 (below zero), member −1, new +10 (above orders), cannibalised 0
    noise = FakeNoise([1, -101500, -1, 10, 0])

    apply_noise(report, CELLS, plan=PLAN, noise=noise, rates=RATES, partner_id="ptn_a")

    # One release per figure kind, over the shown rows only (the hidden "small" left out).
    assert [values for values, _, _ in noise.calls] == [[7], [101500], [3], [5], [1]]
    assert [(s, e) for _, s, e in noise.calls] == [
        (PLAN.sensitivities[name], PLAN.epsilon_per_figure) for name in NOISY_FIGURES
    ]
    [row] = report.rows
    assert row.figures == Figures(
        impressions=100, views=3, clicks=60, add_to_carts=30, orders=8, revenue_minor=0,
        member_orders=2, member_revenue_minor=0, new_customer_orders=8, cannibalised_orders=1,
        commission_minor=0,
    )  # fmt: skip
    assert report.attributed == report.total == row.figures
    assert report.organic == Figures()
    assert (report.channels, report.days) == ([], [])
    assert report.noise == PLAN.scales
    assert report.suppressed_rows == 1


@pytest.mark.parametrize(
    ("grouping", "rows", "cells", "vectors"),
    [
        (Grouping.CHANNEL, [{"channel": "video"}, {"channel": "feed_ad"}], CELLS,
         [[5, 4], [16000, 91500], [2, 1], [5, 2], [0, 1]]),
        (Grouping.CREATIVE, [{"campaign_id": "spring", "creative_id": "v1"}], CELLS,
         [[3], [10000], [2], [3], [0]]),
        (Grouping.DAY, [{"day": D1}, {"day": D2}], DAY_CELLS,
         [[7, 2], [101500, 6000], [3, 0], [5, 2], [1, 0]]),
    ],
)  # fmt: skip
def test_each_grouping_releases_one_vector_per_kind_over_its_rows(
    grouping: Grouping, rows: list[dict[str, Any]], cells: list[ClampedOrderCell],
    vectors: list[list[int]],
) -> None:  # fmt: skip
    report = _report(grouping, [_row(**keys) for keys in rows])
    noise = FakeNoise([0] * 5)

    apply_noise(report, cells, plan=PLAN, noise=noise, rates=RATES, partner_id="ptn_a")

    assert [values for values, _, _ in noise.calls] == vectors
    assert [s for _, s, _ in noise.calls] == [5, 100000, 5, 5, 5]  # B or R: no multiplier
    assert [row.figures.orders for row in report.rows] == vectors[0]
    assert report.total.orders == sum(vectors[0])
    assert report.total.revenue_minor == sum(vectors[1])


def test_commission_and_ratios_derive_from_the_noisy_figures() -> None:
    report = _report(Grouping.CAMPAIGN, [_row(partner_id="ptn_a", campaign_id="spring")])

    apply_noise(report, CELLS, plan=PLAN, noise=FakeNoise([3, 5, 0, 0, 0]), rates=RATES,
                partner_id="ptn_a")  # fmt: skip

    f = report.rows[0].figures
    assert (f.orders, f.revenue_minor, f.commission_minor) == (10, 101505, 10151)  # half up
    assert (f.average_basket_minor, str(f.conversion)) == (10151, "16.7")
    assert (f.non_member_orders, f.existing_customer_orders) == (7, 5)


def test_nothing_shown_releases_nothing() -> None:
    report = _report(Grouping.CAMPAIGN, [])
    noise = FakeNoise([])

    apply_noise(report, CELLS, plan=PLAN, noise=noise, rates=RATES, partner_id="ptn_a")

    assert noise.calls == []
    assert report.attributed == report.total == Figures()


def test_noisy_counts_are_floored_at_zero_and_parts_kept_within_the_orders() -> None:
    sums = {"orders": -3, "revenue_minor": -50, "member_orders": 4, "new_customer_orders": -1,
            "cannibalised_orders": 2}  # fmt: skip
    figures = noisy_figures(Figures(clicks=5), sums, RATES, "ptn_a")
    assert figures == Figures(clicks=5)
    capped = noisy_figures(Figures(), {**sums, "orders": 3}, RATES, "ptn_a")
    assert (capped.orders, capped.member_orders, capped.cannibalised_orders) == (3, 3, 2)
