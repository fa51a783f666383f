"""The recommendation rules: exact numbers and reasons, and properties over random histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.devices.consent import DataType
from handshake.recommendations.policy import RecommendationRules
from handshake.recommendations.rules import (
    Finding,
    RuleCode,
    Sample,
    applies,
    daily_means,
    filter_due,
    heating_time,
    humidity_high_week,
    lock_battery_low,
)
from handshake.recommendations.wording import reason

NOW = datetime(2029, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=90)
SINCE = NOW - WINDOW


def at(hours: float) -> datetime:
    """``hours`` after the start of the window."""
    return SINCE + timedelta(hours=hours)


def modes(*points: tuple[float, Any]) -> list[Sample]:
    """thermostatMode samples at hours into the window."""
    return [Sample(at(hours), value) for hours, value in points]


def humid(*points: tuple[timedelta, float]) -> list[Sample]:
    """relativeHumidity samples, each ``ago`` before NOW."""
    return [Sample(NOW - ago, {"value": value}) for ago, value in points]


def hours_heating(samples: list[Sample]) -> float:
    return heating_time(samples, since=SINCE, now=NOW) / timedelta(hours=1)


# --- filter_due ---


def test_heating_holds_until_the_next_sample_and_the_last_until_now() -> None:
    """HEAT 100 h then OFF, HEAT again for the last 12 h of the window: 112 h."""
    samples = modes((10, "HEAT"), (110, "OFF"), (90 * 24 - 12, "HEAT"))
    assert hours_heating(samples) == 112


def test_filter_due_quotes_whole_hours_at_and_above_the_threshold() -> None:
    """512.6 h of heating: due, quoted as 512 hours; 499.9 h: nothing."""
    due = filter_due(modes((0, "HEAT"), (512.6, "COOL")), since=SINCE, now=NOW, threshold_hours=500)
    assert due == Finding(RuleCode.FILTER_DUE, {"hours": 512})
    assert reason(due, device_name="Hall thermostat", language="en") == (
        "Your Hall thermostat has heated for 512 hours: its air filter is probably due."
    )
    assert reason(due, device_name="thermostat du salon", language="fr") == (
        "Votre thermostat du salon a chauffé pendant 512 heures : son filtre à air est "
        "probablement à changer."
    )
    short = modes((0, "HEAT"), (499.9, "OFF"))
    assert filter_due(short, since=SINCE, now=NOW, threshold_hours=500) is None
    exactly = modes((0, "HEAT"), (500, "OFF"))
    assert filter_due(exactly, since=SINCE, now=NOW, threshold_hours=500) is not None


def test_heating_is_capped_at_now_and_clipped_to_the_window() -> None:
    """A sample before the window counts from its start; one after now counts nothing."""
    before = [Sample(SINCE - timedelta(days=5), "HEAT"), Sample(at(20), "OFF")]
    assert hours_heating(before) == 20
    future = [Sample(NOW + timedelta(hours=3), "HEAT")]
    assert hours_heating(future) == 0
    assert hours_heating(modes((24, {"value": "heat"}))) == 90 * 24 - 24


def test_unknown_modes_and_no_samples_count_as_not_heating() -> None:
    """An unreadable mode ends heating; nothing known before the first sample."""
    assert hours_heating([]) == 0
    assert hours_heating(modes((0, "HEAT"), (5, None), (6, {"odd": 1}))) == 5
    assert hours_heating(modes((100, "AUTO"), (200, "ECO"))) == 0


def test_samples_at_the_same_instant_favour_not_heating() -> None:
    """HEAT and OFF reported at once: OFF holds, whatever their order."""
    assert hours_heating(modes((0, "HEAT"), (0, "OFF"))) == 0
    assert hours_heating(modes((0, "OFF"), (0, "HEAT"))) == 0


# --- lock_battery_low ---


def test_the_latest_battery_level_decides() -> None:
    """80 % then 15 %: low, at 15 %; 15 % then 80 %: fine."""
    low = [Sample(at(1), {"value": 80}), Sample(at(2), {"value": 15.7})]
    found = lock_battery_low(low, threshold_percent=20)
    assert found == Finding(RuleCode.LOCK_BATTERY_LOW, {"percent": 15})
    assert reason(found, device_name="Front door", language="en") == (
        "The battery of Front door is at 15 %."
    )
    assert reason(found, device_name="Porte d'entrée", language="fr") == (
        "La batterie de Porte d'entrée est à 15 %."
    )
    fine = [Sample(at(1), {"value": 15}), Sample(at(2), {"value": 80})]
    assert lock_battery_low(fine, threshold_percent=20) is None


def test_battery_threshold_is_strict_and_shapes_are_read() -> None:
    """20 % is not low; Alexa's levelPercentage and bare numbers are read; junk is skipped."""
    assert lock_battery_low([Sample(at(1), {"value": 20})], threshold_percent=20) is None
    alexa = [Sample(at(1), {"health": {"state": "OK"}, "levelPercentage": 12})]
    assert lock_battery_low(alexa, threshold_percent=20) == Finding(
        RuleCode.LOCK_BATTERY_LOW, {"percent": 12}
    )
    junk = [Sample(at(1), {"value": 5}), Sample(at(2), {"value": "low"}), Sample(at(3), True)]
    assert lock_battery_low(junk, threshold_percent=20) == Finding(
        RuleCode.LOCK_BATTERY_LOW, {"percent": 5}
    )
    assert lock_battery_low([], threshold_percent=20) is None


# --- humidity_high_week ---

DAY = timedelta(days=1)


def week(values: list[float]) -> list[Sample]:
    """One sample in the middle of each of the last len(values) days (day 0 first)."""
    return humid(*[(DAY * i + timedelta(hours=12), v) for i, v in enumerate(values)])


def test_a_humid_week_quotes_its_lowest_daily_mean() -> None:
    """Day 0 has 58 and 66 (mean 62): every mean ≥ 60, lowest 61 (day 3)."""
    samples = [*week([62, 65, 70, 61.5, 64, 66, 68]), *humid((timedelta(hours=1), 58))]
    samples = [s for s in samples if s.at != NOW - timedelta(hours=12)]
    samples += humid((timedelta(hours=2), 66))
    assert daily_means(samples, now=NOW, days=7)[0] == 62
    found = humidity_high_week(samples, now=NOW, days=7, threshold_percent=60)
    assert found == Finding(
        RuleCode.HUMIDITY_HIGH_WEEK, {"days": 7, "lowest_daily_mean": 61, "threshold": 60}
    )
    assert reason(found, device_name="Bathroom sensor", language="en") == (
        "The humidity measured by Bathroom sensor averaged 60 % or more on each of the last "
        "7 days (lowest daily average: 61 %): a dehumidifier could help."
    )
    assert "un déshumidificateur pourrait vous aider" in reason(
        found, device_name="Capteur", language="fr"
    )


def test_a_missing_day_or_a_dry_day_means_no_suggestion() -> None:
    """Six humid days and a day without samples; a day averaging 59.9; 7 days then older."""
    assert humidity_high_week(week([70] * 6), now=NOW, days=7, threshold_percent=60) is None
    dry = week([70, 70, 70, 59.9, 70, 70, 70])
    assert humidity_high_week(dry, now=NOW, days=7, threshold_percent=60) is None
    shifted = humid(*[(DAY * i + timedelta(hours=12), 70) for i in range(1, 8)])
    assert humidity_high_week(shifted, now=NOW, days=7, threshold_percent=60) is None


def test_days_are_counted_back_from_now() -> None:
    """A sample at now is day 0; one exactly a day before is day 1; later ones are ignored."""
    samples = humid((timedelta(0), 61), (DAY, 62), (-timedelta(hours=1), 10))
    assert daily_means(samples, now=NOW, days=3) == [61, 62, None]


# --- which devices a rule may run on ---


def test_rules_apply_only_to_what_is_shared_for_recommendations() -> None:
    """Battery of a lock (lock_state shared, or discovered as SMARTLOCK); mode; humidity."""
    assert applies(RuleCode.FILTER_DUE, {DataType.MODE}, None)
    assert not applies(RuleCode.FILTER_DUE, {DataType.TEMPERATURE}, "THERMOSTAT")
    assert applies(RuleCode.LOCK_BATTERY_LOW, {DataType.BATTERY, DataType.LOCK_STATE}, None)
    assert applies(RuleCode.LOCK_BATTERY_LOW, {DataType.BATTERY}, "SMARTLOCK")
    assert not applies(RuleCode.LOCK_BATTERY_LOW, {DataType.BATTERY}, "TEMPERATURE_SENSOR")
    assert not applies(RuleCode.LOCK_BATTERY_LOW, {DataType.LOCK_STATE}, "SMARTLOCK")
    assert applies(RuleCode.HUMIDITY_HIGH_WEEK, {DataType.HUMIDITY}, None)


def test_the_defaults_are_the_merchant_settings_of_the_brief() -> None:
    """Queries, thresholds and windows; nonsense is refused."""
    rules = RecommendationRules()
    assert [rules.query_for(rule) for rule in RuleCode] == [
        "air filter", "battery", "dehumidifier",
    ]  # fmt: skip
    assert (rules.filter_heating_hours, rules.battery_low_percent) == (500, 20)
    assert (rules.humidity_high_percent, rules.humidity_days, rules.max_products) == (60, 7, 3)
    with pytest.raises(ValueError, match="max_products"):
        RecommendationRules(max_products=-1)
    with pytest.raises(ValueError, match="at least one day"):
        RecommendationRules(humidity_days=0)


# --- properties ---

MODES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(["HEAT", "COOL", "OFF", "AUTO", "ECO", "heat"]),
    st.none(),
    st.builds(dict, value=st.sampled_from(["HEAT", "OFF"])),
)
# Around the window, before and after it included.
moments = st.builds(
    lambda minutes: SINCE + timedelta(minutes=minutes),
    st.integers(-10 * 24 * 60, 100 * 24 * 60),
)
mode_samples = st.lists(st.builds(Sample, moments, MODES), max_size=30)
level_samples = st.lists(
    st.builds(
        Sample,
        st.builds(lambda minutes: NOW - timedelta(minutes=minutes), st.integers(-600, 9 * 1440)),
        st.builds(dict, value=st.one_of(st.integers(0, 100), st.floats(0, 100))),
    ),
    max_size=40,
)


@given(mode_samples)
def test_heating_never_exceeds_the_window(samples: list[Sample]) -> None:
    """0 ≤ heating ≤ now - since, whatever the samples."""
    assert timedelta(0) <= heating_time(samples, since=SINCE, now=NOW) <= WINDOW


@given(mode_samples, st.randoms(use_true_random=False))
def test_heating_does_not_depend_on_sample_order(samples: list[Sample], rnd: Any) -> None:
    """The same samples in any order heat for the same time."""
    shuffled = list(samples)
    rnd.shuffle(shuffled)
    assert heating_time(shuffled, since=SINCE, now=NOW) == heating_time(
        samples, since=SINCE, now=NOW
    )


@given(st.integers(0, 90 * 24 * 60))
def test_heating_from_a_moment_until_now(minutes: int) -> None:
    """One HEAT sample: heating lasts from it to now."""
    start = SINCE + timedelta(minutes=minutes)
    assert heating_time([Sample(start, "HEAT")], since=SINCE, now=NOW) == NOW - start


@given(level_samples, st.randoms(use_true_random=False))
def test_level_rules_do_not_depend_on_sample_order(samples: list[Sample], rnd: Any) -> None:
    """Battery and humidity findings are the same in any order."""
    shuffled = list(samples)
    rnd.shuffle(shuffled)
    assert lock_battery_low(shuffled, threshold_percent=20) == lock_battery_low(
        samples, threshold_percent=20
    )
    assert humidity_high_week(
        shuffled, now=NOW, days=7, threshold_percent=60
    ) == humidity_high_week(samples, now=NOW, days=7, threshold_percent=60)


@given(level_samples)
def test_a_humid_week_has_every_day_at_or_above_the_threshold(samples: list[Sample]) -> None:
    """A finding implies seven known daily means, each ≥ 60, the lowest quoted (floored)."""
    found = humidity_high_week(samples, now=NOW, days=7, threshold_percent=60)
    means = daily_means(samples, now=NOW, days=7)
    if found is None:
        assert None in means or min(m for m in means if m is not None) < 60
    else:
        known = [m for m in means if m is not None]
        assert len(known) == 7
        assert min(known) >= 60
        assert found.numbers["lowest_daily_mean"] == int(min(known))


@given(level_samples)
def test_battery_is_low_exactly_when_the_latest_level_is(samples: list[Sample]) -> None:
    """Found iff the most recent level is below 20 %, quoted floored."""
    found = lock_battery_low(samples, threshold_percent=20)
    if not samples:
        assert found is None
        return
    latest = max((s.at, s.value["value"]) for s in samples)[1]
    assert (found is not None) == (latest < 20)
    if found is not None:
        assert found.numbers["percent"] == int(latest)
