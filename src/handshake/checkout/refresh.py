"""Bringing a session up to date: re-price, re-hold, summarise (in the caller's transaction).

Holds are taken in variant-id order (stock rows are then always locked in one order) and only
from warehouses that deliver to the chosen address, fastest first; a line whose units nobody
has is left unheld with an ``out_of_stock`` message, and completion will try again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.accounts import service as accounts
from handshake.checkout import pricing
from handshake.checkout.delivery_plan import Destination, PlannedLine
from handshake.checkout.holds import covering_codes, sync_holds
from handshake.checkout.models import CheckoutLine, CheckoutSession, StockReservation
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.summary import (
    CheckoutSummary,
    DeliveryChoice,
    blockers_of,
    delivery_choices,
    mask_address,
    mask_card,
    planned_lines,
)
from handshake.db.uow import UnitOfWork
from handshake.offers import service as offers
from handshake.offers.composition import VariantSnapshot, price_for

PRICE_CHANGED = "price_changed"


@dataclass(frozen=True)
class AddressBook:
    """The shopper's membership, addresses and usable cards, by id."""

    is_member: bool
    addresses: dict[str, Any]
    cards: dict[str, Any]

    @property
    def default_address_id(self) -> str | None:
        """The default address, else the first one."""
        found = [a.id for a in self.addresses.values() if a.is_default]
        return found[0] if found else next(iter(self.addresses), None)

    @property
    def default_card_id(self) -> str | None:
        """The default usable card, else the first usable one."""
        found = [c.id for c in self.cards.values() if c.is_default]
        return found[0] if found else next(iter(self.cards), None)


async def address_book(uow: UnitOfWork, shopper_id: str, *, now: datetime) -> AddressBook:
    """The shopper's book as of ``now`` (expired cards left out)."""
    addresses = await accounts.list_addresses(uow=uow, shopper_id=shopper_id)
    cards = await accounts.list_payment_methods(uow=uow, shopper_id=shopper_id)
    member = await accounts.is_shopper_member(uow=uow, shopper_id=shopper_id, at=now)
    return AddressBook(
        is_member=member,
        addresses={a.id: a for a in addresses},
        cards={c.id: c for c in cards if not c.is_expired(now)},
    )


def destination(session: CheckoutSession, book: AddressBook) -> Destination | None:
    """Where the session's parcel goes, if it has a (still existing) address."""
    given = session.delivery_address
    if given:
        return Destination(given["postal_code"], given["country"], session.is_member)
    address = book.addresses.get(session.address_id or "")
    if address is None:
        return None
    return Destination(address.postal_code, address.country, session.is_member)


def message(code: str, text: str, **fields: Any) -> dict[str, Any]:
    """A message for the partner's UI."""
    return {"code": code, "text": text, **fields}


def reprice(
    session: CheckoutSession, lines: Sequence[CheckoutLine], snapshots: dict[str, VariantSnapshot]
) -> None:
    """Set each line's price and titles from the catalog; keep a message for each change."""
    notes = {m["sku"]: m for m in session.messages if m.get("code") == PRICE_CHANGED}
    for line in lines:
        snapshot = snapshots.get(line.sku)
        if snapshot is None:
            continue
        pricing_now = price_for(snapshot, is_member=session.is_member)
        line.title_en, line.title_fr = snapshot.title_en, snapshot.title_fr
        line.list_price_minor = pricing_now.list_price_minor
        if pricing_now.unit_price_minor == line.unit_price_minor:
            continue
        old = notes.get(line.sku, {}).get("old_unit_price_minor", line.unit_price_minor)
        line.unit_price_minor = pricing_now.unit_price_minor
        notes[line.sku] = message(
            PRICE_CHANGED,
            f"The price of {line.sku} changed from {old} to {line.unit_price_minor}"
            f" ({session.currency} minor units).",
            sku=line.sku, old_unit_price_minor=old, new_unit_price_minor=line.unit_price_minor,
        )  # fmt: skip
    session.messages = [
        n for n in notes.values() if n["old_unit_price_minor"] != n["new_unit_price_minor"]
    ]


async def refresh_session(
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    session: CheckoutSession,
    lines: Sequence[CheckoutLine],
    *,
    book: AddressBook,
    now: datetime,
    hold_until: datetime | None = None,
) -> CheckoutSummary:
    """Re-price, re-hold until ``hold_until`` (default: the reservation time), store totals."""
    snapshots = await offers.current_variants(uow=uow, skus=[line.sku for line in lines])
    session.is_member = book.is_member
    reprice(session, lines, snapshots)
    to = destination(session, book)
    until = hold_until or now + policy.reservation
    held = await sync_holds(uow, session, lines, snapshots=snapshots, to=to, now=now, until=until)
    summary = await summarize(
        uow, policy, session, lines, book=book, now=now, snapshots=snapshots, held=held
    )
    totals = summary.totals
    session.items_minor, session.list_items_minor = totals.items_minor, totals.list_items_minor
    session.shipping_minor, session.tax_minor = totals.shipping_minor, totals.tax_minor
    session.total_minor = totals.total_minor
    return summary


def _state_messages(lines: Sequence[CheckoutLine], stock: LineStock) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        if line.id in stock.unavailable:
            text = f"{line.sku} is no longer sold."
            found.append(message("item_unavailable", text, sku=line.sku))
        elif line.id in stock.uncovered:
            text = f"{line.sku} cannot be delivered to this address."
            found.append(message("not_deliverable_to_address", text, sku=line.sku))
        elif line.id not in stock.held:
            text = f"{line.quantity} × {line.sku} cannot be reserved now."
            found.append(message("out_of_stock", text, sku=line.sku, requested=line.quantity))
    return found


@dataclass(frozen=True)
class LineStock:
    """Which lines hold all their units, which no warehouse delivers, which are not sold."""

    held: frozenset[str]
    uncovered: frozenset[str]
    unavailable: frozenset[str]

    def unheld(self, lines: Sequence[CheckoutLine]) -> int:
        """Lines deliverable and sold that hold fewer units than they ask (out of stock)."""
        skip = self.held | self.uncovered | self.unavailable
        return sum(1 for line in lines if line.id not in skip)


def line_stock(
    lines: Sequence[CheckoutLine],
    reservations: Sequence[StockReservation],
    snapshots: dict[str, VariantSnapshot],
    *,
    to: Destination | None,
    now: datetime,
) -> LineStock:
    """Classify the lines by what their holds and the catalog say."""
    quantities = {line.id: line.quantity for line in lines}
    held = frozenset(r.line_id for r in reservations if r.quantity == quantities.get(r.line_id))
    unavailable = frozenset(line.id for line in lines if line.sku not in snapshots)
    uncovered = frozenset(
        line.id for line in lines
        if line.id not in unavailable
        and covering_codes(snapshots[line.sku], line.quantity, to, now) == []
    )  # fmt: skip
    return LineStock(held, uncovered, unavailable)


def _pricing(
    policy: CheckoutPolicy,
    session: CheckoutSession,
    lines: Sequence[CheckoutLine],
    planned: list[PlannedLine] | None,
    *,
    to: Destination | None,
    now: datetime,
) -> tuple[tuple[DeliveryChoice, ...], DeliveryChoice, pricing.Totals]:
    """Delivery choices with their fees and promises, the chosen one, and the totals with it."""
    amounts = [
        pricing.LineAmounts(line.quantity, line.unit_price_minor, line.list_price_minor)
        for line in lines
    ]
    option = policy.option_or_default(session.delivery_option)
    totals = pricing.totals(
        amounts, option=option, is_member=session.is_member,
        rate_bp=policy.tax_rate_bp(to.country if to else policy.offers.default_country),
        prices_include_tax=policy.prices_include_tax,
    )  # fmt: skip
    choices = delivery_choices(
        policy, planned, to=to, items_minor=totals.items_minor, is_member=session.is_member,
        now=now,
    )  # fmt: skip
    chosen = next(c for c in choices if c.option.code == option.code)
    return choices, chosen, totals


async def summarize(
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    session: CheckoutSession,
    lines: Sequence[CheckoutLine],
    *,
    book: AddressBook,
    now: datetime,
    snapshots: dict[str, VariantSnapshot] | None = None,
    held: Sequence[StockReservation] | None = None,
) -> CheckoutSummary:
    """What the session shows now (``held``: its held reservations, when just known)."""
    if snapshots is None:
        snapshots = await offers.current_variants(uow=uow, skus=[line.sku for line in lines])
    if held is None:
        held = await uow.repo(CheckoutRepository).reservations(session.id)
    to = destination(session, book)
    stock = line_stock(lines, held, snapshots, to=to, now=now)
    planned = planned_lines(lines, snapshots, [r for r in held if r.line_id in stock.held])
    choices, chosen, totals = _pricing(policy, session, lines, planned, to=to, now=now)
    blockers = blockers_of(
        has_address=to is not None, uncovered_lines=len(stock.uncovered),
        deliverable=chosen.window is not None,
        has_card=(session.payment_method_id or "") in book.cards,
        unheld_lines=stock.unheld(lines), unavailable_lines=len(stock.unavailable),
    )  # fmt: skip
    return CheckoutSummary(
        session=session, lines=tuple(lines), reservations=tuple(held),
        addresses=tuple(mask_address(a) for a in book.addresses.values()),
        cards=tuple(mask_card(c) for c in book.cards.values()), choices=choices,
        chosen=chosen, totals=totals, blockers=blockers,
        messages=(*session.messages, *_state_messages(lines, stock)),
        prices_include_tax=policy.prices_include_tax,
    )  # fmt: skip
