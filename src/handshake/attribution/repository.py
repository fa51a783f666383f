"""Every query of the attribution domain."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, or_, select, update

from handshake.accounts.models import Shopper
from handshake.attribution.models import (
    AdEvent,
    AdEventDay,
    AdEventReceipt,
    EngagedShopperDay,
)
from handshake.catalog.models import Variant
from handshake.db.uow import Repository


@dataclass(frozen=True)
class VariantKey:
    """The identifiers of a catalog variant an event may name it by."""

    id: str
    product_id: str
    sku: str
    gtin: str | None


class AttributionRepository(Repository):
    """Receipts (dedupe), ad events, and the catalog lookups that validate them."""

    async def variants_matching(
        self, *, ids: Collection[str], skus: Collection[str], gtins: Collection[str]
    ) -> list[VariantKey]:
        """Variants having any of these ids, SKUs or GTINs, in one query."""
        conditions = []
        if ids:
            conditions.append(Variant.id.in_(ids))
        if skus:
            conditions.append(Variant.sku.in_(skus))
        if gtins:
            conditions.append(Variant.gtin.in_(gtins))
        if not conditions:
            return []
        rows = await self.session.execute(
            select(Variant.id, Variant.product_id, Variant.sku, Variant.gtin).where(
                or_(*conditions)
            )
        )
        return [VariantKey(*row) for row in rows.all()]

    async def insert_receipts(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert receipts, skipping (partner, event id) pairs already there; the inserted ids."""
        if not rows:
            return set()
        statement = (
            self.conflict_insert(AdEventReceipt)
            .values(list(rows))
            .on_conflict_do_nothing(index_elements=["partner_id", "event_id"])
            .returning(AdEventReceipt.event_id)
        )
        result = await self.session.execute(statement)
        return set(result.scalars().all())

    async def receipts(
        self, *, partner_id: str, event_ids: Collection[str]
    ) -> dict[str, AdEventReceipt]:
        """The partner's receipts of these event ids, by event id."""
        if not event_ids:
            return {}
        rows = await self.session.scalars(
            select(AdEventReceipt).where(
                AdEventReceipt.partner_id == partner_id, AdEventReceipt.event_id.in_(event_ids)
            )
        )
        return {row.event_id: row for row in rows}

    async def receipt_with_event(
        self, *, partner_id: str, event_id: str
    ) -> tuple[AdEventReceipt, AdEvent | None] | None:
        """A partner's receipt and its stored event (None while queued), in one query."""
        statement = (
            select(AdEventReceipt, AdEvent)
            .outerjoin(
                AdEvent,
                (AdEvent.partner_id == AdEventReceipt.partner_id)
                & (AdEvent.event_id == AdEventReceipt.event_id),
            )
            .where(AdEventReceipt.partner_id == partner_id, AdEventReceipt.event_id == event_id)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def shopper_is_live(self, shopper_id: str) -> bool:
        """Whether the shopper exists and is not erased; on PostgreSQL the row is share-locked
        so an erasure waits for (or is seen by) the writing transaction."""
        statement = (
            select(Shopper.id)
            .where(Shopper.id == shopper_id, Shopper.erased_at.is_(None))
            .with_for_update(read=True)
        )
        return (await self.session.scalar(statement)) is not None

    async def insert_events(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert ad events, skipping those already stored; the ids of the inserted rows."""
        if not rows:
            return set()
        # executemany on the table: one compiled, cached statement (SQLAlchemy batches the rows
        # itself); ``.values(rows)`` compiled a new 8,500-parameter statement for every batch.
        table = cast(Table, AdEvent.__table__)
        statement = (
            self.conflict_insert(table)
            .on_conflict_do_nothing(index_elements=["partner_id", "event_id"])
            .returning(table.c.id)
        )
        columns = [{("metadata" if k == "details" else k): v for k, v in r.items()} for r in rows]
        result = await self.session.execute(statement, columns)
        return set(result.scalars().all())

    async def add_day_counts(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add these counts to ``ad_event_days`` (rows created as needed)."""
        if not rows:
            return
        table = cast(Table, AdEventDay.__table__)
        statement = self.conflict_insert(table)
        columns = ("impressions", "views", "clicks", "add_to_carts")
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "partner_id", "channel", "campaign_id", "creative_id"],
                set_={c: table.c[c] + statement.excluded[c] for c in columns},
            ),
            list(rows),
        )

    async def add_engaged_shoppers(self, rows: Sequence[dict[str, Any]]) -> None:
        """Record engaged shoppers per day and cell (repeats are ignored)."""
        if rows:
            await self.session.execute(
                self.conflict_insert(
                    cast(Table, EngagedShopperDay.__table__)
                ).on_conflict_do_nothing(),
                list(rows),
            )

    async def events_of_shopper(self, shopper_id: str) -> list[AdEvent]:
        """The shopper's ad events, oldest first."""
        rows = await self.session.scalars(
            select(AdEvent)
            .where(AdEvent.shopper_id == shopper_id)
            .order_by(AdEvent.occurred_at, AdEvent.id)
        )
        return list(rows.all())

    async def detach_shopper(self, shopper_id: str) -> int:
        """Forget which shopper (and link) the events were about; the facts stay."""
        result = await self.session.execute(
            update(AdEvent)
            .where(AdEvent.shopper_id == shopper_id)
            .values(shopper_id=None, grant_id=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
