"""The connector's significant-change filter and per-device coalescer (pure)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.connector.significance import (
    DEFAULT_THRESHOLDS,
    Coalesced,
    Coalescer,
    SignificanceFilter,
    significant,
)
from handshake.connector.state import Sample

AT = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def s(value: Any, seconds: float = 0.0) -> Sample:
    return Sample(value, AT + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("key", "before", "after", "expected"),
    [
        ("temperature", 21.0, 21.4, False),
        ("temperature", 21.0, 21.5, True),
        ("temperature", 20.1, 20.6, True),  # 0.5 in decimal, a hair less in binary
        ("temperature", 20.6, 20.1, True),
        ("setpoint", 20.0, 19.6, False),
        ("setpoint", 20.0, 19.5, True),
        ("humidity", 45, 45.9, False),
        ("humidity", 45, 46, True),
        ("battery", 80, 79, True),
        ("battery", 80, 80, False),
        ("mode", "HEAT", "HEAT", False),
        ("mode", "HEAT", "ECO", True),
        ("lock_state", "LOCKED", "UNLOCKED", True),
        ("occupancy", "DETECTED", "DETECTED", False),
        ("connectivity", "OK", "UNREACHABLE", True),
        ("temperature", None, 21.0, True),  # never reported yet
        ("temperature", 21.0, "broken", True),  # not a number any more: a change
    ],
)
def test_each_data_type_has_its_threshold(
    key: str, before: Any, after: Any, expected: bool
) -> None:
    assert significant(key, before, after, DEFAULT_THRESHOLDS) is expected


def test_the_filter_measures_from_the_last_reported_value_so_slow_drift_adds_up() -> None:
    significance = SignificanceFilter()
    seen = [
        significance.changes("t-1", {"temperature": s(v)})
        for v in (20.0, 20.2, 20.4, 20.5, 20.7, 20.9, 21.0)
    ]

    assert [list(c.values()) for c in seen] == [
        [s(20.0)], [], [], [s(20.5)], [], [], [s(21.0)],
    ]  # fmt: skip


def test_the_filter_keeps_devices_apart_and_passes_only_what_moved() -> None:
    significance = SignificanceFilter()
    significance.changes("t-1", {"temperature": s(20.0), "mode": s("HEAT")})

    assert significance.changes("t-2", {"temperature": s(20.1)}) == {"temperature": s(20.1)}
    assert significance.changes("t-1", {"temperature": s(20.1), "mode": s("ECO")}) == {
        "mode": s("ECO")
    }


@given(st.lists(st.floats(min_value=-40, max_value=60, allow_nan=False), min_size=1, max_size=60))
def test_no_significant_move_is_missed_and_no_small_one_reported(values: list[float]) -> None:
    """After every observation the value last reported is within the threshold of the current
    one, and consecutive reported values are at least the threshold apart."""
    significance = SignificanceFilter()
    reported: list[float] = []
    for value in values:
        changed = significance.changes("t-1", {"temperature": s(value)})
        reported += [changed["temperature"].value] if changed else []
        assert abs(reported[-1] - value) < 0.5 or reported[-1] == value
    assert reported[0] == values[0]
    assert all(abs(b - a) >= 0.5 - 1e-9 for a, b in itertools.pairwise(reported))


def test_changes_within_the_window_merge_into_one_report_with_the_latest_values() -> None:
    coalescer = Coalescer(window=1.0)
    coalescer.add("t-1", {"temperature": s(20.0), "mode": s("HEAT")}, "poll", now=10.0)
    coalescer.add("t-1", {"temperature": s(20.5, 0.4)}, "physical", now=10.4)
    coalescer.add("l-3", {"lock_state": s("LOCKED")}, "voice", now=10.5)

    assert coalescer.due(10.9) == []
    assert coalescer.next_due() == 11.0
    assert coalescer.due(11.0) == [
        Coalesced("t-1", {"temperature": s(20.5, 0.4), "mode": s("HEAT")}, "physical")
    ]
    assert coalescer.next_due() == 11.5
    assert coalescer.due(12.0) == [Coalesced("l-3", {"lock_state": s("LOCKED")}, "voice")]
    assert (coalescer.next_due(), coalescer.pending()) == (None, 0)


def test_a_zero_window_sends_each_change_at_once_and_empty_changes_open_nothing() -> None:
    coalescer = Coalescer(window=0.0)
    coalescer.add("t-1", {}, "poll", now=1.0)
    assert coalescer.pending() == 0
    coalescer.add("t-1", {"mode": s("OFF")}, "app", now=1.0)
    assert coalescer.due(1.0) == [Coalesced("t-1", {"mode": s("OFF")}, "app")]


KEYS = st.sampled_from(["temperature", "setpoint", "mode", "humidity", "battery"])
ADDITIONS = st.lists(
    st.tuples(
        st.sampled_from(["t-1", "s-2", "l-3"]),
        st.dictionaries(KEYS, st.integers(0, 100), min_size=1, max_size=3),
        st.floats(min_value=0, max_value=0.99),
    ),
    max_size=40,
)


@given(ADDITIONS)
def test_a_window_holds_the_latest_value_of_each_property_once(
    additions: list[tuple[str, dict[str, int], float]],
) -> None:
    """Whatever arrives within one window, each device flushes once, with the last value seen
    of every property it changed (so memory never holds more than one value per property)."""
    coalescer = Coalescer(window=1.0)
    expected: dict[str, dict[str, Sample]] = {}
    for device, values, at in sorted(additions, key=lambda a: a[2]):
        coalescer.add(device, {k: s(v) for k, v in values.items()}, "poll", now=at)
        expected.setdefault(device, {}).update({k: s(v) for k, v in values.items()})

    assert coalescer.due(0.99) == []
    flushed = coalescer.due(2.0)
    assert {c.device_id: c.changed for c in flushed} == expected
    assert len(flushed) == len(expected)
