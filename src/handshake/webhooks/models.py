"""Entities of the webhooks domain: events, their deliveries to endpoints, and each attempt.

An event is stored once, with the exact JSON body sent to every endpoint; its id is the
Standard Webhooks ``webhook-id``, so it stays the same across retries and replays and receivers
can deduplicate on it. A delivery is one run of tries of an event to one endpoint (publishing
creates one per subscribed endpoint, every replay creates new ones); each try is an attempt.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, UTCDateTime, created_at_column, id_column, updated_at_column


class DeliveryStatus(StrEnum):
    """Where a delivery is in its life; only ``pending`` ones are still tried."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    # Every try of the schedule failed: dead-lettered, replay to try again.
    DEAD = "dead"
    # The receiver answered 410 Gone: the endpoint was disabled, nothing more is tried.
    GONE = "gone"
    # Not sent because the endpoint was deleted, disabled or unsubscribed, or the partner
    # suspended, before the try was due.
    CANCELLED = "cancelled"


class DeliveryTrigger(StrEnum):
    """Why a delivery exists."""

    PUBLISH = "publish"
    REPLAY = "replay"


class AttemptOutcome(StrEnum):
    """How one try ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    THROTTLED = "throttled"
    GONE = "gone"


class WebhookEvent(Base):
    """Something that happened for a partner, stored with the exact body its endpoints receive."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_partner_id_id", "partner_id", "id"),
        Index("ix_webhook_events_partner_id_occurred_at", "partner_id", "occurred_at"),
    )

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The serialized {"type", "timestamp", "data"} document: the same bytes on every try.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class WebhookDelivery(Base):
    """One run of tries of an event to one endpoint, following the retry schedule."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_partner_id_id", "partner_id", "id"),
        Index("ix_webhook_deliveries_partner_id_status_id", "partner_id", "status", "id"),
    )

    id: Mapped[str] = id_column()
    event_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Denormalised from the event so a partner's log is one indexed query.
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False)
    # None once the endpoint is deleted; the attempts keep the URL they were sent to.
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner_webhook_endpoints.id", ondelete="SET NULL"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DeliveryStatus.PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def is_pending(self) -> bool:
        """Whether more tries may still be made."""
        return self.status == DeliveryStatus.PENDING


class WebhookAttempt(Base):
    """One HTTP try of a delivery: what was sent where, and how the receiver answered."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[str] = id_column()
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[str | None] = mapped_column(Text)
