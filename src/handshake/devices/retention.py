"""Stored device data lives only as long as its share allows: purged at retention's end, and at
once when sharing ends. Every purge is audited (what and how much, never the values)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import PROPERTIES, DataType, DeviceGrant
from handshake.devices.models import PropertyHistory, ReportedProperty
from handshake.devices.repository import TwinRepository
from handshake.kernel import clock

PURGE_BATCH = 1000


async def purge_sharing_data(
    uow: UnitOfWork, *, shopper_id: str, partner_id: str, reason: str
) -> int:
    """Delete all stored data of the shopper's devices with the maker (caller's transaction)."""
    async with uow:
        purged = await uow.repo(TwinRepository).purge_of(shopper_id, partner_id)
        await audit.append_audit_entry(
            uow, shopper_id=shopper_id, partner_id=partner_id, kind="purge", actor="system",
            detail={"reason": reason, "values": purged},
        )  # fmt: skip
        await uow.commit()
    return purged


async def purge_removed_shares(
    uow: UnitOfWork, *, shopper_id: str, partner_id: str, grant: DeviceGrant,
    removed: list[tuple[str, DataType]],
) -> int:  # fmt: skip
    """Delete what was stored under shares the shopper just removed, and the health of devices
    no longer shared at all (caller's transaction, audited); how many values."""
    if not removed:
        return 0
    still_shared = grant.devices()
    gone_devices = sorted({d for d, _ in removed} - still_shared)
    async with uow:
        purged = await uow.repo(TwinRepository).purge_shares(
            shopper_id, partner_id, [(d, k.value, sorted(n for _, n in PROPERTIES[k]))
                                     for d, k in removed], gone_devices,
        )  # fmt: skip
        await audit.append_audit_entry(
            uow, shopper_id=shopper_id, partner_id=partner_id, kind="purge", actor="system",
            detail={"reason": "share_removed", "values": purged},
        )  # fmt: skip
    return purged


async def purge_expired_device_data(*, uow: UnitOfWork, limit: int = PURGE_BATCH) -> int:
    """Delete stored values past their retention, latest ones and history (the worker's hourly
    round, a batch of each); how many.

    One transaction per chain, the chain's lock first (the order every writer of device data
    follows, and never two chains at once), then only rows still past their retention: a value
    refreshed meanwhile stays.
    """
    now, purged = clock.now(), 0
    by_chain: dict[tuple[str, str], dict[Any, list[str]]] = defaultdict(lambda: defaultdict(list))
    async with uow:
        repo = uow.repo(TwinRepository)
        for model in (ReportedProperty, PropertyHistory):
            for row_id, shopper_id, partner_id in await repo.expired(model, now, limit):
                by_chain[(shopper_id, partner_id)][model].append(row_id)
    for (shopper_id, partner_id), rows in sorted(by_chain.items()):
        async with uow:
            await audit.lock_chain(uow, shopper_id, partner_id)
            repo, count = uow.repo(TwinRepository), 0
            for model, ids in rows.items():
                count += await repo.delete_rows(model, ids, expired_at=now)
            await audit.append_audit_entry(
                uow, shopper_id=shopper_id, partner_id=partner_id, kind="purge",
                actor="system", detail={"reason": "retention", "values": count},
            )  # fmt: skip
            await uow.commit()
        purged += count
    return purged
