"""Shared helpers of the device-consent tests: a fixed clock, shares, Alexa-shaped properties."""

from __future__ import annotations

import itertools
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices.consent import DataType, DeviceGrant, Purpose, Share, SharingMode
from handshake.devices.models import AuditChain, AuditEntry
from tests.accounts_helpers import ShopperLogin, signed_in_shopper
from tests.linking_helpers import PartnerApp, browser, link_tokens, register_app
from tests.offers_helpers import shopper_browser

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


# --- a shopper linked to a device maker, over HTTP ---

EXPIRES = "2030-01-01T00:00:00Z"
_emails = itertools.count(1)


@dataclass
class LinkedMaker:
    """A shopper linked to a device maker, and the maker's access token."""

    login: ShopperLogin
    maker: PartnerApp
    token: str

    @property
    def path(self) -> str:
        """The shopper's sharing resource for this maker."""
        return f"/api/v1/me/device-sharing/{self.maker.partner_id}"


async def linked_maker(app: object, container: Container, scope: str) -> LinkedMaker:
    """A new shopper linked to a new device maker with ``scope``."""
    async with browser(app) as http:
        login = await signed_in_shopper(
            http, container, email=f"devices{next(_emails)}@example.com"
        )
        maker = await register_app(container, kind="device_maker")
        tokens = await link_tokens(http, maker, scope=scope)
    return LinkedMaker(login, maker, tokens["access_token"])


def detail(mode: str, *kinds: str, device: str = "thermo-1", **extra: Any) -> dict[str, Any]:
    """One authorization detail."""
    return {
        "type": "handshake_device_sharing", "identifier": device, "datatypes": list(kinds),
        "actions": [mode], "purposes": ["service_operation"], "retention_days": 30,
        "expires_at": EXPIRES, **extra,
    }  # fmt: skip


async def put(
    app: object, container: Container, linked: LinkedMaker, *details: Any
) -> httpx.Response:
    """The shopper PUTs their sharing choices."""
    async with shopper_browser(app, container, linked.login) as http:
        return await http.put(
            linked.path, json={"authorization_details": list(details)},
            headers={"X-CSRF-Token": linked.login.csrf_token},
        )  # fmt: skip


class _AuditRows(Repository):
    async def kinds(self, shopper_id: str, partner_id: str) -> list[tuple[str, dict[str, Any]]]:
        statement = (
            select(AuditEntry.kind, AuditEntry.detail)
            .join(AuditChain, AuditChain.id == AuditEntry.chain_id)
            .where(AuditChain.shopper_id == shopper_id, AuditChain.partner_id == partner_id)
            .order_by(AuditEntry.seq)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]


async def audit_entries(
    container: Container, linked: LinkedMaker
) -> list[tuple[str, dict[str, Any]]]:
    """(kind, detail) of the shopper's audit chain with the maker, in order."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(_AuditRows).kinds(linked.login.shopper_id, linked.maker.partner_id)


async def audit_kinds(container: Container, linked: LinkedMaker) -> list[str]:
    """The kinds of the shopper's audit entries with the maker, in order."""
    return [kind for kind, _ in await audit_entries(container, linked)]
