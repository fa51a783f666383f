"""Alexa-shaped messages from the connector's view of its devices (pure).

State keys (data types plus ``connectivity``) map to Alexa properties as in
docs/device-makers.md. Change reports put the changed properties in ``payload.change`` and the
unchanged ones in ``context``, never both. Discovery describes every device of the account with
every property its kind has (the platform's consent page lists them for the shopper to choose
from); the grant decides only ``retrievable`` / ``proactivelyReported``, promised only where every
listed property honours it. Only devices gone from the account are deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from handshake.connector.accounts import Device
from handshake.connector.state import CONNECTIVITY, Sample
from handshake.connector.state import THERMOSTAT_MODES as MODES
from handshake.devices.consent import DataType, DeviceGrant, SharingMode
from handshake.kernel import clock

PAYLOAD_VERSION = "3"
MAX_ENDPOINTS = 300  # Alexa's limit per discovery event
# State key → (namespace, name), in the order properties are listed.
ALEXA: Mapping[str, tuple[str, str]] = {
    "temperature": ("Alexa.TemperatureSensor", "temperature"),
    "setpoint": ("Alexa.ThermostatController", "targetSetpoint"),
    "mode": ("Alexa.ThermostatController", "thermostatMode"),
    "humidity": ("Alexa.HumiditySensor", "relativeHumidity"),
    "lock_state": ("Alexa.LockController", "lockState"),
    "occupancy": ("Alexa.MotionSensor", "detectionState"),
    "battery": ("Alexa.EndpointHealth", "battery"),
    CONNECTIVITY: ("Alexa.EndpointHealth", "connectivity"),
}
KEY_OF: Mapping[tuple[str, str], str] = {alexa: key for key, alexa in ALEXA.items()}
CAUSE_TYPES: Mapping[str, str] = {
    "physical": "PHYSICAL_INTERACTION", "app": "APP_INTERACTION", "voice": "VOICE_INTERACTION",
    "rule": "RULE_TRIGGER", "poll": "PERIODIC_POLL",
}  # fmt: skip
DISPLAY_CATEGORIES: Mapping[str, list[str]] = {
    "thermostat": ["THERMOSTAT", "TEMPERATURE_SENSOR"],
    "sensor": ["MOTION_SENSOR"],
    "lock": ["SMARTLOCK"],
}
THERMOSTAT_MODES = list(MODES)


def alexa_value(key: str, value: Any) -> Any:
    """A state value in its Alexa shape (``21.5`` → ``{"value": 21.5, "scale": "CELSIUS"}``)."""
    if isinstance(value, dict):  # the device already speaks Alexa
        return value
    if key in {"temperature", "setpoint"}:
        return {"value": float(value), "scale": "CELSIUS"}
    if key in {"humidity", "battery"}:
        return {"value": value}
    if key == "occupancy" and isinstance(value, bool):
        return "DETECTED" if value else "NOT_DETECTED"
    if key == CONNECTIVITY:
        if isinstance(value, bool):
            return {"value": "OK" if value else "UNREACHABLE"}
        return {"value": str(value).upper()}
    return str(value).upper()


def property_object(key: str, sample: Sample, now: datetime) -> dict[str, Any]:
    """One Alexa property; its uncertainty is how long ago the device measured it."""
    namespace, name = ALEXA[key]
    age_ms = int((now - sample.at).total_seconds() * 1000)
    return {
        "namespace": namespace, "name": name, "value": alexa_value(key, sample.value),
        "timeOfSample": clock.iso_z(sample.at), "uncertaintyInMilliseconds": max(age_ms, 0),
    }  # fmt: skip


def property_objects(samples: Mapping[str, Sample], now: datetime) -> list[dict[str, Any]]:
    """The known samples as Alexa properties, in a stable order."""
    return [property_object(k, samples[k], now) for k in ALEXA if k in samples]


def key_of(prop: Mapping[str, Any]) -> str | None:
    """The state key of an Alexa property (None: not one the connector knows)."""
    return KEY_OF.get((str(prop.get("namespace")), str(prop.get("name"))))


def header(
    namespace: str, name: str, *, correlation_token: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An event header (a new message id unless given)."""
    head = {"namespace": namespace, "name": name, "payloadVersion": PAYLOAD_VERSION,
            "messageId": message_id or str(uuid.uuid4())}  # fmt: skip
    if correlation_token is not None:
        head["correlationToken"] = correlation_token
    return head


def change_report(
    device_id: str, changed: Sequence[dict[str, Any]], unchanged: Sequence[dict[str, Any]],
    cause: str, *, message_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A ChangeReport; a property among the changed ones is left out of the context."""
    changed_keys = {(p["namespace"], p["name"]) for p in changed}
    context = [p for p in unchanged if (p["namespace"], p["name"]) not in changed_keys]
    return {
        "event": {
            "header": header("Alexa", "ChangeReport", message_id=message_id),
            "endpoint": {"endpointId": device_id},
            "payload": {
                "change": {
                    "cause": {"type": CAUSE_TYPES.get(cause, "PHYSICAL_INTERACTION")},
                    "properties": list(changed),
                }
            },
        },
        "context": {"properties": context},
    }


def answer(
    name: str, endpoint_id: str, properties: Sequence[dict[str, Any]], *,
    correlation_token: str | None, message_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A directive's answer (``Response`` or ``StateReport``) carrying ``properties``."""
    head = header("Alexa", name, correlation_token=correlation_token, message_id=message_id)
    return {
        "event": {"header": head, "endpoint": {"endpointId": endpoint_id}, "payload": {}},
        "context": {"properties": list(properties)},
    }


def error_response(
    endpoint_id: str | None, error_type: str, message: str, *,
    correlation_token: str | None, message_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An ``Alexa.ErrorResponse`` (``ENDPOINT_UNREACHABLE``, ``NO_SUCH_ENDPOINT``…)."""
    head = header("Alexa", "ErrorResponse", correlation_token=correlation_token,
                  message_id=message_id)  # fmt: skip
    event: dict[str, Any] = {"header": head, "payload": {"type": error_type, "message": message}}
    if endpoint_id is not None:
        event["endpoint"] = {"endpointId": endpoint_id}
    return {"event": event}


def _allowed(
    grant: DeviceGrant, device_id: str, key: str, mode: SharingMode, now: datetime
) -> bool:
    if grant.revoked:
        return False
    if key == CONNECTIVITY:  # device health travels with any share of the device
        return any(s.allows(mode, now) for s in grant.shares if s.device_id == device_id)
    share = grant.share(device_id, DataType(key))
    return share is not None and share.allows(mode, now)


def device_keys(device: Device) -> list[str]:
    """Every state key the device's kind has, connectivity included, in the listing order."""
    keys = {t.value for t in device.data_types} | {CONNECTIVITY}
    return [k for k in ALEXA if k in keys]


def _capability(
    namespace: str, keys: list[str], grant: DeviceGrant, device_id: str, now: datetime
) -> dict[str, Any]:
    # Alexa flags are per interface: promise one only if every listed property honours it.
    def every(mode: SharingMode) -> bool:
        """Whether each of the interface's listed properties is shared in ``mode``."""
        return all(_allowed(grant, device_id, k, mode, now) for k in keys)

    capability: dict[str, Any] = {
        "type": "AlexaInterface", "interface": namespace, "version": PAYLOAD_VERSION,
        "properties": {
            "supported": [{"name": ALEXA[k][1]} for k in keys],
            "retrievable": every(SharingMode.QUERY_CURRENT),
            "proactivelyReported": every(SharingMode.STREAM_CHANGES),
        },
    }  # fmt: skip
    if "mode" in keys:
        capability["configuration"] = {"supportedModes": [{"value": m} for m in THERMOSTAT_MODES]}
    return capability


def discovery_endpoint(
    device: Device, grant: DeviceGrant, maker: str, now: datetime
) -> dict[str, Any]:
    """The device as a discovery endpoint: all its properties, flagged as the grant allows."""
    by_interface: dict[str, list[str]] = {}
    for key in device_keys(device):
        by_interface.setdefault(ALEXA[key][0], []).append(key)
    capabilities = [{"type": "AlexaInterface", "interface": "Alexa", "version": PAYLOAD_VERSION}]
    capabilities += [
        _capability(ns, ks, grant, device.device_id, now) for ns, ks in by_interface.items()
    ]
    return {
        "endpointId": device.device_id, "manufacturerName": maker,
        "friendlyName": device.name or device.device_id,
        "description": f"{maker} {device.kind}",
        "displayCategories": DISPLAY_CATEGORIES[device.kind], "capabilities": capabilities,
    }  # fmt: skip


def discovery_endpoints(
    devices: Iterable[Device], grant: DeviceGrant, maker: str, now: datetime
) -> list[dict[str, Any]]:
    """Endpoints of every device, shared or not, in the given order."""
    return [discovery_endpoint(d, grant, maker, now) for d in devices]


def _chunks(items: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def discovery_events(
    devices: Sequence[Device], grant: DeviceGrant, maker: str, now: datetime, *,
    removed: Iterable[str] = (), limit: int = MAX_ENDPOINTS,
) -> list[dict[str, Any]]:  # fmt: skip
    """``AddOrUpdateReport`` for every device and ``DeleteReport`` for the ``removed`` ones (gone
    from the account; never for a device the grant does not share), each at most ``limit``
    endpoints."""
    present = {d.device_id for d in devices}
    gone = [{"endpointId": d} for d in dict.fromkeys(removed) if d not in present]
    endpoints = discovery_endpoints(devices, grant, maker, now)
    return [
        {"event": {"header": header("Alexa.Discovery", name), "payload": {"endpoints": chunk}}}
        for name, items in (("AddOrUpdateReport", endpoints), ("DeleteReport", gone))
        for chunk in _chunks(items, limit)
    ]


def discover_response(endpoints: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The answer to a ``Discover`` directive."""
    return {
        "event": {
            "header": header("Alexa.Discovery", "Discover.Response"),
            "payload": {"endpoints": list(endpoints[:MAX_ENDPOINTS])},
        }
    }
