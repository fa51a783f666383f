"""Discovery: which devices the shopper has at a maker, and what each can share.

The maker describes the shopper's devices (``Alexa.Discovery`` ``AddOrUpdateReport`` on the event
gateway, re-sent after every grant change, or a ``Discover.Response`` when the platform asks).
The platform keeps the device list — it is what the shopper chooses from on the consent page —
and checks each capability's ``retrievable`` / ``proactivelyReported`` flags against the grant:
a flag promising more than the shopper allowed is reported back and audited, and never trusted
(the enforcer alone decides what passes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import DataType, DeviceGrant, SharingMode, data_type_of
from handshake.devices.errors import GatewayRequestInvalid
from handshake.devices.grants import enforceable_grant
from handshake.devices.models import DeviceEndpoint
from handshake.devices.repository import DeviceEndpointRepository
from handshake.kernel import clock
from handshake.kernel.ids import new_id

MAX_ENDPOINTS = 300  # Alexa's limit per discovery event (REQUEST_ENTITY_TOO_LARGE beyond)


@dataclass(frozen=True)
class Capability:
    """One data type a device can share, and how the maker flags it."""

    data_type: DataType
    retrievable: bool
    proactively_reported: bool


@dataclass(frozen=True)
class DiscoveredDevice:
    """A device as discovery describes it."""

    device_id: str
    friendly_name: str
    category: str
    capabilities: tuple[Capability, ...]


@dataclass(frozen=True)
class DiscoveryResult:
    """Devices stored or removed, and flags that promised more than the grant allows."""

    stored: int
    removed: int
    inconsistent: tuple[dict[str, Any], ...]


def _text(value: Any, limit: int, fallback: str) -> str:
    return value[:limit] if isinstance(value, str) and value else fallback


def _capabilities(raw: Any) -> tuple[Capability, ...]:
    found: dict[DataType, Capability] = {}
    for capability in raw if isinstance(raw, list) else []:
        props = capability.get("properties") if isinstance(capability, dict) else None
        if not isinstance(props, dict):
            continue
        interface = str(capability.get("interface"))
        listed = props.get("supported")
        for supported in listed if isinstance(listed, list) else []:
            if not isinstance(supported, dict):
                continue
            kind = data_type_of(interface, str(supported.get("name")))
            if kind is not None:
                found[kind] = Capability(
                    kind, props.get("retrievable") is True, props.get("proactivelyReported") is True
                )
    return tuple(found[k] for k in sorted(found))


def parse_endpoints(raw: Any) -> list[DiscoveredDevice]:
    """The devices of a discovery payload's ``endpoints``; :class:`GatewayRequestInvalid`."""
    if not isinstance(raw, list) or len(raw) > MAX_ENDPOINTS:
        raise GatewayRequestInvalid(f"endpoints must be a list of at most {MAX_ENDPOINTS}.")
    devices = []
    for endpoint in raw:
        device_id = endpoint.get("endpointId") if isinstance(endpoint, dict) else None
        if not isinstance(device_id, str) or not 1 <= len(device_id) <= 256:
            raise GatewayRequestInvalid("Each endpoint needs an endpointId (1 to 256 characters).")
        categories = endpoint.get("displayCategories") or ["OTHER"]
        devices.append(DiscoveredDevice(
            device_id, _text(endpoint.get("friendlyName"), 128, device_id),
            _text(categories[0] if isinstance(categories, list) else None, 40, "OTHER"),
            _capabilities(endpoint.get("capabilities")),
        ))  # fmt: skip
    return devices


def inconsistencies(grant: DeviceGrant, devices: list[DiscoveredDevice]) -> list[dict[str, Any]]:
    """Flags promising more than the grant allows now (retrievable / proactivelyReported)."""
    now, found = clock.now(), []
    for device in devices:
        for capability in device.capabilities:
            share = grant.share(device.device_id, capability.data_type)
            may_query = share is not None and share.allows(SharingMode.QUERY_CURRENT, now)
            may_stream = share is not None and share.allows(SharingMode.STREAM_CHANGES, now)
            flags = {
                "retrievable": capability.retrievable and not may_query,
                "proactivelyReported": capability.proactively_reported and not may_stream,
            }
            for flag in (name for name, wrong in flags.items() if wrong):
                found.append({"device_id": device.device_id,
                              "data_type": capability.data_type.value, "flag": flag})  # fmt: skip
    return found


async def record_discovery(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, devices: list[DiscoveredDevice],
    removed: list[str] = [],  # noqa: B006 - never mutated
) -> DiscoveryResult:  # fmt: skip
    """Store the discovered devices, forget removed ones, audit flags beyond the grant.

    Devices are described while the link lives, with or without a grant: the shopper chooses
    what to share among them (a first grant, or again after ending one).
    """
    now = clock.now()
    async with uow:
        await audit.lock_chain(uow, shopper_id, partner_id)  # the order every writer follows
        grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
        wrong = inconsistencies(grant, devices)
        repo = uow.repo(DeviceEndpointRepository)
        for device in devices:
            await repo.upsert(DeviceEndpoint(
                id=new_id("dep"), shopper_id=shopper_id, partner_id=partner_id,
                device_id=device.device_id, friendly_name=device.friendly_name,
                category=device.category,
                data_types=[c.data_type.value for c in device.capabilities], discovered_at=now,
            ))  # fmt: skip
        gone = await repo.remove(shopper_id, partner_id, removed) if removed else 0
        await audit.append_audit_entry(
            uow, shopper_id=shopper_id, partner_id=partner_id, kind="discovery", actor="maker",
            detail={"devices": len(devices), "removed": gone, "inconsistent": wrong},
        )  # fmt: skip
        await uow.commit()
    return DiscoveryResult(len(devices), gone, tuple(wrong))


async def list_devices(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str
) -> list[DeviceEndpoint]:
    """The shopper's devices at the maker, as last discovered."""
    async with uow:
        return await uow.repo(DeviceEndpointRepository).of(shopper_id, partner_id)


def is_discovery_event(body: Any) -> bool:
    """Whether a gateway event is a discovery report (not a ChangeReport)."""
    event = body.get("event") if isinstance(body, dict) else None
    header = event.get("header") if isinstance(event, dict) else None
    return isinstance(header, dict) and header.get("namespace") == "Alexa.Discovery"


async def ingest_discovery_event(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, body: Any
) -> DiscoveryResult:
    """An ``AddOrUpdateReport`` or ``DeleteReport`` from the maker, recorded."""
    header, payload = body["event"]["header"], body["event"].get("payload")
    if header.get("payloadVersion") != "3" or not isinstance(payload, dict):
        raise GatewayRequestInvalid("Discovery events need payloadVersion 3 and a payload.")
    if header.get("name") == "AddOrUpdateReport":
        devices = parse_endpoints(payload.get("endpoints"))
        return await record_discovery(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id, devices=devices
        )
    if header.get("name") == "DeleteReport":
        gone = [d.device_id for d in parse_endpoints(payload.get("endpoints"))]
        return await record_discovery(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id, devices=[], removed=gone
        )
    raise GatewayRequestInvalid("Discovery events are AddOrUpdateReport or DeleteReport.")
