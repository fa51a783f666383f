"""Pure parts of the performance report: ratios, commission, cells, rows, ranking, days."""

from __future__ import annotations

from dataclasses import astuple, replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from handshake.attribution.performance import (
    FIGURE_NAMES,
    ROW_KEYS,
    Cell,
    CommissionRates,
    Figures,
    Grouping,
    PerformanceRow,
    cell_figures,
    day_series,
    group_rows,
    sum_figures,
)
from handshake.attribution.report_periods import ReportPeriod
from handshake.attribution.report_repository import DayCounts, EventCell, OrderCell
from handshake.settings import AttributionSettings

RATES = CommissionRates(1000)
NAMES = {"ptn_a": "Alpha", "ptn_b": "Beta"}


def orders(partner: str | None, channel: str | None, campaign: str | None, creative: str | None,
           n: int, revenue: int, *, member: int = 0, member_revenue: int = 0, new: int = 0,
           cannibalised: int = 0) -> OrderCell:  # fmt: skip
    """An order cell as the repository returns it."""
    return OrderCell(
        partner, channel, campaign, creative, n, revenue, member, member_revenue, new, cannibalised
    )


# Figures: ratios derive from counts; None where the base is zero; percentages half up.


def test_ratios_are_percentages_to_one_decimal_half_up() -> None:
    f = Figures(impressions=16, clicks=1, orders=3, new_customer_orders=2, member_orders=1,
                cannibalised_orders=1, revenue_minor=1000)  # fmt: skip

    assert f.ctr == Decimal("6.3")  # 6.25
    assert f.conversion == Decimal("300.0")  # orders may outnumber clicks (placement credit)
    assert (f.new_customer_share, f.member_share) == (Decimal("66.7"), Decimal("33.3"))
    assert f.cannibalisation == Decimal("33.3")
    assert (f.existing_customer_orders, f.non_member_orders) == (1, 2)
    assert f.average_basket_minor == 333


def test_ratios_without_a_base_are_none() -> None:
    f = Figures(clicks=4, revenue_minor=500)

    assert (f.ctr, f.conversion, f.average_basket_minor) == (None, Decimal("0.0"), None)
    assert (f.new_customer_share, f.member_share, f.cannibalisation) == (None, None, None)
    assert (f.existing_customer_orders, f.non_member_orders) == (0, 0)
    assert Figures(impressions=5).ctr == Decimal("0.0")


def test_average_basket_rounds_half_up_to_the_minor_unit() -> None:
    assert Figures(orders=2, revenue_minor=1001).average_basket_minor == 501
    assert Figures(orders=2, revenue_minor=999).average_basket_minor == 500
    assert Figures(orders=3, revenue_minor=1000).average_basket_minor == 333
    assert Figures(orders=3, revenue_minor=1001).average_basket_minor == 334


def test_add_sums_every_counted_figure() -> None:
    one = Figures(*range(1, len(FIGURE_NAMES) + 1))
    other = Figures(*(10 * n for n in range(1, len(FIGURE_NAMES) + 1)))

    one.add(other)

    assert astuple(one) == tuple(11 * n for n in range(1, len(FIGURE_NAMES) + 1))
    assert astuple(other) == tuple(10 * n for n in range(1, len(FIGURE_NAMES) + 1))


# Commission: basis points, rounded half up, per-partner overrides.


def test_commission_rounds_half_up_at_the_default_rate() -> None:
    assert RATES.rate_bp("ptn_a") == 1000
    assert RATES.commission_minor("ptn_a", 1005) == 101  # 100.5
    assert RATES.commission_minor("ptn_a", 1004) == 100  # 100.4
    assert RATES.commission_minor("ptn_a", 1006) == 101  # 100.6
    assert RATES.commission_minor("ptn_a", 0) == 0


def test_a_partner_rate_overrides_the_default() -> None:
    rates = CommissionRates(1000, {"ptn_b": 250, "ptn_c": 0})

    assert (rates.rate_bp("ptn_a"), rates.rate_bp("ptn_b"), rates.rate_bp("ptn_c")) == (
        1000,
        250,
        0,
    )
    assert rates.commission_minor("ptn_b", 1002) == 25  # 25.05
    assert rates.commission_minor("ptn_b", 1020) == 26  # 25.5
    assert rates.commission_minor("ptn_b", 1018) == 25  # 25.45
    assert rates.commission_minor("ptn_c", 99999) == 0
    assert rates.commission_minor("ptn_a", 1020) == 102


def test_rates_come_from_the_settings() -> None:
    section = AttributionSettings(commission_rate_bp=750, commission_rate_bp_by_partner={"p": 5})

    assert CommissionRates.from_settings(section) == CommissionRates(750, {"p": 5})
    assert CommissionRates.from_settings(AttributionSettings()) == CommissionRates(1000, {})
    with pytest.raises(ValidationError, match="bad commission rate for 'p'"):
        AttributionSettings(commission_rate_bp_by_partner={"p": 10001})


# Cells: events and orders meet in the finest cell; organic orders apart.


def test_cell_figures_join_events_and_orders_and_keep_organic_apart() -> None:
    events = [
        EventCell("ptn_a", "feed_ad", "spring", "c1", 100, 40, 8, 3),
        EventCell("ptn_a", "feed_ad", "", "", 7, 0, 1, 0),
    ]
    found = [
        orders("ptn_a", "feed_ad", "spring", "c1", 2, 12999, member=1, member_revenue=4999,
               new=1, cannibalised=1),
        orders("ptn_a", "assistant", "", "", 1, 4900),
        orders(None, None, None, None, 5, 20000, member=2, member_revenue=9000, new=3),
    ]  # fmt: skip

    cells, organic = cell_figures(events, found, RATES)

    assert cells == {
        Cell("ptn_a", "feed_ad", "spring", "c1"): Figures(
            impressions=100, views=40, clicks=8, add_to_carts=3, orders=2, revenue_minor=12999,
            member_orders=1, member_revenue_minor=4999, new_customer_orders=1,
            cannibalised_orders=1, commission_minor=1300,
        ),
        Cell("ptn_a", "feed_ad", "", ""): Figures(impressions=7, clicks=1),
        Cell("ptn_a", "assistant", "", ""): Figures(
            orders=1, revenue_minor=4900, commission_minor=490
        ),
    }  # fmt: skip
    assert organic == Figures(
        orders=5, revenue_minor=20000, member_orders=2, member_revenue_minor=9000,
        new_customer_orders=3,
    )  # fmt: skip


def test_organic_orders_earn_no_commission_and_nothing_at_all_is_empty() -> None:
    cells, organic = cell_figures([], [orders(None, None, None, None, 1, 1000)], RATES)

    assert (cells, organic.commission_minor, organic.revenue_minor) == ({}, 0, 1000)
    assert cell_figures([], [], RATES) == ({}, Figures())


def test_a_partner_commission_is_its_rate_on_its_revenue_rounded_once() -> None:
    """Three cells of 100.5 each: the partner owes 301.5 → 302, not 3 × 101."""
    found = [orders("ptn_a", "feed_ad", name, "", 1, 1005) for name in ("x", "y", "z")]
    found.append(orders("ptn_b", "video", "", "", 1, 1005))

    cells, _ = cell_figures([], found, RATES)
    rows = group_rows(cells, Grouping.PARTNER, NAMES)

    assert [(r.partner_id, r.figures.revenue_minor, r.figures.commission_minor) for r in rows] == [
        ("ptn_a", 3015, 302), ("ptn_b", 1005, 101),
    ]  # fmt: skip
    # Finer rows share the partner's commission and add up to it exactly.
    by_campaign = group_rows(cells, Grouping.CAMPAIGN, NAMES)
    assert sorted(
        (r.partner_id, r.campaign_id, r.figures.commission_minor) for r in by_campaign
    ) == [("ptn_a", "x", 101), ("ptn_a", "y", 100), ("ptn_a", "z", 101), ("ptn_b", None, 101)]
    assert sum_figures(by_campaign).commission_minor == 403


def test_commission_follows_each_partner_rate() -> None:
    rates = CommissionRates(1000, {"ptn_b": 250})
    found = [
        orders("ptn_a", "feed_ad", "", "", 1, 1020),
        orders("ptn_b", "feed_ad", "", "", 1, 1020),
    ]

    cells, _ = cell_figures([], found, rates)

    [channel] = group_rows(cells, Grouping.CHANNEL, NAMES)
    assert channel.figures.commission_minor == 102 + 26
    assert [r.figures.commission_minor for r in group_rows(cells, Grouping.PARTNER, NAMES)] == [
        102, 26,
    ]  # fmt: skip


# Rows: each grouping adds up the cells it covers.

CELLS = {
    Cell("ptn_a", "feed_ad", "spring", "c1"): Figures(
        impressions=10, clicks=2, orders=1, revenue_minor=1000, commission_minor=100
    ),
    Cell("ptn_a", "feed_ad", "spring", "c2"): Figures(impressions=5, clicks=1),
    Cell("ptn_a", "video", "", ""): Figures(orders=2, revenue_minor=3000, commission_minor=300),
    Cell("ptn_b", "feed_ad", "spring", "c1"): Figures(
        clicks=3, orders=1, revenue_minor=500, commission_minor=50
    ),
}


def test_partner_rows_add_up_each_partner() -> None:
    assert group_rows(CELLS, Grouping.PARTNER, NAMES) == [
        PerformanceRow("ptn_a", "Alpha", figures=Figures(
            impressions=15, clicks=3, orders=3, revenue_minor=4000, commission_minor=400)),
        PerformanceRow("ptn_b", "Beta", figures=Figures(
            clicks=3, orders=1, revenue_minor=500, commission_minor=50)),
    ]  # fmt: skip


def test_channel_rows_mix_partners() -> None:
    assert group_rows(CELLS, Grouping.CHANNEL, NAMES) == [
        PerformanceRow(channel="video", figures=Figures(
            orders=2, revenue_minor=3000, commission_minor=300)),
        PerformanceRow(channel="feed_ad", figures=Figures(
            impressions=15, clicks=6, orders=2, revenue_minor=1500, commission_minor=150)),
    ]  # fmt: skip


def test_campaign_rows_are_per_partner_and_none_for_no_campaign() -> None:
    assert group_rows(CELLS, Grouping.CAMPAIGN, NAMES) == [
        PerformanceRow("ptn_a", "Alpha", campaign_id=None, figures=Figures(
            orders=2, revenue_minor=3000, commission_minor=300)),
        PerformanceRow("ptn_a", "Alpha", campaign_id="spring", figures=Figures(
            impressions=15, clicks=3, orders=1, revenue_minor=1000, commission_minor=100)),
        PerformanceRow("ptn_b", "Beta", campaign_id="spring", figures=Figures(
            clicks=3, orders=1, revenue_minor=500, commission_minor=50)),
    ]  # fmt: skip


def test_creative_rows_are_the_cells_without_their_channel() -> None:
    assert group_rows(CELLS, Grouping.CREATIVE, NAMES) == [
        PerformanceRow("ptn_a", "Alpha", campaign_id=None, creative_id=None, figures=Figures(
            orders=2, revenue_minor=3000, commission_minor=300)),
        PerformanceRow("ptn_a", "Alpha", campaign_id="spring", creative_id="c1", figures=Figures(
            impressions=10, clicks=2, orders=1, revenue_minor=1000, commission_minor=100)),
        PerformanceRow("ptn_b", "Beta", campaign_id="spring", creative_id="c1", figures=Figures(
            clicks=3, orders=1, revenue_minor=500, commission_minor=50)),
        PerformanceRow("ptn_a", "Alpha", campaign_id="spring", creative_id="c2", figures=Figures(
            impressions=5, clicks=1)),
    ]  # fmt: skip


def test_grouping_leaves_the_cells_unchanged_and_unknown_partners_keep_their_id() -> None:
    before = {cell: replace(figures) for cell, figures in CELLS.items()}

    rows = group_rows(CELLS, Grouping.PARTNER, {})
    group_rows(CELLS, Grouping.PARTNER, {})

    assert before == CELLS
    assert [(r.partner_id, r.partner_name) for r in rows] == [
        ("ptn_a", "ptn_a"),
        ("ptn_b", "ptn_b"),
    ]


def test_rows_rank_by_revenue_orders_clicks_then_name_and_keys() -> None:
    def cell(partner: str, campaign: str, **counts: int) -> tuple[Cell, Figures]:
        return Cell(partner, "feed_ad", campaign, ""), Figures(**counts)

    cells = dict([
        cell("ptn_a", "k-clicks", revenue_minor=100, orders=1, clicks=9),
        cell("ptn_a", "j-orders", revenue_minor=100, orders=2),
        cell("ptn_a", "top", revenue_minor=500),
        cell("ptn_b", "a-tie", revenue_minor=100, orders=1, clicks=9),
        cell("ptn_a", "b-tie", revenue_minor=100, orders=1, clicks=9),
        cell("ptn_a", "a-tie", revenue_minor=100, orders=1, clicks=9),
        cell("ptn_a", "", impressions=1000),
    ])  # fmt: skip

    rows = group_rows(cells, Grouping.CAMPAIGN, {"ptn_a": "Zed", "ptn_b": "Abe"})

    assert [(r.partner_name, r.campaign_id) for r in rows] == [
        ("Zed", "top"), ("Zed", "j-orders"), ("Abe", "a-tie"), ("Zed", "a-tie"),
        ("Zed", "b-tie"), ("Zed", "k-clicks"), ("Zed", None),
    ]  # fmt: skip


def test_sum_figures_adds_rows_and_of_none_is_zero() -> None:
    rows = group_rows(CELLS, Grouping.CREATIVE, NAMES)

    assert sum_figures(rows) == Figures(
        impressions=15, clicks=6, orders=4, revenue_minor=4500, commission_minor=450
    )
    assert sum_figures([]) == Figures()


def test_day_series_fills_every_day_of_the_period_with_zeros() -> None:
    period = ReportPeriod(date(2029, 2, 27), date(2029, 3, 2))
    found = DayCounts(date(2029, 3, 1), impressions=4, clicks=1, orders=2, revenue_minor=900)

    series = day_series(
        period, {date(2029, 3, 1): found, date(2029, 3, 9): DayCounts(date(2029, 3, 9))}
    )

    assert series == [
        DayCounts(date(2029, 2, 27)), DayCounts(date(2029, 2, 28)), found,
        DayCounts(date(2029, 3, 2)),
    ]  # fmt: skip
    assert day_series(ReportPeriod(date(2029, 3, 1), date(2029, 3, 1)), {}) == [
        DayCounts(date(2029, 3, 1))
    ]


# Whatever the cells, every grouping's rows add up to them, once each, in rank order.

cells_strategy = st.dictionaries(
    st.builds(
        Cell,
        st.sampled_from(["ptn_a", "ptn_b", "ptn_c"]),
        st.sampled_from(["feed_ad", "video", "assistant"]),
        st.sampled_from(["", "spring", "summer"]),
        st.sampled_from(["", "c1", "c2"]),
    ),
    st.builds(Figures, *(st.integers(0, 10_000) for _ in FIGURE_NAMES)),
    max_size=30,
)


@given(cells_strategy, st.sampled_from(list(Grouping)))
def test_rows_of_any_grouping_add_up_to_the_cells(
    cells: dict[Cell, Figures], grouping: Grouping
) -> None:
    rows = group_rows(cells, grouping, NAMES)

    whole = Figures()
    for figures in cells.values():
        whole.add(figures)
    assert sum_figures(rows) == whole
    keys = {tuple(c.value(name) for name in ROW_KEYS[grouping]) for c in cells}
    assert len(rows) == len(keys)
    if grouping != Grouping.DAY:  # a time series comes in date order
        ranks = [(-r.figures.revenue_minor, -r.figures.orders, -r.figures.clicks) for r in rows]
        assert ranks == sorted(ranks)


order_cells_strategy = st.lists(
    st.builds(
        orders,
        st.sampled_from(["ptn_a", "ptn_b"]),
        st.sampled_from(["feed_ad", "video"]),
        st.sampled_from(["", "spring", "summer"]),
        st.sampled_from(["", "c1"]),
        st.integers(1, 5),
        st.integers(0, 100_000),
    ),
    max_size=12,
    unique_by=lambda o: (o.partner_id, o.channel, o.campaign_id, o.creative_id),
)


@given(order_cells_strategy, st.integers(0, 10_000), st.integers(0, 10_000))
def test_every_partner_owes_its_rate_on_its_revenue_whatever_the_cells(
    found: list[OrderCell], default_bp: int, partner_bp: int
) -> None:
    rates = CommissionRates(default_bp, {"ptn_b": partner_bp})

    cells, _ = cell_figures([], found, rates)

    for row in group_rows(cells, Grouping.PARTNER, NAMES):
        assert row.partner_id is not None
        owed = rates.commission_minor(row.partner_id, row.figures.revenue_minor)
        assert row.figures.commission_minor == owed
    for figures in cells.values():
        assert figures.commission_minor >= 0
