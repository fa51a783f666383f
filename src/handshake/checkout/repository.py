"""Every query of checkout: sessions, lines, reservations, orders and their history.

Reservation changes are conditional updates (``WHERE status = :expected``) that report whether
they happened. Sessions and orders change under their row lock (``for_update``), taken first by
every use case that changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update

from handshake.checkout.models import (
    CartLine,
    CheckoutLine,
    CheckoutSession,
    Order,
    OrderChange,
    OrderLine,
    ReservationStatus,
    SessionStatus,
    StockReservation,
)
from handshake.db.uow import Repository


class CheckoutRepository(Repository):
    """Checkout sessions and their reservations."""

    async def get_session(
        self, session_id: str, *, for_update: bool = False
    ) -> CheckoutSession | None:
        """One session; row-locked until the transaction ends when ``for_update``."""
        statement = select(CheckoutSession).where(CheckoutSession.id == session_id)
        if for_update:
            statement = statement.with_for_update()
        statement = statement.execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).first()

    async def lines(self, session_id: str) -> list[CheckoutLine]:
        """A session's lines in the order they were given."""
        rows = await self.session.scalars(
            select(CheckoutLine)
            .where(CheckoutLine.session_id == session_id)
            .order_by(CheckoutLine.position)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def delete_line(self, line: CheckoutLine) -> None:
        """Remove a line (its quantity went to zero)."""
        await self.session.delete(line)

    async def reservations(
        self, session_id: str, *, status: ReservationStatus = ReservationStatus.HELD
    ) -> list[StockReservation]:
        """A session's reservations in ``status``."""
        rows = await self.session.scalars(
            select(StockReservation)
            .where(StockReservation.session_id == session_id, StockReservation.status == status)
            .order_by(StockReservation.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def order_reservations(
        self, order_id: str, status: ReservationStatus
    ) -> list[StockReservation]:
        """An order's reservations in ``status``."""
        rows = await self.session.scalars(
            select(StockReservation)
            .where(StockReservation.order_id == order_id, StockReservation.status == status)
            .order_by(StockReservation.id)
        )
        return list(rows.all())

    async def move_reservation(
        self,
        reservation_id: str,
        *,
        expected: ReservationStatus,
        to: ReservationStatus,
        now: datetime,
        due_before: datetime | None = None,
        order_id: str | None = None,
    ) -> bool:
        """Change a reservation still in ``expected`` (and due, when ``due_before`` is given)."""
        conditions: list[ColumnElement[bool]] = [
            StockReservation.id == reservation_id,
            StockReservation.status == expected,
        ]
        if due_before is not None:
            conditions.append(StockReservation.expires_at <= due_before)
        values: dict[str, Any] = {"status": to, "updated_at": now}
        if order_id is not None:
            values["order_id"] = order_id
        touched = await self.execute_count(
            update(StockReservation)
            .where(*conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return touched == 1

    async def extend_reservations(self, session_id: str, *, until: datetime, now: datetime) -> int:
        """Push back the expiry of a session's held reservations; how many were still held."""
        return await self.execute_count(
            update(StockReservation)
            .where(
                StockReservation.session_id == session_id,
                StockReservation.status == ReservationStatus.HELD,
            )
            .values(expires_at=until, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def due_reservations(self, *, now: datetime, limit: int) -> list[StockReservation]:
        """Held reservations past their expiry, oldest first."""
        rows = await self.session.scalars(
            select(StockReservation)
            .where(
                StockReservation.status == ReservationStatus.HELD,
                StockReservation.expires_at <= now,
            )
            .order_by(StockReservation.expires_at, StockReservation.id)
            .limit(limit)
        )
        return list(rows.all())

    async def open_store_sessions(self, shopper_id: str) -> list[str]:
        """Ids of the shopper's open sessions of the store's own checkout, oldest first."""
        rows = await self.session.scalars(
            select(CheckoutSession.id)
            .where(
                CheckoutSession.shopper_id == shopper_id,
                CheckoutSession.partner_id.is_(None),
                CheckoutSession.status == SessionStatus.OPEN,
            )
            .order_by(CheckoutSession.id)
        )
        return list(rows.all())

    async def transition_session(
        self, session_id: str, *, expected: Sequence[str], values: dict[str, Any], now: datetime
    ) -> bool:
        """Change a session still in one of the ``expected`` statuses."""
        touched = await self.execute_count(
            update(CheckoutSession)
            .where(CheckoutSession.id == session_id, CheckoutSession.status.in_(expected))
            .values(**values, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return touched == 1


class OrderRepository(Repository):
    """Orders, their lines and history."""

    async def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        """One order; row-locked until the transaction ends when ``for_update``."""
        statement = select(Order).where(Order.id == order_id)
        if for_update:
            statement = statement.with_for_update()
        statement = statement.execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).first()

    async def lines(self, order_id: str) -> list[OrderLine]:
        """An order's lines."""
        rows = await self.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position)
        )
        return list(rows.all())

    async def changes(self, order_id: str) -> list[OrderChange]:
        """An order's history, oldest first."""
        rows = await self.session.scalars(
            select(OrderChange)
            .where(OrderChange.order_id == order_id)
            .order_by(OrderChange.at, OrderChange.id)
        )
        return list(rows.all())

    async def search(
        self,
        *,
        shopper_id: str | None = None,
        partner_id: str | None = None,
        status: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[Order]:
        """Orders matching every filter, newest first (ids grow with time), after ``after``."""
        conditions: list[ColumnElement[bool]] = []
        if shopper_id is not None:
            conditions.append(Order.shopper_id == shopper_id)
        if partner_id is not None:
            conditions.append(Order.partner_id == partner_id)
        if status is not None:
            conditions.append(Order.status == status)
        if after is not None:
            conditions.append(Order.id < after)
        query = select(Order).where(*conditions).order_by(Order.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())

    async def lines_of(self, order_ids: Sequence[str]) -> dict[str, list[OrderLine]]:
        """The lines of several orders, by order id."""
        found: dict[str, list[OrderLine]] = {order_id: [] for order_id in order_ids}
        if order_ids:
            query = select(OrderLine).where(OrderLine.order_id.in_(order_ids))
            for line in await self.session.scalars(query.order_by(OrderLine.position)):
                found[line.order_id].append(line)
        return found

    async def changes_of(self, order_ids: Sequence[str]) -> dict[str, list[OrderChange]]:
        """The histories of several orders, oldest first, by order id."""
        found: dict[str, list[OrderChange]] = {order_id: [] for order_id in order_ids}
        if order_ids:
            query = select(OrderChange).where(OrderChange.order_id.in_(order_ids))
            for change in await self.session.scalars(
                query.order_by(OrderChange.at, OrderChange.id)
            ):
                found[change.order_id].append(change)
        return found

    async def erase_addresses(self, shopper_id: str, *, now: datetime) -> int:
        """Replace the address copies of the shopper's orders by an erasure mark; how many."""
        return await self.execute_count(
            update(Order)
            .where(Order.shopper_id == shopper_id)
            .values(address={"erased": True}, notes=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def erase_session_addresses(self, shopper_id: str) -> None:
        """Forget the one-off delivery addresses and the notes of the shopper's sessions."""
        await self.session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.shopper_id == shopper_id)
            .values(delivery_address=None, notes=None)
            .execution_options(synchronize_session=False)
        )


class CartRepository(Repository):
    """Shoppers' carts: one line per variant, changed by single conditional statements."""

    async def lines(self, shopper_id: str) -> list[CartLine]:
        """The shopper's cart, in the order things were first added."""
        rows = await self.session.scalars(
            select(CartLine)
            .where(CartLine.shopper_id == shopper_id)
            .order_by(CartLine.created_at, CartLine.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def count(self, shopper_id: str) -> int:
        """How many lines the shopper's cart has."""
        query = select(func.count()).select_from(CartLine).where(CartLine.shopper_id == shopper_id)
        return int((await self.session.execute(query)).scalar_one())

    async def add_units(self, line: CartLine, *, max_quantity: int, now: datetime) -> int | None:
        """Insert ``line``, or add its units to the shopper's line of that variant, in one upsert.

        Concurrent adds of one variant all land on one line (the unique key decides); the new
        quantity, or None when it would exceed ``max_quantity`` (then nothing changed).
        """
        table = CartLine.__table__
        statement = self.conflict_insert(CartLine).values(
            id=line.id, shopper_id=line.shopper_id, variant_id=line.variant_id, sku=line.sku,
            quantity=line.quantity, created_at=now, updated_at=now,
        )  # fmt: skip
        summed = table.c.quantity + statement.excluded.quantity
        upsert = statement.on_conflict_do_update(
            index_elements=[table.c.shopper_id, table.c.variant_id],
            set_={"quantity": summed, "updated_at": now},
            where=summed <= max_quantity,
        ).returning(table.c.quantity)
        found = (await self.session.execute(upsert)).first()
        return None if found is None else int(found[0])

    async def set_quantity(
        self, shopper_id: str, line_id: str, quantity: int, *, now: datetime
    ) -> bool:
        """Set the quantity of one of the shopper's lines; whether it exists."""
        touched = await self.execute_count(
            update(CartLine)
            .where(CartLine.id == line_id, CartLine.shopper_id == shopper_id)
            .values(quantity=quantity, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return touched == 1

    async def remove(self, shopper_id: str, line_id: str) -> bool:
        """Delete one of the shopper's lines; whether it existed."""
        touched = await self.execute_count(
            delete(CartLine)
            .where(CartLine.id == line_id, CartLine.shopper_id == shopper_id)
            .execution_options(synchronize_session=False)
        )
        return touched == 1

    async def take_units(self, shopper_id: str, variant_id: str, quantity: int) -> None:
        """Take ``quantity`` units of a variant out of the cart (no line is left at zero)."""
        of_variant = (CartLine.shopper_id == shopper_id, CartLine.variant_id == variant_id)
        await self.session.execute(
            delete(CartLine)
            .where(*of_variant, CartLine.quantity <= quantity)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(CartLine)
            .where(*of_variant, CartLine.quantity > quantity)
            .values(quantity=CartLine.quantity - quantity)
            .execution_options(synchronize_session=False)
        )

    async def empty(self, shopper_id: str) -> None:
        """Delete every line of the shopper's cart."""
        await self.session.execute(
            delete(CartLine)
            .where(CartLine.shopper_id == shopper_id)
            .execution_options(synchronize_session=False)
        )
