"""Checkout sessions as JSON documents for partners (pure)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from handshake.checkout.documents import iso_time
from handshake.checkout.models import CheckoutLine, SessionStatus
from handshake.checkout.summary import CheckoutSummary, DeliveryChoice


def _line(line: CheckoutLine, lang: str, reserved: bool) -> dict[str, Any]:
    return {
        "sku": line.sku, "variant_id": line.variant_id,
        "title": line.title_fr if lang == "fr" else line.title_en, "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor, "list_price_minor": line.list_price_minor,
        "offered_price_minor": line.offered_price_minor,
        "member_saving_minor": (line.list_price_minor - line.unit_price_minor) * line.quantity,
        "total_minor": line.unit_price_minor * line.quantity, "reserved": reserved,
    }  # fmt: skip


def _choice(choice: DeliveryChoice, lang: str, selected: str) -> dict[str, Any]:
    window = choice.window
    promise = None
    if window is not None:
        label = window.label_fr if lang == "fr" else window.label_en
        promise = {
            "date": window.date.isoformat(), "start_hour": window.start_hour,
            "end_hour": window.end_hour, "label": label,
        }  # fmt: skip
    option = choice.option
    return {
        "code": option.code, "label": option.label_fr if lang == "fr" else option.label_en,
        "fee_minor": choice.fee_minor, "promise": promise, "selected": option.code == selected,
    }  # fmt: skip


def session_document(
    summary: CheckoutSummary, *, lang: str, sheet_url: str | None
) -> dict[str, Any]:
    """A checkout session as the partner sees it (addresses and cards masked)."""
    session, totals = summary.session, summary.totals
    held = {r.line_id for r in summary.reservations}
    address = next((a for a in summary.addresses if a.id == session.address_id), None)
    card = next((c for c in summary.cards if c.id == session.payment_method_id), None)
    is_open = session.status in (SessionStatus.OPEN, SessionStatus.COMPLETING)
    return {
        "id": session.id, "status": session.status,
        "ready_for_payment": is_open and summary.ready,
        "blockers": list(summary.blockers) if is_open else [], "currency": session.currency,
        "line_items": [_line(line, lang, line.id in held) for line in summary.lines],
        "totals": {
            "items_minor": totals.items_minor, "member_savings_minor": totals.savings_minor,
            "shipping_minor": totals.shipping_minor, "tax_minor": totals.tax_minor,
            "total_minor": totals.total_minor,
        },
        "tax_included": summary.prices_include_tax,
        "delivery_options": [_choice(c, lang, session.delivery_option) for c in summary.choices],
        "address": None if address is None else asdict(address),
        "addresses": [asdict(a) for a in summary.addresses],
        "payment_method": None if card is None else asdict(card),
        "payment_methods": [asdict(c) for c in summary.cards],
        "reserved_until": iso_time(session.reserved_until) if is_open else None,
        "messages": list(summary.messages) if is_open else list(session.messages),
        "sheet_url": sheet_url if is_open else None, "return_url": session.return_url,
        "order_id": session.order_id, "click_id": session.click_id,
        "created_at": iso_time(session.created_at), "updated_at": iso_time(session.updated_at),
    }  # fmt: skip
