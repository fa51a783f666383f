"""The Agentic Commerce Protocol checkout over HTTP: an agent buys for a linked shopper.

The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris. ACM-X1-WHT costs 129.99 (members
119.99), 12 units in Paris; standard delivery is free from 50.00, express 9.90 (members 4.90).
Prices include 20 % VAT.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.checkout.models import ReservationStatus
from handshake.kernel import clock
from tests.acp_helpers import (
    ADDRESS,
    DELEGATE,
    SESSIONS,
    acp_headers,
    card_body,
    complete_body,
    create_body,
    open_session,
    total_of,
    vault_token,
)
from tests.admin_helpers import operator_client
from tests.checkout_helpers import checkout_shopper, prepared_catalog
from tests.checkout_state_helpers import events_of, holds, orders_of, payments_of, set_price
from tests.linking_helpers import FROZEN_START, row_count
from tests.offers_helpers import MEMBER_SKU, PLAIN_SKU, LinkedShopper, shopper_browser


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def agent(app: object, container: Container, **options: Any) -> LinkedShopper:
    """The offers catalog and a shopper linked to an agent's platform with scope checkout."""
    await prepared_catalog(container)
    return await checkout_shopper(app, container, scope="checkout", **options)


async def complete(
    client: httpx.AsyncClient, linked: LinkedShopper, session: dict[str, Any], token: str
) -> httpx.Response:
    """POST …/complete with the vault token."""
    return await client.post(
        f"{SESSIONS}/{session['id']}/complete", json=complete_body(token),
        headers=acp_headers(linked),
    )  # fmt: skip


def totals(document: dict[str, Any]) -> dict[str, int]:
    """{total type: amount}."""
    return {t["type"]: t["amount"] for t in document["totals"]}


async def test_an_agent_buys_at_the_shoppers_price_with_a_vault_token(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 2))
    assert session["status"] == "ready_for_payment"
    assert session["currency"] == "eur"
    assert totals(session) == {
        "items_base_amount": 25998, "items_discount": 0, "subtotal": 25998, "fulfillment": 0,
        "tax": 4333, "total": 25998,
    }  # fmt: skip
    assert [
        (li["item"]["id"], li["quantity"], li["unit_amount"]) for li in session["line_items"]
    ] == [(MEMBER_SKU, 2, 12999)]
    assert [(o["id"], totals(o)["fulfillment"]) for o in session["fulfillment_options"]] == [
        ("standard", 0),
        ("express", 990),
    ]
    assert session["fulfillment_options"][0]["earliest_delivery_time"] == "2029-03-02T07:00:00Z"
    assert session["fulfillment_details"]["address"] == ADDRESS
    assert await holds(container, session["id"]) == [("PAR1", 2)]

    token = await vault_token(client, linked, session["id"], total_of(session))
    done = await complete(client, linked, session, token)

    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed"
    assert body["messages"] == []
    order = body["order"]
    assert (order["checkout_session_id"], order["status"]) == (session["id"], "confirmed")
    assert order["permalink_url"] == f"http://127.0.0.1:8000/account/orders/{order['id']}"
    placed = await orders_of(container, linked.login.shopper_id)
    assert [(o.order.id, o.order.total_minor, o.order.card_label) for o in placed] == [
        (order["id"], 25998, "visa •••• 4242")
    ]
    assert placed[0].order.address["city"] == "Paris"
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]
    assert await holds(container, session["id"], ReservationStatus.ORDERED) == [("PAR1", 2)]
    again = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))
    assert again.json()["status"] == "completed"
    assert again.json()["order"]["id"] == order["id"]


async def test_a_member_pays_the_member_price_and_member_delivery_fees(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container, member=True)
    session = await open_session(client, linked, (MEMBER_SKU, 1))
    changed = await client.post(
        f"{SESSIONS}/{session['id']}",
        json={"selected_fulfillment_options": [
            {"type": "shipping", "option_id": "express", "item_ids": []}
        ]},
        headers=acp_headers(linked),
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    document = changed.json()
    assert document["line_items"][0]["unit_amount"] == 11999
    assert totals(document)["items_discount"] == 1000
    assert totals(document)["fulfillment"] == 490
    assert totals(document)["total"] == 11999 + 490
    assert document["selected_fulfillment_options"][0]["option_id"] == "express"


async def test_the_agent_replaces_the_basket_and_the_address(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 2))
    moved = {**ADDRESS, "line_one": "3 place Bellecour", "city": "Lyon", "postal_code": "69002"}
    changed = await client.post(
        f"{SESSIONS}/{session['id']}",
        json={
            "line_items": [{"id": PLAIN_SKU}, {"id": MEMBER_SKU}],
            "fulfillment_details": {"name": "Ada Lovelace", "address": moved},
        },
        headers=acp_headers(linked),
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    document = changed.json()
    assert [(li["item"]["id"], li["quantity"]) for li in document["line_items"]] == [
        (PLAIN_SKU, 1),
        (MEMBER_SKU, 1),
    ]
    assert totals(document)["subtotal"] == 4900 + 12999
    assert document["fulfillment_details"]["address"]["city"] == "Lyon"
    assert sum(q for _, q in await holds(container, session["id"])) == 2


async def test_an_address_nobody_delivers_to_is_an_error_message_not_a_purchase(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    far = {**ADDRESS, "city": "New York", "state": "NY", "country": "US", "postal_code": "10001"}
    body = create_body((MEMBER_SKU, 1), address=False)
    body["fulfillment_details"] = {"address": far}
    answer = await client.post(SESSIONS, json=body, headers=acp_headers(linked))
    assert answer.status_code == 201, answer.text
    document = answer.json()
    assert document["status"] == "not_ready_for_payment"
    assert [(m["type"], m["code"], m.get("param")) for m in document["messages"]] == [
        ("error", "region_restricted", "$.fulfillment_details.address")
    ]


async def test_without_fulfillment_details_the_shoppers_saved_address_is_used(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1), address=False)
    assert session["status"] == "ready_for_payment"
    assert "fulfillment_details" not in session  # the saved address is never shown to the agent


async def test_a_price_other_than_the_agent_showed_is_a_warning(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    body = create_body((MEMBER_SKU, 1))
    body["line_items"] = [{"id": MEMBER_SKU, "unit_amount": 9999}]
    document = (await client.post(SESSIONS, json=body, headers=acp_headers(linked))).json()
    assert [(m["type"], m["code"], m["param"]) for m in document["messages"]] == [
        ("warning", "price_change", "$.line_items[0]")
    ]
    assert document["status"] == "ready_for_payment"


async def test_a_price_that_moved_before_completion_stops_it(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1))
    token = await vault_token(client, linked, session["id"], 20000)
    await set_price(container, MEMBER_SKU, 13999, None)

    refused = await complete(client, linked, session, token)

    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "invalid_request"
    assert refused.json()["code"] == "price_changed"
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == []
    seen = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))
    assert totals(seen.json())["total"] == 13999
    assert ("warning", "price_change") in [
        (m["type"], m.get("code")) for m in seen.json()["messages"]
    ]
    retried = await complete(client, linked, session, token)
    assert retried.status_code == 200, retried.text  # the agent showed the new total: it goes


async def test_the_agents_platform_hears_of_the_order_and_its_shipping(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1))
    token = await vault_token(client, linked, session["id"], total_of(session))
    order_id = (await complete(client, linked, session, token)).json()["order"]["id"]
    await checkout.ship_order(
        uow=container.uow(), order_id=order_id, carrier="Colissimo", tracking_number="6A123",
        actor="operator:test",
    )  # fmt: skip

    events = [
        (kind, body["data"]) for kind, body in await events_of(container, linked.app.partner_id)
    ]
    acp = [(kind, data["status"]) for kind, data in events if kind.startswith("acp.")]
    assert sorted(acp) == [("acp.order_create", "confirmed"), ("acp.order_update", "shipped")]
    shipped = next(data for kind, data in events if kind == "acp.order_update")
    assert shipped["fulfillments"][0]["tracking_number"] == "6A123"
    assert shipped["line_items"][0]["quantity"] == {"ordered": 1, "current": 1, "fulfilled": 1}


async def test_cancelling_gives_the_stock_back_and_a_second_cancel_is_405(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 2))
    url = f"{SESSIONS}/{session['id']}/cancel"
    trace = {"intent_trace": {"reason_code": "shipping_speed", "trace_summary": "too slow"}}
    cancelled = await client.post(url, json=trace, headers=acp_headers(linked))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "canceled"
    assert await holds(container, session["id"]) == []
    again = await client.post(url, headers=acp_headers(linked))
    assert again.status_code == 405, again.text
    assert again.json()["code"] == "session_not_cancelable"


async def test_a_session_of_the_partners_own_checkout_is_not_an_agent_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    missing = await client.get(f"{SESSIONS}/chk_nope", headers=acp_headers(linked, key=None))
    assert missing.status_code == 404
    assert missing.json() == {
        "type": "invalid_request", "code": "checkout_session_not_found",
        "message": "No checkout session 'chk_nope'.",
    }  # fmt: skip


async def test_the_payment_handler_schemas_describe_what_sessions_carry(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1))
    handler = session["capabilities"]["payment"]["handlers"][0]
    base = "http://127.0.0.1:8000"
    config = (await client.get(handler["config_schema"].removeprefix(base))).json()
    instrument = (await client.get(handler["instrument_schemas"][0].removeprefix(base))).json()
    checker = jsonschema.FormatChecker()
    jsonschema.Draft202012Validator(config, format_checker=checker).validate(handler["config"])
    sent = complete_body("vt_x")["payment_data"]["instrument"]
    jsonschema.Draft202012Validator(instrument, format_checker=checker).validate(sent)
    assert handler["config"] == {
        "merchant_id": "handshake",
        "delegate_payment_url": f"{base}/agentic_commerce/delegate_payment",
    }


async def test_only_the_platforms_own_token_may_delegate_a_card(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1))
    body = card_body(session["id"], total_of(session))

    refused = await client.post(DELEGATE, json=body, headers=acp_headers(linked))

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "client_credentials_required"
    assert await row_count(container, "delegated_payment_tokens") == 0


async def test_the_buyers_notes_reach_the_order_and_leave_with_erasure(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    linked = await agent(app, container)
    session = await open_session(client, linked, (MEMBER_SKU, 1), order_notes="Ring twice")
    token = await vault_token(client, linked, session["id"], total_of(session))
    done = await client.post(
        f"{SESSIONS}/{session['id']}/complete",
        json={**complete_body(token), "order_notes": "  Leave it <b>with</b> the concierge "},
        headers=acp_headers(linked),
    )  # fmt: skip
    assert done.status_code == 200, done.text
    order_id = done.json()["order"]["id"]
    kept = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert kept.order.notes == "Leave it <b>with</b> the concierge"
    async with operator_client(app, container) as (admin, _):
        page = await admin.get(f"/admin/orders/{order_id}")
    assert page.status_code == 200
    assert "Leave it &lt;b&gt;with&lt;/b&gt; the concierge" in page.text  # escaped, never HTML

    async with shopper_browser(app, container, linked.login) as browser:
        mine = await browser.get(f"/account/orders/{order_id}")
        assert 'data-testid="order-notes"' in mine.text
        erased = await browser.delete(
            "/api/v1/me", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
    assert erased.status_code == 204, erased.text
    gone = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert gone.order.notes is None
    assert gone.order.address == {"erased": True}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"country": "XX"}, "country"), ({"postal_code": "7501"}, "postal_code")],
    ids=["country", "postal_code"],
)
async def test_a_one_off_address_is_held_to_the_address_books_rules(
    app: object, container: Container, client: httpx.AsyncClient, change: dict[str, str],
    field: str,
) -> None:  # fmt: skip
    linked = await agent(app, container)
    body = create_body((MEMBER_SKU, 1), address=False)
    body["fulfillment_details"] = {"address": {**ADDRESS, **change}}

    refused = await client.post(SESSIONS, json=body, headers=acp_headers(linked))

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_address"
    assert await row_count(container, "checkout_sessions") == 0
    assert await row_count(container, "agent_checkouts") == 0
