"""Pure assembly of what a checkout session shows: options, totals, blockers, masked details.

The partner sees the shopper's addresses and cards only masked (first name and initial, postal
area and city; brand and last four digits): enough for the shopper to recognise them in the
partner's UI, not enough to learn where they live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.catalog.delivery_promise import DeliveryWindow
from handshake.checkout import pricing
from handshake.checkout.delivery_plan import Destination, PlannedLine, basket_window
from handshake.checkout.models import CheckoutLine, CheckoutSession, StockReservation
from handshake.checkout.policy import CheckoutPolicy
from handshake.offers.composition import VariantSnapshot
from handshake.settings import DeliveryOptionSettings

NO_ADDRESS = "no_address"
NOT_DELIVERABLE = "not_deliverable_to_address"
NO_PAYMENT_METHOD = "no_payment_method"
OUT_OF_STOCK = "out_of_stock"
ITEM_UNAVAILABLE = "item_unavailable"


@dataclass(frozen=True)
class MaskedAddress:
    """A saved address as a partner may see it."""

    id: str
    recipient: str
    postal_area: str
    city: str
    country: str
    is_default: bool


@dataclass(frozen=True)
class MaskedCard:
    """A saved card as a partner may see it."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


@dataclass(frozen=True)
class DeliveryChoice:
    """A delivery option with its fee for this basket and the promise it makes (None: cannot)."""

    option: DeliveryOptionSettings
    fee_minor: int
    window: DeliveryWindow | None


@dataclass(frozen=True)
class CheckoutSummary:
    """Everything a checkout session shows."""

    session: CheckoutSession
    lines: tuple[CheckoutLine, ...]
    reservations: tuple[StockReservation, ...]
    addresses: tuple[MaskedAddress, ...]
    cards: tuple[MaskedCard, ...]
    choices: tuple[DeliveryChoice, ...]
    # The session's option (the first configured one if its own is no longer offered).
    chosen: DeliveryChoice
    totals: pricing.Totals
    blockers: tuple[str, ...]
    messages: tuple[dict[str, Any], ...]
    prices_include_tax: bool

    @property
    def ready(self) -> bool:
        """Whether the session can be completed as it is."""
        return not self.blockers


def mask_address(address: Any) -> MaskedAddress:
    """First name and initial, the postal code's first two characters, city, country."""
    parts = (address.name or "").split()
    recipient = " ".join(parts[:1]) if len(parts) < 2 else f"{parts[0]} {parts[-1][0]}."
    return MaskedAddress(
        id=address.id, recipient=recipient, postal_area=address.postal_code[:2] + "•••",
        city=address.city, country=address.country, is_default=address.is_default,
    )  # fmt: skip


def mask_card(card: Any) -> MaskedCard:
    """Brand, last four digits and expiry."""
    return MaskedCard(
        id=card.id, brand=card.brand, last4=card.last4, exp_month=card.exp_month,
        exp_year=card.exp_year, is_default=card.is_default,
    )  # fmt: skip


def planned_lines(
    lines: Sequence[CheckoutLine],
    snapshots: dict[str, VariantSnapshot],
    reservations: Sequence[StockReservation],
) -> list[PlannedLine] | None:
    """Lines as delivery planning sees them; None when a line's variant is gone."""
    held = {r.line_id: r.warehouse_code for r in reservations}
    planned = []
    for line in lines:
        snapshot = snapshots.get(line.sku)
        if snapshot is None:
            return None
        planned.append(PlannedLine(line.quantity, snapshot.warehouses, held.get(line.id)))
    return planned


def delivery_choices(
    policy: CheckoutPolicy,
    planned: list[PlannedLine] | None,
    *,
    to: Destination | None,
    items_minor: int,
    is_member: bool,
    now: datetime,
) -> tuple[DeliveryChoice, ...]:
    """Every configured option with its fee and, when the address is known, its promise."""
    choices = []
    for option in policy.delivery_options:
        window = None
        if planned is not None and to is not None:
            window = basket_window(planned, to=to, option=option, now=now)
        fee = pricing.shipping_fee(option, items_minor=items_minor, is_member=is_member)
        choices.append(DeliveryChoice(option, fee, window))
    return tuple(choices)


def blockers_of(
    *,
    has_address: bool,
    uncovered_lines: int,
    deliverable: bool,
    has_card: bool,
    unheld_lines: int,
    unavailable_lines: int,
) -> tuple[str, ...]:
    """Why the session cannot be completed now (empty: it can).

    Lines without stock have no promise, which says nothing about the address: the address
    blocks only when no warehouse delivers there, or nothing else explains a missing promise.
    """
    found = []
    if not has_address:
        found.append(NO_ADDRESS)
    elif uncovered_lines or not (deliverable or unheld_lines or unavailable_lines):
        found.append(NOT_DELIVERABLE)
    if not has_card:
        found.append(NO_PAYMENT_METHOD)
    if unavailable_lines:
        found.append(ITEM_UNAVAILABLE)
    elif unheld_lines:
        found.append(OUT_OF_STOCK)
    return tuple(found)
