"""Who sees which order: the shopper (/api/v1/me/orders) and the partner (/partner/v1/orders)."""

from __future__ import annotations

import json

import httpx

from handshake.bootstrap import Container
from handshake.partners import service as partners
from handshake.payments import service as payments
from tests.accounts_helpers import operator_headers
from tests.checkout_helpers import (
    checkout_shopper,
    link_shopper,
    partner_events,
    placed_order,
    prepared_catalog,
    stock_levels,
)
from tests.linking_helpers import bearer, register_app
from tests.offers_helpers import (
    CITY,
    MEMBER_SKU,
    PLAIN_SKU,
    POSTAL_CODE,
    SHOPPER_NAME,
    STREET,
    client_credentials_token,
    shopper_browser,
)

MY_ORDERS = "/api/v1/me/orders"
PARTNER_ORDERS = "/partner/v1/orders"
PARTNER_KEYS = {
    "id", "checkout_session_id", "status", "currency", "items", "totals", "delivery",
    "click_id", "placed_at", "shipped_at", "delivered_at", "canceled_at",
}  # fmt: skip
ADDRESS = {
    "name": SHOPPER_NAME, "line1": STREET, "line2": None, "city": CITY,
    "postal_code": POSTAL_CODE, "country": "FR",
}  # fmt: skip


async def test_shopper_lists_and_reads_own_orders(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Newest first, channel = the partner's name, full address and card label."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    first = await placed_order(client, linked, [(MEMBER_SKU, 2)])
    second = await placed_order(client, linked, [(PLAIN_SKU, 1)])
    partner = await partners.get_partner(uow=container.read_uow(), partner_id=linked.app.partner_id)
    async with shopper_browser(app, container, linked.login) as http:
        listed = await http.get(MY_ORDERS)
        one = await http.get(f"{MY_ORDERS}/{first['id']}")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [o["id"] for o in items] == [second["id"], first["id"]]
    assert {o["channel"] for o in items} == {partner.name}
    assert {o["partner_id"] for o in items} == {linked.app.partner_id}
    assert [o["totals"]["total_minor"] for o in items] == [4900 + 490, 25998]
    assert one.status_code == 200, one.text
    body = one.json()
    assert (body["id"], body["status"], body["channel"]) == (first["id"], "paid", partner.name)
    assert (body["address"], body["card"]) == (ADDRESS, "visa •••• 4242")
    assert body["shopper_id"] == linked.login.shopper_id
    assert [h["kind"] for h in body["history"]] == ["placed", "paid"]


async def test_another_shopper_sees_none_of_them(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Another shopper: empty list, 404 order_not_found on read and on cancel (nothing moves)."""
    await prepared_catalog(container)
    owner = await checkout_shopper(app, container)
    order = await placed_order(client, owner, [(MEMBER_SKU, 2)])
    stranger = await checkout_shopper(app, container)
    async with shopper_browser(app, container, stranger.login) as http:
        listed = await http.get(MY_ORDERS)
        read = await http.get(f"{MY_ORDERS}/{order['id']}")
        cancel = await http.post(
            f"{MY_ORDERS}/{order['id']}/cancel", json={}, headers=stranger.login.csrf_headers
        )
    assert listed.json()["items"] == []
    assert (read.status_code, read.json()["code"]) == (404, "order_not_found")
    assert (cancel.status_code, cancel.json()["code"]) == (404, "order_not_found")
    async with shopper_browser(app, container, owner.login) as http:
        mine = (await http.get(f"{MY_ORDERS}/{order['id']}")).json()
    assert mine["status"] == "paid"
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 2), "LYS1": (0, 0)}


async def test_shopper_cancels_own_order_before_shipping(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The shopper's cancel voids the payment, frees the units and tells the partner."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 2)])
    async with shopper_browser(app, container, linked.login) as http:
        answer = await http.post(
            f"{MY_ORDERS}/{order['id']}/cancel",
            json={"reason": "changed my mind"},
            headers=linked.login.csrf_headers,
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "canceled"
    last = body["history"][-1]
    assert (last["kind"], last["actor"], last["detail"]) == (
        "canceled",
        "shopper",
        {"reason": "changed my mind"},
    )
    payment = await payments.get_payment(uow=container.read_uow(), payment_id=body["payment_id"])
    assert (payment.payment.status, payment.payment.captured_minor) == ("voided", 0)
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 0), "LYS1": (0, 0)}
    kinds = [kind for kind, _ in await partner_events(container, linked.app.partner_id)]
    assert kinds == ["order.created", "order.cancelled"]


async def test_shopper_cannot_cancel_a_shipped_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """After shipping the shopper's cancel is a 409; the order stays shipped and captured."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 2)])
    ops = await operator_headers(container)
    tracking = {"carrier": "UPS", "tracking_number": "1Z999"}
    shipped = await client.post(
        f"/api/v1/admin/orders/{order['id']}/ship", json=tracking, headers=ops
    )
    assert shipped.status_code == 200, shipped.text
    async with shopper_browser(app, container, linked.login) as http:
        answer = await http.post(
            f"{MY_ORDERS}/{order['id']}/cancel", json={}, headers=linked.login.csrf_headers
        )
        now = (await http.get(f"{MY_ORDERS}/{order['id']}")).json()
    assert (answer.status_code, answer.json()["code"]) == (409, "order_state_conflict")
    assert now["status"] == "shipped"
    payment = await payments.get_payment(uow=container.read_uow(), payment_id=now["payment_id"])
    assert payment.payment.status == "captured"
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (10, 0), "LYS1": (0, 0)}


async def test_partner_lists_only_that_shoppers_orders(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A shopper's token lists that shopper's orders through this partner, nothing else."""
    await prepared_catalog(container)
    alice = await checkout_shopper(app, container)
    bob = await link_shopper(
        app, container, (await checkout_shopper(app, container)).login, alice.app
    )
    elsewhere = await link_shopper(
        app, container, alice.login, await register_app(container, kind="social")
    )
    mine = await placed_order(client, alice, [(MEMBER_SKU, 1)])
    bobs = await placed_order(client, bob, [(MEMBER_SKU, 1)])
    await placed_order(client, elsewhere, [(PLAIN_SKU, 1)])
    listed = await client.get(PARTNER_ORDERS, headers=alice.headers)
    assert listed.status_code == 200, listed.text
    assert [o["id"] for o in listed.json()["items"]] == [mine["id"]]
    assert set(listed.json()["items"][0]) == PARTNER_KEYS
    as_bob = await client.get(PARTNER_ORDERS, headers=bob.headers)
    assert [o["id"] for o in as_bob.json()["items"]] == [bobs["id"]]
    token = await client_credentials_token(client, alice.app, scope="orders")
    every = await client.get(PARTNER_ORDERS, headers=bearer(token))
    assert every.status_code == 200, every.text
    assert [o["id"] for o in every.json()["items"]] == [bobs["id"], mine["id"]]


async def test_another_partner_gets_404_on_the_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The same shopper's token from another partner cannot read the order."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 1)])
    other = await link_shopper(
        app, container, linked.login, await register_app(container, kind="social")
    )
    answer = await client.get(f"{PARTNER_ORDERS}/{order['id']}", headers=other.headers)
    assert (answer.status_code, answer.json()["code"]) == (404, "order_not_found")
    assert "items" not in answer.json()
    assert (await client.get(PARTNER_ORDERS, headers=other.headers)).json()["items"] == []
    token = await client_credentials_token(client, other.app, scope="orders")
    anonymous = await client.get(f"{PARTNER_ORDERS}/{order['id']}", headers=bearer(token))
    assert (anonymous.status_code, anonymous.json()["code"]) == (404, "order_not_found")


async def test_token_without_orders_scope_is_forbidden(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Scope offers+checkout only: 403 insufficient_scope on the list and on one order."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="offers checkout")
    order = await placed_order(client, linked, [(MEMBER_SKU, 1)])
    listed = await client.get(PARTNER_ORDERS, headers=linked.headers)
    one = await client.get(f"{PARTNER_ORDERS}/{order['id']}", headers=linked.headers)
    for answer in (listed, one):
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "insufficient_scope"
        assert answer.json()["missing_scopes"] == ["orders"]
        assert "items" not in answer.json()


async def test_partner_document_has_no_address_or_card(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The partner's order (API and order.created webhook) leaves out address, card, payment."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 2)])
    answer = await client.get(f"{PARTNER_ORDERS}/{order['id']}", headers=linked.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == PARTNER_KEYS
    assert (body["id"], body["status"], body["totals"]["total_minor"]) == (
        order["id"],
        "paid",
        25998,
    )
    assert [(i["sku"], i["quantity"]) for i in body["items"]] == [(MEMBER_SKU, 2)]
    text = json.dumps(body, ensure_ascii=False)
    for secret in (STREET, POSTAL_CODE, SHOPPER_NAME, "Zelda", "visa •••• 4242"):
        assert secret not in text
    events = await partner_events(container, linked.app.partner_id)
    assert [kind for kind, _ in events] == ["order.created"]
    assert events[0][1] == body
