"""Shoply's "My orders": the ACP orders its agent placed, as the completion answered and the
store's order events last told.

ACP orders name their checkout session, never the shopper: Shoply remembers which browser
session started each checkout (and in which currency), and files every order under it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.kernel import clock

# Checkouts and browsers remembered (the oldest forgotten first): memory stays bounded.
MAX_CHECKOUTS = 10_000
MAX_BROWSERS = 5_000


@dataclass(frozen=True)
class AgentOrder:
    """An order as Shoply shows it."""

    id: str
    status: str
    total_minor: int | None
    currency: str
    titles: tuple[str, ...]
    permalink: str | None
    updated_at: datetime


def _total(document: dict[str, Any]) -> int | None:
    for entry in document.get("totals") or []:
        if isinstance(entry, dict) and entry.get("type") == "total":
            amount = entry.get("amount")
            return amount if isinstance(amount, int) else None
    return None


def _trim(book: OrderedDict[str, Any], limit: int) -> None:
    while len(book) > limit:
        book.popitem(last=False)


class OrderBook:
    """Orders per browser session, and which session started each checkout."""

    def __init__(self) -> None:
        self._owners: OrderedDict[str, tuple[str, str]] = OrderedDict()  # checkout → owner
        self._orders: OrderedDict[str, dict[str, AgentOrder]] = OrderedDict()

    def started(self, checkout_session_id: str, app_session_id: str, currency: str) -> None:
        """A browser session started this checkout, in ``currency``."""
        self._owners[checkout_session_id] = (app_session_id, currency.upper())
        _trim(self._owners, MAX_CHECKOUTS)

    def record(self, document: dict[str, Any]) -> AgentOrder | None:
        """File an ACP Order (a completion's or an event's); None when not one of Shoply's."""
        owner = self._owners.get(str(document.get("checkout_session_id")))
        if owner is None or not isinstance(document.get("id"), str):
            return None
        app_session_id, currency = owner
        permalink = document.get("permalink_url")
        lines = [line for line in document.get("line_items") or [] if isinstance(line, dict)]
        order = AgentOrder(
            id=document["id"], status=str(document.get("status") or ""),
            total_minor=_total(document), currency=currency,
            titles=tuple(str(line.get("title") or line.get("id")) for line in lines),
            permalink=permalink if isinstance(permalink, str) else None, updated_at=clock.now(),
        )  # fmt: skip
        orders = self._orders.setdefault(app_session_id, {})
        self._orders.move_to_end(app_session_id)
        _trim(self._orders, MAX_BROWSERS)
        orders[order.id] = order
        return order

    def of(self, app_session_id: str) -> list[AgentOrder]:
        """A browser session's orders, newest first."""
        orders = self._orders.get(app_session_id, {})
        return sorted(orders.values(), key=lambda o: o.id, reverse=True)
