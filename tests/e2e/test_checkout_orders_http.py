"""Operators move orders on through /api/v1/admin/orders: ship, deliver, cancel, refund."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.payments import service as payments
from tests.accounts_helpers import operator_headers
from tests.checkout_helpers import (
    checkout_shopper,
    partner_events,
    placed_order,
    prepared_catalog,
    stock_levels,
)
from tests.offers_helpers import MEMBER_SKU, LinkedShopper

ORDERS = "/api/v1/admin/orders"
TOTAL = 25998  # 2 × 129.99, free standard delivery
TRACKING = {"carrier": "Colissimo", "tracking_number": "6A12345678901"}


@dataclass(frozen=True)
class Placed:
    """A paid order of 2 × ACM-X1-WHT, its shopper and an operator's key."""

    order: dict[str, Any]
    linked: LinkedShopper
    headers: dict[str, str]
    actor: str

    @property
    def url(self) -> str:
        """The order's admin URL."""
        return f"{ORDERS}/{self.order['id']}"

    @property
    def partner_id(self) -> str:
        """The partner the order came through."""
        return self.linked.app.partner_id


async def place(app: object, container: Container, client: httpx.AsyncClient) -> Placed:
    """A paid order of two thermostats (PAR1 then holds 12 on hand, 2 reserved)."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 2)])
    email = f"ops-{order['id'].lower()}@shop.example"
    headers = await operator_headers(container, email=email)
    operator = await accounts.operator_by_email(uow=container.read_uow(), email=email)
    return Placed(order, linked, headers, f"operator:{operator.id}")


async def payment_state(container: Container, payment_id: str) -> tuple[str, int, int, int]:
    """(status, authorized, captured, refunded) of the payment."""
    found = (await payments.get_payment(uow=container.read_uow(), payment_id=payment_id)).payment
    return found.status, found.authorized_minor, found.captured_minor, found.refunded_minor


async def event_types(container: Container, partner_id: str) -> list[str]:
    """The types of the partner's stored webhook events, oldest first."""
    return [kind for kind, _ in await partner_events(container, partner_id)]


async def ship(client: httpx.AsyncClient, placed: Placed) -> dict[str, Any]:
    """Ship the order (must succeed); the operator's document."""
    answer = await client.post(f"{placed.url}/ship", json=TRACKING, headers=placed.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_ship_captures_takes_stock_out_and_notifies_partner(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Shipping captures the whole payment, drops on-hand and reserved, emits order.shipped."""
    placed = await place(app, container, client)
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 2), "LYS1": (0, 0)}
    shipped = await ship(client, placed)
    assert shipped["status"] == "shipped"
    assert shipped["delivery"]["carrier"] == "Colissimo"
    assert shipped["delivery"]["tracking_number"] == "6A12345678901"
    assert shipped["shipped_at"] is not None
    payment_id = shipped["payment_id"]
    assert await payment_state(container, payment_id) == ("captured", TOTAL, TOTAL, 0)
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (10, 0), "LYS1": (0, 0)}
    events = await partner_events(container, placed.partner_id)
    assert [kind for kind, _ in events] == ["order.created", "order.shipped"]
    data = events[1][1]
    assert (data["id"], data["status"]) == (placed.order["id"], "shipped")
    assert data["delivery"]["carrier"] == "Colissimo"
    assert data["delivery"]["tracking_number"] == "6A12345678901"


async def test_second_ship_is_a_conflict_that_changes_nothing(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Shipping twice: 409 order_state_conflict; no second capture, stock or event."""
    placed = await place(app, container, client)
    first = await ship(client, placed)
    again = await client.post(
        f"{placed.url}/ship",
        json={"carrier": "DHL", "tracking_number": "OTHER"},
        headers=placed.headers,
    )
    assert again.status_code == 409, again.text
    assert (again.json()["code"], again.json()["status"]) == ("order_state_conflict", 409)
    details = await payments.get_payment(uow=container.read_uow(), payment_id=first["payment_id"])
    assert [op.kind for op in details.operations] == ["authorize", "capture"]
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (10, 0), "LYS1": (0, 0)}
    assert await event_types(container, placed.partner_id) == ["order.created", "order.shipped"]
    now = (await client.get(placed.url, headers=placed.headers)).json()
    assert now["delivery"]["carrier"] == "Colissimo"
    assert now["delivery"]["tracking_number"] == "6A12345678901"


async def test_deliver_only_after_shipping(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A paid order cannot be delivered (409); a shipped one can, once, with order.updated."""
    placed = await place(app, container, client)
    early = await client.post(f"{placed.url}/deliver", headers=placed.headers)
    assert early.status_code == 409, early.text
    assert early.json()["code"] == "order_state_conflict"
    assert (await client.get(placed.url, headers=placed.headers)).json()["status"] == "paid"
    await ship(client, placed)
    delivered = await client.post(f"{placed.url}/deliver", headers=placed.headers)
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["delivered_at"] is not None
    twice = await client.post(f"{placed.url}/deliver", headers=placed.headers)
    assert twice.status_code == 409, twice.text
    assert await event_types(container, placed.partner_id) == [
        "order.created",
        "order.shipped",
        "order.updated",
    ]


async def test_cancel_before_shipping_voids_and_releases(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Cancelling a paid order voids the payment, frees its units, emits order.cancelled."""
    placed = await place(app, container, client)
    answer = await client.post(
        f"{placed.url}/cancel", json={"reason": "customer called"}, headers=placed.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "canceled"
    assert body["canceled_at"] is not None
    assert body["history"][-1]["kind"] == "canceled"
    assert body["history"][-1]["actor"] == placed.actor
    assert body["history"][-1]["detail"] == {"reason": "customer called"}
    assert await payment_state(container, body["payment_id"]) == ("voided", TOTAL, 0, 0)
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 0), "LYS1": (0, 0)}
    events = await partner_events(container, placed.partner_id)
    assert [kind for kind, _ in events] == ["order.created", "order.cancelled"]
    assert (events[1][1]["id"], events[1][1]["status"]) == (placed.order["id"], "canceled")
    again = await client.post(f"{placed.url}/cancel", json={}, headers=placed.headers)
    assert again.status_code == 409, again.text
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 0), "LYS1": (0, 0)}


async def test_cancel_after_shipping_is_refused(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A shipped order cannot be cancelled: 409, payment stays captured, stock unchanged."""
    placed = await place(app, container, client)
    shipped = await ship(client, placed)
    answer = await client.post(f"{placed.url}/cancel", json={"reason": "x"}, headers=placed.headers)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "order_state_conflict"
    assert await payment_state(container, shipped["payment_id"]) == ("captured", TOTAL, TOTAL, 0)
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (10, 0), "LYS1": (0, 0)}
    assert (await client.get(placed.url, headers=placed.headers)).json()["status"] == "shipped"
    assert await event_types(container, placed.partner_id) == ["order.created", "order.shipped"]


async def refund(
    client: httpx.AsyncClient, placed: Placed, amount: int | None = None
) -> httpx.Response:
    """POST a refund of ``amount`` (the rest when None)."""
    body: dict[str, Any] = {"reason": "damaged box"}
    if amount is not None:
        body["amount_minor"] = amount
    return await client.post(f"{placed.url}/refund", json=body, headers=placed.headers)


async def test_partial_then_remaining_refund(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """10000 then the rest: refunded_minor grows exactly, the order ends refunded."""
    placed = await place(app, container, client)
    payment_id = (await ship(client, placed))["payment_id"]
    partial = await refund(client, placed, 10000)
    assert partial.status_code == 200, partial.text
    assert partial.json()["status"] == "shipped"
    assert partial.json()["totals"]["refunded_minor"] == 10000
    state = await payment_state(container, payment_id)
    assert state == ("partially_refunded", TOTAL, TOTAL, 10000)
    rest = await refund(client, placed)
    assert rest.status_code == 200, rest.text
    assert rest.json()["status"] == "refunded"
    assert rest.json()["totals"]["refunded_minor"] == TOTAL
    assert await payment_state(container, payment_id) == ("refunded", TOTAL, TOTAL, TOTAL)
    events = await partner_events(container, placed.partner_id)
    refunds = [d["totals"]["refunded_minor"] for kind, d in events if kind == "order.refunded"]
    assert refunds == [10000, TOTAL]
    amounts = [h["detail"].get("amount_minor") for h in rest.json()["history"][-2:]]
    assert amounts == [10000, TOTAL - 10000]


async def test_over_refund_is_refused_and_changes_nothing(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """More than what is left: 422 invalid_refund; order, payment and events untouched."""
    placed = await place(app, container, client)
    payment_id = (await ship(client, placed))["payment_id"]
    too_much = await refund(client, placed, TOTAL + 1)
    assert too_much.status_code == 422, too_much.text
    assert (too_much.json()["code"], too_much.json()["refundable_minor"]) == (
        "invalid_refund",
        TOTAL,
    )
    assert (await refund(client, placed, 20000)).status_code == 200
    beyond_rest = await refund(client, placed, TOTAL - 20000 + 1)
    assert beyond_rest.status_code == 422, beyond_rest.text
    assert beyond_rest.json()["refundable_minor"] == TOTAL - 20000
    now = (await client.get(placed.url, headers=placed.headers)).json()
    assert (now["status"], now["totals"]["refunded_minor"]) == ("shipped", 20000)
    state = await payment_state(container, payment_id)
    assert state == ("partially_refunded", TOTAL, TOTAL, 20000)
    kinds = await event_types(container, placed.partner_id)
    assert kinds == ["order.created", "order.shipped", "order.refunded"]


async def test_refund_before_shipping_is_a_conflict(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A paid (not shipped) order cannot be refunded: 409, the authorisation stays."""
    placed = await place(app, container, client)
    answer = await refund(client, placed, 100)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "order_state_conflict"
    now = (await client.get(placed.url, headers=placed.headers)).json()
    assert (now["status"], now["totals"]["refunded_minor"]) == ("paid", 0)
    assert await payment_state(container, now["payment_id"]) == ("authorized", TOTAL, 0, 0)


async def test_history_lists_every_step_in_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """placed, paid, shipped, delivered, refunded: statuses, actors and details in order."""
    placed = await place(app, container, client)
    await ship(client, placed)
    assert (await client.post(f"{placed.url}/deliver", headers=placed.headers)).status_code == 200
    assert (await refund(client, placed, 500)).status_code == 200
    body = (await client.get(placed.url, headers=placed.headers)).json()
    steps = [(h["kind"], h["status"], h["actor"]) for h in body["history"]]
    assert steps == [
        ("placed", "placed", f"partner:{placed.partner_id}"),
        ("paid", "paid", "system"),
        ("shipped", "shipped", placed.actor),
        ("delivered", "delivered", placed.actor),
        ("refunded", "delivered", placed.actor),
    ]
    details = [h["detail"] for h in body["history"]]
    assert details[1] == {"payment_id": body["payment_id"], "authorized_minor": TOTAL}
    assert details[2:] == [TRACKING, {}, {"amount_minor": 500, "reason": "damaged box"}]
    times = [h["at"] for h in body["history"]]
    assert times == sorted(times)


async def test_admin_routes_need_an_operator(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Without an operator key: 401 on reads and on ship; the order stays paid."""
    placed = await place(app, container, client)
    assert (await client.get(ORDERS)).status_code == 401
    denied = await client.post(f"{placed.url}/ship", json=TRACKING, headers=placed.linked.headers)
    assert denied.status_code == 401, denied.text
    now = (await client.get(placed.url, headers=placed.headers)).json()
    assert now["status"] == "paid"
    assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 2), "LYS1": (0, 0)}


async def test_list_filters_by_status_and_partner(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """?status and ?partner_id narrow the operator's list."""
    placed = await place(app, container, client)
    await ship(client, placed)
    query = {"status": "shipped", "partner_id": placed.partner_id}
    shipped = await client.get(ORDERS, params=query, headers=placed.headers)
    assert [o["id"] for o in shipped.json()["items"]] == [placed.order["id"]]
    paid = await client.get(ORDERS, params={"status": "paid"}, headers=placed.headers)
    assert paid.json()["items"] == []
    other = await client.get(ORDERS, params={"partner_id": "ptn_nobody"}, headers=placed.headers)
    assert other.json()["items"] == []


async def test_fully_refunded_order_refuses_more(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """After the whole total went back, another refund is a 409; nothing more is refunded."""
    placed = await place(app, container, client)
    payment_id = (await ship(client, placed))["payment_id"]
    assert (await refund(client, placed)).status_code == 200
    again = await refund(client, placed, 1)
    assert (again.status_code, again.json()["code"]) == (409, "order_state_conflict")
    assert await payment_state(container, payment_id) == ("refunded", TOTAL, TOTAL, TOTAL)
    kinds = await event_types(container, placed.partner_id)
    assert kinds == ["order.created", "order.shipped", "order.refunded"]


async def test_concurrent_ship_and_cancel_one_wins(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Ship and cancel at once: one succeeds, the other is a 409, stock and payment agree."""
    placed = await place(app, container, client)
    shipped, canceled = await asyncio.gather(
        client.post(f"{placed.url}/ship", json=TRACKING, headers=placed.headers),
        client.post(f"{placed.url}/cancel", json={}, headers=placed.headers),
    )
    assert sorted([shipped.status_code, canceled.status_code]) == [200, 409]
    now = (await client.get(placed.url, headers=placed.headers)).json()
    payment = await payment_state(container, now["payment_id"])
    stock = await stock_levels(container, MEMBER_SKU)
    if shipped.status_code == 200:
        assert now["status"] == "shipped"
        assert (payment, stock["PAR1"]) == (("captured", TOTAL, TOTAL, 0), (10, 0))
    else:
        assert now["status"] == "canceled"
        assert (payment, stock["PAR1"]) == (("voided", TOTAL, 0, 0), (12, 0))
    assert len(await event_types(container, placed.partner_id)) == 2


async def test_concurrent_refunds_never_exceed_the_total(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Two refunds of 15000 on 25998 at once: one passes, one is invalid_refund."""
    placed = await place(app, container, client)
    payment_id = (await ship(client, placed))["payment_id"]
    answers = await asyncio.gather(refund(client, placed, 15000), refund(client, placed, 15000))
    assert sorted(a.status_code for a in answers) == [200, 422]
    assert {a.json()["code"] for a in answers if a.status_code == 422} == {"invalid_refund"}
    now = (await client.get(placed.url, headers=placed.headers)).json()
    assert (now["status"], now["totals"]["refunded_minor"]) == ("shipped", 15000)
    state = await payment_state(container, payment_id)
    assert state == ("partially_refunded", TOTAL, TOTAL, 15000)
