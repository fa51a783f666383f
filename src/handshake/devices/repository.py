"""Every query of devices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, delete, func, insert, select, true, update

from handshake.db.uow import Repository
from handshake.devices.models import (
    GENESIS_HASH,
    AuditChain,
    AuditEntry,
    ConsentReceipt,
    DesiredProperty,
    DeviceEndpoint,
    DeviceGrantRecord,
    GrantStatus,
    MakerEndpoint,
    PropertyHistory,
    ReportedProperty,
)
from handshake.kernel.ids import new_id


def _locked(statement: Select[Any]) -> Select[Any]:
    """``statement`` locking its rows, with the session's copies refreshed from them."""
    return statement.with_for_update().execution_options(populate_existing=True)


class AuditRepository(Repository):
    """Audit chains and their entries."""

    async def chain_of(
        self, shopper_id: str, partner_id: str, *, lock: bool = False
    ) -> AuditChain | None:
        """The chain of a shopper and maker (row-locked until the transaction ends if ``lock``)."""
        statement = select(AuditChain).where(
            AuditChain.shopper_id == shopper_id, AuditChain.partner_id == partner_id
        )
        return (await self.session.scalars(_locked(statement) if lock else statement)).first()

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

    async def recent_of_partner(
        self, partner_id: str, *, limit: int
    ) -> list[tuple[str, AuditEntry]]:
        """(shopper id, entry) of a maker's chains, newest first."""
        statement = (
            select(AuditChain.shopper_id, AuditEntry)
            .join(AuditChain, AuditChain.id == AuditEntry.chain_id)
            .where(AuditChain.partner_id == partner_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]

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

    async def grant_of(
        self, shopper_id: str, partner_id: str, *, lock: bool = False
    ) -> DeviceGrantRecord | None:
        """The shopper's grant to the maker, if any (row-locked until the transaction ends if
        ``lock``)."""
        statement = select(DeviceGrantRecord).where(
            DeviceGrantRecord.shopper_id == shopper_id, DeviceGrantRecord.partner_id == partner_id
        )
        return (await self.session.scalars(_locked(statement) if lock else statement)).first()

    async def grants_of_shopper(self, shopper_id: str) -> list[DeviceGrantRecord]:
        """Every grant of a shopper (all makers), by maker."""
        statement = (
            select(DeviceGrantRecord)
            .where(DeviceGrantRecord.shopper_id == shopper_id)
            .order_by(DeviceGrantRecord.partner_id)
        )
        return list((await self.session.scalars(statement)).all())

    async def active_grant_keys(self, *, after: str, limit: int) -> list[tuple[str, str, str]]:
        """(id, shopper, maker) of active grants with ids after ``after``, by id."""
        statement = (
            select(DeviceGrantRecord.id, DeviceGrantRecord.shopper_id, DeviceGrantRecord.partner_id)
            .where(DeviceGrantRecord.status == GrantStatus.ACTIVE, DeviceGrantRecord.id > after)
            .order_by(DeviceGrantRecord.id)
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in (await self.session.execute(statement)).all()]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


async def _upsert(repo: Repository, row: Any, key: tuple[str, ...]) -> None:
    """Insert ``row``, or update every other column of the row with the same ``key``."""
    values = {c.key: getattr(row, c.key) for c in type(row).__table__.columns}
    changing = {k: v for k, v in values.items() if k not in ("id", *key)}
    statement = (
        repo.conflict_insert(type(row))
        .values(**values)
        .on_conflict_do_update(index_elements=list(key), set_=changing)
    )
    await repo.session.execute(statement)


TWIN_KEY = ("shopper_id", "partner_id", "device_id", "namespace", "name")


class TwinRepository(Repository):
    """The device twin's reported properties."""

    async def upsert_reported(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store properties' latest values, replacing earlier ones (one key once per call)."""
        # On the table, not the entity: a Core executemany skips the ORM's bulk bookkeeping.
        statement = self.conflict_insert(_table(ReportedProperty))
        changing = [
            c.key for c in ReportedProperty.__table__.columns if c.key not in ("id", *TWIN_KEY)
        ]
        statement = statement.on_conflict_do_update(
            index_elements=list(TWIN_KEY), set_={k: statement.excluded[k] for k in changing}
        )
        await self.session.execute(statement, list(rows))

    async def append_history(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append history rows (one executemany)."""
        table = _table(PropertyHistory)
        if self.session.get_bind().dialect.name != "postgresql":
            await self.session.execute(insert(table), list(rows))
            return
        # PostgreSQL: COPY in the same transaction, several times faster than an executemany
        # for the hundreds of rows a batch of reports brings (JSON values go as text).
        columns = [column.key for column in table.columns]
        records = [
            tuple(json.dumps(row[c]) if c == "value" else row.get(c) for c in columns)
            for row in rows
        ]
        connection = await (await self.session.connection()).get_raw_connection()
        driver: Any = connection.driver_connection
        await driver.copy_records_to_table(table.name, records=records, columns=columns)

    async def upsert_desired(self, row: DesiredProperty) -> None:
        """Store what a property should become (replacing the earlier wish, if any)."""
        await _upsert(self, row, TWIN_KEY)

    async def settle_desired(self, directive_id: str, status: str) -> None:
        """Set the status of the wishes one directive carried."""
        await self.session.execute(
            update(DesiredProperty)
            .where(DesiredProperty.directive_id == directive_id)
            .values(status=status)
        )

    async def desired(
        self, shopper_id: str, partner_id: str, device_id: str
    ) -> list[DesiredProperty]:
        """The desired side of one device."""
        statement = (
            select(DesiredProperty)
            .where(
                DesiredProperty.shopper_id == shopper_id,
                DesiredProperty.partner_id == partner_id,
                DesiredProperty.device_id == device_id,
            )
            .order_by(DesiredProperty.namespace, DesiredProperty.name)
        )
        return list((await self.session.scalars(statement)).all())

    async def history(
        self, shopper_id: str, partner_id: str, device_id: str, data_types: Sequence[str], *,
        since: datetime, kept_after: datetime, limit: int, received_after: datetime | None = None,
    ) -> list[PropertyHistory]:  # fmt: skip
        """Past values of these data types of one device since ``since``, oldest first."""
        statement = (
            select(PropertyHistory)
            .where(
                PropertyHistory.shopper_id == shopper_id,
                PropertyHistory.partner_id == partner_id,
                PropertyHistory.device_id == device_id,
                PropertyHistory.data_type.in_(data_types),
                PropertyHistory.time_of_sample >= since,
                PropertyHistory.keep_until > kept_after,
                PropertyHistory.received_at >= (received_after or _EPOCH),
            )
            .order_by(PropertyHistory.time_of_sample, PropertyHistory.id)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def reported(
        self,
        shopper_id: str,
        partner_id: str,
        device_id: str,
        data_types: Sequence[str],
        *,
        kept_after: datetime,
        received_after: datetime | None = None,
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
                ReportedProperty.received_at >= (received_after or _EPOCH),
            )
            .order_by(ReportedProperty.namespace, ReportedProperty.name)
        )
        return list((await self.session.scalars(statement)).all())

    async def history_of(self, shopper_id: str, partner_id: str) -> list[PropertyHistory]:
        """Everything kept of the shopper's devices with this maker, oldest first."""
        statement = (
            select(PropertyHistory)
            .where(
                PropertyHistory.shopper_id == shopper_id, PropertyHistory.partner_id == partner_id
            )
            .order_by(PropertyHistory.time_of_sample, PropertyHistory.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def purge_shares(
        self, shopper_id: str, partner_id: str, shares: list[tuple[str, str, list[str]]],
        gone_devices: list[str],
    ) -> int:  # fmt: skip
        """Delete values of (device, data type, its property names), and everything left of
        ``gone_devices``; how many."""
        purged = 0
        for device_id, data_type, names in shares:
            for model in (ReportedProperty, PropertyHistory):
                purged += await self._delete(model, shopper_id, partner_id, device_id,
                                             model.data_type == data_type)  # fmt: skip
            purged += await self._delete(DesiredProperty, shopper_id, partner_id, device_id,
                                         DesiredProperty.name.in_(names))  # fmt: skip
        for device_id in gone_devices:
            for whole in (ReportedProperty, PropertyHistory, DesiredProperty):
                purged += await self._delete(whole, shopper_id, partner_id, device_id, true())
        return purged

    async def _delete(
        self, model: Any, shopper_id: str, partner_id: str, device_id: str, condition: Any
    ) -> int:
        return await self.execute_count(
            delete(model).where(
                model.shopper_id == shopper_id, model.partner_id == partner_id,
                model.device_id == device_id, condition,
            )
        )  # fmt: skip

    async def purge_of(self, shopper_id: str, partner_id: str) -> int:
        """Delete everything stored of the shopper's devices with this maker (both sides of the
        twin and its history); how many values."""
        purged = 0
        for model in (ReportedProperty, PropertyHistory, DesiredProperty):
            purged += await self.execute_count(
                delete(model).where(model.shopper_id == shopper_id, model.partner_id == partner_id)
            )
        return purged

    async def expired(
        self, model: type[ReportedProperty] | type[PropertyHistory], now: datetime, limit: int
    ) -> list[tuple[str, str, str]]:
        """(id, shopper, maker) of stored values past their retention, oldest first."""
        statement = (
            select(model.id, model.shopper_id, model.partner_id)
            .where(model.keep_until <= now)
            .order_by(model.keep_until, model.id)
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in (await self.session.execute(statement)).all()]

    async def delete_rows(
        self, model: type[ReportedProperty] | type[PropertyHistory], ids: list[str], *,
        expired_at: datetime,
    ) -> int:  # fmt: skip
        """Delete these stored values if still past their retention at ``expired_at``."""
        return await self.execute_count(
            delete(model).where(model.id.in_(ids), model.keep_until <= expired_at)
        )


class MakerEndpointRepository(Repository):
    """Makers' directive endpoints."""

    async def of(self, partner_id: str) -> MakerEndpoint | None:
        """The maker's directive endpoint, if registered."""
        statement = select(MakerEndpoint).where(MakerEndpoint.partner_id == partner_id)
        return (await self.session.scalars(statement)).first()


class DeviceEndpointRepository(Repository):
    """The shopper's devices as makers' discovery described them."""

    async def of(self, shopper_id: str, partner_id: str) -> list[DeviceEndpoint]:
        """The shopper's devices at one maker, by id."""
        statement = (
            select(DeviceEndpoint)
            .where(DeviceEndpoint.shopper_id == shopper_id, DeviceEndpoint.partner_id == partner_id)
            .order_by(DeviceEndpoint.device_id)
        )
        return list((await self.session.scalars(statement)).all())

    async def upsert(self, row: DeviceEndpoint) -> None:
        """Store a discovered device (replacing its earlier description)."""
        await _upsert(self, row, ("shopper_id", "partner_id", "device_id"))

    async def forget(self, shopper_id: str) -> None:
        """Forget every device of the shopper (erasure)."""
        await self.session.execute(
            delete(DeviceEndpoint).where(DeviceEndpoint.shopper_id == shopper_id)
        )

    async def remove(self, shopper_id: str, partner_id: str, device_ids: Sequence[str]) -> int:
        """Forget devices the maker says are gone; how many."""
        return await self.execute_count(
            delete(DeviceEndpoint).where(
                DeviceEndpoint.shopper_id == shopper_id,
                DeviceEndpoint.partner_id == partner_id,
                DeviceEndpoint.device_id.in_(device_ids),
            )
        )


class ReceiptRepository(Repository):
    """Signed consent receipts of device grants."""

    async def of_pair(self, shopper_id: str, partner_id: str) -> list[ConsentReceipt]:
        """The receipts of a shopper's grant to a maker, newest first."""
        statement = (
            select(ConsentReceipt)
            .where(ConsentReceipt.shopper_id == shopper_id, ConsentReceipt.partner_id == partner_id)
            .order_by(ConsentReceipt.issued_at.desc(), ConsentReceipt.id.desc())
        )
        return list((await self.session.scalars(statement)).all())


class SharingStatsRepository(Repository):
    """Counts behind a device maker's sharing statistics (operator dashboard)."""

    async def active_grant_details(self, partner_id: str) -> list[list[dict[str, Any]]]:
        """The ``authorization_details`` of every grant in force to the maker."""
        statement = select(DeviceGrantRecord.details).where(
            DeviceGrantRecord.partner_id == partner_id,
            DeviceGrantRecord.status == GrantStatus.ACTIVE,
        )
        return list((await self.session.scalars(statement)).all())

    async def device_count(self, partner_id: str) -> int:
        """Devices discovered through the maker, all shoppers together."""
        statement = select(func.count()).where(DeviceEndpoint.partner_id == partner_id)
        return int(await self.session.scalar(statement) or 0)

    async def values_received_since(self, partner_id: str, since: datetime) -> int:
        """Device values received from the maker at or after ``since``."""
        statement = select(func.count()).where(
            PropertyHistory.partner_id == partner_id, PropertyHistory.received_at >= since
        )
        return int(await self.session.scalar(statement) or 0)
