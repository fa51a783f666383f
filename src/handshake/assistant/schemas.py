"""Request and response models of the assistant's API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from handshake.assistant.cards import ProductCard
from handshake.assistant.catalog_tools import Comparison
from handshake.assistant.dialogue import Reply
from handshake.assistant.purchase import CartSummary, CheckoutProposal
from handshake.kernel.money import Money


class ConversationIn(BaseModel):
    """A new conversation."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["en", "fr"] = "en"


class ConversationOut(BaseModel):
    """A started conversation; ``key`` is shown once and goes with every later call."""

    id: str
    key: str
    language: str
    channel: str
    created_at: datetime


class MessageIn(BaseModel):
    """A shopper's message; ``confirmation_token`` is their explicit yes to a shown purchase."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=10_000)
    confirmation_token: str | None = Field(default=None, min_length=8, max_length=100)


class PriceOut(BaseModel):
    """An amount in minor units with its currency and a display form."""

    amount_minor: int
    currency: str
    formatted: str

    @classmethod
    def of(cls, minor: int, currency: str) -> PriceOut:
        """The amount as sent."""
        return cls(
            amount_minor=minor, currency=currency, formatted=Money(minor, currency).format_plain()
        )


class CardOut(BaseModel):
    """A product card: live price, stock and delivery promise for this shopper."""

    product_id: str
    handle: str
    title: str
    brand: str
    sku: str
    options: dict[str, str]
    image: str | None
    url: str
    price: PriceOut
    list_price: PriceOut
    member_price: bool
    availability: str
    units_left: int | None
    delivery_date: date | None
    delivery_label: str | None

    @classmethod
    def of(cls, card: ProductCard) -> CardOut:
        """A card as sent."""
        return cls(
            product_id=card.product_id, handle=card.handle, title=card.title, brand=card.brand,
            sku=card.sku, options=card.options, image=card.image,
            url=f"/products/{card.product_id}",
            price=PriceOut.of(card.price_minor, card.currency),
            list_price=PriceOut.of(card.list_price_minor, card.currency),
            member_price=card.member_price, availability=card.availability,
            units_left=card.units_left, delivery_date=card.delivery_date,
            delivery_label=card.delivery_label,
        )  # fmt: skip


class ComparisonOut(BaseModel):
    """Products side by side."""

    product_ids: list[str]
    top_pick: str
    budget_pick: str | None
    upgrade_pick: str | None
    differences: list[dict[str, Any]]  # {"attribute": key, "values": {product_id: value}}

    @classmethod
    def of(cls, comparison: Comparison) -> ComparisonOut:
        """A comparison as sent."""
        return cls(
            product_ids=[card.product_id for card in comparison.cards],
            top_pick=comparison.top_pick, budget_pick=comparison.budget_pick,
            upgrade_pick=comparison.upgrade_pick,
            differences=[{"attribute": k, "values": v} for k, v in comparison.differences],
        )  # fmt: skip


class CartOut(BaseModel):
    """The conversation's cart at live prices."""

    lines: list[dict[str, Any]]
    total: PriceOut | None

    @classmethod
    def of(cls, cart: CartSummary) -> CartOut:
        """A cart as sent."""
        total = PriceOut.of(cart.total_minor, cart.currency) if cart.currency else None
        return cls(lines=cart.lines, total=total)


class CheckoutOut(BaseModel):
    """The exact purchase to confirm; send ``confirmation_token`` back to buy."""

    session_id: str
    lines: list[dict[str, Any]]
    items: PriceOut
    shipping: PriceOut
    total: PriceOut
    delivery_label: str | None
    address: str | None
    card: str | None
    blockers: list[str]
    confirmation_token: str | None
    expires_at: datetime | None

    @classmethod
    def of(cls, proposal: CheckoutProposal) -> CheckoutOut:
        """A proposal as sent."""
        currency = proposal.currency
        return cls(
            session_id=proposal.session_id, lines=proposal.lines,
            items=PriceOut.of(proposal.items_minor, currency),
            shipping=PriceOut.of(proposal.shipping_minor, currency),
            total=PriceOut.of(proposal.total_minor, currency),
            delivery_label=proposal.delivery_label, address=proposal.address, card=proposal.card,
            blockers=proposal.blockers, confirmation_token=proposal.confirmation_token,
            expires_at=proposal.expires_at,
        )  # fmt: skip


class OrderOut(BaseModel):
    """An order placed in the conversation."""

    order_id: str
    total: PriceOut


class TurnOut(BaseModel):
    """One answer of the assistant."""

    conversation_id: str
    position: int
    language: str
    policy: str
    text: str
    cards: list[CardOut]
    comparison: ComparisonOut | None
    cart: CartOut | None
    checkout: CheckoutOut | None
    order: OrderOut | None
    suggestions: list[str]

    @classmethod
    def of(
        cls, *, conversation_id: str, position: int, language: str, policy: str, reply: Reply
    ) -> TurnOut:
        """A turn as sent."""
        bought = reply.purchase
        return cls(
            conversation_id=conversation_id, position=position, language=language, policy=policy,
            text=" ".join(reply.text), cards=[CardOut.of(c) for c in reply.cards],
            comparison=ComparisonOut.of(reply.comparison) if reply.comparison else None,
            cart=CartOut.of(reply.cart) if reply.cart else None,
            checkout=CheckoutOut.of(reply.proposal) if reply.proposal else None,
            order=None if bought is None else OrderOut(
                order_id=bought.order_id, total=PriceOut.of(bought.total_minor, bought.currency)
            ),
            suggestions=reply.suggestions,
        )  # fmt: skip


class SearchOut(BaseModel):
    """Cards of a search."""

    cards: list[CardOut]
    matched: int
