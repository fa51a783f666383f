"""Use cases of the shop site's cart: add, change, remove, read, and check out.

A cart keeps one line per variant, server side. Adding a variant already in the cart adds to its
line in one upsert, so concurrent adds (two tabs, a double click) sum up on a single line.
Checking out mints the store's own offer tokens for the shopper and opens a checkout session
with the engine partners use; placement takes the ordered units out of the cart in the order's
own transaction, so an abandoned or refused checkout leaves the cart as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handshake.catalog import service as catalog
from handshake.checkout import refresh
from handshake.checkout.errors import (
    CartEmpty,
    CartFull,
    CartItemUnavailable,
    CartLineNotFound,
    CheckoutClosed,
    CheckoutInProgress,
    InvalidCartQuantity,
)
from handshake.checkout.models import CartLine
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CartRepository, CheckoutRepository
from handshake.checkout.sessions import (
    Buyer,
    RequestedItem,
    cancel_checkout_session,
    create_checkout_session,
)
from handshake.checkout.summary import CheckoutSummary
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.offers import service as offers
from handshake.offers.composition import VariantSnapshot, price_for

STORE_CHANNEL = "store"


@dataclass(frozen=True)
class CartItem:
    """A cart line with what the catalog says of its variant now (None: no longer sold)."""

    line_id: str
    variant_id: str
    sku: str
    quantity: int
    variant: VariantSnapshot | None
    unit_price_minor: int
    list_price_minor: int
    member_price_applied: bool

    @property
    def subtotal_minor(self) -> int:
        """What the line costs at the shopper's price."""
        return self.unit_price_minor * self.quantity

    @property
    def in_stock(self) -> bool:
        """Whether the catalog has the quantity asked for."""
        return self.variant is not None and self.variant.available >= self.quantity


@dataclass(frozen=True)
class CartView:
    """The cart as the shopper sees it, priced for them, and what checking out will need."""

    items: tuple[CartItem, ...]
    currency: str
    is_member: bool
    has_address: bool
    has_card: bool

    @property
    def items_minor(self) -> int:
        """The items at the shopper's prices (delivery and tax come at checkout)."""
        return sum(item.subtotal_minor for item in self.items)

    @property
    def savings_minor(self) -> int:
        """What member prices save on the items."""
        return sum(i.quantity * (i.list_price_minor - i.unit_price_minor) for i in self.items)

    @property
    def units(self) -> int:
        """How many units the cart holds."""
        return sum(item.quantity for item in self.items)

    @property
    def sold_out(self) -> bool:
        """Whether an item is no longer sold (checkout is refused until it is removed)."""
        return any(item.variant is None for item in self.items)


def _check_quantity(policy: CheckoutPolicy, quantity: int) -> None:
    if not 1 <= quantity <= policy.max_quantity:
        raise InvalidCartQuantity(
            f"Choose a quantity from 1 to {policy.max_quantity}.",
            extra={"field": "quantity", "max_quantity": policy.max_quantity},
        )


async def add_to_cart(
    *, uow: UnitOfWork, policy: CheckoutPolicy, shopper_id: str, variant_id: str, quantity: int
) -> int:
    """Put ``quantity`` units of a sold variant in the cart; the line's quantity now."""
    _check_quantity(policy, quantity)
    async with uow:
        detail = await catalog.get_variant(uow=uow, reference=variant_id)
        repo = uow.repo(CartRepository)
        lines = await repo.lines(shopper_id)
        held = any(line.variant_id == detail.variant.id for line in lines)
        if not held and len(lines) >= policy.max_lines:
            raise CartFull(
                f"A cart holds up to {policy.max_lines} different items.",
                extra={"max_lines": policy.max_lines},
            )
        line = CartLine(
            id=new_id("crt"), shopper_id=shopper_id, variant_id=detail.variant.id,
            sku=detail.variant.sku, quantity=quantity,
        )  # fmt: skip
        total = await repo.add_units(line, max_quantity=policy.max_quantity, now=clock.now())
        if total is None:
            raise InvalidCartQuantity(
                f"A cart holds at most {policy.max_quantity} of one item.",
                extra={"field": "quantity", "max_quantity": policy.max_quantity},
            )
        await uow.commit()
    return total


async def set_cart_quantity(
    *, uow: UnitOfWork, policy: CheckoutPolicy, shopper_id: str, line_id: str, quantity: int
) -> None:
    """Change how many units of a line the shopper wants."""
    _check_quantity(policy, quantity)
    async with uow:
        repo = uow.repo(CartRepository)
        if not await repo.set_quantity(shopper_id, line_id, quantity, now=clock.now()):
            raise CartLineNotFound(f"No line {line_id!r} in your cart.")
        await uow.commit()


async def remove_from_cart(*, uow: UnitOfWork, shopper_id: str, line_id: str) -> None:
    """Take a line out of the cart."""
    async with uow:
        if not await uow.repo(CartRepository).remove(shopper_id, line_id):
            raise CartLineNotFound(f"No line {line_id!r} in your cart.")
        await uow.commit()


async def empty_cart(*, uow: UnitOfWork, shopper_id: str) -> None:
    """Forget the whole cart (account erasure)."""
    async with uow:
        await uow.repo(CartRepository).empty(shopper_id)
        await uow.commit()


def _item(line: CartLine, variant: VariantSnapshot | None, is_member: bool) -> CartItem:
    if variant is None:
        return CartItem(line.id, line.variant_id, line.sku, line.quantity, None, 0, 0, False)
    pricing = price_for(variant, is_member=is_member)
    return CartItem(
        line.id, line.variant_id, line.sku, line.quantity, variant, pricing.unit_price_minor,
        pricing.list_price_minor, pricing.member_price_applied,
    )  # fmt: skip


async def view_cart(*, uow: UnitOfWork, policy: CheckoutPolicy, shopper_id: str) -> CartView:
    """The cart priced for the shopper (member prices for members), with stock and readiness."""
    async with uow:
        lines = await uow.repo(CartRepository).lines(shopper_id)
        variants = await offers.current_variants(uow=uow, skus=[line.sku for line in lines])
        book = await refresh.address_book(uow, shopper_id, now=clock.now())
    items = tuple(_item(line, variants.get(line.sku), book.is_member) for line in lines)
    return CartView(
        items=items, currency=policy.currency, is_member=book.is_member,
        has_address=bool(book.addresses), has_card=bool(book.cards),
    )  # fmt: skip


async def cart_export(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's cart for their data export."""
    async with uow:
        lines = await uow.repo(CartRepository).lines(shopper_id)
    return [
        {"sku": line.sku, "quantity": line.quantity, "added_at": line.created_at.isoformat()}
        for line in lines
    ]


async def _cancel_open_store_sessions(
    uow: UnitOfWork, policy: CheckoutPolicy, buyer: Buyer
) -> None:
    """Give back the stock an earlier, abandoned checkout of the cart still holds."""
    async with uow:
        earlier = await uow.repo(CheckoutRepository).open_store_sessions(buyer.shopper_id)
    for session_id in earlier:
        try:
            await cancel_checkout_session(
                uow=uow, policy=policy, buyer=buyer, session_id=session_id
            )
        except (CheckoutClosed, CheckoutInProgress):
            continue  # completed or being paid meanwhile: not ours to take back


def _requested(lines: Sequence[CartLine], tokens: dict[str, str]) -> list[RequestedItem]:
    gone = sorted(line.sku for line in lines if line.sku not in tokens)
    if gone:
        raise CartItemUnavailable(
            "Some items of your cart are no longer sold: remove them first.",
            extra={"skus": gone},
        )
    return [RequestedItem(offer_token=tokens[line.sku], quantity=line.quantity) for line in lines]


async def checkout_cart(
    *,
    uow: UnitOfWork,
    reader: UnitOfWork,
    policy: CheckoutPolicy,
    shopper_id: str,
    return_url: str,
) -> CheckoutSummary:
    """A checkout session of the store (no partner) for the whole cart, its stock held."""
    async with reader:
        lines = await reader.repo(CartRepository).lines(shopper_id)
    if not lines:
        raise CartEmpty("Your cart is empty.")
    buyer = Buyer(
        shopper_id=shopper_id, partner_id=None, client_id=None, subject=None,
        channel=STORE_CHANNEL,
    )  # fmt: skip
    await _cancel_open_store_sessions(uow, policy, buyer)
    tokens = await offers.store_offer_tokens(
        uow=reader, writer=uow, policy=policy.offers, shopper_id=shopper_id,
        skus=[line.sku for line in lines],
    )  # fmt: skip
    return await create_checkout_session(
        uow=uow, policy=policy, buyer=buyer, items=_requested(lines, tokens), return_url=return_url
    )
