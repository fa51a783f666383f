"""Completing checkout sessions over HTTP: the order, exactly once, and every refusal before it.

The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris. A non-member buys 2 × 129.99
from Paris (free standard shipping, delivered tomorrow). On every refusal the test proves no
order, no payment and no change of the held stock happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.checkout.models import ReservationStatus
from handshake.kernel import clock
from tests.checkout_helpers import (
    checkout_shopper,
    complete,
    confirmation,
    create_session,
    prepared_catalog,
)
from tests.checkout_state_helpers import (
    events_of,
    get_session,
    holds,
    orders_of,
    payments_of,
    problem,
    set_price,
    stock,
)
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import MEMBER_SKU, POSTAL_CODE, STREET, LinkedShopper

PLACED_AT = "2029-03-01T09:00:00Z"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def opened(
    app: object, container: Container, client: httpx.AsyncClient, quantity: int = 2
) -> tuple[LinkedShopper, dict[str, Any]]:
    """The offers catalog, a linked non-member and a session of ``quantity`` × ACM-X1-WHT."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    created = await create_session(client, linked, [(MEMBER_SKU, quantity)])
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    return linked, session


async def assert_still_open(
    container: Container, client: httpx.AsyncClient, linked: LinkedShopper, session: Any
) -> None:
    """No order, no payment; the session is open with its units still held."""
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == []
    assert (await get_session(client, linked, session["id"])).json()["status"] == "open"
    assert await holds(container, session["id"]) == [("PAR1", 2)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 2)}


def expected_order(session: dict[str, Any], order_id: str) -> dict[str, Any]:
    item = session["line_items"][0]
    return {
        "id": order_id, "checkout_session_id": session["id"], "status": "paid",
        "currency": "EUR",
        "items": [{
            "sku": MEMBER_SKU, "variant_id": item["variant_id"],
            "title_en": "Thermo X1 smart thermostat",
            "title_fr": "Thermostat connecté Thermo X1", "quantity": 2,
            "unit_price_minor": 12999, "list_price_minor": 12999, "total_minor": 25998,
        }],
        "totals": {
            "items_minor": 25998, "member_savings_minor": 0, "shipping_minor": 0,
            "tax_minor": 4333, "total_minor": 25998, "refunded_minor": 0,
        },
        "delivery": {"option": "standard", "promised_date": "2029-03-02", "carrier": None,
                     "tracking_number": None},
        "click_id": None, "placed_at": PLACED_AT, "shipped_at": None, "delivered_at": None,
        "canceled_at": None,
    }  # fmt: skip


async def test_completion_places_a_paid_order_from_the_held_stock(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """201 with the paid order; the hold becomes the order's; one authorisation is kept."""
    linked, session = await opened(app, container, client)

    done = await complete(client, linked, session)

    assert done.status_code == 201, done.text
    order_id = done.json()["order"]["id"]
    assert done.json() == {"status": "completed", "order": expected_order(session, order_id)}
    [details] = await orders_of(container, linked.login.shopper_id)
    assert (details.order.id, details.order.status, details.order.total_minor) == (
        order_id, "paid", 25998,
    )  # fmt: skip
    assert [(c.kind, c.status) for c in details.changes] == [("placed", "placed"), ("paid", "paid")]
    read = (await get_session(client, linked, session["id"])).json()
    assert (read["status"], read["order_id"]) == ("completed", order_id)
    assert await holds(container, session["id"]) == []
    assert await holds(container, session["id"], ReservationStatus.ORDERED) == [("PAR1", 2)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 2)}
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]


async def test_completion_stores_an_order_created_event_without_the_address(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The partner's order.created event carries the partner document: no address, no card."""
    linked, session = await opened(app, container, client)

    done = await complete(client, linked, session)

    assert done.status_code == 201, done.text
    [(event_type, body)] = await events_of(container, linked.app.partner_id)
    assert (event_type, body["type"], body["timestamp"]) == (
        "order.created", "order.created", "2029-03-01T09:00:00.000Z",
    )  # fmt: skip
    assert body["data"] == done.json()["order"]
    assert "address" not in body["data"]
    for secret in (STREET, POSTAL_CODE, "Zelda", "4242", "tok_visa_offers"):
        assert secret not in str(body)


async def test_completion_without_an_idempotency_key_is_refused(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """400 idempotency_key_required: nothing is paid or ordered."""
    linked, session = await opened(app, container, client)

    refused = await client.post(
        f"/partner/v1/checkout-sessions/{session['id']}/complete",
        json=confirmation(session), headers=linked.headers,
    )  # fmt: skip

    problem(refused, 400, "idempotency_key_required")
    await assert_still_open(container, client, linked, session)


async def test_the_same_key_and_body_replays_the_first_answer(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The retry gets the same 201 and body, marked Idempotent-Replayed; still one order."""
    linked, session = await opened(app, container, client)

    first = await complete(client, linked, session, key="order-key-1")
    again = await complete(client, linked, session, key="order-key-1")

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]


async def test_the_same_key_with_another_body_is_a_conflict(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Reusing a key for another confirmation: 422 idempotency_conflict, still one order."""
    linked, session = await opened(app, container, client)
    first = await complete(client, linked, session, key="order-key-2")
    other = confirmation(session)
    other["confirmation"]["total_minor"] += 1

    reused = await complete(client, linked, session, key="order-key-2", body=other)

    assert first.status_code == 201, first.text
    problem(reused, 422, "idempotency_conflict")
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]


@pytest.mark.parametrize(("delta", "currency"), [(-1, "EUR"), (0, "USD")], ids=["total", "eur"])
async def test_a_confirmation_of_another_total_is_a_mismatch(
    app: object, container: Container, client: httpx.AsyncClient, delta: int, currency: str
) -> None:
    """409 confirmation_mismatch with the session's real total; nothing is paid."""
    linked, session = await opened(app, container, client)
    body = confirmation(session)
    body["confirmation"].update(total_minor=25998 + delta, currency=currency)

    refused = await complete(client, linked, session, body=body)

    answer = problem(refused, 409, "confirmation_mismatch")
    assert (answer["total_minor"], answer["currency"]) == (25998, "EUR")
    await assert_still_open(container, client, linked, session)


async def test_an_unconfirmed_purchase_is_refused(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """shopper_confirmed false: 422 shopper_confirmation_required; nothing is paid."""
    linked, session = await opened(app, container, client)
    body = confirmation(session)
    body["confirmation"]["shopper_confirmed"] = False

    refused = await complete(client, linked, session, body=body)

    problem(refused, 422, "shopper_confirmation_required")
    await assert_still_open(container, client, linked, session)


async def test_a_price_change_stops_completion_until_the_new_total_is_confirmed(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """129.99 → 139.99 after the summary: 409 price_changed, then 279.98 confirmed → order."""
    linked, session = await opened(app, container, client)
    await set_price(container, MEMBER_SKU, 13999, 12999)

    refused = await complete(client, linked, session)

    answer = problem(refused, 409, "price_changed")
    assert (answer["total_minor"], answer["currency"]) == (27998, "EUR")
    assert [(m["old_unit_price_minor"], m["new_unit_price_minor"]) for m in answer["messages"]] == [
        (12999, 13999)
    ]
    await assert_still_open(container, client, linked, session)
    current = (await get_session(client, linked, session["id"])).json()
    assert current["totals"]["total_minor"] == 27998
    done = await complete(client, linked, current)
    assert done.status_code == 201, done.text
    assert done.json()["order"]["totals"]["total_minor"] == 27998
    assert await payments_of(container, session["id"]) == [("authorized", 27998, None)]


async def test_completing_a_completed_session_again_is_refused(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A new key on a completed session: 409 checkout_session_closed naming the order."""
    linked, session = await opened(app, container, client)
    done = await complete(client, linked, session)
    assert done.status_code == 201, done.text

    again = await complete(client, linked, session)

    answer = problem(again, 409, "checkout_session_closed")
    assert answer["order_id"] == done.json()["order"]["id"]
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 2)}
