"""The pure delivery promise: cut-offs, weekends, membership, postal prefixes, time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handshake.catalog.delivery_promise import (
    DeliveryWindow,
    WarehouseOption,
    Zone,
    delivery_date,
    earliest_delivery,
    generic_estimate,
    labels,
    matching_zone,
    ship_date,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
FR_ALL = Zone("FR", "", 2, 1, 8, 20)
FR_75 = Zone("FR", "75", 1, 0, 8, 22)
FR_750 = Zone("FR", "7501", 1, 1, 10, 12)


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock moment as aware UTC (what the clock returns)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def option(
    code: str = "PAR1",
    *,
    available: int = 10,
    tz: str = "Europe/Paris",
    cutoff: time = time(16, 0),
    days: frozenset[int] = WEEKDAYS,
    zones: tuple[Zone, ...] = (FR_ALL, FR_75),
) -> WarehouseOption:
    return WarehouseOption(code, available, tz, cutoff, days, zones)


def promise(
    options: list[WarehouseOption],
    now: datetime,
    *,
    quantity: int = 1,
    postal_code: str = "75011",
    country: str = "FR",
    is_member: bool = False,
) -> DeliveryWindow | None:
    return earliest_delivery(
        options, quantity=quantity, postal_code=postal_code, country=country,
        is_member=is_member, now=now,
    )  # fmt: skip


def ships_on(options: list[WarehouseOption], now: datetime) -> date:
    window = promise(options, now)
    assert window is not None
    return window.ships_on


# 2025-03-12 is a Wednesday; 2025-03-14 a Friday; 2025-03-16 a Sunday.


def test_one_minute_before_cutoff_ships_today() -> None:
    window = promise([option()], paris(2025, 3, 12, 15, 59))
    assert window is not None
    assert (window.ships_on, window.date, window.label_en, window.label_fr) == (
        date(2025, 3, 12), date(2025, 3, 13), "tomorrow 8–22 h", "demain 8 h–22 h",
    )  # fmt: skip


def test_at_cutoff_ships_next_shipping_day() -> None:
    window = promise([option()], paris(2025, 3, 12, 16, 0))
    assert window is not None
    assert (window.ships_on, window.date, window.label_en, window.label_fr) == (
        date(2025, 3, 13), date(2025, 3, 14), "Friday 8–22 h", "vendredi 8 h–22 h",
    )  # fmt: skip


def test_friday_after_cutoff_ships_monday() -> None:
    window = promise([option()], paris(2025, 3, 14, 17, 0))
    assert window is not None
    assert (window.ships_on, window.date, window.label_en) == (
        date(2025, 3, 17), date(2025, 3, 18), "Tuesday 8–22 h",
    )  # fmt: skip


def test_no_delivery_on_sunday() -> None:
    saturday_shipper = option(days=frozenset({5}))
    window = promise([saturday_shipper], paris(2025, 3, 15, 9, 0))
    assert window is not None
    assert (window.ships_on, window.date) == (date(2025, 3, 15), date(2025, 3, 17))
    same_day = promise([saturday_shipper], paris(2025, 3, 15, 9, 0), is_member=True)
    assert same_day is not None
    assert (same_day.date, same_day.label_en) == (date(2025, 3, 15), "today 8–22 h")


def test_sunday_shipping_with_zero_transit_arrives_monday() -> None:
    sunday_shipper = option(days=frozenset({6}))
    window = promise([sunday_shipper], paris(2025, 3, 16, 9, 0), is_member=True)
    assert window is not None
    assert (window.ships_on, window.date, window.label_fr) == (
        date(2025, 3, 16), date(2025, 3, 17), "demain 8 h–22 h",
    )  # fmt: skip


def test_members_use_member_transit_days() -> None:
    now = paris(2025, 3, 12, 10, 0)
    regular = promise([option()], now, postal_code="13001")
    member = promise([option()], now, postal_code="13001", is_member=True)
    assert regular is not None
    assert member is not None
    assert (regular.date, regular.start_hour, regular.end_hour) == (date(2025, 3, 14), 8, 20)
    assert (member.date, member.label_en) == (date(2025, 3, 13), "tomorrow 8–20 h")


def test_longest_postal_prefix_wins() -> None:
    zones = (FR_ALL, FR_75, FR_750)
    assert matching_zone(zones, country="FR", postal_code="75011") == FR_750
    assert matching_zone(zones, country="FR", postal_code="75120") == FR_75
    assert matching_zone(zones, country="fr", postal_code="69001") == FR_ALL
    assert matching_zone(zones, country="BE", postal_code="75011") is None
    uk = (Zone("GB", "SW1", 1, 1, 9, 17), Zone("GB", "S", 3, 2, 9, 17))
    assert matching_zone(uk, country="GB", postal_code="sw1a 1aa") == uk[0]
    assert matching_zone(uk, country="GB", postal_code="S1 2AB") == uk[1]


def test_uncovered_address_or_short_stock_gives_none() -> None:
    now = paris(2025, 3, 12, 10, 0)
    only_paris = option(zones=(FR_75,))
    assert promise([only_paris], now, postal_code="69001") is None
    assert promise([option(available=2)], now, quantity=3) is None
    assert promise([], now) is None
    with pytest.raises(ValueError, match="quantity"):
        promise([option()], now, quantity=0)


def test_single_warehouse_must_hold_the_whole_quantity() -> None:
    now = paris(2025, 3, 12, 10, 0)
    fast = option("PAR1", available=2)
    slow = option("LYS1", available=3, zones=(Zone("FR", "", 3, 3, 9, 18),))
    two = promise([fast, slow], now, quantity=2)
    three = promise([fast, slow], now, quantity=3)
    assert two is not None
    assert three is not None
    assert (two.warehouse_code, two.date) == ("PAR1", date(2025, 3, 13))
    assert (three.warehouse_code, three.date) == ("LYS1", date(2025, 3, 15))
    assert promise([fast, slow], now, quantity=4) is None


def test_ties_prefer_earliest_window_then_code() -> None:
    now = paris(2025, 3, 12, 10, 0)
    late_window = option("AAA", zones=(Zone("FR", "", 1, 1, 12, 22),))
    early_window = option("ZZZ", zones=(Zone("FR", "", 1, 1, 8, 12),))
    window = promise([late_window, early_window], now)
    assert window is not None
    assert window.warehouse_code == "ZZZ"
    same = promise([option("BBB"), option("AAA")], now)
    assert same is not None
    assert same.warehouse_code == "AAA"


def test_cutoff_is_local_to_the_warehouse_across_time_zones_and_dst() -> None:
    # 15:30 UTC on a Wednesday: 16:30 in Paris (past cut-off) but 11:30 in New York.
    now = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
    paris_wh = option("PAR1")
    ny_wh = option("NYC1", tz="America/New_York", zones=(Zone("FR", "", 1, 1, 8, 22),))
    assert ships_on([paris_wh], now) == date(2025, 3, 13)
    assert ships_on([ny_wh], now) == date(2025, 3, 12)
    # Paris moves to UTC+2 on 2025-03-30: 14:30 UTC is 15:30 before, 16:30 after.
    before_dst = datetime(2025, 3, 28, 14, 30, tzinfo=UTC)
    after_dst = datetime(2025, 3, 31, 14, 30, tzinfo=UTC)
    assert ships_on([paris_wh], before_dst) == date(2025, 3, 28)
    assert ships_on([paris_wh], after_dst) == date(2025, 4, 1)


def test_local_midnight_decides_the_day() -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Paris: ships Monday, arrives Tuesday.
    window = promise([option()], datetime(2025, 3, 16, 23, 30, tzinfo=UTC))
    assert window is not None
    assert (window.ships_on, window.date, window.label_en) == (
        date(2025, 3, 17), date(2025, 3, 18), "tomorrow 8–22 h",
    )  # fmt: skip


def test_labels_beyond_a_week_show_the_date() -> None:
    today = date(2025, 3, 12)
    assert labels(delivery=date(2025, 3, 19), today=today, start_hour=8, end_hour=22) == (
        "19 March 8–22 h", "19 mars 8 h–22 h",
    )  # fmt: skip
    assert labels(delivery=date(2025, 3, 18), today=today, start_hour=9, end_hour=13) == (
        "Tuesday 9–13 h", "mardi 9 h–13 h",
    )  # fmt: skip


def test_generic_estimate_uses_the_slowest_zone_of_the_country() -> None:
    now = paris(2025, 3, 12, 10, 0)
    window = generic_estimate([option()], quantity=1, country="FR", is_member=False, now=now)
    assert window is not None
    assert window.date == date(2025, 3, 14)
    member = generic_estimate([option()], quantity=1, country="FR", is_member=True, now=now)
    assert member is not None
    assert member.date == date(2025, 3, 13)
    assert generic_estimate([option()], quantity=1, country="DE", is_member=False, now=now) is None
    assert (
        generic_estimate([option(available=0)], quantity=1, country="FR", is_member=False, now=now)
        is None
    )


def test_no_shipping_days_means_no_promise() -> None:
    assert (
        ship_date(local_now=datetime(2025, 3, 12, 9), cutoff=time(16), ship_weekdays=frozenset())
        is None
    )
    assert promise([option(days=frozenset())], paris(2025, 3, 12, 9)) is None


# --- properties -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)
zones = st.builds(
    Zone,
    country=st.just("FR"),
    postal_prefix=st.sampled_from(["", "7", "75", "750"]),
    transit_days=st.integers(0, 6),
    member_transit_days=st.integers(0, 6),
    window_start_hour=st.integers(0, 12),
    window_end_hour=st.integers(13, 24),
)
options = st.builds(
    WarehouseOption,
    code=st.sampled_from(["A", "B", "C"]),
    available=st.integers(0, 5),
    timezone=st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"]),
    cutoff_local=st.times(),
    ship_weekdays=weekday_sets,
    zones=st.lists(zones, max_size=3).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(
    options=st.lists(options, max_size=4, unique_by=lambda o: o.code),
    now=moments,
    member=st.booleans(),
)
def test_promise_properties(options: list[WarehouseOption], now: datetime, member: bool) -> None:
    window = promise(options, now, is_member=member, postal_code="75011")
    if window is None:
        return
    chosen = next(o for o in options if o.code == window.warehouse_code and o.available >= 1)
    local_today = now.astimezone(ZoneInfo(chosen.timezone)).date()
    assert window.date.weekday() != 6
    assert window.ships_on.weekday() in chosen.ship_weekdays
    assert local_today <= window.ships_on <= window.date
    assert window.ships_on - local_today <= timedelta(days=7)
    assert 0 <= window.start_hour < window.end_hour <= 24


@settings(max_examples=300, deadline=None)
@given(opt=options, now=moments, later=st.timedeltas(timedelta(0), timedelta(days=10)))
def test_later_orders_never_arrive_earlier(
    opt: WarehouseOption, now: datetime, later: timedelta
) -> None:
    first = promise([opt], now)
    second = promise([opt], now + later)
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert second.date >= first.date


@settings(max_examples=300, deadline=None)
@given(opt=options, now=moments)
def test_members_never_wait_longer_when_their_transit_is_shorter(
    opt: WarehouseOption, now: datetime
) -> None:
    fair = WarehouseOption(
        opt.code, opt.available, opt.timezone, opt.cutoff_local, opt.ship_weekdays,
        tuple(Zone(z.country, z.postal_prefix, z.transit_days,
                   min(z.transit_days, z.member_transit_days), z.window_start_hour,
                   z.window_end_hour) for z in opt.zones),
    )  # fmt: skip
    regular = promise([fair], now)
    member = promise([fair], now, is_member=True)
    assert (regular is None) == (member is None)
    if regular is not None and member is not None:
        assert member.date <= regular.date


@given(
    shipped=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 1, 1)),
    transit=st.integers(0, 20),
)
def test_transit_counts_delivery_days_only(shipped: date, transit: int) -> None:
    arrives = delivery_date(shipped, transit)
    assert arrives.weekday() != 6
    days = [shipped + timedelta(days=i) for i in range(1, (arrives - shipped).days + 1)]
    counted = sum(1 for d in days if d.weekday() != 6)
    # Counting stops on the arrival day; a Sunday shipment with 0 transit rolls to Monday.
    assert counted == transit or (transit == 0 and shipped.weekday() == 6 and counted == 1)
