"""Use cases of notifications: list them (marking what is new), count the unread, forget."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.checkout import service as checkout
from handshake.db.uow import UnitOfWork
from handshake.devices import service as devices
from handshake.kernel import clock
from handshake.notifications.feed import (
    Notification,
    newest_first,
    order_notifications,
    sharing_notifications,
)
from handshake.notifications.repository import NotificationsRepository
from handshake.partners import service as partners

RECENT_ORDERS = 20
MAX_SHOWN = 50


@dataclass(frozen=True)
class NotificationList:
    """The shopper's notifications, newest first, and how many are unread."""

    items: list[Notification]

    @property
    def unread(self) -> int:
        """How many the shopper has not seen yet."""
        return sum(1 for n in self.items if n.unread)


async def _gather(uow: UnitOfWork, shopper_id: str) -> list[Notification]:
    now = clock.now()
    page = await checkout.list_orders(
        uow=uow, where=checkout.OrderFilter(shopper_id=shopper_id), limit=RECENT_ORDERS
    )
    found = order_notifications(page.items)
    for view in await devices.list_device_grants(uow=uow, shopper_id=shopper_id):
        maker = await partners.get_partner(uow=uow, partner_id=view.record.partner_id)
        paused_at = view.record.stream_paused_at
        found += sharing_notifications(maker.id, maker.name, view.grant, paused_at, now)
    return [n for n in found if n.at <= now]


async def list_notifications(*, uow: UnitOfWork, shopper_id: str) -> NotificationList:
    """The shopper's notifications (unread ones flagged), without changing what is seen."""
    found = await _gather(uow, shopper_id)
    async with uow:
        seen_at = await uow.repo(NotificationsRepository).seen_at(shopper_id)
    return NotificationList(newest_first(found, seen_at)[:MAX_SHOWN])


async def mark_notifications_seen(*, uow: UnitOfWork, shopper_id: str) -> None:
    """Everything up to now is read (a notification appearing later is new)."""
    async with uow:
        await uow.repo(NotificationsRepository).mark_seen(shopper_id, clock.now())
        await uow.commit()


async def erase_notification_marks(*, uow: UnitOfWork, shopper_id: str) -> None:
    """Forget when the shopper last looked (part of erasing their personal data)."""
    async with uow:
        await uow.repo(NotificationsRepository).forget(shopper_id)
        await uow.commit()
