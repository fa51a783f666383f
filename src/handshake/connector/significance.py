"""Which state changes are worth reporting, and merging a device's changes in a window (pure).

Numeric data types report a change of at least their threshold (temperature and setpoint
0.5 °C, humidity and battery 1 point) measured from the value last reported, so a slow drift
is reported once it adds up; every other property (mode, lock state, occupancy, connectivity)
reports any change. A device's changes within ``window`` seconds of its first unreported one
go out as one report holding the latest value of each property.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handshake.connector.state import Sample

DEFAULT_THRESHOLDS: Mapping[str, float] = {
    "temperature": 0.5, "setpoint": 0.5, "humidity": 1.0, "battery": 1.0,
}  # fmt: skip
# Floats such as 20.6 - 20.1 fall a hair short of 0.5: they still count as half a degree.
_EPSILON = 1e-9


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def significant(key: str, before: Any, after: Any, thresholds: Mapping[str, float]) -> bool:
    """Whether ``after`` differs enough from ``before`` (None: never reported) to report."""
    if before is None:
        return after is not None
    threshold = thresholds.get(key)
    old, new = _number(before), _number(after)
    if threshold is None or old is None or new is None:
        return bool(before != after)
    return abs(new - old) >= threshold - _EPSILON


@dataclass
class SignificanceFilter:
    """Keeps the last reported value per device and property; lets through what moved enough."""

    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    _reported: dict[str, dict[str, Any]] = field(default_factory=dict)

    def changes(self, device_id: str, samples: Mapping[str, Sample]) -> dict[str, Sample]:
        """The significant samples of an observation, now the baseline of later ones."""
        reported = self._reported.setdefault(device_id, {})
        moved = {
            key: sample
            for key, sample in samples.items()
            if significant(key, reported.get(key), sample.value, self.thresholds)
        }
        reported.update({key: sample.value for key, sample in moved.items()})
        return moved


@dataclass(frozen=True)
class Coalesced:
    """One device's merged changes: the latest sample per property and the latest cause."""

    device_id: str
    changed: dict[str, Sample]
    cause: str


@dataclass
class _Window:
    opened_at: float
    changed: dict[str, Sample]
    cause: str


@dataclass
class Coalescer:
    """Merges each device's changes over ``window`` seconds (times are monotonic seconds)."""

    window: float = 1.0
    _open: dict[str, _Window] = field(default_factory=dict)

    def add(self, device_id: str, changed: Mapping[str, Sample], cause: str, now: float) -> None:
        """Add significant changes; a newer value of a property replaces the older one."""
        if not changed:
            return
        current = self._open.get(device_id)
        if current is None:
            self._open[device_id] = _Window(now, dict(changed), cause)
            return
        current.changed.update(changed)
        current.cause = cause

    def due(self, now: float) -> list[Coalesced]:
        """Every window that has closed by ``now``, oldest first, removed from the coalescer."""
        closed = [d for d, w in self._open.items() if now - w.opened_at >= self.window]
        done = [self._open.pop(d) for d in closed]
        return [Coalesced(d, w.changed, w.cause) for d, w in zip(closed, done, strict=True)]

    def next_due(self) -> float | None:
        """When the oldest open window closes (None: nothing waiting)."""
        if not self._open:
            return None
        return min(w.opened_at for w in self._open.values()) + self.window

    def pending(self) -> int:
        """Devices with changes waiting."""
        return len(self._open)
