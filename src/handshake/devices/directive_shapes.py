"""The directives the platform sends a maker, and the answers it reads back (pure).

Shapes follow the Alexa Smart Home API (payloadVersion 3). Each command names the one data type
it affects: the maker's answer may carry that data type and device health, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handshake.devices.consent import DataType
from handshake.devices.errors import MakerUnreachable, UnknownDirective

THERMOSTAT, LOCK = "Alexa.ThermostatController", "Alexa.LockController"
SCALES = frozenset({"CELSIUS", "FAHRENHEIT", "KELVIN"})
MODES = frozenset({"HEAT", "COOL", "AUTO", "ECO", "OFF"})
# What each command affects, and the property whose desired value it sets (None: relative).
COMMANDS: dict[tuple[str, str], tuple[DataType, str | None]] = {
    (THERMOSTAT, "SetTargetTemperature"): (DataType.SETPOINT, "targetSetpoint"),
    (THERMOSTAT, "AdjustTargetTemperature"): (DataType.SETPOINT, None),
    (THERMOSTAT, "SetThermostatMode"): (DataType.MODE, "thermostatMode"),
    (LOCK, "Lock"): (DataType.LOCK_STATE, "lockState"),
    (LOCK, "Unlock"): (DataType.LOCK_STATE, "lockState"),
}


@dataclass(frozen=True)
class Command:
    """A checked command: what it is, what it affects, and the value it asks for."""

    namespace: str
    name: str
    payload: dict[str, Any]
    affects: DataType
    desired: tuple[str, Any] | None  # (property name, value) when the command is absolute


def _temperature(value: Any, field: str) -> dict[str, Any]:
    number = value.get("value") if isinstance(value, dict) else None
    scale = value.get("scale") if isinstance(value, dict) else None
    if isinstance(number, bool) or not isinstance(number, int | float) or scale not in SCALES:
        raise UnknownDirective(f"{field} must be {{value: number, scale: CELSIUS|FAHRENHEIT}}.")
    if not -100 <= number <= 400:
        raise UnknownDirective(f"{field} is out of any thermostat's range.")
    return {"value": number, "scale": scale}


def _payload(name: str, payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    if name == "SetTargetTemperature":
        setpoint = _temperature(payload.get("targetSetpoint"), "targetSetpoint")
        return {"targetSetpoint": setpoint}, setpoint
    if name == "AdjustTargetTemperature":
        delta = _temperature(payload.get("targetSetpointDelta"), "targetSetpointDelta")
        return {"targetSetpointDelta": delta}, None
    if name == "SetThermostatMode":
        mode = payload.get("thermostatMode")
        value = mode.get("value") if isinstance(mode, dict) else None
        if value not in MODES:
            raise UnknownDirective(f"thermostatMode.value must be one of {sorted(MODES)}.")
        return {"thermostatMode": {"value": value}}, value
    return {}, "LOCKED" if name == "Lock" else "UNLOCKED"


def command_of(namespace: str, name: str, payload: Any) -> Command:
    """The checked command; :class:`UnknownDirective` for anything the platform does not send."""
    known = COMMANDS.get((namespace, name))
    if known is None:
        raise UnknownDirective(
            f"{namespace}.{name} is not a directive handshake sends.",
            extra={"known": sorted(f"{n}.{m}" for n, m in COMMANDS)},
        )
    affects, prop = known
    clean, value = _payload(name, payload if isinstance(payload, dict) else {})
    desired = None if prop is None or value is None else (prop, value)
    return Command(namespace, name, clean, affects, desired)


def directive(
    namespace: str, name: str, *, message_id: str, subject: str, device_id: str | None,
    payload: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """An Alexa directive naming the shopper by the link's subject."""
    scope = {"type": "LinkSubject", "subject": subject}
    header = {
        "namespace": namespace, "name": name, "messageId": message_id,
        "correlationToken": message_id, "payloadVersion": "3",
    }  # fmt: skip
    if device_id is None:  # discovery: the scope travels in the payload
        return {"directive": {"header": header, "payload": {**payload, "scope": scope}}}
    endpoint = {"endpointId": device_id, "cookie": {}, "scope": scope}
    return {"directive": {"header": header, "endpoint": endpoint, "payload": payload}}


@dataclass(frozen=True)
class Answer:
    """A maker's answer: its name, the context properties, the payload."""

    name: str
    properties: tuple[dict[str, Any], ...]
    payload: dict[str, Any]


def read_answer(answer: dict[str, Any], *, message_id: str, expected: str) -> Answer:
    """The answer's event (``expected`` name or ErrorResponse); :class:`MakerUnreachable` when
    it is not a well-formed answer to this directive."""
    event = answer.get("event")
    header = event.get("header") if isinstance(event, dict) else None
    if not isinstance(event, dict) or not isinstance(header, dict):
        raise MakerUnreachable("The maker's answer is not an Alexa event.")
    name = header.get("name")
    if name not in (expected, "ErrorResponse"):
        raise MakerUnreachable(f"The maker answered {name!r}, not {expected}.")
    token = header.get("correlationToken")
    if token is not None and token != message_id:
        raise MakerUnreachable("The maker's answer is for another directive.")
    context = answer.get("context")
    props = context.get("properties", []) if isinstance(context, dict) else []
    if not isinstance(props, list) or not all(isinstance(p, dict) for p in props):
        raise MakerUnreachable("The answer's context.properties must be a list of objects.")
    payload = event.get("payload")
    return Answer(str(name), tuple(props), payload if isinstance(payload, dict) else {})
