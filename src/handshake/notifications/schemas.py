"""JSON shape of notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from handshake.notifications.feed import Notification


class NotificationOut(BaseModel):
    """One notification: its English text with values, and where to act on it."""

    key: str
    kind: str
    at: datetime
    text: str
    values: dict[str, str]
    link: str
    unread: bool

    @classmethod
    def of(cls, item: Notification) -> NotificationOut:
        """From the service's notification."""
        return cls(
            key=item.key, kind=item.kind, at=item.at, text=item.text % dict(item.values),
            values=dict(item.values), link=item.link, unread=item.unread,
        )  # fmt: skip


class NotificationsOut(BaseModel):
    """The shopper's notifications, newest first."""

    unread: int
    items: list[NotificationOut]
