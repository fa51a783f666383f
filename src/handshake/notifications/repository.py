"""Queries of notifications: the shopper's "seen up to" mark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from handshake.db.uow import Repository
from handshake.notifications.models import NotificationsSeen


class NotificationsRepository(Repository):
    """Reads and moves the mark."""

    async def seen_at(self, shopper_id: str) -> datetime | None:
        """When the shopper last looked (None: never)."""
        query = select(NotificationsSeen.seen_at).where(NotificationsSeen.shopper_id == shopper_id)
        found: datetime | None = await self.session.scalar(query)
        return found

    async def mark_seen(self, shopper_id: str, at: datetime) -> None:
        """Move the mark forward to ``at`` (never back: concurrent looks keep the latest)."""
        insert = self.conflict_insert(NotificationsSeen)
        statement = insert.values(shopper_id=shopper_id, seen_at=at)
        excluded = statement.excluded.seen_at
        current = NotificationsSeen.__table__.c.seen_at
        statement = statement.on_conflict_do_update(
            index_elements=["shopper_id"],
            set_={"seen_at": excluded},
            where=current < excluded,
        )
        await self.session.execute(statement)

    async def forget(self, shopper_id: str) -> None:
        """Remove the shopper's mark (erasure)."""
        await self.session.execute(
            delete(NotificationsSeen).where(NotificationsSeen.shopper_id == shopper_id)
        )
