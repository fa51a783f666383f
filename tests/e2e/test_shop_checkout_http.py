"""The store's own checkout (the same engine and hosted sheet), orders with tracking, account."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from tests.accounts_helpers import signed_in_shopper
from tests.checkout_helpers import stock_levels
from tests.shop_helpers import (
    DESK_BLACK,
    add_to_cart,
    cart_of,
    shopper_in_shop,
    tagged,
    text_of,
    variant_id,
)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page's forms."""
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))


async def open_sheet(client: httpx.AsyncClient, csrf: str) -> tuple[str, dict[str, str]]:
    """Press Checkout on the cart; the session id and the sheet's form fields."""
    answer = await client.post("/cart/checkout", data={"csrf_token": csrf})
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/checkout/sheet/chk_")
    sheet = await client.get(target)
    assert sheet.status_code == 200, sheet.text
    return urlsplit(target).path.rsplit("/", 1)[-1], hidden_fields(sheet.text)


async def placed_store_order(client: httpx.AsyncClient, container: Container) -> tuple[str, str]:
    """A shopper who bought 2 black desk lamps through the store; (shopper id, order id)."""
    login = await shopper_in_shop(client, container)
    await add_to_cart(client, login, await variant_id(container, DESK_BLACK), "2")
    session_id, fields = await open_sheet(client, login.csrf_token)
    paid = await client.post(f"/checkout/sheet/{session_id}", data=fields)
    assert paid.status_code == 303, paid.text
    back = await client.get(paid.headers["location"])
    assert back.status_code == 303
    order_id = back.headers["location"].removeprefix("/account/orders/").split("?")[0]
    return login.shopper_id, order_id


async def test_store_checkout_places_the_order_and_empties_the_cart(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    await add_to_cart(client, login, await variant_id(container, DESK_BLACK), "2")
    session_id, fields = await open_sheet(client, login.csrf_token)
    assert fields["total_minor"] == "8000"  # 2 × 40.00, delivery free from 50.00
    assert await stock_levels(container, DESK_BLACK) == {"PAR1": (10, 2)}
    paid = await client.post(f"/checkout/sheet/{session_id}", data=fields)
    assert paid.status_code == 303
    target = urlsplit(paid.headers["location"])
    assert target.path == "/cart/checkout/return"
    back = await client.get(paid.headers["location"])
    orders = await checkout.list_orders(
        uow=container.read_uow(), where=checkout.OrderFilter(shopper_id=login.shopper_id)
    )
    (details,) = orders.items
    order = details.order
    assert back.headers["location"] == f"/account/orders/{order.id}?placed=1"
    assert (order.channel, order.partner_id, order.status, order.total_minor) == (
        "store", None, "paid", 8000,
    )  # fmt: skip
    assert [(line.sku, line.quantity) for line in details.lines] == [(DESK_BLACK, 2)]
    assert await cart_of(container, login.shopper_id) == []
    assert await stock_levels(container, DESK_BLACK) == {"PAR1": (10, 2)}
    page = await client.get(back.headers["location"])
    assert page.status_code == 200
    assert "Thank you! Your order is placed." in page.text
    assert text_of(page.text, "order-status") == ["paid"]
    assert text_of(page.text, "order-total") == ["80.00 EUR"]
    assert re.findall(r'data-kind="([a-z]+)"', page.text) == ["placed"]
    listed = await client.get("/account/orders")
    assert [re.search(r'data-order-id="([^"]+)"', t).group(1)  # type: ignore[union-attr]
            for t in tagged(listed.text, "order-row")] == [order.id]  # fmt: skip


async def test_an_abandoned_or_refused_checkout_keeps_the_cart(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Leaving the sheet, or a declined card, keeps the cart; checking out again frees the
    first session's stock instead of holding it twice."""
    login = await shopper_in_shop(client, container, card_token="tok_sandbox_declined_shop")
    await add_to_cart(client, login, await variant_id(container, DESK_BLACK), "3")
    first, _fields = await open_sheet(client, login.csrf_token)
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 3)]
    second, fields = await open_sheet(client, login.csrf_token)
    assert await stock_levels(container, DESK_BLACK) == {"PAR1": (10, 3)}
    refused = await client.post(f"/checkout/sheet/{second}", data=fields)
    assert refused.status_code == 422
    assert 'id="sheet-error"' in refused.text
    assert 'href="/cart"' in refused.text
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 3)]
    orders = await checkout.list_orders(
        uow=container.read_uow(), where=checkout.OrderFilter(shopper_id=login.shopper_id)
    )
    assert orders.items == []
    back = await client.get(f"/cart/checkout/return?checkout_session={first}&status=canceled")
    assert back.headers["location"] == "/cart"


async def test_checkout_of_an_empty_cart_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    answer = await client.post("/cart/checkout", data={"csrf_token": login.csrf_token})
    assert answer.status_code == 422
    assert 'id="cart-error">Your cart is empty.</p>' in answer.text


async def test_order_page_tracks_the_parcel_and_refuses_a_late_cancel(
    client: httpx.AsyncClient, container: Container
) -> None:
    _shopper, order_id = await placed_store_order(client, container)
    await checkout.ship_order(
        uow=container.uow(), order_id=order_id, carrier="UPS", tracking_number="1Z999",
        actor="operator:test",
    )  # fmt: skip
    page = await client.get(f"/account/orders/{order_id}")
    assert text_of(page.text, "order-status") == ["shipped"]
    assert re.findall(r'data-kind="([a-z]+)"', page.text) == ["placed", "shipped"]
    assert "Carrier UPS, tracking number 1Z999" in page.text
    assert "3 rue des Lilas" in text_of(page.text, "order-address")[0]
    assert tagged(page.text, "cancel-order") == []
    login_csrf = client.cookies["hs_csrf"]
    late = await client.post(f"/account/orders/{order_id}/cancel", data={"csrf_token": login_csrf})
    assert late.status_code == 409
    assert 'id="order-error"' in late.text
    details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert details.order.status == "shipped"


async def test_the_shopper_cancels_after_confirming(
    client: httpx.AsyncClient, container: Container
) -> None:
    _shopper, order_id = await placed_store_order(client, container)
    page = await client.get(f"/account/orders/{order_id}")
    assert tagged(page.text, "cancel-order") != []
    confirm = await client.get(f"/account/orders/{order_id}/cancel")
    assert confirm.status_code == 200
    assert tagged(confirm.text, "confirm-cancel") != []
    details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert details.order.status == "paid"  # showing the confirmation changed nothing
    done = await client.post(
        f"/account/orders/{order_id}/cancel", data={"csrf_token": client.cookies["hs_csrf"]}
    )
    assert (done.status_code, done.headers["location"]) == (
        303, f"/account/orders/{order_id}?cancelled=1",
    )  # fmt: skip
    after = await client.get(done.headers["location"])
    assert text_of(after.text, "order-status") == ["canceled"]
    assert re.findall(r'data-kind="([a-z]+)"', after.text) == ["placed", "canceled"]
    assert await stock_levels(container, DESK_BLACK) == {"PAR1": (10, 0)}


async def test_another_shopper_sees_and_cancels_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    _owner, order_id = await placed_store_order(client, container)
    stranger = await signed_in_shopper(client, container)
    page = await client.get(f"/account/orders/{order_id}")
    cancel = await client.post(
        f"/account/orders/{order_id}/cancel", data={"csrf_token": stranger.csrf_token}
    )
    assert (page.status_code, cancel.status_code) == (404, 404)
    assert "Order not found" in page.text
    details = await checkout.get_order(uow=container.read_uow(), order_id=order_id)
    assert details.order.status == "paid"


async def test_saved_cards_add_make_default_and_remove(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    form = await client.get("/account/cards/new")
    outcomes = re.findall(r'<option value="([a-z_]+)"', form.text)
    assert outcomes == [
        "visa", "mastercard", "declined", "insufficient_funds", "authentication_required",
        "unavailable",
    ]  # fmt: skip
    csrf = {"csrf_token": login.csrf_token}
    saved = await client.post("/account/cards", data={**csrf, "outcome": "mastercard"})
    assert (saved.status_code, saved.headers["location"]) == (
        303, "/account?saved=1#payment-heading",
    )  # fmt: skip
    await client.post("/account/cards", data={**csrf, "outcome": "visa", "make_default": "on"})
    bad = await client.post("/account/cards", data={**csrf, "outcome": "gold"})
    assert bad.status_code == 422
    assert "Choose one of the sandbox&#39;s test cards." in bad.text
    methods = await accounts.list_payment_methods(
        uow=container.read_uow(), shopper_id=login.shopper_id
    )
    assert [(m.brand, m.last4, m.is_default, m.provider) for m in methods] == [
        ("mastercard", "4444", False, "sandbox"), ("visa", "4242", True, "sandbox"),
    ]  # fmt: skip
    assert methods[0].provider_token.startswith("tok_sandbox_mastercard_")
    page = await client.get("/account")
    assert text_of(page.text, "saved-card")[1].startswith("VISA •••• 4242")
    mastercard, visa = methods[0].id, methods[1].id
    made = await client.post(f"/account/payment-methods/{mastercard}/default", data=csrf)
    assert made.status_code == 303
    removed = await client.post(f"/account/payment-methods/{mastercard}/delete", data=csrf)
    assert removed.status_code == 303
    methods = await accounts.list_payment_methods(
        uow=container.read_uow(), shopper_id=login.shopper_id
    )
    assert [(m.id, m.is_default) for m in methods] == [(visa, True)]
    stranger = await signed_in_shopper(client, container)
    foreign = await client.post(
        f"/account/payment-methods/{visa}/delete", data={"csrf_token": stranger.csrf_token}
    )
    assert foreign.status_code == 400
    methods = await accounts.list_payment_methods(
        uow=container.read_uow(), shopper_id=login.shopper_id
    )
    assert [m.id for m in methods] == [visa]


async def test_account_shows_membership_dates(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_shopper(client, container)
    plain = await client.get("/account")
    assert text_of(plain.text, "membership-status") == ["Not a member"]
    login = await signed_in_shopper(client, container, member=True)
    membership = await accounts.get_membership(
        uow=container.read_uow(), shopper_id=login.shopper_id
    )
    assert membership is not None
    page = await client.get("/account?lang=fr")
    assert text_of(page.text, "membership-status") == ["Membre"]
    since = membership.starts_at.strftime("%Y-%m-%d")
    assert f"Membre depuis le {since}. Sans date de fin." in " ".join(page.text.split())
