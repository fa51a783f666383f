"""Orders as documents: what a partner, a shopper or an operator may see of one (pure).

A partner sees what was bought through it and where the order is, never the shopper's address
or card; the shopper and the operator see everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handshake.checkout.models import Order, OrderChange, OrderLine
from handshake.kernel import clock


def iso_time(value: Any) -> str | None:
    """A UTC time as ISO 8601 with ``Z`` (None stays None)."""
    return None if value is None else clock.iso_z(value)


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "sku": line.sku, "variant_id": line.variant_id, "title_en": line.title_en,
        "title_fr": line.title_fr, "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor, "list_price_minor": line.list_price_minor,
        "total_minor": line.quantity * line.unit_price_minor,
    }  # fmt: skip


def partner_document(order: Order, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """The order as the partner it came through sees it (webhooks and the partner API)."""
    return {
        "id": order.id, "checkout_session_id": order.session_id, "status": order.status,
        "currency": order.currency, "items": [_line(line) for line in lines],
        "totals": {
            "items_minor": order.items_minor,
            "member_savings_minor": order.list_items_minor - order.items_minor,
            "shipping_minor": order.shipping_minor, "tax_minor": order.tax_minor,
            "total_minor": order.total_minor, "refunded_minor": order.refunded_minor,
        },
        "delivery": {
            "option": order.delivery_option, "promised_date": order.promised_date,
            "carrier": order.carrier, "tracking_number": order.tracking_number,
        },
        "click_id": order.click_id, "placed_at": iso_time(order.placed_at),
        "shipped_at": iso_time(order.shipped_at), "delivered_at": iso_time(order.delivered_at),
        "canceled_at": iso_time(order.canceled_at),
    }  # fmt: skip


def full_document(
    order: Order, lines: Sequence[OrderLine], changes: Sequence[OrderChange] = ()
) -> dict[str, Any]:
    """The order as its shopper and the operators see it, with its history."""
    return {
        **partner_document(order, lines),
        "channel": order.channel, "partner_id": order.partner_id,
        "shopper_id": order.shopper_id, "payment_id": order.payment_id,
        "card": order.card_label, "address": dict(order.address), "notes": order.notes,
        "history": [
            {"kind": c.kind, "status": c.status, "actor": c.actor, "detail": dict(c.detail),
             "at": iso_time(c.at)}
            for c in changes
        ],
    }  # fmt: skip
