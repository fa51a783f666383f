"""Entities of the attribution domain: ad events and the receipts that deduplicate them.

A receipt is written synchronously when a batch is accepted, in the same transaction as the
outbox job that later stores the heavy ``ad_events`` row: the receipt's primary key (partner,
client event id) makes a retried batch count once, even while the first one is still queued.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


NO_REFERENCE = ""  # campaign or creative of an event that named none (key columns can't be null)


class AttributionModel(StrEnum):
    """How an order is credited to an ad touch."""

    # The click id taken to checkout, else the shopper's last click, else the partner app the
    # order was placed in.
    LAST_CLICK = "last_click"
    # As last click; without any of those, the shopper's last view or impression.
    VIEW_THROUGH = "view_through"


class TouchMatch(StrEnum):
    """How the touch was found."""

    CLICK_ID = "click_id"
    SHOPPER = "shopper"
    PLACEMENT = "placement"  # no ad touch: the partner app the order was placed in


class AdEventDay(Base):
    """Ad events of one day counted per partner, channel, campaign and creative (kept by the
    worker as events are stored, so reports never scan ``ad_events``)."""

    __tablename__ = "ad_event_days"
    __table_args__ = (Index("ix_ad_event_days_partner_id_day", "partner_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(24), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), primary_key=True)
    creative_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), primary_key=True)
    impressions: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    views: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    add_to_carts: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class EngagedShopperDay(Base):
    """A linked shopper who clicked or added to cart from one cell on one day: the privacy
    threshold counts these people (deleted when the shopper is erased)."""

    __tablename__ = "engaged_shopper_days"
    __table_args__ = (
        Index("ix_engaged_shopper_days_partner_id_day", "partner_id", "day"),
        Index("ix_engaged_shopper_days_shopper_id", "shopper_id"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(24), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), primary_key=True)
    creative_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), primary_key=True)
    shopper_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class OrderInsight(Base):
    """What attribution learnt of one order: who the buyer was to the store then.

    Its presence also marks the order as attributed (the catch-up job looks for orders without).
    """

    __tablename__ = "order_insights"
    __table_args__ = (Index("ix_order_insights_day", "day"),)

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    shopper_id: Mapped[str | None] = mapped_column(String(32), index=True)  # None once erased
    day: Mapped[date] = mapped_column(Date, nullable=False)
    is_member: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_new_customer: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_cannibalised: Mapped[bool] = mapped_column(Boolean, nullable=False)
    attributed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class OrderTouch(Base):
    """The one ad touch credited with an order under one attribution model."""

    __tablename__ = "order_touches"
    __table_args__ = (
        Index("ix_order_touches_model_day", "model", "day"),
        Index("ix_order_touches_partner_id_model_day", "partner_id", "model", "day"),
    )

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)  # the order's day (UTC)
    ad_event_id: Mapped[str | None] = mapped_column(String(32))  # None: credited to placement
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(24), nullable=False)
    campaign_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), nullable=False)
    creative_id: Mapped[str] = mapped_column(String(REFERENCE_MAX_LENGTH), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    matched_by: Mapped[str] = mapped_column(String(16), nullable=False)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AnalyticsCursor(Base):
    """How far a catch-up job has looked (orders placed before ``position`` are all seen)."""

    __tablename__ = "analytics_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PrivacySpend(Base):
    """Privacy loss (epsilon) one partner's report spent in one budget period."""

    __tablename__ = "privacy_spends"
    __table_args__ = (Index("ix_privacy_spends_partner_id_period", "partner_id", "period_start"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    epsilon: Mapped[float] = mapped_column(Float, nullable=False)
    query: Mapped[str] = mapped_column(String(200), nullable=False)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
