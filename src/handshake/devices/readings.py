"""Platform code reading stored device data: always for a declared purpose, always audited.

A read names the purpose it serves; it fails, before touching the data, when any data type it
asks for is not shared for that purpose (or no longer shared at all). Reads and refusals both
go to the audit log with the purpose, data types and how many values were read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import PROPERTIES, DataType, DeviceGrant, Purpose
from handshake.devices.enforcement import read_allowed
from handshake.devices.errors import PurposeNotGranted
from handshake.devices.grants import enforceable_grant
from handshake.devices.models import DesiredProperty, PropertyHistory, ReportedProperty
from handshake.devices.repository import DeviceGrantRepository, TwinRepository
from handshake.kernel import clock


async def _audit(
    uow: UnitOfWork, shopper_id: str, partner_id: str, kind: str, detail: dict[str, object]
) -> None:
    async with uow:
        await audit.append_audit_entry(
            uow, shopper_id=shopper_id, partner_id=partner_id, kind=kind, actor="platform",
            detail=detail,
        )  # fmt: skip
        await uow.commit()


async def _permitted(
    uow: UnitOfWork, shopper_id: str, partner_id: str, device_id: str, purpose: Purpose,
    wanted: list[DataType], detail: dict[str, object],
) -> DeviceGrant:  # fmt: skip
    """The grant, if it lets every wanted data type be read for ``purpose``; else the refusal
    is audited and :class:`PurposeNotGranted` raised, before any data is touched."""
    grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    now = clock.now()
    refused = [k for k in wanted if not read_allowed(grant, device_id, k, purpose, now)]
    if refused or not wanted:
        await _audit(uow, shopper_id, partner_id, "read_refused", detail)
        raise PurposeNotGranted(
            f"The shopper does not share these data for {purpose.value}.",
            extra={"refused": [k.value for k in refused]},
        )
    return grant


async def read_device_state(
    *,
    uow: UnitOfWork,
    shopper_id: str,
    partner_id: str,
    device_id: str,
    purpose: Purpose,
    data_types: Iterable[DataType],
) -> list[ReportedProperty]:
    """The stored values of these data types of one device, if the grant allows ``purpose``."""
    wanted = sorted(set(data_types))
    detail: dict[str, object] = {
        "device": device_id, "purpose": purpose.value, "data_types": [k.value for k in wanted],
    }  # fmt: skip
    grant = await _permitted(uow, shopper_id, partner_id, device_id, purpose, wanted, detail)
    now = clock.now()
    async with uow:
        found = await uow.repo(TwinRepository).reported(
            shopper_id,
            partner_id,
            device_id,
            [k.value for k in wanted],
            kept_after=now,
            received_after=grant.since,
        )
    await _audit(uow, shopper_id, partner_id, "read", {**detail, "values": len(found)})
    return found


@dataclass(frozen=True)
class TwinView:
    """Both sides of a device's twin, as far as the grant lets them be read."""

    desired: list[DesiredProperty]
    reported: list[ReportedProperty]
    read_at: datetime


async def read_twin(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, device_id: str
) -> TwinView:
    """The device's twin for the shopper's own view (purpose ``service_operation``): only the
    data types shared for it; audited as a read."""
    grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    now, purpose = clock.now(), Purpose.SERVICE_OPERATION
    shared = sorted(
        s.data_type for s in grant.shares
        if s.device_id == device_id and read_allowed(grant, device_id, s.data_type, purpose, now)
    )  # fmt: skip
    async with uow:
        repo = uow.repo(TwinRepository)
        reported = await repo.reported(
            shopper_id,
            partner_id,
            device_id,
            [k.value for k in shared],
            kept_after=now,
            received_after=grant.since,
        )
        desired = await repo.desired(shopper_id, partner_id, device_id) if shared else []
    names = {name for k in shared for _, name in PROPERTIES[k]}
    since = grant.since
    desired = [r for r in desired if r.name in names and (since is None or r.requested_at >= since)]
    detail: dict[str, object] = {"device": device_id, "purpose": purpose.value,
              "data_types": [k.value for k in shared], "values": len(reported)}  # fmt: skip
    await _audit(uow, shopper_id, partner_id, "read", detail)
    return TwinView(desired, reported, now)


async def read_device_history(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, device_id: str, purpose: Purpose,
    data_types: Iterable[DataType], since: datetime, limit: int = 10_000,
) -> list[PropertyHistory]:  # fmt: skip
    """Past values of these data types since ``since``, oldest first, if the grant allows
    ``purpose`` for every one of them (:class:`PurposeNotGranted` otherwise); audited."""
    wanted = sorted(set(data_types))
    detail: dict[str, object] = {
        "device": device_id, "purpose": purpose.value, "data_types": [k.value for k in wanted],
        "history_since": clock.iso_z(since),
    }  # fmt: skip
    grant = await _permitted(uow, shopper_id, partner_id, device_id, purpose, wanted, detail)
    now = clock.now()
    async with uow:
        found = await uow.repo(TwinRepository).history(
            shopper_id, partner_id, device_id, [k.value for k in wanted],
            since=since, kept_after=now, limit=limit, received_after=grant.since,
        )  # fmt: skip
    await _audit(uow, shopper_id, partner_id, "read", {**detail, "values": len(found)})
    return found


@dataclass(frozen=True)
class ConsentedSignal:
    """One device data type a shopper shares with a maker for a purpose, in force now."""

    partner_id: str
    grant_id: str
    grant_version: int
    device_id: str
    data_type: DataType


async def consented_signals(
    *, uow: UnitOfWork, shopper_id: str, purpose: Purpose
) -> list[ConsentedSignal]:
    """Every device data type the shopper shares for ``purpose`` through a live link."""
    async with uow:
        records = await uow.repo(DeviceGrantRepository).grants_of_shopper(shopper_id)
    now, found = clock.now(), []
    for record in records:
        grant = await enforceable_grant(
            uow=uow, shopper_id=shopper_id, partner_id=record.partner_id
        )
        for share in grant.shares:
            if read_allowed(grant, share.device_id, share.data_type, purpose, now):
                found.append(ConsentedSignal(
                    record.partner_id, record.id, record.version, share.device_id,
                    share.data_type,
                ))  # fmt: skip
    return found
