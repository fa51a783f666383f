"""Events of checkout, published on the bus after their transaction commits."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True)
class OrderPlaced(Event):
    """A checkout session became an order."""

    order_id: str
    session_id: str
    shopper_id: str
    partner_id: str | None
    total_minor: int
    currency: str
    click_id: str | None


@dataclass(frozen=True)
class OrderChanged(Event):
    """An order moved on (paid, shipped, delivered, cancelled, refunded)."""

    order_id: str
    kind: str
    status: str
    partner_id: str | None


@dataclass(frozen=True)
class ReservationsReleased(Event):
    """Units held for a session went back to stock because their reservation expired."""

    session_id: str
    reservation_ids: tuple[str, ...]
