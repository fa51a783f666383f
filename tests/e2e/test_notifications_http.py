"""The shopper's notifications: order updates as they happen, unread until looked at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.kernel import clock
from tests.checkout_helpers import checkout_shopper, placed_order, prepared_catalog
from tests.offers_helpers import shopper_browser

API = "/api/v1/me/notifications"


async def test_order_updates_become_notifications_unread_until_the_page_is_seen(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    with clock.frozen_at(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        await _order_updates(app, container, client)


async def _order_updates(app: object, container: Container, client: httpx.AsyncClient) -> None:
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [("ACM-X1-WHT", 1)])
    total = order["totals"]["total_minor"]
    euros = f"{total // 100}.{total % 100:02d}"
    clock.advance(timedelta(minutes=1))
    await checkout.ship_order(
        uow=container.uow(), order_id=order["id"], carrier="Colissimo",
        tracking_number="6A123", actor="operator:test",
    )  # fmt: skip
    async with shopper_browser(app, container, linked.login) as http:
        listed = (await http.get(API)).json()
        assert listed["unread"] == 2
        assert [(i["kind"], i["text"], i["unread"]) for i in listed["items"]] == [
            ("order.shipped",
             f"Order {order['id']} has shipped with Colissimo (tracking 6A123).", True),
            ("order.placed", f"Order {order['id']} is placed: {euros} EUR.", True),
        ]  # fmt: skip
        badge = await http.get("/account/notifications/badge")
        assert '<span class="badge" data-testid="unread-count">' in badge.text
        assert "</span>2</span>" in badge.text
        page = await http.get("/account/notifications?lang=fr")
        assert page.status_code == 200
        assert f"La commande {order['id']} est expédiée par Colissimo (suivi 6A123)." in page.text
        assert "2 nouvelles notifications" in page.text
        assert (await http.get(API)).json()["unread"] == 0
        assert (await http.get("/account/notifications/badge")).text.strip() == "<span></span>"
        clock.advance(timedelta(minutes=1))
        await checkout.mark_delivered(uow=container.uow(), order_id=order["id"], actor="system")
        after = (await http.get(API)).json()
        assert [(i["kind"], i["unread"]) for i in after["items"]] == [
            ("order.delivered", True), ("order.shipped", False), ("order.placed", False),
        ]  # fmt: skip


async def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_marked(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/account/notifications")
    assert (page.status_code, page.headers["location"]) == (
        303, "/signin?next=/account/notifications",
    )  # fmt: skip
    answer = await client.get(API)
    assert (answer.status_code, answer.json()["code"]) == (401, "not_signed_in")
    assert (await client.get("/account/notifications/badge")).text.strip() == "<span></span>"
