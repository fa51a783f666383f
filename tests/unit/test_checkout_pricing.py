"""Pure checkout arithmetic (tax, shipping, totals) and delivery planning (preference, promises)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.catalog.delivery_promise import DeliveryWindow, WarehouseOption, Zone
from handshake.checkout.delivery_plan import (
    Destination,
    PlannedLine,
    basket_window,
    line_window,
    warehouse_preference,
)
from handshake.checkout.pricing import LineAmounts, Totals, shipping_fee, tax_amount, totals
from handshake.settings import DeliveryOptionSettings

STANDARD = DeliveryOptionSettings(
    code="standard", label_en="Standard", label_fr="Standard",
    fee_minor=490, member_fee_minor=0, free_over_minor=5000,
)  # fmt: skip
EXPRESS = DeliveryOptionSettings(
    code="express", label_en="Express", label_fr="Express",
    fee_minor=990, member_fee_minor=490, days_saved=1,
)  # fmt: skip
PICKUP = DeliveryOptionSettings(
    code="pickup", label_en="Pickup", label_fr="Retrait", fee_minor=0, member_fee_minor=0
)
FR_VAT = 2000
PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
# Same zones as tests/catalog_helpers.py: Paris ships fast to 75, Lyon fast to 69.
PAR1 = WarehouseOption(
    "PAR1", 12, "Europe/Paris", time(16, 0), WEEKDAYS,
    (Zone("FR", "", 2, 1, 8, 20), Zone("FR", "75", 1, 0, 8, 22)),
)  # fmt: skip
LYS1 = WarehouseOption(
    "LYS1", 8, "Europe/Paris", time(14, 0), frozenset({0, 1, 2, 3, 4, 5}),
    (Zone("FR", "69", 1, 0, 9, 21), Zone("FR", "", 3, 2, 8, 20)),
)  # fmt: skip
BERLIN = WarehouseOption(
    "BER1", 50, "Europe/Berlin", time(16, 0), WEEKDAYS, (Zone("DE", "", 1, 1, 8, 20),)
)
PARIS_SHOPPER = Destination("75011", "FR", is_member=False)
PARIS_MEMBER = Destination("75011", "FR", is_member=True)
LYON_SHOPPER = Destination("69003", "FR", is_member=False)
# 2025-03-12 is a Wednesday: 10:00 in Paris is before both cut-offs.
WEDNESDAY = datetime(2025, 3, 12, 10, 0, tzinfo=PARIS).astimezone(UTC)

amounts = st.integers(min_value=0, max_value=10**9)
rates = st.integers(min_value=0, max_value=10_000)


def option_with(option: DeliveryOptionSettings, **changes: object) -> DeliveryOptionSettings:
    """A copy of a delivery option with ``changes``."""
    return option.model_copy(update=changes)


def half_up(value: Fraction) -> int:
    """Exact half-up rounding of a non-negative fraction (the reference)."""
    return int(value + Fraction(1, 2))


def when(window: DeliveryWindow | None) -> tuple[str, date, int, int] | None:
    """(warehouse, date, start hour, end hour) of a window."""
    if window is None:
        return None
    return (window.warehouse_code, window.date, window.start_hour, window.end_hour)


def line(
    *warehouses: WarehouseOption, quantity: int = 1, held_in: str | None = None
) -> PlannedLine:
    """A planned line of ``quantity`` stocked in ``warehouses``."""
    return PlannedLine(quantity, warehouses, held_in)


def basket(
    lines: list[PlannedLine],
    option: DeliveryOptionSettings = STANDARD,
    to: Destination = PARIS_SHOPPER,
) -> tuple[str, date, int, int] | None:
    """The basket window of ``lines`` on Wednesday morning, as a tuple."""
    return when(basket_window(lines, to=to, option=option, now=WEDNESDAY))


# Tax ------------------------------------------------------------------------------------------


def test_included_tax_rounds_half_up_exactly() -> None:
    """Tax included at 20 % is a sixth of the amount, halves rounding up."""
    assert tax_amount(25998, FR_VAT, included=True) == 4333  # exactly 4333
    assert tax_amount(12999, FR_VAT, included=True) == 2167  # 2166.5
    assert tax_amount(3, FR_VAT, included=True) == 1  # 0.5 (half-even would give 0)
    assert tax_amount(2, FR_VAT, included=True) == 0  # 0.33
    assert tax_amount(4, FR_VAT, included=True) == 1  # 0.67
    assert tax_amount(5390, FR_VAT, included=True) == 898  # 898.33


def test_added_tax_rounds_half_up_exactly() -> None:
    """Tax added on top is amount × rate, halves rounding up."""
    assert tax_amount(12999, FR_VAT, included=False) == 2600  # 2599.8
    assert tax_amount(5, 1000, included=False) == 1  # 0.5
    assert tax_amount(25, 1000, included=False) == 3  # 2.5 (half-even would give 2)
    assert tax_amount(14, 1000, included=False) == 1  # 1.4
    assert tax_amount(1000, 550, included=False) == 55
    assert tax_amount(10_000, 810, included=True) == 749  # 749.31 (Swiss 8.1 %)


def test_zero_rate_or_zero_amount_has_no_tax() -> None:
    """Nothing to tax, or no rate, gives 0 both ways."""
    assert tax_amount(0, FR_VAT, included=True) == tax_amount(0, FR_VAT, included=False) == 0
    assert tax_amount(12999, 0, included=True) == tax_amount(12999, 0, included=False) == 0


@given(amount=amounts, rate=rates)
def test_tax_matches_exact_half_up_rounding(amount: int, rate: int) -> None:
    """Both modes equal the exact fraction rounded half up."""
    assert tax_amount(amount, rate, included=True) == half_up(
        Fraction(amount * rate, 10_000 + rate)
    )
    assert tax_amount(amount, rate, included=False) == half_up(Fraction(amount * rate, 10_000))


@given(amount=amounts, rate=rates)
def test_included_tax_never_exceeds_the_amount_nor_the_added_tax(amount: int, rate: int) -> None:
    """The tax part of a price is at most half of it (rate ≤ 100 %) and ≤ tax added on top."""
    included = tax_amount(amount, rate, included=True)
    assert 0 <= included <= amount
    assert 2 * included <= amount + 1
    assert included <= tax_amount(amount, rate, included=False)


# Shipping ------------------------------------------------------------------------------------


def test_standard_is_free_from_its_threshold_and_for_members() -> None:
    """490 below 50.00, free from exactly 50.00; members never pay it."""
    assert shipping_fee(STANDARD, items_minor=4999, is_member=False) == 490
    assert shipping_fee(STANDARD, items_minor=5000, is_member=False) == 0
    assert shipping_fee(STANDARD, items_minor=0, is_member=False) == 490
    assert shipping_fee(STANDARD, items_minor=4999, is_member=True) == 0


def test_express_has_no_threshold_and_a_member_fee() -> None:
    """990, 490 for members, however big the basket."""
    assert shipping_fee(EXPRESS, items_minor=10**7, is_member=False) == 990
    assert shipping_fee(EXPRESS, items_minor=10**7, is_member=True) == 490


def test_a_threshold_also_frees_members_of_their_fee() -> None:
    """Over the threshold members pay nothing either."""
    option = option_with(EXPRESS, free_over_minor=20_000)
    assert shipping_fee(option, items_minor=19_999, is_member=True) == 490
    assert shipping_fee(option, items_minor=20_000, is_member=True) == 0


# Totals --------------------------------------------------------------------------------------


def fr_totals(lines: list[LineAmounts], *, member: bool = False, **options: object) -> Totals:
    """Totals with the standard option at French VAT, prices including tax unless told."""
    values: dict[str, object] = {
        "option": STANDARD, "is_member": member, "rate_bp": FR_VAT, "prices_include_tax": True,
        **options,
    }  # fmt: skip
    return totals(lines, **values)  # type: ignore[arg-type]


def test_member_basket_totals() -> None:
    """2 × 119.99 for a member (list 129.99): free shipping, 20.00 saved, tax included."""
    found = fr_totals([LineAmounts(2, 11999, 12999)], member=True)
    assert found == Totals(23998, 25998, 0, 4000, 23998)
    assert found.savings_minor == 2000


def test_small_basket_pays_shipping_and_its_tax() -> None:
    """49.00 + 4.90 shipping: tax is taken on both, once."""
    assert fr_totals([LineAmounts(1, 4900, 4900)]) == Totals(4900, 4900, 490, 898, 5390)


def test_tax_added_on_top_raises_the_total() -> None:
    """Without tax in prices, 20 % of items and shipping is added."""
    found = fr_totals([LineAmounts(1, 4900, 4900)], prices_include_tax=False)
    assert found == Totals(4900, 4900, 490, 1078, 6468)


def test_express_for_a_big_mixed_basket() -> None:
    """Lines add up; express has no free threshold."""
    lines = [LineAmounts(2, 12999, 12999), LineAmounts(3, 4900, 4900)]
    found = fr_totals(lines, option=EXPRESS)
    assert found == Totals(40698, 40698, 990, 6948, 41688)  # 41688 / 6 = 6948


def test_tax_is_taken_once_on_the_whole_basket() -> None:
    """Three lines of 0.03: per-line rounding would give 3, the basket's 0.09 gives 2."""
    lines = [LineAmounts(1, 3, 3)] * 3
    assert fr_totals(lines, option=PICKUP).tax_minor == 2


def test_an_empty_basket_costs_nothing() -> None:
    """No lines: no shipping, no tax."""
    assert fr_totals([]) == Totals(0, 0, 0, 0, 0)


line_amounts = st.builds(
    LineAmounts,
    quantity=st.integers(min_value=1, max_value=100),
    unit_price_minor=st.integers(min_value=0, max_value=10**6),
    list_price_minor=st.integers(min_value=0, max_value=10**6),
)
options = st.sampled_from([STANDARD, EXPRESS, PICKUP])


@given(
    lines=st.lists(line_amounts, min_size=1, max_size=8),
    option=options,
    member=st.booleans(),
    rate=rates,
    included=st.booleans(),
)
def test_totals_add_up(
    lines: list[LineAmounts], option: DeliveryOptionSettings, member: bool, rate: int,
    included: bool,
) -> None:  # fmt: skip
    """Items, shipping and tax always add up to the total, whatever the basket."""
    found = totals(
        lines, option=option, is_member=member, rate_bp=rate, prices_include_tax=included
    )
    items = sum(x.quantity * x.unit_price_minor for x in lines)
    assert found.items_minor == items
    assert found.list_items_minor == sum(x.quantity * x.list_price_minor for x in lines)
    assert found.shipping_minor == shipping_fee(option, items_minor=items, is_member=member)
    assert found.tax_minor == tax_amount(items + found.shipping_minor, rate, included=included)
    added = 0 if included else found.tax_minor
    assert found.total_minor == items + found.shipping_minor + added
    assert found.savings_minor == found.list_items_minor - items


# Delivery planning --------------------------------------------------------------------------


def test_preference_lists_covering_warehouses_fastest_first() -> None:
    """Paris first to Paris, Lyon first to Lyon; a German-only warehouse never."""
    everyone = [LYS1, BERLIN, PAR1]
    assert warehouse_preference(everyone, quantity=1, to=PARIS_SHOPPER, now=WEDNESDAY) == [
        "PAR1", "LYS1",
    ]  # fmt: skip
    assert warehouse_preference(everyone, quantity=1, to=LYON_SHOPPER, now=WEDNESDAY) == [
        "LYS1", "PAR1",
    ]  # fmt: skip


def test_preference_ignores_stock_but_not_coverage() -> None:
    """An empty warehouse is still listed (the hold decides); one not shipping at all is not."""
    empty_paris = replace(PAR1, available=0)
    never_ships = replace(PAR1, code="PAR2", ship_weekdays=frozenset())
    found = warehouse_preference(
        [LYS1, empty_paris, never_ships], quantity=5, to=PARIS_SHOPPER, now=WEDNESDAY
    )
    assert found == ["PAR1", "LYS1"]
    assert warehouse_preference([BERLIN], quantity=1, to=PARIS_SHOPPER, now=WEDNESDAY) == []


def test_preference_ties_go_by_code() -> None:
    """Same date and hours: alphabetical codes."""
    twin = replace(PAR1, code="PAA1")
    found = warehouse_preference([PAR1, twin], quantity=1, to=PARIS_SHOPPER, now=WEDNESDAY)
    assert found == ["PAA1", "PAR1"]


def test_unheld_line_comes_from_a_warehouse_having_the_units() -> None:
    """Paris is faster but empty: the promise comes from Lyon (Saturday)."""
    found = line_window(
        line(replace(PAR1, available=0), LYS1), to=PARIS_SHOPPER, days_saved=0, now=WEDNESDAY
    )
    assert when(found) == ("LYS1", date(2025, 3, 15), 8, 20)
    none_left = line(replace(PAR1, available=0), replace(LYS1, available=0))
    assert line_window(none_left, to=PARIS_SHOPPER, days_saved=0, now=WEDNESDAY) is None


def test_held_line_is_promised_from_its_warehouse() -> None:
    """Held in (now empty) Paris, a Lyon shopper's line comes from Paris, not faster Lyon."""
    held = line(replace(PAR1, available=0), LYS1, quantity=3, held_in="PAR1")
    found = line_window(held, to=LYON_SHOPPER, days_saved=0, now=WEDNESDAY)
    assert when(found) == ("PAR1", date(2025, 3, 14), 8, 20)
    gone = line(LYS1, held_in="PAR1")
    assert line_window(gone, to=LYON_SHOPPER, days_saved=0, now=WEDNESDAY) is None


def test_basket_arrives_with_its_slowest_line() -> None:
    """A Paris line (Thursday) and a Lyon-only line (Saturday): Saturday."""
    lines = [line(PAR1), line(LYS1)]
    assert basket(lines) == ("LYS1", date(2025, 3, 15), 8, 20)
    assert basket([line(PAR1)]) == ("PAR1", date(2025, 3, 13), 8, 22)


def test_basket_with_an_undeliverable_line_or_no_line_has_no_promise() -> None:
    """One line that cannot reach the address (or no line at all): no window."""
    assert basket([line(PAR1), line(BERLIN)]) is None
    assert basket([]) is None


def test_express_saves_days_but_leaves_at_least_one() -> None:
    """Lyon's 3 days become 2; Paris's 1 day stays 1."""
    assert basket([line(LYS1)], EXPRESS) == ("LYS1", date(2025, 3, 14), 8, 20)
    assert basket([line(PAR1)], EXPRESS) == ("PAR1", date(2025, 3, 13), 8, 22)
    far = option_with(EXPRESS, days_saved=10)
    assert basket([line(LYS1)], far) == ("LYS1", date(2025, 3, 13), 8, 20)


def test_members_get_member_transit() -> None:
    """A Paris member is served the same day (0 member days) by standard delivery."""
    assert basket([line(PAR1)], to=PARIS_MEMBER) == ("PAR1", date(2025, 3, 12), 8, 22)
    assert basket([line(LYS1)], to=PARIS_MEMBER) == ("LYS1", date(2025, 3, 14), 8, 20)


def test_express_is_never_slower_than_standard_for_members() -> None:
    """Saving days cannot add one: a same-day member zone stays same-day with express."""
    standard = basket([line(PAR1)], STANDARD, PARIS_MEMBER)
    express = basket([line(PAR1)], EXPRESS, PARIS_MEMBER)
    assert standard == ("PAR1", date(2025, 3, 12), 8, 22)
    assert express == standard


transits = st.integers(min_value=0, max_value=6)


@given(
    transit=transits,
    member_transit=transits,
    saved=st.integers(min_value=0, max_value=10),
    member=st.booleans(),
    hour=st.integers(min_value=0, max_value=23),
)
def test_saving_days_never_delays_a_delivery(
    transit: int, member_transit: int, saved: int, member: bool, hour: int
) -> None:
    """Whatever the zone and the hour, a faster option's window is never later."""
    zone = Zone("FR", "", transit, member_transit, 8, 20)
    planned = [line(replace(PAR1, zones=(zone,)))]
    to = Destination("13001", "FR", is_member=member)
    now = datetime(2025, 3, 12, hour, 0, tzinfo=PARIS).astimezone(UTC)
    slow = basket_window(planned, to=to, option=STANDARD, now=now)
    fast = basket_window(planned, to=to, option=option_with(EXPRESS, days_saved=saved), now=now)
    assert slow is not None
    assert fast is not None
    assert fast.date <= slow.date
    assert fast.ships_on == slow.ships_on


@pytest.mark.parametrize("saved", [1, 2, 5])
def test_a_saved_transit_never_goes_below_one_day(saved: int) -> None:
    """A 2-day zone saved any number of days still takes one delivery day (Thursday)."""
    zone = Zone("FR", "", 2, 2, 8, 20)
    planned = [line(replace(PAR1, zones=(zone,)))]
    found = basket(planned, option_with(EXPRESS, days_saved=saved))
    assert found == ("PAR1", date(2025, 3, 13), 8, 20)
