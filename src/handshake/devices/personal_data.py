"""The shopper's device data in their export (GDPR art. 15/20) and in their erasure (art. 17).

Export: every grant with its details, the devices discovered, what is stored on the twin and in
its history (as long as it is kept), and the audit log in plain words. Erasure: every grant ends
as a revocation would (makers told, stored data purged) and the device list is forgotten; the
hash-chained audit log stays — it is the record of what was consented to and disclosed, and now
names only an erased account's id.
"""

from __future__ import annotations

from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices.audit_log import read_audit_log
from handshake.devices.grants import revoke_device_grant
from handshake.devices.models import GrantStatus
from handshake.devices.repository import (
    DeviceEndpointRepository,
    DeviceGrantRepository,
    TwinRepository,
)
from handshake.kernel import clock
from handshake.linking.policy import LinkingPolicy


def _value_row(row: Any) -> dict[str, Any]:
    return {
        "device_id": row.device_id, "namespace": row.namespace, "name": row.name,
        "value": row.value, "time_of_sample": clock.iso_z(row.time_of_sample), "cause": row.cause,
    }  # fmt: skip


async def export_device_data(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """One entry per device maker the shopper shared with."""
    async with uow:
        grants = await uow.repo(DeviceGrantRepository).grants_of_shopper(shopper_id)
    sections = []
    for grant in grants:
        partner_id = grant.partner_id
        async with uow:
            devices = await uow.repo(DeviceEndpointRepository).of(shopper_id, partner_id)
            history = await uow.repo(TwinRepository).history_of(shopper_id, partner_id)
        log = await read_audit_log(uow=uow, shopper_id=shopper_id, partner_id=partner_id,
                                   limit=10_000)  # fmt: skip
        sections.append({
            "partner_id": partner_id, "grant_id": grant.id, "status": grant.status,
            "version": grant.version, "authorization_details": grant.details,
            "devices": [{"device_id": d.device_id, "name": d.friendly_name,
                         "category": d.category} for d in devices],
            "stored_values": [_value_row(row) for row in history],
            "audit_log": [{"at": clock.iso_z(line.at), "text": line.text, "hash": line.hash}
                          for line in log.lines],
        })  # fmt: skip
    return sections


async def erase_device_data(*, uow: UnitOfWork, policy: LinkingPolicy, shopper_id: str) -> None:
    """End every grant (makers told, data purged) and forget the devices (caller's transaction)."""
    async with uow:
        grants = await uow.repo(DeviceGrantRepository).grants_of_shopper(shopper_id)
        for grant in grants:
            if grant.status == GrantStatus.ACTIVE:
                await revoke_device_grant(
                    uow=uow, policy=policy, shopper_id=shopper_id, partner_id=grant.partner_id,
                    actor="system",
                )  # fmt: skip
            await uow.repo(TwinRepository).purge_of(shopper_id, grant.partner_id)
        await uow.repo(DeviceEndpointRepository).forget(shopper_id)
        await uow.commit()
