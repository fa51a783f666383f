"""The shopper's device-sharing choices, and the rules every data path checks them with (pure).

A grant is a set of shares, one per device and data type: a sharing mode, the purposes the
platform may use the data for, how long it may keep it, and until when the share lasts. Modes
are levels, each allowing what the ones below allow:

- ``report_on_command``: state only in the answer to the shopper's own command, and only the
  properties that command affected;
- ``query_current``: the platform may also ask for the current state;
- ``stream_changes``: the maker also pushes every significant change. Streaming pauses 90 days
  after the shopper last confirmed it, until they confirm again (the grant stays).

``product_development`` is never a purpose the platform may hold (EU Data Act art. 6(2)(e): no
use of the data to build a competing product). Device health (connectivity) travels with any
share of its device. Grants are exchanged as RFC 9396 ``authorization_details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from functools import cached_property

STREAM_CONFIRMATION_PERIOD = timedelta(days=90)
STREAM_REMINDER_BEFORE = timedelta(days=7)
DETAIL_TYPE = "handshake_device_sharing"
MAX_RETENTION_DAYS = 365


class SharingMode(IntEnum):
    """How much a share lets through; a higher mode allows everything a lower one does."""

    REPORT_ON_COMMAND = 1
    QUERY_CURRENT = 2
    STREAM_CHANGES = 3

    @property
    def label(self) -> str:
        """The mode's name in grants and messages."""
        return self.name.lower()

    @classmethod
    def named(cls, label: str) -> SharingMode:
        """The mode called ``label`` (``report_on_command``…); ValueError otherwise."""
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"unknown sharing mode {label!r}") from None


class Purpose(StrEnum):
    """What the platform may use shared data for."""

    SERVICE_OPERATION = "service_operation"
    RECOMMENDATIONS = "recommendations"
    PRODUCT_DEVELOPMENT = "product_development"


OFFERED_PURPOSES = frozenset({Purpose.SERVICE_OPERATION, Purpose.RECOMMENDATIONS})


class DataType(StrEnum):
    """Kinds of device state a shopper can share, each mapped to Alexa-shaped properties."""

    TEMPERATURE = "temperature"
    SETPOINT = "setpoint"
    MODE = "mode"
    HUMIDITY = "humidity"
    LOCK_STATE = "lock_state"
    BATTERY = "battery"
    OCCUPANCY = "occupancy"


# (namespace, property name) of each data type in Alexa-shaped messages.
PROPERTIES: Mapping[DataType, frozenset[tuple[str, str]]] = {
    DataType.TEMPERATURE: frozenset({("Alexa.TemperatureSensor", "temperature")}),
    DataType.SETPOINT: frozenset(
        {
            ("Alexa.ThermostatController", "targetSetpoint"),
            ("Alexa.ThermostatController", "lowerSetpoint"),
            ("Alexa.ThermostatController", "upperSetpoint"),
        }
    ),
    DataType.MODE: frozenset({("Alexa.ThermostatController", "thermostatMode")}),
    DataType.HUMIDITY: frozenset({("Alexa.HumiditySensor", "relativeHumidity")}),
    DataType.LOCK_STATE: frozenset({("Alexa.LockController", "lockState")}),
    DataType.BATTERY: frozenset({("Alexa.EndpointHealth", "battery")}),
    DataType.OCCUPANCY: frozenset({("Alexa.MotionSensor", "detectionState")}),
}
DEVICE_HEALTH = ("Alexa.EndpointHealth", "connectivity")
_TYPE_OF_PROPERTY = {prop: kind for kind, props in PROPERTIES.items() for prop in props}


def data_type_of(namespace: str, name: str) -> DataType | None:
    """The data type an Alexa-shaped property belongs to (None: unknown, never shared)."""
    return _TYPE_OF_PROPERTY.get((namespace, name))


class ConsentError(ValueError):
    """A grant or amendment that breaks a rule (bad purpose, retention, expiry…)."""


@dataclass(frozen=True, order=True)
class Share:
    """One device's data type, shared in one mode for some purposes, kept so long, until when."""

    device_id: str
    data_type: DataType
    mode: SharingMode
    purposes: frozenset[Purpose] = field(compare=False)
    retention_days: int = field(compare=False)
    expires_at: datetime = field(compare=False)
    # When streaming was last confirmed (streaming pauses STREAM_CONFIRMATION_PERIOD later).
    stream_confirmed_at: datetime | None = field(default=None, compare=False)

    def check(self, now: datetime) -> None:
        """Raise :class:`ConsentError` when the share breaks a rule."""
        if not self.device_id or len(self.device_id) > 256:
            raise ConsentError("A share names one device (1 to 256 characters).")
        if not self.purposes:
            raise ConsentError(
                f"Choose at least one purpose for {self.data_type} of {self.device_id}."
            )
        if not self.purposes <= OFFERED_PURPOSES:
            raise ConsentError("Device data is never shared for product development.")
        if not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ConsentError(f"Keep data from 0 to {MAX_RETENTION_DAYS} days.")
        if self.expires_at <= now:
            raise ConsentError("A share must end in the future.")
        if self.stream_confirmed_at is not None and self.stream_confirmed_at > now:
            raise ConsentError("Streaming cannot be confirmed ahead of time.")

    def streaming_until(self) -> datetime | None:
        """When streaming pauses (None: this share does not stream)."""
        if self.mode < SharingMode.STREAM_CHANGES or self.stream_confirmed_at is None:
            return None
        return min(self.expires_at, self.stream_confirmed_at + STREAM_CONFIRMATION_PERIOD)

    def allows(self, mode: SharingMode, now: datetime) -> bool:
        """Whether the share lets data through in ``mode`` at ``now``."""
        if now >= self.expires_at or mode > self.mode:
            return False
        if mode == SharingMode.STREAM_CHANGES:
            until = self.streaming_until()
            return until is not None and now < until
        return True


@dataclass(frozen=True)
class DeviceGrant:
    """Every share a shopper gave one device maker, and whether the grant is still in force."""

    shares: tuple[Share, ...]
    revoked: bool = False
    # In force since (None: not stored yet); stored values received before are not its data.
    since: datetime | None = None

    def share(self, device_id: str, data_type: DataType) -> Share | None:
        """The share of one data type of one device, if any."""
        return self._by_key.get((device_id, data_type))

    def devices(self) -> frozenset[str]:
        """Devices with at least one share."""
        return self._devices

    def streaming_until(self) -> datetime | None:
        """When the first streaming share pauses (None: nothing streams)."""
        ends = [until for s in self.shares if (until := s.streaming_until()) is not None]
        return min(ends, default=None)

    # Built once per grant: the enforcer asks these for every property of every report.
    @cached_property
    def _by_key(self) -> dict[tuple[str, DataType], Share]:
        return {(s.device_id, s.data_type): s for s in self.shares}

    @cached_property
    def _devices(self) -> frozenset[str]:
        return frozenset(s.device_id for s in self.shares)


def new_grant(shares: Iterable[Share], *, now: datetime, check: bool = True) -> DeviceGrant:
    """A grant of ``shares``, one per device and data type, each checked unless ``check`` is
    False (a stored grant read back, whose shares may have expired since)."""
    ordered = tuple(sorted(shares))
    keys = [(s.device_id, s.data_type) for s in ordered]
    if len(set(keys)) != len(keys):
        raise ConsentError("Give each data type of a device once.")
    for share in ordered if check else ():
        share.check(now)
    if not check:  # stored as it was confirmed: never restart a streaming period on reading
        return DeviceGrant(ordered)
    confirmed = tuple(
        replace(s, stream_confirmed_at=s.stream_confirmed_at or now)
        if s.mode == SharingMode.STREAM_CHANGES
        else replace(s, stream_confirmed_at=None)
        for s in ordered
    )
    return DeviceGrant(confirmed)
