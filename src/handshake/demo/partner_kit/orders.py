"""A partner app's "My orders": orders placed in the app, kept up to date by the platform's
webhooks.

Order webhooks name the checkout session, never the shopper: the app remembers which browser
session started each checkout, and files every ``order.*`` event under it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handshake.demo.partner_kit.webhooks import ReceivedEvent
from handshake.kernel import clock

# Checkouts and browsers remembered (the oldest forgotten first): memory stays bounded.
MAX_CHECKOUTS = 10_000
MAX_BROWSERS = 5_000


@dataclass
class PartnerOrder:
    """An order as the app shows it."""

    id: str
    status: str
    total_minor: int
    currency: str
    titles: list[str]
    tracking: str | None
    updated_at: datetime
    history: list[str] = field(default_factory=list)


def _order(document: dict[str, Any]) -> PartnerOrder:
    delivery = document.get("delivery") or {}
    tracking = delivery.get("tracking_number")
    carrier = delivery.get("carrier")
    return PartnerOrder(
        id=str(document["id"]), status=str(document.get("status")),
        total_minor=int(document.get("totals", {}).get("total_minor", 0)),
        currency=str(document.get("currency", "EUR")),
        titles=[str(i.get("title_en") or i.get("sku")) for i in document.get("items", [])],
        tracking=f"{carrier} {tracking}" if tracking else None, updated_at=clock.now(),
    )  # fmt: skip


class OrderBook:
    """Orders per browser session, and which session started each checkout."""

    def __init__(self) -> None:
        self._owners: OrderedDict[str, str] = OrderedDict()  # checkout id → app session id
        self._orders: OrderedDict[str, dict[str, PartnerOrder]] = OrderedDict()

    def started(self, checkout_session_id: str, app_session_id: str) -> None:
        """A browser session started this checkout."""
        self._owners[checkout_session_id] = app_session_id
        _trim(self._owners, MAX_CHECKOUTS)

    def record(self, document: dict[str, Any], why: str) -> PartnerOrder | None:
        """File an order document (a completion answer or a webhook); None when not ours."""
        owner = self._owners.get(str(document.get("checkout_session_id")))
        if owner is None or "id" not in document:
            return None
        orders = self._orders.setdefault(owner, {})
        self._orders.move_to_end(owner)
        _trim(self._orders, MAX_BROWSERS)
        fresh = _order(document)
        known = orders.get(fresh.id)
        fresh.history = [*(known.history if known else []), f"{why}: {fresh.status}"]
        orders[fresh.id] = fresh
        return fresh

    def take(self, event: ReceivedEvent) -> None:
        """An ``order.*`` webhook."""
        if event.type.startswith("order."):
            self.record(event.data, event.type)

    def of(self, app_session_id: str) -> list[PartnerOrder]:
        """A browser session's orders, newest first."""
        orders = self._orders.get(app_session_id, {})
        return sorted(orders.values(), key=lambda o: o.id, reverse=True)


def _trim(book: OrderedDict[str, Any], limit: int) -> None:
    while len(book) > limit:
        book.popitem(last=False)
