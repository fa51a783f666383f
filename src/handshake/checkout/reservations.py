"""Stock reservations of checkout sessions: hold, keep, give back on expiry, turn into orders.

A reservation row is the identity of one catalog stock hold. Its status changes only
conditionally (``held`` → ``released`` / ``ordered`` → ``shipped``), in the transaction that moves
the stock, so units go back or leave exactly once even when the expiry job, a cancellation and
a completion race for them. Locks are taken in one order everywhere (reservation rows, then
stock rows by variant id) so concurrent sessions on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handshake.catalog.errors import OutOfStock
from handshake.catalog.stock_holds import StockHold, hold_stock, release_stock, ship_stock
from handshake.checkout.events import ReservationsReleased
from handshake.checkout.models import ReservationStatus, StockReservation
from handshake.checkout.repository import CheckoutRepository
from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs
from handshake.kernel import clock
from handshake.kernel.ids import new_id

EXPIRE_JOB = "checkout.expire_reservations"
SWEEP_LIMIT = 500


def _hold_of(reservation: StockReservation) -> StockHold:
    return StockHold(reservation.variant_id, reservation.warehouse_code, reservation.quantity)


async def hold_for_line(
    uow: UnitOfWork,
    *,
    session_id: str,
    line_id: str,
    variant_id: str,
    quantity: int,
    warehouse_codes: Sequence[str] | None,
    until: datetime,
) -> StockReservation | None:
    """Hold ``quantity`` units in the first listed warehouse having them; None when none has."""
    try:
        hold = await hold_stock(
            uow=uow, variant_id=variant_id, quantity=quantity, warehouse_codes=warehouse_codes
        )
    except OutOfStock:
        return None
    reservation = StockReservation(
        id=new_id("rsv"), session_id=session_id, line_id=line_id, variant_id=variant_id,
        warehouse_code=hold.warehouse_code, quantity=quantity, status=ReservationStatus.HELD,
        expires_at=until,
    )  # fmt: skip
    uow.repo(CheckoutRepository).add(reservation)
    return reservation


async def release(
    uow: UnitOfWork, reservation: StockReservation, *, due_before: datetime | None = None
) -> bool:
    """Give a held reservation's units back; False if it was not held (or not due) any more."""
    moved = await uow.repo(CheckoutRepository).move_reservation(
        reservation.id, expected=ReservationStatus.HELD, to=ReservationStatus.RELEASED,
        now=clock.now(), due_before=due_before,
    )  # fmt: skip
    if moved:
        await release_stock(uow=uow, hold=_hold_of(reservation))
    return moved


async def release_all(uow: UnitOfWork, reservations: Sequence[StockReservation]) -> list[str]:
    """Release every reservation still held; the ids that were."""
    released = []
    for reservation in sorted(reservations, key=lambda r: (r.variant_id, r.warehouse_code)):
        if await release(uow, reservation):
            released.append(reservation.id)
    return released


async def schedule_expiry(uow: UnitOfWork, *, session_id: str, at: datetime) -> None:
    """Queue the job that gives the session's stock back at ``at`` (once per expiry time)."""
    delay = max(at - clock.now(), timedelta(0)) + timedelta(seconds=1)
    await jobs.enqueue(
        uow=uow, name=EXPIRE_JOB, payload={"session_id": session_id}, delay=delay,
        dedupe_key=f"{EXPIRE_JOB}:{session_id}:{int(at.timestamp())}",
    )  # fmt: skip


async def _release_due(uow: UnitOfWork, reservations: Sequence[StockReservation]) -> int:
    now = clock.now()
    by_session: dict[str, list[str]] = {}
    for reservation in sorted(reservations, key=lambda r: (r.variant_id, r.warehouse_code)):
        if await release(uow, reservation, due_before=now):
            by_session.setdefault(reservation.session_id, []).append(reservation.id)
    for session_id, ids in by_session.items():
        uow.record(ReservationsReleased(session_id=session_id, reservation_ids=tuple(ids)))
    return sum(len(ids) for ids in by_session.values())


async def expire_session_reservations(*, uow: UnitOfWork, session_id: str) -> int:
    """Give back the session's reservations that are past their expiry; how many."""
    async with uow:
        held = await uow.repo(CheckoutRepository).reservations(session_id)
        released = await _release_due(uow, held)
        await uow.commit()
    return released


async def expire_due_reservations(*, uow: UnitOfWork, limit: int = SWEEP_LIMIT) -> int:
    """Give back every overdue reservation (the worker's sweep, behind the per-session jobs)."""
    async with uow:
        due = await uow.repo(CheckoutRepository).due_reservations(now=clock.now(), limit=limit)
        released = await _release_due(uow, due)
        await uow.commit()
    return released


async def _settle_order(uow: UnitOfWork, order_id: str, *, shipped: bool) -> None:
    """Move the order's units out (shipped) or back to stock (cancelled), each exactly once."""
    repo = uow.repo(CheckoutRepository)
    to = ReservationStatus.SHIPPED if shipped else ReservationStatus.RELEASED
    move = ship_stock if shipped else release_stock
    ordered = await repo.order_reservations(order_id, ReservationStatus.ORDERED)
    for reservation in sorted(ordered, key=lambda r: (r.variant_id, r.warehouse_code)):
        moved = await repo.move_reservation(
            reservation.id, expected=ReservationStatus.ORDERED, to=to, now=clock.now()
        )
        if moved:
            await move(uow=uow, hold=_hold_of(reservation))


async def ship_reservations(uow: UnitOfWork, *, order_id: str) -> None:
    """The order's units leave their warehouses (inside the caller's transaction)."""
    await _settle_order(uow, order_id, shipped=True)


async def return_order_stock(uow: UnitOfWork, *, order_id: str) -> None:
    """A cancelled order's units go back to stock (inside the caller's transaction)."""
    await _settle_order(uow, order_id, shipped=False)
