"""Entities of checkout: sessions and their lines, stock reservations, orders and their history.

A checkout session is a partner's proposal to a shopper: lines re-priced from the catalog, an
address, a card, a delivery option, and stock held for a while. Completing it turns the held
reservations into an order. Orders keep copies of what was bought and where it goes (prices,
titles, the address): later catalog or address-book changes never rewrite a past order. The
shop site's cart lines become the store's own checkout session the same way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import (
    Base,
    JSONDocument,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)


class SessionStatus(StrEnum):
    """Where a checkout session is."""

    OPEN = "open"
    # A completion holds the session (payment being authorised) until ``completing_until``.
    COMPLETING = "completing"
    COMPLETED = "completed"
    CANCELED = "canceled"


class ReservationStatus(StrEnum):
    """What became of units held for a session line."""

    HELD = "held"
    RELEASED = "released"
    ORDERED = "ordered"
    SHIPPED = "shipped"


class OrderStatus(StrEnum):
    """An order's lifecycle: placed → paid → shipped → delivered, or cancelled / refunded."""

    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELED = "canceled"
    REFUNDED = "refunded"


class CheckoutSession(Base):
    """A purchase being prepared for one shopper by one partner."""

    __tablename__ = "checkout_sessions"

    id: Mapped[str] = id_column()
    # None for the store's own checkout (a signed-in shopper on the shop site).
    partner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64))
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    address_id: Mapped[str | None] = mapped_column(String(32))
    # An address given for this purchase only (an agent's fulfillment details), never saved to
    # the shopper's book; when set it is where the parcel goes, whatever ``address_id`` says.
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # The buyer's notes for the order (delivery instructions, a gift message), copied to it.
    notes: Mapped[str | None] = mapped_column(String(5000))
    payment_method_id: Mapped[str | None] = mapped_column(String(32))
    delivery_option: Mapped[str] = mapped_column(String(32), nullable=False)
    is_member: Mapped[bool] = mapped_column(nullable=False, default=False)
    click_id: Mapped[str | None] = mapped_column(String(64))
    click_key: Mapped[str | None] = mapped_column(String(32))
    return_url: Mapped[str | None] = mapped_column(String(2000))
    # Messages for the partner (price changes, stock, expiry), newest last.
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    items_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    list_items_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    shipping_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tax_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completing_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_token: Mapped[str | None] = mapped_column(String(32))
    order_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class CheckoutLine(Base):
    """One item of a session: the variant, how many, and the price the shopper pays."""

    __tablename__ = "checkout_lines"
    __table_args__ = (UniqueConstraint("session_id", "variant_id"),)

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("checkout_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    variant_id: Mapped[str] = mapped_column(String(32), nullable=False)
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    title_en: Mapped[str] = mapped_column(String(300), nullable=False)
    title_fr: Mapped[str] = mapped_column(String(300), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    list_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    # What the offer token promised; differs from unit_price_minor after a price change.
    offered_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    offer_token_id: Mapped[str | None] = mapped_column(String(64))
    placement_id: Mapped[str | None] = mapped_column(String(100))
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    creative_id: Mapped[str | None] = mapped_column(String(100))


class StockReservation(Base):
    """Units of one line held in one warehouse: the identity of a catalog stock hold.

    Every change of ``status`` is conditional on the status it leaves, in the transaction that
    moves the stock, so units are given back or shipped exactly once.
    """

    __tablename__ = "checkout_reservations"
    __table_args__ = (Index("ix_checkout_reservations_due", "status", "expires_at"),)

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("checkout_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line_id: Mapped[str] = mapped_column(String(32), nullable=False)
    variant_id: Mapped[str] = mapped_column(String(32), nullable=False)
    warehouse_code: Mapped[str] = mapped_column(String(32), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Order(Base):
    """A placed order: what was bought, for how much, where it goes, and where it is now."""

    __tablename__ = "orders"

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), nullable=False, index=True)
    partner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # Where the order came from, for the shopper's eyes ("Picto", "store").
    channel: Mapped[str] = mapped_column(String(200), nullable=False)
    click_id: Mapped[str | None] = mapped_column(String(64))
    click_key: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    payment_id: Mapped[str] = mapped_column(String(32), nullable=False)
    card_label: Mapped[str] = mapped_column(String(60), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    items_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    list_items_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    shipping_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    tax_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    total_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    refunded_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False)
    delivery_option: Mapped[str] = mapped_column(String(32), nullable=False)
    promised_date: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(String(5000))
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = updated_at_column()


class OrderLine(Base):
    """One item of an order, as it was bought."""

    __tablename__ = "order_lines"

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    variant_id: Mapped[str] = mapped_column(String(32), nullable=False)
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    title_en: Mapped[str] = mapped_column(String(300), nullable=False)
    title_fr: Mapped[str] = mapped_column(String(300), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    list_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    warehouse_code: Mapped[str] = mapped_column(String(32), nullable=False)
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    creative_id: Mapped[str | None] = mapped_column(String(100))


class OrderChange(Base):
    """One step of an order's history (placed, paid, shipped, refunded…), oldest first."""

    __tablename__ = "order_changes"

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # Who did it: "shopper", "operator:<id>", "partner:<id>", "system".
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CartLine(Base):
    """One item of a shopper's cart on the shop site: a variant and how many, one line each."""

    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("shopper_id", "variant_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[str] = id_column()
    # Indexed by the unique (shopper_id, variant_id) key, which starts with it.
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), nullable=False)
    variant_id: Mapped[str] = mapped_column(String(32), nullable=False)
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
