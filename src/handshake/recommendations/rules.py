"""The rules (pure): what a device's history says, as a finding with its numbers, or nothing.

A rule only ever sees samples of data types the shopper shares for recommendations. Whether a
rule applies to a device is decided from what is shared and how the device was discovered,
never by reading more data. Results never depend on the order samples arrive in: ties at the
same instant are broken by value, towards the answer that suggests nothing.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from handshake.devices.consent import DataType

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
HEAT = "HEAT"
LOCK_CATEGORY = "SMARTLOCK"


class RuleCode(StrEnum):
    """Stable codes of the rules, shown to shoppers' apps and partners."""

    FILTER_DUE = "filter_due"
    LOCK_BATTERY_LOW = "lock_battery_low"
    HUMIDITY_HIGH_WEEK = "humidity_high_week"


# The data types whose history each rule reads: nothing else is read for it.
NEEDS: Mapping[RuleCode, tuple[DataType, ...]] = {
    RuleCode.FILTER_DUE: (DataType.MODE,),
    RuleCode.LOCK_BATTERY_LOW: (DataType.BATTERY,),
    RuleCode.HUMIDITY_HIGH_WEEK: (DataType.HUMIDITY,),
}


@dataclass(frozen=True)
class Sample:
    """One past value of a device property and when it was measured."""

    at: datetime
    value: Any


@dataclass(frozen=True)
class Finding:
    """What a rule found, with the numbers its reason quotes."""

    rule: RuleCode
    numbers: Mapping[str, float] = field(default_factory=dict)


def applies(rule: RuleCode, shared: Collection[DataType], category: str | None) -> bool:
    """Whether ``rule`` can run on a device sharing ``shared`` for recommendations."""
    if not set(NEEDS[rule]) <= set(shared):
        return False
    if rule == RuleCode.LOCK_BATTERY_LOW:
        # Only a lock's battery matters here: known from a lock_state share or discovery.
        return DataType.LOCK_STATE in shared or (category or "").upper() == LOCK_CATEGORY
    return True


def mode_of(value: Any) -> str | None:
    """A thermostat mode (``"HEAT"``) from a bare string or a ``{"value": …}`` object."""
    if isinstance(value, dict):
        value = value.get("value")
    return value.upper() if isinstance(value, str) else None


def level_of(value: Any) -> float | None:
    """A finite percentage from ``{"value": 45}``, ``{"levelPercentage": 45}`` or a number."""
    if isinstance(value, dict):
        value = value.get("value", value.get("levelPercentage"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def heating_time(samples: Iterable[Sample], *, since: datetime, now: datetime) -> timedelta:
    """Time spent in HEAT within [since, now]: each mode holds until the next sample."""
    # The last sample holds until now; before the first one the mode is unknown: not heating.
    # At one instant, HEAT sorts first so another mode reported then is the one that holds.
    ordered = sorted(samples, key=lambda s: (s.at, mode_of(s.value) != HEAT))
    ends = [s.at for s in ordered[1:]] + ([now] if ordered else [])
    total = timedelta(0)
    for current, until in zip(ordered, ends, strict=True):
        if mode_of(current.value) != HEAT:
            continue
        start, end = max(current.at, since), min(until, now)
        if end > start:
            total += end - start
    return total


def filter_due(
    samples: Iterable[Sample], *, since: datetime, now: datetime, threshold_hours: float
) -> Finding | None:
    """Hours of heating since ``since``, when they reach ``threshold_hours``."""
    hours = heating_time(samples, since=since, now=now) / HOUR
    if hours < threshold_hours:
        return None
    return Finding(RuleCode.FILTER_DUE, {"hours": math.floor(hours)})


def latest_level(samples: Iterable[Sample]) -> float | None:
    """The most recent readable level (at one instant, the highest)."""
    readable = [(s.at, level) for s in samples if (level := level_of(s.value)) is not None]
    return max(readable)[1] if readable else None


def lock_battery_low(samples: Iterable[Sample], *, threshold_percent: float) -> Finding | None:
    """The latest battery level, when below ``threshold_percent``."""
    level = latest_level(samples)
    if level is None or level >= threshold_percent:
        return None
    return Finding(RuleCode.LOCK_BATTERY_LOW, {"percent": math.floor(level)})


def daily_means(samples: Iterable[Sample], *, now: datetime, days: int) -> list[float | None]:
    """Mean level of each of the last ``days`` days (day 0: [now - 1 day, now]), None if unknown."""
    # Days count back from now (no calendar or time zone to guess); later samples are ignored.
    per_day: list[list[float]] = [[] for _ in range(days)]
    for sample in samples:
        level = level_of(sample.value)
        if level is None or sample.at > now:
            continue
        index = (now - sample.at) // DAY
        if index < days:
            per_day[index].append(level)
    return [math.fsum(levels) / len(levels) if levels else None for levels in per_day]


def humidity_high_week(
    samples: Iterable[Sample], *, now: datetime, days: int, threshold_percent: float
) -> Finding | None:
    """Humidity whose daily mean reached ``threshold_percent`` on each of the last ``days``."""
    means = daily_means(samples, now=now, days=days)
    known = [mean for mean in means if mean is not None]
    if not known or len(known) < days or min(known) < threshold_percent:
        return None
    numbers = {"days": days, "lowest_daily_mean": math.floor(min(known)),
               "threshold": threshold_percent}  # fmt: skip
    return Finding(RuleCode.HUMIDITY_HIGH_WEEK, numbers)
