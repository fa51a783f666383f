"""Keeping a session's stock holds in line with its lines and address (caller's transaction).

Holds go to warehouses that deliver to the address, fastest first (anywhere while there is no
address yet). A hold whose warehouse no longer delivers there is given back; a line whose
quantity changed holds the new quantity, and when nobody has it keeps the units it had. Work is
done in variant-id order after the session's reservation rows are locked (by extending them),
the order the expiry job locks in too, so concurrent sessions do not deadlock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handshake.checkout.delivery_plan import Destination, warehouse_preference
from handshake.checkout.models import CheckoutLine, CheckoutSession, StockReservation
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.reservations import hold_for_line, release, schedule_expiry
from handshake.db.uow import UnitOfWork
from handshake.offers.composition import VariantSnapshot


def covering_codes(
    snapshot: VariantSnapshot, quantity: int, to: Destination | None, now: datetime
) -> list[str] | None:
    """Warehouses to hold in, fastest first; None: any (no address yet); []: none delivers."""
    if to is None:
        return None
    return warehouse_preference(snapshot.warehouses, quantity=quantity, to=to, now=now)


async def _hold(
    uow: UnitOfWork, line: CheckoutLine, quantity: int, codes: list[str] | None, until: datetime
) -> StockReservation | None:
    return await hold_for_line(
        uow, session_id=line.session_id, line_id=line.id, variant_id=line.variant_id,
        quantity=quantity, warehouse_codes=codes, until=until,
    )  # fmt: skip


async def _sync_line(
    uow: UnitOfWork,
    line: CheckoutLine,
    current: StockReservation | None,
    codes: list[str] | None,
    until: datetime,
) -> StockReservation | None:
    """The line's reservation after bringing it in line (None: nothing held)."""
    if current is not None and codes is not None and current.warehouse_code not in codes:
        await release(uow, current)  # that warehouse does not deliver to the address
        current = None
    if codes == []:
        return None
    if current is None:
        return await _hold(uow, line, line.quantity, codes, until)
    if current.quantity == line.quantity:
        return current
    await release(uow, current)
    resized = await _hold(uow, line, line.quantity, codes, until)
    if resized is None:  # the units just given back are still ours under the row lock
        resized = await _hold(uow, line, current.quantity, [current.warehouse_code], until)
    return resized


async def sync_holds(
    uow: UnitOfWork,
    session: CheckoutSession,
    lines: Sequence[CheckoutLine],
    *,
    snapshots: dict[str, VariantSnapshot],
    to: Destination | None,
    now: datetime,
    until: datetime,
) -> list[StockReservation]:
    """Hold what is missing, move or drop what no longer fits; the session's held units."""
    repo = uow.repo(CheckoutRepository)
    current = {r.line_id: r for r in await repo.reservations(session.id)}
    if current:
        await repo.extend_reservations(session.id, until=until, now=now)
    by_id = {line.id: line for line in lines}
    work = sorted(
        [(r.variant_id, line_id) for line_id, r in current.items() if line_id not in by_id]
        + [(line.variant_id, line.id) for line in lines]
    )
    held = []
    for _, line_id in work:
        line, snapshot = by_id.get(line_id), None
        if line is not None:
            snapshot = snapshots.get(line.sku)
        if line is None or snapshot is None:  # removed, or no longer sold: give it back
            if line_id in current:
                await release(uow, current[line_id])
            continue
        codes = covering_codes(snapshot, line.quantity, to, now)
        kept = await _sync_line(uow, line, current.get(line_id), codes, until)
        if kept is not None:
            held.append(kept)
    session.reserved_until = until
    await schedule_expiry(uow, session_id=session.id, at=until)
    return held
