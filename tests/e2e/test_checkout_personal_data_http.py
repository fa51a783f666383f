"""Orders in the shopper's data export, and what erasure keeps of them."""

from __future__ import annotations

import httpx

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from tests.checkout_helpers import checkout_shopper, placed_order, prepared_catalog
from tests.offers_helpers import MEMBER_SKU, shopper_browser


async def test_export_lists_orders_and_erasure_forgets_their_address(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The export carries the order with its address; after erasure the order stays, unaddressed."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    order = await placed_order(client, linked, [(MEMBER_SKU, 1)])
    async with shopper_browser(app, container, linked.login) as browser:
        exported = await browser.get("/api/v1/me/export")
        erased = await browser.delete(
            "/api/v1/me", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
    assert exported.status_code == 200, exported.text
    orders = exported.json()["sections"]["orders"]
    assert [o["id"] for o in orders] == [order["id"]]
    assert orders[0]["address"]["postal_code"] == "75011"
    assert orders[0]["partner_id"] == linked.app.partner_id
    assert erased.status_code == 204, erased.text
    kept = await checkout.get_order(uow=container.read_uow(), order_id=order["id"])
    assert kept.order.address == {"erased": True}
    assert kept.order.total_minor == order["totals"]["total_minor"]
    assert [line.sku for line in kept.lines] == [MEMBER_SKU]
