"""Dashboard order pages: filters, ship → order.shipped in the partner's delivery log → replay,
cancel, refund (partial, then the rest), deliver; refusals are form errors that change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.partners import service as partners
from handshake.settings import DatabaseSettings, Settings
from handshake.webhooks import service as webhooks
from tests.admin_helpers import operator_client, post_form, signed_in_operator
from tests.checkout_helpers import checkout_shopper, placed_order, prepared_catalog
from tests.conftest import make_settings
from tests.offers_helpers import LinkedShopper
from tests.webhooks_helpers import (
    ALL_TYPES,
    TEST_WEBHOOKS,
    Receiver,
    delivery_job,
    make_worker,
    running_receiver,
)

SKU = "ACM-X1-WHT"


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with a short webhook retry schedule."""
    return make_settings(database_settings, webhooks=TEST_WEBHOOKS)


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """The partner's webhook receiver on 127.0.0.1."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


async def _order(app: object, client: httpx.AsyncClient, container: Container) -> tuple[
    LinkedShopper, dict[str, object]
]:  # fmt: skip
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="offers checkout orders")
    return linked, await placed_order(client, linked, [(SKU, 2)])


async def test_ship_puts_order_shipped_in_the_delivery_log_and_replay_sends_it_again(
    app: object, client: httpx.AsyncClient, container: Container, receiver: Receiver
) -> None:
    linked, order = await _order(app, client, container)
    partner_id, order_id = linked.app.partner_id, str(order["id"])
    issued = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner_id, url=receiver.url, event_types=ALL_TYPES
    )
    receiver.trust(issued.secret)
    async with operator_client(app, container) as (admin, token):
        listed = await admin.get(f"/admin/orders?status=paid&partner_id={partner_id}")
        assert re.findall(r'data-testid="order-row" data-order-id="([^"]+)"', listed.text) == [
            order_id
        ]
        assert (await admin.get("/admin/orders?status=shipped")).text.count("order-row") == 0
        page = await admin.get(f"/admin/orders/{order_id}")
        assert 'data-testid="ship"' in page.text
        shipped = await post_form(
            admin, f"/admin/orders/{order_id}/ship", token, carrier="Colissimo",
            tracking_number="6A123456789",
        )  # fmt: skip
        assert shipped.headers["location"] == f"/admin/orders/{order_id}?done=shipped"
        details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
        assert (details.order.status, details.order.carrier, details.order.tracking_number) == (
            "shipped", "Colissimo", "6A123456789",
        )  # fmt: skip
        await make_worker(container).run_until_idle()
        log = await admin.get(f"/admin/partners/{partner_id}/webhooks")
        assert log.status_code == 200
        rows = re.findall(
            r'<tr data-testid="delivery-row"[^>]*data-status="(\w+)"[^>]*data-event-id="(\w+)"'
            r' data-event-type="([\w.]+)"', log.text,
        )  # fmt: skip
        assert [(s, t) for s, _, t in rows] == [("succeeded", "order.shipped")]
        assert '<span class="event-type">order.shipped</span>' in log.text
        assert re.search(r'data-testid="response-code">200<', log.text)
        event_id = rows[0][1]
        replayed = await post_form(
            admin, f"/admin/partners/{partner_id}/webhooks/events/{event_id}/replay", token
        )
        assert replayed.status_code == 303
        event = await webhooks.get_event(
            uow=container.read_uow(), partner_id=partner_id, event_id=event_id
        )
        assert [d.delivery.trigger for d in event.deliveries] == ["publish", "replay"]
        await make_worker(container).run_until_idle()
        assert [r.webhook_id for r in receiver.requests] == [event_id, event_id]
        again = await admin.get(f"/admin/partners/{partner_id}/webhooks?event_type=order.shipped")
        assert again.text.count('data-testid="delivery-row"') == 2


async def test_refund_partial_then_rest_and_refusals_change_nothing(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    _, order = await _order(app, client, container)
    order_id = str(order["id"])
    async with operator_client(app, container) as (admin, token):
        early = await post_form(admin, f"/admin/orders/{order_id}/refund", token, amount="1.00")
        assert early.status_code == 409
        assert 'data-testid="form-error"' in early.text
        no_tracking = await post_form(
            admin, f"/admin/orders/{order_id}/ship", token, carrier="Colissimo",
            tracking_number=" ", form="ship",
        )  # fmt: skip
        assert no_tracking.status_code == 422
        assert "Give a carrier and a tracking number." in no_tracking.text
        assert 'value="Colissimo"' in no_tracking.text
        current = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
        assert current.order.status == "paid"
        await post_form(admin, f"/admin/orders/{order_id}/ship", token, carrier="DHL",
                        tracking_number="JD0001")  # fmt: skip
        total = current.order.total_minor
        part = await post_form(admin, f"/admin/orders/{order_id}/refund", token, amount="10.00",
                               reason="scratched")  # fmt: skip
        assert part.headers["location"] == f"/admin/orders/{order_id}?done=refunded"
        too_much = await post_form(
            admin, f"/admin/orders/{order_id}/refund", token, amount="100000.00", form="refund"
        )
        assert too_much.status_code == 422
        assert f"Refund between 1 and {total - 1000} (minor units)." in too_much.text
        after = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
        assert (after.order.refunded_minor, after.order.status) == (1000, "shipped")
        await post_form(admin, f"/admin/orders/{order_id}/deliver", token)
        await post_form(admin, f"/admin/orders/{order_id}/refund", token, amount="")
        final = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
        assert (final.order.refunded_minor, final.order.status) == (total, "refunded")
        assert [c.kind for c in final.changes][-4:] == [
            "shipped",
            "refunded",
            "delivered",
            "refunded",
        ]


async def test_cancel_puts_the_order_cancelled(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    _, order = await _order(app, client, container)
    order_id = str(order["id"])
    async with operator_client(app, container) as (admin, token):
        cancelled = await post_form(
            admin, f"/admin/orders/{order_id}/cancel", token, reason="fraud"
        )
        assert cancelled.status_code == 303
        page = await admin.get(cancelled.headers["location"])
        assert 'data-testid="order-status">canceled<' in page.text
        assert "Order cancelled." in page.text
    details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert (details.order.status, details.changes[-1].detail["reason"]) == ("canceled", "fraud")


async def test_a_mangled_cursor_is_an_error_on_the_page(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_operator(client, container)
    page = await client.get("/admin/orders?cursor=garbage")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-testid="form-error"' in page.text
    assert "order-row" not in page.text
