"""Shared helpers of the Agentic Commerce Protocol tests: headers, vault tokens, sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.checkout_helpers import checkout_shopper, prepared_catalog
from tests.offers_helpers import MEMBER_SKU, LinkedShopper, client_credentials_token

VERSION = "2026-04-17"
SESSIONS = "/acp/checkout_sessions"
DELEGATE = "/agentic_commerce/delegate_payment"
MERCHANT_ID = "handshake"
ADDRESS = {
    "name": "Ada Lovelace", "line_one": "12 rue de la Paix", "city": "Paris", "state": "",
    "country": "FR", "postal_code": "75011",
}  # fmt: skip


def acp_headers(linked: LinkedShopper, key: str | None = "new", **extra: str) -> dict[str, str]:
    """Bearer, API-Version and (unless ``key`` is None) an Idempotency-Key (``new``: random)."""
    headers = {**linked.headers, "API-Version": VERSION, **extra}
    if key is not None:
        headers["Idempotency-Key"] = str(uuid.uuid4()) if key == "new" else key
    return headers


def create_body(*items: tuple[str, int], address: bool = True, **extra: Any) -> dict[str, Any]:
    """A create request for (sku, quantity) items, delivered to ADDRESS unless told not to."""
    body: dict[str, Any] = {
        "line_items": [{"id": sku} for sku, quantity in items for _ in range(quantity)],
        "currency": "eur", "capabilities": {}, **extra,
    }  # fmt: skip
    if address:
        body["fulfillment_details"] = {"name": "Ada Lovelace", "address": ADDRESS}
    return body


async def open_session(
    client: httpx.AsyncClient, linked: LinkedShopper, *items: tuple[str, int], **extra: Any
) -> dict[str, Any]:
    """A created session (asserting 201)."""
    answer = await client.post(
        SESSIONS, json=create_body(*items, **extra), headers=acp_headers(linked)
    )
    assert answer.status_code == 201, answer.text
    document: dict[str, Any] = answer.json()
    return document


def card_body(
    session_id: str, max_amount: int, *, number: str = "4242424242424242",
    currency: str = "eur", expires_in: timedelta = timedelta(minutes=30),
    merchant_id: str = MERCHANT_ID,
) -> dict[str, Any]:  # fmt: skip
    """A delegate_payment request for a sandbox card and an allowance."""
    return {
        "payment_method": {
            "type": "card", "card_number_type": "fpan", "number": number, "exp_month": "12",
            "exp_year": "2035", "cvc": "123", "display_card_funding_type": "credit",
            "display_brand": "visa", "display_last4": number[-4:], "metadata": {},
        },
        "allowance": {
            "reason": "one_time", "max_amount": max_amount, "currency": currency,
            "checkout_session_id": session_id, "merchant_id": merchant_id,
            "expires_at": (clock.now() + expires_in).isoformat().replace("+00:00", "Z"),
        },
        "risk_signals": [{"type": "card_testing", "score": 5, "action": "authorized"}],
        "metadata": {"source": "tests"},
    }  # fmt: skip


async def vault_token(
    client: httpx.AsyncClient, linked: LinkedShopper, session_id: str, max_amount: int, **card: Any
) -> str:
    """A delegated vault token for the session (the platform's client-credentials token)."""
    token = await client_credentials_token(client, linked.app, scope="checkout")
    headers = {
        "Authorization": f"Bearer {token}", "API-Version": VERSION,
        "Idempotency-Key": str(uuid.uuid4()),
    }  # fmt: skip
    answer = await client.post(
        DELEGATE, json=card_body(session_id, max_amount, **card), headers=headers
    )
    assert answer.status_code == 201, answer.text
    found: str = answer.json()["id"]
    return found


def complete_body(token: str) -> dict[str, Any]:
    """A complete request paying with the vault token."""
    return {
        "payment_data": {
            "handler_id": "handshake_delegated_card",
            "instrument": {"type": "card", "credential": {"type": "vault_token", "token": token}},
        },
    }  # fmt: skip


def total_of(session: dict[str, Any], kind: str = "total") -> int:
    """The amount of one total of a session."""
    amounts = [t["amount"] for t in session["totals"] if t["type"] == kind]
    assert len(amounts) == 1, session["totals"]
    return int(amounts[0])


ENDPOINTS = ("create", "update", "complete", "cancel")


async def ready(
    app: object, container: Container, client: httpx.AsyncClient
) -> tuple[LinkedShopper, dict[str, Any], str]:
    """An agent's shopper, a session of 2 × ACM-X1-WHT (stock held) and a vault token for it."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout")
    session = await open_session(client, linked, (MEMBER_SKU, 2))
    return linked, session, await vault_token(client, linked, session["id"], total_of(session))


def request_of(endpoint: str, session: dict[str, Any], token: str) -> tuple[str, dict[str, Any]]:
    """(path, body) of one of the four POSTs for ``session``."""
    base = f"{SESSIONS}/{session['id']}"
    return {
        "create": (SESSIONS, create_body((MEMBER_SKU, 1))),
        "update": (base, {"line_items": [{"id": MEMBER_SKU, "quantity": 3}]}),
        "complete": (f"{base}/complete", complete_body(token)),
        "cancel": (f"{base}/cancel", {"intent_trace": {"reason_code": "price"}}),
    }[endpoint]


def acp_error(
    answer: httpx.Response, status: int, code: str, kind: str = "invalid_request"
) -> dict[str, Any]:
    """Assert a flat protocol error of ``status`` and ``code``; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    assert (body["type"], body["code"]) == (kind, code), body
    return body
