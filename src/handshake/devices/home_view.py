"""The shopper's home page at a maker: each discovered device, its twin as the grant lets the
shopper's own view read it, and whether commands may reach it; and the page's command forms
turned into Alexa directives (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices.discovery import list_devices
from handshake.devices.enforcement import command_allowed
from handshake.devices.errors import UnknownDirective
from handshake.devices.grants import enforceable_grant
from handshake.devices.models import DeviceEndpoint
from handshake.devices.readings import TwinView, read_twin
from handshake.kernel import clock
from handshake.partners import service as partners

THERMOSTAT, LOCK = "Alexa.ThermostatController", "Alexa.LockController"
COMMAND_NAMES = ("SetTargetTemperature", "Lock", "Unlock")


@dataclass(frozen=True)
class HomeDevice:
    """A device, its twin (only shared data types) and whether commands may reach it."""

    device: DeviceEndpoint
    twin: TwinView
    commands_allowed: bool

    @property
    def is_thermostat(self) -> bool:
        """Whether the device takes a target temperature."""
        return "setpoint" in self.device.data_types

    @property
    def is_lock(self) -> bool:
        """Whether the device locks and unlocks."""
        return "lock_state" in self.device.data_types


@dataclass(frozen=True)
class HomeOverview:
    """The maker and the shopper's devices there."""

    partner_id: str
    partner_name: str
    devices: list[HomeDevice]


async def home_overview(*, uow: UnitOfWork, shopper_id: str, partner_id: str) -> HomeOverview:
    """What the home page shows (each twin read is audited as the shopper's own view)."""
    partner = await partners.get_partner(uow=uow, partner_id=partner_id)
    endpoints = await list_devices(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    now, devices = clock.now(), []
    for endpoint in endpoints:
        twin = await read_twin(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id, device_id=endpoint.device_id
        )
        devices.append(HomeDevice(endpoint, twin, command_allowed(grant, endpoint.device_id, now)))
    return HomeOverview(partner.id, partner.name, devices)


def command_from_form(form: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """``(namespace, name, payload)`` of the page's command form."""
    name = str(form.get("name") or "")
    if name in {"Lock", "Unlock"}:
        return LOCK, name, {}
    if name == "SetTargetTemperature":
        try:
            target = float(str(form.get("target") or "").replace(",", "."))
        except ValueError:
            raise UnknownDirective("Give the target temperature as a number.") from None
        return THERMOSTAT, name, {"targetSetpoint": {"value": target, "scale": "CELSIUS"}}
    raise UnknownDirective(f"Unknown command {name!r}.")
