"""The acting tools: the conversation's cart, a checkout to confirm, and the confirmed purchase.

A purchase takes two steps. ``start_checkout`` opens a checkout session (stock held, exact
total) and hands out a confirmation token; only the shopper's own explicit yes, sent by the
client with that token, lets ``confirm_purchase`` complete it. The token's digest is all the
conversation keeps, and text (the shopper's or a model's) never carries the confirmation.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from handshake.assistant.caller import Caller
from handshake.assistant.cards import live_offers, partner_offer_items
from handshake.assistant.catalog_tools import document_or_error, fresh_index
from handshake.assistant.errors import (
    ConfirmationExpired,
    ConfirmationRequired,
    NothingToBuy,
    ProductUnavailable,
)
from handshake.assistant.state import CartLine, PendingPurchase
from handshake.checkout import service as checkout
from handshake.checkout.errors import CheckoutClosed
from handshake.checkout.summary import CheckoutSummary
from handshake.kernel import clock
from handshake.kernel.errors import NotFound
from handshake.offers import service as offers
from handshake.offers.composition import Offer

if TYPE_CHECKING:
    from handshake.assistant.tools import (
        AddToCartArgs,
        ConfirmPurchaseArgs,
        StartCheckoutArgs,
        ToolContext,
    )


@dataclass(frozen=True)
class CartSummary:
    """The conversation's cart at today's prices for this shopper."""

    lines: list[dict[str, Any]]  # sku, title, quantity, unit_price_minor, line_total_minor
    total_minor: int
    currency: str | None


@dataclass(frozen=True)
class CheckoutProposal:
    """What the shopper is asked to confirm, exactly as checkout computed it."""

    session_id: str
    lines: list[dict[str, Any]]
    items_minor: int
    shipping_minor: int
    total_minor: int
    currency: str
    delivery_label: str | None
    address: str | None
    card: str | None
    blockers: list[str]
    confirmation_token: str | None  # None when something blocks the purchase
    expires_at: datetime | None


@dataclass(frozen=True)
class Purchase:
    """A placed order."""

    order_id: str
    total_minor: int
    currency: str


async def add_to_cart(context: ToolContext, args: AddToCartArgs) -> CartSummary:
    """Add units of one variant (the product's first in stock when none is named)."""
    await fresh_index(context)
    document = document_or_error(context, args.product_id)
    found = await live_offers(context.offers, context.caller, document.skus, context.language)
    sku = args.sku or next(
        (s for s in document.skus if s in found and found[s].availability.status != "out_of_stock"),
        None,
    )
    if sku is None or sku not in found or sku not in document.skus:
        raise ProductUnavailable(
            "This product cannot be bought now.", extra={"product_id": document.product_id}
        )
    cart = context.state.cart
    line = next((line for line in cart if line.sku == sku), None)
    if line is None:
        cart.append(CartLine(product_id=document.product_id, sku=sku, quantity=args.quantity))
    else:
        line.quantity += args.quantity
    await drop_pending(context)  # the cart changed: an earlier proposal no longer holds
    return await cart_summary(context, known=found)


async def cart_summary(
    context: ToolContext, known: Mapping[str, Offer] | None = None
) -> CartSummary:
    """The cart with live prices (``known``: offers of this turn, not asked for again)."""
    cart = context.state.cart
    if not cart:
        return CartSummary(lines=[], total_minor=0, currency=None)
    found = dict(known or {})
    missing = [line.sku for line in cart if line.sku not in found]
    if missing:
        found |= await live_offers(context.offers, context.caller, missing, context.language)
    lines: list[dict[str, Any]] = []
    total, currency = 0, None
    for line in cart:
        offer = found.get(line.sku)
        if offer is None:
            continue
        price, currency = offer.pricing.unit_price_minor, offer.pricing.currency
        total += price * line.quantity
        lines.append({
            "sku": line.sku, "product_id": line.product_id,
            "title": offer.variant.title(context.language), "quantity": line.quantity,
            "unit_price_minor": price, "line_total_minor": price * line.quantity,
        })  # fmt: skip
    return CartSummary(lines=lines, total_minor=total, currency=currency)


def _buyer(caller: Caller) -> checkout.Buyer:
    assert caller.shopper_id is not None  # TOOL_SCOPES: only signed-in or linked shoppers buy
    access = caller.access
    return checkout.Buyer(
        shopper_id=caller.shopper_id,
        partner_id=access.partner_id if access else None,
        client_id=access.client_id if access else None,
        subject=access.subject if access else None,
        channel=caller.channel,
    )


async def _offer_tokens(context: ToolContext, skus: list[str]) -> dict[str, str]:
    """Fresh offer tokens for the caller's audience (the store's, or the partner's)."""
    caller, source = context.caller, context.offers
    if caller.access is None:
        assert caller.shopper_id is not None
        return await offers.store_offer_tokens(
            uow=source.reader(), writer=source.writer(), policy=source.policy,
            shopper_id=caller.shopper_id, skus=skus,
        )  # fmt: skip
    items = await partner_offer_items(source, caller.access, skus, context.language)
    return {item.reference[1]: item.token for item in items if item.token}


async def drop_pending(context: ToolContext) -> None:
    """Give back the stock of a proposal the shopper did not confirm."""
    pending, context.state.pending = context.state.pending, None
    if pending is None:
        return
    # Already closed or expired: nothing is held any more.
    with contextlib.suppress(NotFound, CheckoutClosed):
        await checkout.cancel_checkout_session(
            uow=context.offers.writer(), policy=context.checkout_policy,
            buyer=_buyer(context.caller), session_id=pending.session_id,
        )  # fmt: skip


async def start_checkout(context: ToolContext, args: StartCheckoutArgs) -> CheckoutProposal:
    """Open a checkout for the cart and ask for confirmation of its exact total."""
    del args
    cart = context.state.cart
    if not cart:
        raise NothingToBuy("The cart is empty: add a product first.")
    await drop_pending(context)
    tokens = await _offer_tokens(context, [line.sku for line in cart])
    missing = [line.sku for line in cart if line.sku not in tokens]
    if missing:
        raise ProductUnavailable("Some products are no longer sold.", extra={"skus": missing})
    summary = await checkout.create_checkout_session(
        uow=context.offers.writer(), policy=context.checkout_policy, buyer=_buyer(context.caller),
        items=[checkout.RequestedItem(tokens[line.sku], line.quantity) for line in cart],
    )  # fmt: skip
    return _proposal(context, summary)


def _proposal(context: ToolContext, summary: CheckoutSummary) -> CheckoutProposal:
    session, french = summary.session, context.language == "fr"
    token = expires = None
    if summary.ready:
        token = secrets.token_urlsafe(18)
        expires = clock.now() + timedelta(minutes=context.settings.confirmation_minutes)
        context.state.pending = PendingPurchase(
            token_digest=token_digest(token), session_id=session.id,
            total_minor=summary.totals.total_minor, currency=session.currency, expires_at=expires,
        )  # fmt: skip
    window = summary.chosen.window
    address = next((a for a in summary.addresses if a.id == session.address_id), None)
    card = next((c for c in summary.cards if c.id == session.payment_method_id), None)
    lines = [
        {"sku": line.sku, "title": line.title_fr if french else line.title_en,
         "quantity": line.quantity, "unit_price_minor": line.unit_price_minor}
        for line in summary.lines
    ]  # fmt: skip
    return CheckoutProposal(
        session_id=session.id, lines=lines, items_minor=summary.totals.items_minor,
        shipping_minor=summary.totals.shipping_minor, total_minor=summary.totals.total_minor,
        currency=session.currency,
        delivery_label=None if window is None else (window.label_fr if french else window.label_en),
        address=None if address is None else f"{address.postal_area} {address.city}",
        card=None if card is None else f"{card.brand} •••• {card.last4}",
        blockers=list(summary.blockers), confirmation_token=token, expires_at=expires,
    )  # fmt: skip


def token_digest(token: str) -> str:
    """What the conversation keeps of a confirmation token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def confirm_purchase(context: ToolContext, args: ConfirmPurchaseArgs) -> Purchase:
    """Complete the pending checkout, only for the shopper's own yes with its token."""
    sent = context.shopper_confirmation
    if sent is None or not hmac.compare_digest(sent, args.confirmation_token):
        raise ConfirmationRequired("The shopper must confirm this purchase themselves.")
    pending = context.state.pending
    if pending is None or not hmac.compare_digest(pending.token_digest, token_digest(sent)):
        raise ConfirmationExpired("This confirmation is not the one waiting; ask again.")
    if clock.now() >= pending.expires_at:
        context.state.pending = None
        raise ConfirmationExpired("This confirmation has expired; prepare the purchase again.")
    answer = await checkout.complete_checkout(
        uow=context.offers.writer(), policy=context.checkout_policy, buyer=_buyer(context.caller),
        session_id=pending.session_id,
        confirmation=checkout.Confirmation(True, pending.total_minor, pending.currency),
        render=lambda placed: {"order_id": placed.order.id, "total_minor": placed.order.total_minor,
                               "currency": placed.order.currency},
    )  # fmt: skip
    context.state.pending = None
    context.state.cart = []
    return Purchase(answer["order_id"], answer["total_minor"], answer["currency"])
