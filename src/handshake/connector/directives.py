"""Answers the platform's directives for the maker, enforcing the grant on the maker's side.

Commands go to the device (``Devices.command``) only when the grant lets commands reach it, and
the answer discloses only what the command affected, plus connectivity. ``ReportState`` is
answered from the last state heard, limited to the data types shared in ``query_current``.
``Discover`` lists every device of the account; the grant sets only the capability flags. A value
in a device's reply that does not fit its data type is left out of the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handshake.connector.accounts import AccountStore, Device
from handshake.connector.grants import GrantCache, GrantUnavailable
from handshake.connector.messages import (
    answer,
    discover_response,
    discovery_endpoints,
    error_response,
    property_objects,
)
from handshake.connector.state import CONNECTIVITY, Sample, fits
from handshake.devices.consent import DataType, DeviceGrant, SharingMode
from handshake.devices.enforcement import admit_report, command_allowed, refused_query
from handshake.kernel import clock

MAX_COMMAND_SECONDS = 7.0  # the platform waits 8 s for the whole answer
THERMOSTAT, LOCK = "Alexa.ThermostatController", "Alexa.LockController"
# What each command affects, and the kind of device it is for.
COMMANDS: Mapping[tuple[str, str], tuple[DataType, str]] = {
    (THERMOSTAT, "SetTargetTemperature"): (DataType.SETPOINT, "thermostat"),
    (THERMOSTAT, "AdjustTargetTemperature"): (DataType.SETPOINT, "thermostat"),
    (THERMOSTAT, "SetThermostatMode"): (DataType.MODE, "thermostat"),
    (LOCK, "Lock"): (DataType.LOCK_STATE, "lock"),
    (LOCK, "Unlock"): (DataType.LOCK_STATE, "lock"),
}
# Error types a device may answer with; anything else becomes ENDPOINT_UNREACHABLE.
DEVICE_ERRORS = frozenset({
    "ENDPOINT_UNREACHABLE", "ENDPOINT_BUSY", "ENDPOINT_LOW_POWER", "HARDWARE_MALFUNCTION",
    "INVALID_VALUE", "VALUE_OUT_OF_RANGE", "TEMPERATURE_VALUE_OUT_OF_RANGE",
    "NOT_SUPPORTED_IN_CURRENT_MODE", "INTERNAL_ERROR", "INVALID_DIRECTIVE",
})  # fmt: skip


@dataclass(frozen=True)
class CommandReply:
    """A device's reply to a command: ok with its new properties, or an error type."""

    ok: bool
    properties: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class DeviceUnreachable(Exception):
    """The command could not be handed to the device (broker away)."""


class Devices(Protocol):
    """The device fleet as directives need it (MQTT in production, a fake in tests)."""

    async def command(
        self, device_id: str, name: str, payload: dict[str, Any], within: float
    ) -> CommandReply:
        """Send a command and wait ``within`` s for its reply (TimeoutError, DeviceUnreachable)."""
        ...

    def state(self, device_id: str) -> Mapping[str, Sample]:
        """The last state heard from the device (empty: nothing heard yet)."""
        ...


class Refusal(Exception):
    """A directive answered with an ErrorResponse of ``error_type``."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type, self.message = error_type, message


@dataclass(frozen=True)
class _Directive:
    namespace: str
    name: str
    correlation_token: str | None
    endpoint_id: str | None
    subject: str | None
    payload: dict[str, Any]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_directive(document: Any) -> _Directive:
    """The directive's routing fields; :class:`Refusal` when it is not one."""
    directive = _dict(_dict(document).get("directive"))
    head, endpoint = _dict(directive.get("header")), _dict(directive.get("endpoint"))
    payload = _dict(directive.get("payload"))
    namespace, name = head.get("namespace"), head.get("name")
    if not isinstance(namespace, str) or not isinstance(name, str):
        raise Refusal("INVALID_DIRECTIVE", "The directive lacks header.namespace/name.")
    scope = _dict(endpoint.get("scope")) or _dict(payload.get("scope"))
    token, endpoint_id = head.get("correlationToken"), endpoint.get("endpointId")
    return _Directive(
        namespace, name, token if isinstance(token, str) else None,
        endpoint_id if isinstance(endpoint_id, str) else None,
        scope.get("subject") if isinstance(scope.get("subject"), str) else None, payload,
    )  # fmt: skip


class DirectiveHandler:
    """Turns a verified directive into the Alexa event that answers it."""

    def __init__(
        self, *, store: AccountStore, grants: GrantCache, devices: Devices, maker: str,
        timeout: float = MAX_COMMAND_SECONDS, now: Callable[[], datetime] = clock.now,
    ) -> None:  # fmt: skip
        self._store, self._grants, self._devices, self._maker = store, grants, devices, maker
        self._timeout, self._now = min(timeout, MAX_COMMAND_SECONDS), now

    async def handle(self, document: Any) -> dict[str, Any]:
        """The answer to ``document`` (an ErrorResponse when it cannot be carried out)."""
        directive: _Directive | None = None
        try:
            directive = parse_directive(document)
            return await self._dispatch(directive)
        except Refusal as refusal:
            return error_response(
                None if directive is None else directive.endpoint_id, refusal.error_type,
                refusal.message,
                correlation_token=None if directive is None else directive.correlation_token,
            )  # fmt: skip

    async def _dispatch(self, d: _Directive) -> dict[str, Any]:
        if (d.namespace, d.name) == ("Alexa.Discovery", "Discover"):
            return await self._discover(d)
        if (d.namespace, d.name) == ("Alexa", "ReportState"):
            return await self._report_state(d)
        if (d.namespace, d.name) in COMMANDS:
            return await self._command(d)
        raise Refusal("INVALID_DIRECTIVE", f"{d.namespace}.{d.name} is not supported.")

    def _account_devices(self, subject: str | None) -> list[Device]:
        account = None if subject is None else self._store.get(subject)
        if account is None or account.relink_needed:
            raise Refusal("INVALID_AUTHORIZATION_CREDENTIAL", "No linked account for this subject.")
        return account.devices

    async def _grant(self, subject: str) -> DeviceGrant:
        try:
            return await self._grants.grant(subject)
        except GrantUnavailable:
            raise Refusal("INTERNAL_ERROR", "The shopper's grant cannot be read now.") from None

    async def _resolve(self, d: _Directive) -> tuple[Device, DeviceGrant]:
        devices = self._account_devices(d.subject)
        device = next((x for x in devices if x.device_id == d.endpoint_id), None)
        if device is None or d.subject is None:
            raise Refusal("NO_SUCH_ENDPOINT", f"No device {d.endpoint_id!r} for this shopper.")
        return device, await self._grant(d.subject)

    async def _discover(self, d: _Directive) -> dict[str, Any]:
        devices = self._account_devices(d.subject)
        assert d.subject is not None  # _account_devices refused a missing subject
        grant = await self._grant(d.subject)
        return discover_response(discovery_endpoints(devices, grant, self._maker, self._now()))

    async def _report_state(self, d: _Directive) -> dict[str, Any]:
        device, grant = await self._resolve(d)
        now = self._now()
        refused = refused_query(grant, device.device_id, device.data_types, now)
        allowed = [t.value for t in device.data_types if t not in refused]
        if not allowed:
            raise Refusal("INSUFFICIENT_PERMISSIONS", "The shopper does not share current state.")
        state = self._devices.state(device.device_id)
        if not state:
            raise Refusal("ENDPOINT_UNREACHABLE", "Nothing heard from the device yet.")
        samples = {k: state[k] for k in [*allowed, CONNECTIVITY] if k in state}
        kept = admit_report(
            grant, device.device_id, property_objects(samples, now),
            mode=SharingMode.QUERY_CURRENT, now=now,
        ).kept  # fmt: skip
        return answer("StateReport", device.device_id, kept, correlation_token=d.correlation_token)

    async def _command(self, d: _Directive) -> dict[str, Any]:
        device, grant = await self._resolve(d)
        affected, kind = COMMANDS[(d.namespace, d.name)]
        if device.kind != kind:
            raise Refusal("INVALID_DIRECTIVE", f"{d.name} does not apply to a {device.kind}.")
        if not command_allowed(grant, device.device_id, self._now()):
            raise Refusal("INSUFFICIENT_PERMISSIONS", "The shopper does not share this device.")
        reply = await self._send(device.device_id, d.name, d.payload)
        now = self._now()
        heard = {k: Sample(v, now) for k, v in reply.properties.items() if fits(k, v)}
        # The device just answered: it is reachable whatever older state said.
        samples = {**self._devices.state(device.device_id), CONNECTIVITY: Sample("OK", now)}
        samples.update(heard)
        wanted = {k: samples[k] for k in (affected.value, CONNECTIVITY) if k in samples}
        kept = admit_report(
            grant, device.device_id, property_objects(wanted, now),
            mode=SharingMode.REPORT_ON_COMMAND, now=now, affected=[affected],
        ).kept  # fmt: skip
        return answer("Response", device.device_id, kept, correlation_token=d.correlation_token)

    async def _send(self, device_id: str, name: str, payload: dict[str, Any]) -> CommandReply:
        try:
            reply = await self._devices.command(device_id, name, payload, self._timeout)
        except (TimeoutError, DeviceUnreachable):
            raise Refusal("ENDPOINT_UNREACHABLE", "The device did not answer in time.") from None
        if not reply.ok:
            error = reply.error if reply.error in DEVICE_ERRORS else "ENDPOINT_UNREACHABLE"
            raise Refusal(str(error), f"The device refused {name}.")
        return reply
