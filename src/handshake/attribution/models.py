"""Entities of the attribution domain: ad events and the receipts that deduplicate them.

A receipt is written synchronously when a batch is accepted, in the same transaction as the
outbox job that later stores the heavy ``ad_events`` row: the receipt's primary key (partner,
client event id) makes a retried batch count once, even while the first one is still queued.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, UTCDateTime, id_column

EVENT_ID_MAX_LENGTH = 100
REFERENCE_MAX_LENGTH = 100
OFFER_TOKEN_MAX_LENGTH = 4096


class AdEventKind(StrEnum):
    """What the shopper did with the ad."""

    IMPRESSION = "impression"
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"


class AdChannel(StrEnum):
    """Where the ad was shown."""

    FEED_AD = "feed_ad"
    VIDEO = "video"
    ASSISTANT = "assistant"
    DEVICE_SUGGESTION = "device_suggestion"


class AdEventStatus(StrEnum):
    """Where an accepted event is: waiting for the worker, or stored for attribution."""

    QUEUED = "queued"
    STORED = "stored"


class AdEventReceipt(Base):
    """An accepted (partner, client event id): the dedupe key and the click id it was given."""

    __tablename__ = "ad_event_receipts"

    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_MAX_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    click_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AdEvent(Base):
    """One impression, view, click or add-to-cart reported by a partner, kept for attribution."""

    __tablename__ = "ad_events"
    __table_args__ = (
        UniqueConstraint("partner_id", "event_id"),
        UniqueConstraint("click_id"),
        Index("ix_ad_events_partner_id_occurred_at", "partner_id", "occurred_at"),
        # Attribution looks a shopper's recent clicks and views up; erasure detaches them.
        Index(
            "ix_ad_events_shopper_id_occurred_at",
            "shopper_id",
            "occurred_at",
            postgresql_where=text("shopper_id IS NOT NULL"),
            sqlite_where=text("shopper_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_MAX_LENGTH), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(24), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    placement_id: Mapped[str | None] = mapped_column(String(REFERENCE_MAX_LENGTH))
    campaign_id: Mapped[str | None] = mapped_column(String(REFERENCE_MAX_LENGTH))
    creative_id: Mapped[str | None] = mapped_column(String(REFERENCE_MAX_LENGTH))
    # Plain strings, not foreign keys: an event stays a fact if the catalog row goes away.
    variant_id: Mapped[str] = mapped_column(String(32), nullable=False)
    product_id: Mapped[str] = mapped_column(String(32), nullable=False)
    offer_token: Mapped[str | None] = mapped_column(Text)
    click_id: Mapped[str | None] = mapped_column(String(64))
    # The linked shopper (internal id, never shown to partners); None for anonymous events
    # and once the shopper's data is erased.
    shopper_id: Mapped[str | None] = mapped_column(ForeignKey("shoppers.id"))
    grant_id: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column("metadata", nullable=False, default=dict)
