"""Orders as the Agentic Commerce Protocol's Order objects (pure): in the completion answer and
in the order events sent to the agent's platform (a full snapshot each time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from handshake.agentic.session_document import StoreFacts, rfc3339, total
from handshake.checkout.models import Order, OrderLine, OrderStatus

STATUS = {
    OrderStatus.PLACED: "created",
    OrderStatus.PAID: "confirmed",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.DELIVERED: "completed",
    OrderStatus.CANCELED: "canceled",
}


def order_status(order: Order) -> str:
    """The protocol status; a refunded order is completed once delivered, else cancelled."""
    if order.status == OrderStatus.REFUNDED:
        return "completed" if order.delivered_at is not None else "canceled"
    return STATUS.get(OrderStatus(order.status), "processing")


def _line(line: OrderLine, order: Order, lang: str) -> dict[str, Any]:
    closed = order.status in (OrderStatus.CANCELED, OrderStatus.REFUNDED)
    current = 0 if closed else line.quantity
    fulfilled = current if order.shipped_at is not None else 0
    status = "removed" if current == 0 else "fulfilled" if fulfilled else "processing"
    return {
        "id": line.id, "title": line.title_fr if lang == "fr" else line.title_en,
        "quantity": {"ordered": line.quantity, "current": current, "fulfilled": fulfilled},
        "unit_price": line.unit_price_minor, "subtotal": line.unit_price_minor * line.quantity,
        "status": status,
    }  # fmt: skip


def _fulfillment(order: Order, lines: Sequence[OrderLine]) -> dict[str, Any]:
    status = "pending"
    if order.status == OrderStatus.CANCELED:
        status = "canceled"
    elif order.delivered_at is not None:
        status = "delivered"
    elif order.shipped_at is not None:
        status = "shipped"
    document: dict[str, Any] = {
        "id": f"ful_{order.id}", "type": "shipping", "status": status,
        "line_items": [{"id": line.id, "quantity": line.quantity} for line in lines],
    }  # fmt: skip
    if order.carrier:
        document["carrier"] = order.carrier
    if order.tracking_number:
        document["tracking_number"] = order.tracking_number
    return document


def _adjustments(order: Order) -> list[dict[str, Any]]:
    found = []
    if order.refunded_minor:
        found.append({
            "id": f"adj_{order.id}_refund", "type": "refund", "status": "completed",
            "occurred_at": rfc3339(order.updated_at), "amount": order.refunded_minor,
            "currency": order.currency.lower(),
        })  # fmt: skip
    if order.status == OrderStatus.CANCELED and order.canceled_at is not None:
        found.append({
            "id": f"adj_{order.id}_cancel", "type": "cancellation", "status": "completed",
            "occurred_at": rfc3339(order.canceled_at),
        })  # fmt: skip
    return found


def _estimated(order: Order) -> dict[str, str] | None:
    if order.promised_date is None:
        return None
    day = date.fromisoformat(order.promised_date).isoformat()
    return {"earliest": f"{day}T00:00:00Z", "latest": f"{day}T23:59:59Z"}


def order_document(order: Order, lines: Sequence[OrderLine], store: StoreFacts) -> dict[str, Any]:
    """The protocol's Order for ``order``."""
    document: dict[str, Any] = {
        "type": "order", "id": order.id, "checkout_session_id": order.session_id,
        "order_number": order.id, "permalink_url": f"{store.public_url}/account/orders/{order.id}",
        "status": order_status(order),
        "line_items": [_line(line, order, store.lang) for line in lines],
        "fulfillments": [_fulfillment(order, lines)], "adjustments": _adjustments(order),
        "totals": [
            total("subtotal", store.lang, order.items_minor),
            total("fulfillment", store.lang, order.shipping_minor),
            total("tax", store.lang, order.tax_minor),
            total("total", store.lang, order.total_minor),
            total("amount_refunded", store.lang, order.refunded_minor),
        ],
    }  # fmt: skip
    estimated = _estimated(order)
    if estimated is not None:
        document["estimated_delivery"] = estimated
    return document
