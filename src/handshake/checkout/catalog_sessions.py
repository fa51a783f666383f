"""Checkout sessions started from catalog items rather than offer tokens (AI agents' baskets).

An agent buying through the Agentic Commerce Protocol names items by the ids of the product
feed (SKUs) and may give a one-off delivery address. Everything else is the engine of every
checkout: the shopper's own price (member price included), stock held per line, the delivery
promise to the address, re-pricing with a ``price_changed`` message on each change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handshake.checkout import refresh
from handshake.checkout.delivery_address import DeliveryAddress
from handshake.checkout.errors import CurrencyNotSupported, InvalidCheckoutRequest, UnknownItems
from handshake.checkout.models import CheckoutLine, CheckoutSession
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.sessions import (
    Buyer,
    KeptAnswer,
    check_items,
    check_option,
    keep_answer,
    new_session,
    open_session,
    session_to_change,
)
from handshake.checkout.summary import CheckoutSummary
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.offers import service as offers
from handshake.offers.composition import VariantSnapshot, price_for

MAX_NOTES = 5000


def checked_notes(notes: str | None) -> str | None:
    """Notes as kept: trimmed, None when empty; :class:`InvalidCheckoutRequest` if too long."""
    text = (notes or "").strip()
    if len(text) > MAX_NOTES:
        raise InvalidCheckoutRequest(
            f"Notes hold at most {MAX_NOTES} characters.", extra={"max_notes": MAX_NOTES}
        )
    return text or None


@dataclass(frozen=True)
class CatalogItem:
    """A feed item (its SKU) and how many."""

    sku: str
    quantity: int


async def _snapshots(
    uow: UnitOfWork, policy: CheckoutPolicy, items: Sequence[CatalogItem]
) -> dict[str, VariantSnapshot]:
    skus = [item.sku for item in items]
    if len(set(skus)) != len(skus):
        raise InvalidCheckoutRequest("Give each item once, with its quantity.")
    found = await offers.current_variants(uow=uow, skus=skus)
    unknown = [sku for sku in skus if sku not in found]
    if unknown:
        raise UnknownItems("Some items are not sold.", extra={"unknown_items": unknown})
    foreign = sorted({s.currency for s in found.values()} - {policy.currency})
    if foreign:
        raise CurrencyNotSupported(
            f"The store sells in {policy.currency}.", extra={"currencies": foreign}
        )
    return found


def _line(
    session: CheckoutSession, position: int, variant: VariantSnapshot, quantity: int
) -> CheckoutLine:
    price = price_for(variant, is_member=session.is_member)
    return CheckoutLine(
        id=new_id("chl"), session_id=session.id, position=position,
        variant_id=variant.variant_id, sku=variant.sku, title_en=variant.title_en,
        title_fr=variant.title_fr, quantity=quantity, unit_price_minor=price.unit_price_minor,
        list_price_minor=price.list_price_minor, offered_price_minor=price.unit_price_minor,
    )  # fmt: skip


async def create_catalog_checkout_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    items: Sequence[CatalogItem],
    delivery_address: DeliveryAddress | None = None,
    delivery_option: str | None = None,
    notes: str | None = None,
    keep: KeptAnswer | None = None,
) -> CheckoutSummary:
    """A session for these catalog items at the shopper's price, with its stock held."""
    check_items(policy, [item.quantity for item in items])
    option = delivery_option or policy.default_option
    check_option(policy, option)
    address = delivery_address.checked() if delivery_address else None
    now = clock.now()
    async with uow:
        variants = await _snapshots(uow, policy, items)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        session = new_session(
            policy, buyer, book, option,
            delivery_address=address.as_document() if address else None,
            notes=checked_notes(notes),
        )  # fmt: skip
        lines = [_line(session, i, variants[it.sku], it.quantity) for i, it in enumerate(items)]
        summary = await open_session(uow, policy, session, lines, book=book, now=now)
        await keep_answer(uow, keep, summary)
        await uow.commit()
    return summary


async def _replace_lines(
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    session: CheckoutSession,
    items: Sequence[CatalogItem],
) -> list[CheckoutLine]:
    """The basket becomes ``items``: kept lines change quantity, others go or come."""
    check_items(policy, [item.quantity for item in items])
    variants = await _snapshots(uow, policy, items)
    repo = uow.repo(CheckoutRepository)
    current = {line.sku: line for line in await repo.lines(session.id)}
    wanted = {item.sku: item.quantity for item in items}
    for sku, line in current.items():
        if sku not in wanted:
            await repo.delete_line(line)
    lines = []
    for position, item in enumerate(items):
        kept = current.get(item.sku)
        if kept is None:
            kept = _line(session, position, variants[item.sku], item.quantity)
            repo.add(kept)
        kept.position, kept.quantity = position, item.quantity
        lines.append(kept)
    await uow.flush()
    return lines


async def update_catalog_checkout_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    session_id: str,
    items: Sequence[CatalogItem] | None = None,
    delivery_address: DeliveryAddress | None = None,
    delivery_option: str | None = None,
    notes: str | None = None,
    keep: KeptAnswer | None = None,
) -> CheckoutSummary:
    """Replace the basket, the one-off address, the option or the notes; re-price, re-hold."""
    if delivery_option is not None:
        check_option(policy, delivery_option)
    address = delivery_address.checked() if delivery_address else None
    now = clock.now()
    async with uow:
        session = await session_to_change(uow, buyer, session_id, now)
        repo = uow.repo(CheckoutRepository)
        if items is not None:
            lines = await _replace_lines(uow, policy, session, items)
        else:
            lines = await repo.lines(session.id)
        if address is not None:
            session.delivery_address = address.as_document()
        if delivery_option is not None:
            session.delivery_option = delivery_option
        if notes is not None:
            session.notes = checked_notes(notes)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        summary = await refresh.refresh_session(uow, policy, session, lines, book=book, now=now)
        await keep_answer(uow, keep, summary)
        await uow.commit()
    return summary


async def note_checkout_session(
    *, uow: UnitOfWork, buyer: Buyer, session_id: str, notes: str
) -> None:
    """Set the session's notes only (nothing re-priced: a completion's confirmed total stands)."""
    now = clock.now()
    async with uow:
        session = await session_to_change(uow, buyer, session_id, now)
        session.notes = checked_notes(notes)
        await uow.commit()
