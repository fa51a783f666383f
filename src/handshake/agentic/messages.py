"""A session's messages in the protocol's terms: errors the buyer must resolve, warnings, info.

Each handshake message or blocker maps to the protocol's closed code lists; anything else is an
informational message, so an agent always learns what the store says.
"""

from __future__ import annotations

from typing import Any

from handshake.agentic.models import AgentCheckout
from handshake.checkout.summary import NO_ADDRESS, NOT_DELIVERABLE, CheckoutSummary

# handshake code → (protocol type, protocol code, resolution)
KNOWN: dict[str, tuple[str, str, str]] = {
    "price_changed": ("warning", "price_change", "requires_buyer_review"),
    "out_of_stock": ("error", "out_of_stock", "requires_buyer_input"),
    "item_unavailable": ("error", "not_found", "requires_buyer_input"),
    NOT_DELIVERABLE: ("error", "region_restricted", "requires_buyer_input"),
}
ADDRESS_PATH = "$.fulfillment_details.address"
INPUT, REVIEW = "requires_buyer_input", "requires_buyer_review"
INPUT, REVIEW = "requires_buyer_input", "requires_buyer_review"


def message(kind: str, content: str, *, code: str | None = None, **fields: str) -> dict[str, Any]:
    """One protocol message (plain text)."""
    document: dict[str, Any] = {"type": kind, "content_type": "plain", "content": content}
    if code is not None:
        document["code"] = code
    return {**document, **fields}


def _param(summary: CheckoutSummary, sku: object) -> str | None:
    for index, line in enumerate(summary.lines):
        if line.sku == sku:
            return f"$.line_items[{index}]"
    return None


def _from_store(summary: CheckoutSummary, note: dict[str, Any]) -> dict[str, Any]:
    text = str(note.get("text", note.get("code", "")))
    known = KNOWN.get(str(note.get("code")))
    if known is None:
        return message("info", text)
    kind, code, resolution = known
    param = ADDRESS_PATH if code == "region_restricted" else _param(summary, note.get("sku"))
    extra = {"param": param} if param else {}
    return message(kind, text, code=code, resolution=resolution, **extra)


def _expected_prices(summary: CheckoutSummary, agent: AgentCheckout) -> list[dict[str, Any]]:
    found = []
    for index, line in enumerate(summary.lines):
        expected = agent.expected_prices.get(line.sku)
        if expected is not None and expected != line.unit_price_minor:
            text = (
                f"{line.sku} costs {line.unit_price_minor}, not {expected}"
                f" ({summary.session.currency} minor units)."
            )
            path = f"$.line_items[{index}]"
            found.append(
                message("warning", text, code="price_change", resolution=REVIEW, param=path)
            )
    return found


def session_messages(summary: CheckoutSummary, agent: AgentCheckout) -> list[dict[str, Any]]:
    """Every message of the session, errors first."""
    found = [_from_store(summary, note) for note in summary.messages]
    if NO_ADDRESS in summary.blockers:
        text = "Give a delivery address in fulfillment_details."
        found.append(message("error", text, code="missing", resolution=INPUT, param=ADDRESS_PATH))
    found.extend(_expected_prices(summary, agent))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda m: order[m["type"]])
