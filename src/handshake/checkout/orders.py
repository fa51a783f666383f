"""Use cases of orders after they are placed: read, ship (capture), deliver, cancel (void), refund.

Each change is a conditional move from the statuses that allow it, made in one transaction with
its payment operation, its stock movement, its history row and its webhook event: an order is
never shipped without its capture, nor cancelled without its stock going back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handshake.catalog import cursors
from handshake.checkout.documents import full_document, partner_document
from handshake.checkout.errors import InvalidRefund, OrderNotFound, OrderStateConflict
from handshake.checkout.events import OrderChanged
from handshake.checkout.models import Order, OrderChange, OrderLine, OrderStatus
from handshake.checkout.order_observers import order_observed
from handshake.checkout.placement import order_change
from handshake.checkout.repository import OrderRepository
from handshake.checkout.reservations import return_order_stock, ship_reservations
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.errors import InvalidInput
from handshake.payments import service as payments
from handshake.webhooks import service as webhooks

MAX_PAGE = 100
CANCELLABLE = (OrderStatus.PLACED, OrderStatus.PAID)
REFUNDABLE = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class OrderDetails:
    """An order with its lines and history."""

    order: Order
    lines: tuple[OrderLine, ...]
    changes: tuple[OrderChange, ...]


@dataclass(frozen=True)
class OrderFilter:
    """Whose orders to list: a shopper's, a partner's (and its shopper's), or all."""

    shopper_id: str | None = None
    partner_id: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class OrderPage:
    """A page of orders with lines and history, and the cursor of the next page (or None)."""

    items: list[OrderDetails]
    next_cursor: str | None


async def list_orders(
    *, uow: UnitOfWork, where: OrderFilter, limit: int = 50, cursor: str | None = None
) -> OrderPage:
    """Orders newest first, ``limit`` at most, after ``cursor``, with lines and history."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit goes from 1 to {MAX_PAGE}.", code="invalid_limit")
    after = None if cursor is None else cursors.decode(cursor, prefix="ord")
    async with uow:
        repo = uow.repo(OrderRepository)
        orders = await repo.search(
            shopper_id=where.shopper_id, partner_id=where.partner_id, status=where.status,
            after=after, limit=limit,
        )  # fmt: skip
        ids = [order.id for order in orders]
        lines, changes = await repo.lines_of(ids), await repo.changes_of(ids)
    items = [OrderDetails(o, tuple(lines[o.id]), tuple(changes[o.id])) for o in orders]
    more = len(orders) == limit
    return OrderPage(items, cursors.encode(orders[-1].id) if more else None)


async def get_order(
    *, uow: UnitOfWork, order_id: str, where: OrderFilter | None = None
) -> OrderDetails:
    """One order with lines and history; "not found" when it does not match ``where``."""
    async with uow:
        repo = uow.repo(OrderRepository)
        order = await repo.get(order_id)
        if order is None or not _matches(order, where):
            raise OrderNotFound(f"No order {order_id!r}.")
        return OrderDetails(
            order, tuple(await repo.lines(order.id)), tuple(await repo.changes(order.id))
        )


def _matches(order: Order, where: OrderFilter | None) -> bool:
    if where is None:
        return True
    return (where.shopper_id is None or order.shopper_id == where.shopper_id) and (
        where.partner_id is None or order.partner_id == where.partner_id
    )


async def _locked(uow: UnitOfWork, order_id: str, where: OrderFilter | None) -> Order:
    order = await uow.repo(OrderRepository).get(order_id, for_update=True)
    if order is None or not _matches(order, where):
        raise OrderNotFound(f"No order {order_id!r}.")
    return order


def _refuse(order: Order, action: str) -> OrderStateConflict:
    return OrderStateConflict(
        f"A {order.status} order cannot be {action}.", extra={"order_status": order.status}
    )


async def _record(
    uow: UnitOfWork,
    order: Order,
    change: tuple[str, str, str],
    detail: dict[str, Any],
    money: Callable[[], Awaitable[object]] | None = None,
) -> OrderDetails:
    """History row, webhook and bus events of a change applied to ``order``; then the payment
    operation ``money``, last, so a provider failure rolls the whole change back; then commit.

    ``change`` is (kind, actor, webhook event type).
    """
    kind, actor, event_type = change
    repo = uow.repo(OrderRepository)
    repo.add(order_change(order.id, kind, order.status, actor=actor, at=clock.now(), **detail))
    await uow.flush()
    lines = await repo.lines(order.id)
    if order.partner_id is not None:
        await webhooks.publish_event(
            uow=uow, partner_id=order.partner_id, event_type=event_type,
            data=partner_document(order, lines),
        )  # fmt: skip
    await order_observed(uow, order, lines, kind)
    uow.record(
        OrderChanged(order_id=order.id, kind=kind, status=order.status, partner_id=order.partner_id)
    )
    changes = await repo.changes(order.id)
    if money is not None:
        await money()
    await uow.commit()
    return OrderDetails(order, tuple(lines), tuple(changes))


def _payment_call(
    uow: UnitOfWork, order: Order, operation: str, **amount: int | None
) -> Callable[[], Awaitable[object]]:
    """The provider operation (capture, void, refund) on the order's payment, to run last."""

    async def run() -> object:
        details = await payments.get_payment(uow=uow, payment_id=order.payment_id)
        provider = payments.provider_named(details.payment.provider)
        call = {
            "capture": payments.capture_payment,
            "void": payments.void_payment,
            "refund": payments.refund_payment,
        }[operation]
        return await call(uow=uow, provider=provider, payment_id=order.payment_id, **amount)

    return run


async def ship_order(
    *, uow: UnitOfWork, order_id: str, carrier: str, tracking_number: str, actor: str
) -> OrderDetails:
    """The parcel left: capture the payment, take the units out of stock, tell the partner."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not 1 <= len(carrier) <= 60 or not 1 <= len(tracking_number) <= 100:
        raise InvalidInput("Give a carrier and a tracking number.", code="invalid_tracking")
    async with uow:
        order = await _locked(uow, order_id, None)
        if order.status != OrderStatus.PAID:
            raise _refuse(order, "shipped")
        await ship_reservations(uow, order_id=order.id)
        order.status, order.shipped_at = OrderStatus.SHIPPED, clock.now()
        order.carrier, order.tracking_number = carrier, tracking_number
        return await _record(
            uow, order, ("shipped", actor, "order.shipped"),
            {"carrier": carrier, "tracking_number": tracking_number},
            money=_payment_call(uow, order, "capture"),
        )  # fmt: skip


async def mark_delivered(*, uow: UnitOfWork, order_id: str, actor: str) -> OrderDetails:
    """The carrier delivered the parcel."""
    async with uow:
        order = await _locked(uow, order_id, None)
        if order.status != OrderStatus.SHIPPED:
            raise _refuse(order, "marked delivered")
        order.status, order.delivered_at = OrderStatus.DELIVERED, clock.now()
        return await _record(uow, order, ("delivered", actor, "order.updated"), {})


async def cancel_order(
    *,
    uow: UnitOfWork,
    order_id: str,
    actor: str,
    reason: str = "",
    where: OrderFilter | None = None,
) -> OrderDetails:
    """Cancel before shipping: the card's hold is voided and the units go back to stock."""
    async with uow:
        order = await _locked(uow, order_id, where)
        if order.status not in CANCELLABLE:
            raise _refuse(order, "cancelled")
        await return_order_stock(uow, order_id=order.id)
        order.status, order.canceled_at = OrderStatus.CANCELED, clock.now()
        return await _record(
            uow, order, ("canceled", actor, "order.cancelled"), {"reason": reason[:200]},
            money=_payment_call(uow, order, "void"),
        )  # fmt: skip


async def refund_order(
    *, uow: UnitOfWork, order_id: str, actor: str, amount_minor: int | None = None, reason: str = ""
) -> OrderDetails:
    """Give back part or all of a shipped order's payment (several partial refunds may follow)."""
    async with uow:
        order = await _locked(uow, order_id, None)
        if order.status not in REFUNDABLE:
            raise _refuse(order, "refunded")
        left = order.total_minor - order.refunded_minor
        amount = left if amount_minor is None else amount_minor
        if not 0 < amount <= left:
            raise InvalidRefund(
                f"Refund between 1 and {left} (minor units).", extra={"refundable_minor": left}
            )
        order.refunded_minor += amount
        if order.refunded_minor == order.total_minor:
            order.status = OrderStatus.REFUNDED
        return await _record(
            uow, order, ("refunded", actor, "order.refunded"),
            {"amount_minor": amount, "reason": reason[:200]},
            money=_payment_call(uow, order, "refund", amount_minor=amount),
        )  # fmt: skip


async def export_orders_of_shopper(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's orders, everything about them, for their data export."""
    documents: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await list_orders(
            uow=uow, where=OrderFilter(shopper_id=shopper_id), limit=MAX_PAGE, cursor=cursor
        )
        documents.extend(full_document(d.order, d.lines, d.changes) for d in page.items)
        if page.next_cursor is None:
            return documents
        cursor = page.next_cursor


async def erase_order_addresses(*, uow: UnitOfWork, shopper_id: str) -> int:
    """Erasure: orders stay (accounting) but forget where they went; how many."""
    async with uow:
        erased = await uow.repo(OrderRepository).erase_addresses(shopper_id, now=clock.now())
        await uow.repo(OrderRepository).erase_session_addresses(shopper_id)
        await uow.commit()
    return erased
