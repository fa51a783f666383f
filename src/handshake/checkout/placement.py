"""Step three of completion: the held reservations become an order, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from handshake.catalog.errors import OutOfStock
from handshake.checkout.documents import partner_document
from handshake.checkout.errors import CheckoutClosed, CheckoutInProgress
from handshake.checkout.events import OrderPlaced
from handshake.checkout.models import (
    CheckoutLine,
    CheckoutSession,
    Order,
    OrderChange,
    OrderLine,
    OrderStatus,
    ReservationStatus,
    SessionStatus,
    StockReservation,
)
from handshake.checkout.order_observers import order_observed
from handshake.checkout.repository import CartRepository, CheckoutRepository
from handshake.db.uow import UnitOfWork
from handshake.idempotency import service as idempotency
from handshake.idempotency.service import IdempotentRequest
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.payments.models import Payment
from handshake.webhooks import service as webhooks

ORDER_CREATED = "order.created"


@dataclass(frozen=True)
class Delivered:
    """Where the order goes and when it was promised, as fixed when completion began."""

    address: dict[str, Any]
    promised_date: str | None
    card_label: str


@dataclass(frozen=True)
class PlacedOrder:
    """A new order with its lines, and the answer rendered for the caller."""

    order: Order
    lines: tuple[OrderLine, ...]
    answer: Any = None


Renderer = Callable[[PlacedOrder], Any]


def order_change(
    order_id: str, kind: str, status: str, *, actor: str, at: datetime, **detail: Any
) -> OrderChange:
    """One step of an order's history."""
    return OrderChange(
        id=new_id("och"), order_id=order_id, kind=kind, status=status, actor=actor,
        detail=detail, at=at,
    )  # fmt: skip


def _order(
    session: CheckoutSession, payment: Payment, delivered: Delivered, channel: str, now: datetime
) -> Order:
    return Order(
        id=new_id("ord"), session_id=session.id, shopper_id=session.shopper_id,
        partner_id=session.partner_id, channel=channel, click_id=session.click_id,
        click_key=session.click_key, status=OrderStatus.PAID, payment_id=payment.id,
        card_label=delivered.card_label, currency=session.currency,
        items_minor=session.items_minor, list_items_minor=session.list_items_minor,
        shipping_minor=session.shipping_minor, tax_minor=session.tax_minor,
        total_minor=session.total_minor, refunded_minor=0, address=delivered.address,
        delivery_option=session.delivery_option, promised_date=delivered.promised_date,
        notes=session.notes, placed_at=now,
    )  # fmt: skip


def _order_line(order_id: str, line: CheckoutLine, reservation: StockReservation) -> OrderLine:
    return OrderLine(
        id=new_id("orl"), order_id=order_id, position=line.position, variant_id=line.variant_id,
        sku=line.sku, title_en=line.title_en, title_fr=line.title_fr, quantity=line.quantity,
        unit_price_minor=line.unit_price_minor, list_price_minor=line.list_price_minor,
        warehouse_code=reservation.warehouse_code, campaign_id=line.campaign_id,
        creative_id=line.creative_id,
    )  # fmt: skip


async def _locked_session(repo: CheckoutRepository, session_id: str, token: str) -> CheckoutSession:
    session = await repo.get_session(session_id, for_update=True)
    if session is not None and session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELED):
        raise CheckoutClosed(
            f"This checkout session was {session.status} meanwhile.",
            extra={"session_status": session.status, "order_id": session.order_id},
        )
    if session is None or session.completion_token != token:
        raise CheckoutInProgress(
            "Another attempt took this checkout over; retry to see its outcome.",
            retry_after_seconds=1,
        )
    return session


async def _convert_holds(
    uow: UnitOfWork, session: CheckoutSession, order: Order, now: datetime
) -> list[OrderLine]:
    """Each held reservation becomes part of ``order`` (exactly once); the order's lines."""
    repo = uow.repo(CheckoutRepository)
    lines = await repo.lines(session.id)
    held = {r.line_id: r for r in await repo.reservations(session.id)}
    if {line.id: line.quantity for line in lines} != {k: r.quantity for k, r in held.items()}:
        raise OutOfStock("Some items are no longer reserved for this checkout.")
    order_lines = []
    for line in lines:
        moved = await repo.move_reservation(
            held[line.id].id, expected=ReservationStatus.HELD, to=ReservationStatus.ORDERED,
            now=now, order_id=order.id,
        )  # fmt: skip
        if not moved:
            raise OutOfStock("Some items are no longer reserved for this checkout.")
        order_lines.append(_order_line(order.id, line, held[line.id]))
        repo.add(order_lines[-1])
    return order_lines


def _history(
    order: Order, session: CheckoutSession, payment: Payment, now: datetime
) -> list[OrderChange]:
    actor = f"partner:{session.partner_id}" if session.partner_id else "shopper"
    return [
        order_change(order.id, "placed", OrderStatus.PLACED, actor=actor, at=now),
        order_change(
            order.id, "paid", OrderStatus.PAID, actor="system", at=now,
            payment_id=payment.id, authorized_minor=payment.authorized_minor,
        ),
    ]  # fmt: skip


async def _announce(uow: UnitOfWork, session: CheckoutSession, placed: PlacedOrder) -> None:
    order = placed.order
    if session.partner_id is not None:
        await webhooks.publish_event(
            uow=uow, partner_id=session.partner_id, event_type=ORDER_CREATED,
            data=partner_document(order, placed.lines),
        )  # fmt: skip
    await order_observed(uow, order, placed.lines, "placed")
    uow.record(OrderPlaced(
        order_id=order.id, session_id=session.id, shopper_id=session.shopper_id,
        partner_id=session.partner_id, total_minor=order.total_minor, currency=order.currency,
        click_id=order.click_id,
    ))  # fmt: skip


async def _take_from_cart(uow: UnitOfWork, shopper_id: str, lines: Sequence[OrderLine]) -> None:
    """The store's own order empties the cart of what it bought, in the order's transaction.

    Only a placed order does: an abandoned or refused checkout leaves the cart as it was.
    """
    cart = uow.repo(CartRepository)
    for line in lines:
        await cart.take_units(shopper_id, line.variant_id, line.quantity)


async def place_order(
    uow: UnitOfWork,
    *,
    session_id: str,
    token: str,
    channel: str,
    payment: Payment,
    delivered: Delivered,
    render: Renderer,
    idempotent: IdempotentRequest | None,
    answer_status: int = 201,
) -> PlacedOrder:
    """Turn the session's held units into an order paid by ``payment``; commit with its answer."""
    now = clock.now()
    async with uow:
        repo = uow.repo(CheckoutRepository)
        session = await _locked_session(repo, session_id, token)
        order = _order(session, payment, delivered, channel, now)
        repo.add(order)
        await uow.flush()
        placed = PlacedOrder(order, tuple(await _convert_holds(uow, session, order, now)))
        for change in _history(order, session, payment, now):
            repo.add(change)
        session.status, session.order_id = SessionStatus.COMPLETED, order.id
        session.completing_until = session.completion_token = session.reserved_until = None
        await _announce(uow, session, placed)
        if session.partner_id is None:
            await _take_from_cart(uow, session.shopper_id, placed.lines)
        answer = render(placed)
        if idempotent is not None:
            await idempotency.record_answer(
                uow=uow, request=idempotent, status_code=answer_status, body=answer
            )
        await uow.commit()
    return replace(placed, answer=answer)
