"""Shared helpers of the device-consent tests: a fixed clock, shares, Alexa-shaped properties."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any

from handshake.devices.consent import DataType, DeviceGrant, Purpose, Share, SharingMode

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
SERVICE = frozenset({Purpose.SERVICE_OPERATION})
BOTH = frozenset({Purpose.SERVICE_OPERATION, Purpose.RECOMMENDATIONS})

# One Alexa-shaped (namespace, name) per data type, and device health.
ALEXA = {
    DataType.TEMPERATURE: ("Alexa.TemperatureSensor", "temperature"),
    DataType.SETPOINT: ("Alexa.ThermostatController", "targetSetpoint"),
    DataType.MODE: ("Alexa.ThermostatController", "thermostatMode"),
    DataType.HUMIDITY: ("Alexa.HumiditySensor", "relativeHumidity"),
    DataType.LOCK_STATE: ("Alexa.LockController", "lockState"),
    DataType.BATTERY: ("Alexa.EndpointHealth", "battery"),
    DataType.OCCUPANCY: ("Alexa.MotionSensor", "detectionState"),
}
HEALTH = ("Alexa.EndpointHealth", "connectivity")


def share(
    kind: DataType = DataType.TEMPERATURE,
    mode: SharingMode = SharingMode.QUERY_CURRENT,
    *,
    device: str = "thermostat-1",
    purposes: frozenset[Purpose] = SERVICE,
    retention: int = 30,
    expires: datetime = LATER,
    confirmed: datetime | None = None,
) -> Share:
    """A share with sensible defaults."""
    return Share(device, kind, mode, purposes, retention, expires, confirmed)


def prop(namespace: str, name: str, value: Any = 1) -> dict[str, Any]:
    """An Alexa-shaped property object (reference §1.5)."""
    return {
        "namespace": namespace,
        "name": name,
        "value": value,
        "timeOfSample": "2030-06-01T12:00:00.00Z",
        "uncertaintyInMilliseconds": 0,
    }


def of(kind: DataType, value: Any = 1) -> dict[str, Any]:
    """The property object of one data type."""
    return prop(*ALEXA[kind], value)


def health() -> dict[str, Any]:
    """The device-health (connectivity) property object."""
    return prop(*HEALTH, {"value": "OK"})


def every_field(grant: DeviceGrant) -> tuple[Any, ...]:
    """A grant with every field of every share (Share's ``==`` ignores most of them)."""
    return (grant.revoked, tuple(astuple(s) for s in grant.shares))
