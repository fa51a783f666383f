"""Upper domains that must hear of an order change inside the order's own transaction.

The agentic domain tells an AI agent's platform about orders placed through it; it must do so in
the transaction of the order (its webhook joins the outbox with the change), and checkout must
not import it. So it registers an observer here at start-up, and checkout calls every observer
when an order is placed or changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from handshake.checkout.models import Order, OrderLine
from handshake.db.uow import UnitOfWork

# (unit of work, the order, its lines, what happened: "placed" or the change's kind)
OrderObserver = Callable[[UnitOfWork, Order, Sequence[OrderLine], str], Awaitable[None]]

_observers: dict[str, OrderObserver] = {}


def observe_orders(name: str, observer: OrderObserver) -> None:
    """Call ``observer`` on every order placed or changed from now on; registering ``name``
    again replaces its observer (containers built again do not add duplicates)."""
    _observers[name] = observer


async def order_observed(
    uow: UnitOfWork, order: Order, lines: Sequence[OrderLine], kind: str
) -> None:
    """Tell every observer, inside the caller's open transaction."""
    for observer in list(_observers.values()):
        await observer(uow, order, lines, kind)
