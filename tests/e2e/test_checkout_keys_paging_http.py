"""Idempotency-Key on session creation and cancellation; order lists a page at a time."""

from __future__ import annotations

import httpx

from handshake.bootstrap import Container
from tests.checkout_helpers import (
    SESSIONS,
    checkout_shopper,
    offer_token,
    placed_order,
    prepared_catalog,
)
from tests.checkout_state_helpers import problem, stock
from tests.offers_helpers import LOW_SKU, MEMBER_SKU, shopper_browser


async def test_a_retried_creation_holds_stock_once(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The same key and body: the first session replayed, its units held once."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    body = {"items": [{"offer_token": await offer_token(client, linked, LOW_SKU), "quantity": 2}]}
    headers = {**linked.headers, "Idempotency-Key": "create-1"}
    first = await client.post(SESSIONS, json=body, headers=headers)
    second = await client.post(SESSIONS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 2)}


async def test_a_retried_cancellation_replays_instead_of_conflicting(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Cancel twice with one key: the same 200; without a key the second would be a 409."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    body = {"items": [{"offer_token": await offer_token(client, linked, LOW_SKU), "quantity": 1}]}
    session = (await client.post(SESSIONS, json=body, headers=linked.headers)).json()
    headers = {**linked.headers, "Idempotency-Key": "cancel-1"}
    first = await client.post(f"{SESSIONS}/{session['id']}/cancel", headers=headers)
    second = await client.post(f"{SESSIONS}/{session['id']}/cancel", headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    keyless = await client.post(f"{SESSIONS}/{session['id']}/cancel", headers=linked.headers)
    problem(keyless, 409, "checkout_session_closed")
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 0)}


async def test_orders_come_a_page_at_a_time(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Three orders, pages of two: newest two, then the oldest; a forged cursor is refused."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    placed = [(await placed_order(client, linked, [(MEMBER_SKU, 1)]))["id"] for _ in range(3)]
    async with shopper_browser(app, container, linked.login) as shopper:
        first = (await shopper.get("/api/v1/me/orders", params={"limit": 2})).json()
        second = (
            await shopper.get(
                "/api/v1/me/orders", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        ).json()
        forged = await shopper.get("/api/v1/me/orders", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert [o["id"] for o in first["items"]] == placed[:0:-1]
    assert [o["id"] for o in second["items"]] == placed[:1]
    assert second["next_cursor"] is None
    problem(forged, 400, "invalid_cursor")
