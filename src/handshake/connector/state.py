"""What devices say on their MQTT state topic, as samples the connector keeps (pure).

A state message is ``{"properties": {"temperature": 21.5, …}, "cause": "physical", "at": "…"}``:
keys are data types plus ``connectivity``; ``at`` is when the device measured them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handshake.devices.consent import DataType

CONNECTIVITY = "connectivity"
KEYS = frozenset({*(kind.value for kind in DataType), CONNECTIVITY})
CAUSES = frozenset({"physical", "app", "voice", "rule", "poll"})


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


def parse_time(text: Any, default: datetime) -> datetime:
    """An ISO 8601 time as aware UTC; ``default`` when missing or unreadable."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return default
    if moment.tzinfo is None:  # devices without a zone are taken to speak UTC
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_state(document: Any, now: datetime) -> StateMessage | None:
    """The state message in ``document`` (None when it is not one); unknown keys are ignored."""
    if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
        return None
    at = parse_time(document.get("at"), now)
    # A device clock ahead of ours would report from the future: clamp to now.
    at = min(at, now)
    cause = str(document.get("cause", "physical"))
    props: Mapping[str, Any] = document["properties"]
    samples = {k: Sample(v, at) for k, v in props.items() if k in KEYS and v is not None}
    return StateMessage(samples, cause if cause in CAUSES else "physical")


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
