"""Notifications are computed from orders and grants; only "seen up to when" is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, UTCDateTime


class NotificationsSeen(Base):
    """When a shopper last looked at their notifications (older ones are read)."""

    __tablename__ = "notifications_seen"

    shopper_id: Mapped[str] = mapped_column(
        ForeignKey("shoppers.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
