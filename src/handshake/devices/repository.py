"""Every query of devices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from handshake.db.uow import Repository
from handshake.devices.models import (
    GENESIS_HASH,
    AuditChain,
    AuditEntry,
    DeviceGrantRecord,
    ReportedProperty,
)
from handshake.kernel.ids import new_id


class AuditRepository(Repository):
    """Audit chains and their entries."""

    async def chain_for_update(self, shopper_id: str, partner_id: str) -> AuditChain | None:
        """The chain of a shopper and maker, row-locked until the transaction ends."""
        statement = (
            select(AuditChain)
            .where(AuditChain.shopper_id == shopper_id, AuditChain.partner_id == partner_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def ensure_chain(self, shopper_id: str, partner_id: str) -> None:
        """Create the chain of a shopper and maker unless it exists (concurrent-safe)."""
        statement = (
            self.conflict_insert(AuditChain)
            .values(
                id=new_id("dac"),
                shopper_id=shopper_id,
                partner_id=partner_id,
                length=0,
                head_hash=GENESIS_HASH,
            )
            .on_conflict_do_nothing(index_elements=["shopper_id", "partner_id"])
        )
        await self.session.execute(statement)

    async def chains(self, *, partner_id: str | None = None) -> list[AuditChain]:
        """Every chain (of one maker when given), by id."""
        statement = select(AuditChain).order_by(AuditChain.id)
        if partner_id is not None:
            statement = statement.where(AuditChain.partner_id == partner_id)
        return list((await self.session.scalars(statement)).all())

    async def entries(
        self, chain_id: str, *, after_seq: int = 0, limit: int = 1000
    ) -> list[AuditEntry]:
        """Entries of a chain in order, after ``after_seq``."""
        statement = (
            select(AuditEntry)
            .where(AuditEntry.chain_id == chain_id, AuditEntry.seq > after_seq)
            .order_by(AuditEntry.seq)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())


class DeviceGrantRepository(Repository):
    """Device grants."""

    async def grant_of(self, shopper_id: str, partner_id: str) -> DeviceGrantRecord | None:
        """The shopper's grant to the maker, if any."""
        statement = select(DeviceGrantRecord).where(
            DeviceGrantRecord.shopper_id == shopper_id, DeviceGrantRecord.partner_id == partner_id
        )
        return (await self.session.scalars(statement)).first()

    async def grant_for_update(self, shopper_id: str, partner_id: str) -> DeviceGrantRecord | None:
        """The shopper's grant to the maker, row-locked until the transaction ends."""
        statement = (
            select(DeviceGrantRecord)
            .where(
                DeviceGrantRecord.shopper_id == shopper_id,
                DeviceGrantRecord.partner_id == partner_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()


TWIN_KEY = ("shopper_id", "partner_id", "device_id", "namespace", "name")


class TwinRepository(Repository):
    """The device twin's reported properties."""

    async def upsert(self, row: ReportedProperty) -> None:
        """Store a property's latest value (replacing the one before, if any)."""
        values = {c.key: getattr(row, c.key) for c in ReportedProperty.__table__.columns}
        changing = {k: v for k, v in values.items() if k not in ("id", *TWIN_KEY)}
        statement = (
            self.conflict_insert(ReportedProperty)
            .values(**values)
            .on_conflict_do_update(index_elements=list(TWIN_KEY), set_=changing)
        )
        await self.session.execute(statement)

    async def reported(
        self,
        shopper_id: str,
        partner_id: str,
        device_id: str,
        data_types: Sequence[str],
        *,
        kept_after: datetime,
    ) -> list[ReportedProperty]:
        """Stored values of these data types of one device still within their retention."""
        statement = (
            select(ReportedProperty)
            .where(
                ReportedProperty.shopper_id == shopper_id,
                ReportedProperty.partner_id == partner_id,
                ReportedProperty.device_id == device_id,
                ReportedProperty.data_type.in_(data_types),
                ReportedProperty.keep_until > kept_after,
            )
            .order_by(ReportedProperty.namespace, ReportedProperty.name)
        )
        return list((await self.session.scalars(statement)).all())

    async def purge_of(self, shopper_id: str, partner_id: str) -> int:
        """Delete everything stored of the shopper's devices with this maker; how many rows."""
        result = await self.session.execute(
            delete(ReportedProperty).where(
                ReportedProperty.shopper_id == shopper_id,
                ReportedProperty.partner_id == partner_id,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def expired(self, now: datetime, limit: int) -> list[ReportedProperty]:
        """Stored values past their retention, oldest first."""
        statement = (
            select(ReportedProperty)
            .where(ReportedProperty.keep_until <= now)
            .order_by(ReportedProperty.keep_until, ReportedProperty.id)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def delete_rows(self, ids: list[str]) -> int:
        """Delete these stored values; how many."""
        result = await self.session.execute(
            delete(ReportedProperty).where(ReportedProperty.id.in_(ids))
        )
        return int(getattr(result, "rowcount", 0) or 0)
