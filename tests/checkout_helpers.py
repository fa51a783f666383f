"""Shared helpers of the checkout tests: a linked shopper with offers, sessions, completion."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from tests.accounts_helpers import ShopperLogin
from tests.linking_helpers import PartnerApp, link_tokens
from tests.offers_helpers import (
    LinkedShopper,
    get_offers,
    linked_shopper,
    offer_catalog,
    offer_of,
    shopper_browser,
)

SESSIONS = "/partner/v1/checkout-sessions"
CHECKOUT_SCOPE = "offers checkout orders"


async def checkout_shopper(
    app: object, container: Container, *, card_token: str | None = None, **options: Any
) -> LinkedShopper:
    """The offers catalog and a shopper linked with offers, checkout and orders.

    ``card_token`` replaces the shopper's card by a sandbox card with that token (decline…).
    """
    options.setdefault("scope", CHECKOUT_SCOPE)
    linked = await linked_shopper(app, container, **options)
    if card_token is not None:
        methods = await accounts.list_payment_methods(
            uow=container.read_uow(), shopper_id=linked.login.shopper_id
        )
        for method in methods:
            await accounts.delete_payment_method(
                uow=container.uow(), shopper_id=linked.login.shopper_id, method_id=method.id
            )
        await accounts.add_payment_method(
            uow=container.uow(), shopper_id=linked.login.shopper_id, provider="sandbox",
            token=card_token, brand="visa", last4="0002", exp_month=12, exp_year=2035,
        )  # fmt: skip
    return linked


async def prepared_catalog(container: Container) -> None:
    """The offers tests' catalog (ACM-X1-WHT: 12 in Paris; ACM-PLAIN-1: 8 in Lyon…)."""
    await offer_catalog(container)


async def offer_token(client: httpx.AsyncClient, linked: LinkedShopper, sku: str) -> str:
    """A fresh offer token of ``sku`` for the linked shopper."""
    offer = offer_of((await get_offers(client, linked.headers, sku=sku)).json())
    token: str = offer["offer_token"]
    return token


async def create_session(
    client: httpx.AsyncClient, linked: LinkedShopper, items: list[tuple[str, int]], **extra: Any
) -> httpx.Response:
    """``POST /partner/v1/checkout-sessions`` for (sku, quantity) pairs."""
    body = {
        "items": [
            {"offer_token": await offer_token(client, linked, sku), "quantity": quantity}
            for sku, quantity in items
        ],
        **extra,
    }
    return await client.post(SESSIONS, json=body, headers=linked.headers)


def confirmation(session: dict[str, Any]) -> dict[str, Any]:
    """The completion body confirming the session's current total."""
    return {
        "confirmation": {
            "shopper_confirmed": True,
            "total_minor": session["totals"]["total_minor"],
            "currency": session["currency"],
        }
    }


async def complete(
    client: httpx.AsyncClient,
    linked: LinkedShopper,
    session: dict[str, Any],
    *,
    key: str | None = None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """Complete ``session`` with a new (or the given) Idempotency-Key."""
    headers = {**linked.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    return await client.post(
        f"{SESSIONS}/{session['id']}/complete",
        json=body if body is not None else confirmation(session),
        headers=headers,
    )


# Orders, stock levels, webhook events and more links (orders and reservations tests).


async def placed_order(
    client: httpx.AsyncClient, linked: LinkedShopper, items: list[tuple[str, int]]
) -> dict[str, Any]:
    """Create a session for ``items`` and complete it; the order (partner document)."""
    created = await create_session(client, linked, items)
    assert created.status_code == 201, created.text
    done = await complete(client, linked, created.json())
    assert done.status_code == 201, done.text
    order: dict[str, Any] = done.json()["order"]
    return order


async def stock_levels(container: Container, sku: str) -> dict[str, tuple[int, int]]:
    """(on_hand, reserved) of ``sku`` by warehouse code."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT w.code, s.on_hand, s.reserved FROM catalog_stock s"
                " JOIN catalog_warehouses w ON w.id = s.warehouse_id"
                " JOIN catalog_variants v ON v.id = s.variant_id WHERE v.sku = :sku"
            ),
            {"sku": sku},
        )
        return {code: (on_hand, reserved) for code, on_hand, reserved in rows.all()}


async def partner_events(container: Container, partner_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event type, data) of every webhook event stored for ``partner_id``, oldest first."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT event_type, body FROM webhook_events WHERE partner_id = :p ORDER BY id"),
            {"p": partner_id},
        )
        return [(kind, json.loads(body)["data"]) for kind, body in rows.all()]


async def link_shopper(
    app: object, container: Container, login: ShopperLogin, partner_app: PartnerApp,
    *, scope: str = CHECKOUT_SCOPE,
) -> LinkedShopper:  # fmt: skip
    """Link the existing shopper of ``login`` to ``partner_app`` too."""
    async with shopper_browser(app, container, login) as http:
        tokens = await link_tokens(http, partner_app, scope=scope)
    return LinkedShopper(login=login, app=partner_app, access_token=tokens["access_token"])
