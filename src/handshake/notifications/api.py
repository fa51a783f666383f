"""JSON API of the shopper's notifications."""

from __future__ import annotations

from typing import Any

from handshake.accounts.deps import CurrentShopper
from handshake.notifications import service
from handshake.notifications.schemas import NotificationOut, NotificationsOut
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/me/notifications", tags=["notifications"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in", "content": {"application/problem+json": {}}},
}


@router.get("", summary="My notifications, newest first", responses=RESPONSES)
async def my_notifications(shopper: CurrentShopper, uow: ReadUow) -> NotificationsOut:
    """Order updates and device sharing coming to an end; ``unread`` counts the new ones."""
    found = await service.list_notifications(uow=uow, shopper_id=shopper.id)
    return NotificationsOut(
        unread=found.unread, items=[NotificationOut.of(item) for item in found.items]
    )


@router.post("/seen", status_code=204, summary="Mark my notifications read", responses=RESPONSES)
async def mark_seen(shopper: CurrentShopper, uow: WriteUow) -> None:
    """Everything up to now is read."""
    await service.mark_notifications_seen(uow=uow, shopper_id=shopper.id)
