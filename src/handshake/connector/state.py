"""What devices say on their MQTT state topic, as samples the connector keeps (pure).

A state message is ``{"properties": {"temperature": 21.5, …}, "cause": "physical", "at": "…"}``:
keys are data types plus ``connectivity``; ``at`` is when the device measured them. A value that
does not fit its data type (``"warm"`` for a temperature, ``"MAYBE"`` for a lock) is dropped, and
an unreadable or absurd ``at`` (before 2000, or beyond what a UTC time can hold) counts as now.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handshake.devices.consent import DataType
from handshake.devices.sample_times import parse_sample_time


def decode_payload(payload: Any) -> Any:
    """The JSON document of an MQTT payload (None when it is not JSON)."""
    if isinstance(payload, bytes | bytearray):
        payload = payload.decode("utf-8", errors="replace")
    try:
        return json.loads(payload) if isinstance(payload, str) else None
    except ValueError:
        return None


CONNECTIVITY = "connectivity"
KEYS = frozenset({*(kind.value for kind in DataType), CONNECTIVITY})
CAUSES = frozenset({"physical", "app", "voice", "rule", "poll"})
THERMOSTAT_MODES = ("HEAT", "COOL", "AUTO", "ECO", "OFF")
# No clock of a connected device is right before 2000 (the platform's rule too).
NUMBERS = frozenset({"temperature", "setpoint", "humidity", "battery"})
CELSIUS_LIKE = frozenset({"temperature", "setpoint"})  # Alexa shape: {"value", "scale"}
SCALES = frozenset({"CELSIUS", "FAHRENHEIT", "KELVIN"})
# The words each non-numeric key accepts (any case); occupancy and connectivity take booleans.
WORDS: Mapping[str, frozenset[str]] = {
    "mode": frozenset(THERMOSTAT_MODES),
    "lock_state": frozenset({"LOCKED", "UNLOCKED", "JAMMED"}),
    "occupancy": frozenset({"DETECTED", "NOT_DETECTED"}),
    CONNECTIVITY: frozenset({"OK", "UNREACHABLE"}),
}
FLAGS = frozenset({"occupancy", CONNECTIVITY})


@dataclass(frozen=True)
class Sample:
    """One property's value and when the device measured it."""

    value: Any
    at: datetime


@dataclass(frozen=True)
class StateMessage:
    """A parsed state message: known properties only, with their cause."""

    samples: dict[str, Sample]
    cause: str
    unfit: tuple[str, ...] = field(default=())  # known keys dropped: value of the wrong type


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


def _word(value: Any, words: frozenset[str]) -> bool:
    return isinstance(value, str) and value in words  # a list or dict is no word (nor hashable)


def _alexa_shaped(key: str, value: dict[str, Any]) -> bool:
    if key in CELSIUS_LIKE:  # {"value": 21.5, "scale": "CELSIUS"}
        scaled = value.keys() == {"value", "scale"} and _word(value["scale"], SCALES)
        return scaled and _finite(value["value"])
    if value.keys() != {"value"}:
        return False
    if key in NUMBERS:  # {"value": 45}
        return _finite(value["value"])
    return key == CONNECTIVITY and _word(value["value"], WORDS[CONNECTIVITY])  # {"value": "OK"}


def fits(key: str, value: Any) -> bool:
    """Whether ``value`` fits the data type of ``key`` (plain, or already in its Alexa shape)."""
    if isinstance(value, dict):  # sent on as is: exactly Alexa's shape, nothing more
        return _alexa_shaped(key, value)
    if key in NUMBERS:
        return _finite(value)
    if isinstance(value, bool):
        return key in FLAGS
    return isinstance(value, str) and value.upper() in WORDS.get(key, frozenset())


def parse_state(document: Any, now: datetime) -> StateMessage | None:
    """The state message in ``document`` (None when it is not one); unknown keys are ignored,
    values that do not fit their data type dropped."""
    if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
        return None
    at = parse_sample_time(document.get("at"), now)
    # A device clock ahead of ours would report from the future: clamp to now.
    at = min(at, now)
    cause = str(document.get("cause", "physical"))
    props: Mapping[str, Any] = document["properties"]
    known = {k: v for k, v in props.items() if k in KEYS and v is not None}
    samples = {k: Sample(v, at) for k, v in known.items() if fits(k, v)}
    unfit = tuple(k for k in known if k not in samples)
    return StateMessage(samples, cause if cause in CAUSES else "physical", unfit)


class StateBook:
    """The last state heard from each device, property by property."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Sample]] = {}

    def get(self, device_id: str) -> dict[str, Sample]:
        """A copy of the device's last known state (empty: nothing heard yet)."""
        return dict(self._states.get(device_id, {}))

    def update(self, device_id: str, samples: Mapping[str, Sample]) -> dict[str, Sample]:
        """Record samples not older than what is known; the ones recorded."""
        known = self._states.setdefault(device_id, {})
        # A late message must not overwrite a newer measurement.
        fresh = {k: s for k, s in samples.items() if k not in known or s.at >= known[k].at}
        known.update(fresh)
        return fresh
