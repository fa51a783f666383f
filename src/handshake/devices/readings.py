"""Platform code reading stored device data: always for a declared purpose, always audited.

A read names the purpose it serves; it fails, before touching the data, when any data type it
asks for is not shared for that purpose (or no longer shared at all). Reads and refusals both
go to the audit log with the purpose, data types and how many values were read.
"""

from __future__ import annotations

from collections.abc import Iterable

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import DataType, Purpose
from handshake.devices.enforcement import read_allowed
from handshake.devices.errors import PurposeNotGranted
from handshake.devices.grants import enforceable_grant
from handshake.devices.models import ReportedProperty
from handshake.devices.repository import TwinRepository
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
    grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    now = clock.now()
    refused = [k for k in wanted if not read_allowed(grant, device_id, k, purpose, now)]
    detail: dict[str, object] = {
        "device": device_id, "purpose": purpose.value, "data_types": [k.value for k in wanted],
    }  # fmt: skip
    if refused or not wanted:
        await _audit(uow, shopper_id, partner_id, "read_refused", detail)
        raise PurposeNotGranted(
            f"The shopper does not share these data for {purpose.value}.",
            extra={"refused": [k.value for k in refused]},
        )
    async with uow:
        found = await uow.repo(TwinRepository).reported(
            shopper_id, partner_id, device_id, [k.value for k in wanted], kept_after=now
        )
    await _audit(uow, shopper_id, partner_id, "read", {**detail, "values": len(found)})
    return found
