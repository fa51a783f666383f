"""Every query of devices."""

from __future__ import annotations

from sqlalchemy import select

from handshake.db.uow import Repository
from handshake.devices.models import GENESIS_HASH, AuditChain, AuditEntry, DeviceGrantRecord
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

    async def chain_of(self, shopper_id: str, partner_id: str) -> AuditChain | None:
        """The chain of a shopper and maker, if any."""
        statement = select(AuditChain).where(
            AuditChain.shopper_id == shopper_id, AuditChain.partner_id == partner_id
        )
        return (await self.session.scalars(statement)).first()

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
