"""Stored device data lives only as long as its share allows: purged at retention's end, and at
once when sharing ends. Every purge is audited (what and how much, never the values)."""

from __future__ import annotations

from collections import defaultdict

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
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


async def purge_expired_device_data(*, uow: UnitOfWork, limit: int = PURGE_BATCH) -> int:
    """Delete stored values past their retention, latest ones and history (the worker's hourly
    round, a batch of each); how many."""
    async with uow:
        repo = uow.repo(TwinRepository)
        by_chain: dict[tuple[str, str], int] = defaultdict(int)
        purged = 0
        for model in (ReportedProperty, PropertyHistory):
            rows = await repo.expired(model, clock.now(), limit)
            for _, shopper_id, partner_id in rows:
                by_chain[(shopper_id, partner_id)] += 1
            purged += await repo.delete_rows(model, [row[0] for row in rows])
        for (shopper_id, partner_id), count in sorted(by_chain.items()):
            await audit.append_audit_entry(
                uow, shopper_id=shopper_id, partner_id=partner_id, kind="purge",
                actor="system", detail={"reason": "retention", "values": count},
            )  # fmt: skip
        await uow.commit()
    return purged
