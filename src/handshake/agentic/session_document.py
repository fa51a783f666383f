"""Checkout sessions as the Agentic Commerce Protocol's CheckoutSession objects (pure).

Amounts are integers in minor units and currencies lower-case ISO 4217, as the protocol writes
them. The shopper's saved addresses and cards are never shown to the agent: only the address the
agent itself gave comes back in ``fulfillment_details``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handshake.agentic.handler_schemas import CONFIG_PATH, INSTRUMENT_PATH
from handshake.agentic.messages import session_messages
from handshake.agentic.models import AgentCheckout
from handshake.agentic.protocol import PINNED_VERSION
from handshake.checkout.models import CheckoutLine, SessionStatus
from handshake.checkout.summary import NO_PAYMENT_METHOD, CheckoutSummary, DeliveryChoice

HANDLER_ID = "handshake_delegated_card"


@dataclass(frozen=True)
class StoreFacts:
    """What every session shows of the store: its links, payment handler and language."""

    public_url: str
    merchant_id: str
    links: tuple[tuple[str, str], ...]
    lang: str = "en"


def rfc3339(moment: datetime | None) -> str | None:
    """An aware instant as RFC 3339 in UTC (``…Z``)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# Display texts of totals, by language (agents show them as they are).
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "items_base_amount": "Items at list price",
        "items_discount": "Member savings",
        "subtotal": "Subtotal",
        "fulfillment": "Delivery",
        "tax": "Tax",
        "tax_included": "Tax included",
        "total": "Total",
        "amount_refunded": "Refunded",
    },
    "fr": {
        "items_base_amount": "Articles au prix catalogue",
        "items_discount": "Économies membre",
        "subtotal": "Sous-total",
        "fulfillment": "Livraison",
        "tax": "TVA",
        "tax_included": "TVA incluse",
        "total": "Total",
        "amount_refunded": "Remboursé",
    },
}


def total(kind: str, lang: str, amount: int, text: str | None = None) -> dict[str, Any]:
    """One Total entry, its display text in ``lang`` unless given."""
    shown = text or TEXTS.get(lang, TEXTS["en"])[kind]
    return {"type": kind, "display_text": shown, "amount": amount}


def _line(line: CheckoutLine, lang: str) -> dict[str, Any]:
    base = line.list_price_minor * line.quantity
    subtotal = line.unit_price_minor * line.quantity
    return {
        "id": line.id, "item": {"id": line.sku}, "quantity": line.quantity,
        "name": line.title_fr if lang == "fr" else line.title_en, "sku": line.sku,
        "variant_id": line.variant_id, "unit_amount": line.unit_price_minor,
        "totals": [
            total("items_base_amount", lang, base),
            total("items_discount", lang, base - subtotal),
            total("subtotal", lang, subtotal),
            total("total", lang, subtotal),
        ],
    }  # fmt: skip


def _option(choice: DeliveryChoice, lang: str) -> dict[str, Any]:
    option = choice.option
    title = option.label_fr if lang == "fr" else option.label_en
    document: dict[str, Any] = {
        "type": "shipping", "id": option.code, "title": title,
        "totals": [total("fulfillment", lang, choice.fee_minor, title)],
    }  # fmt: skip
    if choice.window is not None:
        start, end = choice.window.bounds()
        document["description"] = choice.window.label_fr if lang == "fr" else choice.window.label_en
        document["earliest_delivery_time"] = rfc3339(start)
        document["latest_delivery_time"] = rfc3339(end)
    return document


def _totals(summary: CheckoutSummary, lang: str) -> list[dict[str, Any]]:
    t = summary.totals
    tax_text = TEXTS.get(lang, TEXTS["en"])["tax_included" if summary.prices_include_tax else "tax"]
    return [
        total("items_base_amount", lang, t.list_items_minor),
        total("items_discount", lang, t.savings_minor),
        total("subtotal", lang, t.items_minor),
        total("fulfillment", lang, t.shipping_minor),
        total("tax", lang, t.tax_minor, tax_text),
        total("total", lang, t.total_minor),
    ]


def acp_status(summary: CheckoutSummary, now: datetime) -> str:
    """The protocol status of a session (payment comes with /complete, so no card is needed)."""
    session = summary.session
    if session.status == SessionStatus.COMPLETED:
        return "completed"
    if session.status == SessionStatus.CANCELED:
        return "canceled"
    until = session.completing_until
    if session.status == SessionStatus.COMPLETING and until is not None and until > now:
        return "complete_in_progress"
    blockers = [b for b in summary.blockers if b != NO_PAYMENT_METHOD]
    return "not_ready_for_payment" if blockers else "ready_for_payment"


def payment_handler(store: StoreFacts) -> dict[str, Any]:
    """The one payment handler: a card delegated to us as a vault token with an allowance."""
    base = store.public_url
    return {
        "id": HANDLER_ID, "name": "dev.acp.tokenized.card", "display_name": "Card",
        "version": PINNED_VERSION, "spec": f"{base}/docs#/agentic%20commerce",
        "requires_delegate_payment": True, "requires_pci_compliance": False,
        "psp": "sandbox", "config_schema": f"{base}{CONFIG_PATH}",
        "instrument_schemas": [f"{base}{INSTRUMENT_PATH}"],
        "config": {
            "merchant_id": store.merchant_id,
            "delegate_payment_url": f"{base}/agentic_commerce/delegate_payment",
        },
    }  # fmt: skip


def _selected(summary: CheckoutSummary) -> list[dict[str, Any]]:
    return [
        {
            "type": "shipping", "option_id": summary.chosen.option.code,
            "item_ids": [line.id for line in summary.lines],
        }
    ]  # fmt: skip


def session_document(
    summary: CheckoutSummary, agent: AgentCheckout, store: StoreFacts, *, now: datetime
) -> dict[str, Any]:
    """The protocol's CheckoutSession for ``summary``."""
    session, lang = summary.session, store.lang
    is_open = session.status in (SessionStatus.OPEN, SessionStatus.COMPLETING)
    document: dict[str, Any] = {
        "id": session.id, "protocol": {"version": PINNED_VERSION},
        "capabilities": {
            "payment": {"handlers": [payment_handler(store)]},
            "interventions": {"supported": []},
        },
        "status": acp_status(summary, now), "currency": session.currency.lower(),
        "line_items": [_line(line, lang) for line in summary.lines],
        "fulfillment_options": [_option(choice, lang) for choice in summary.choices],
        "selected_fulfillment_options": _selected(summary),
        "totals": _totals(summary, lang),
        # A closed session holds nothing: its stock or price notes no longer apply.
        "messages": session_messages(summary, agent) if is_open else [],
        "links": [{"type": kind, "url": url} for kind, url in store.links],
        "created_at": rfc3339(session.created_at), "updated_at": rfc3339(session.updated_at),
    }  # fmt: skip
    if session.status == SessionStatus.OPEN and session.reserved_until is not None:
        document["expires_at"] = rfc3339(session.reserved_until)
    if agent.buyer:
        document["buyer"] = agent.buyer
    if agent.fulfillment_details:
        document["fulfillment_details"] = agent.fulfillment_details
    if agent.locale:
        document["locale"] = agent.locale
    return document
