"""The shop site's cart: add (same variant adds up), change, remove, bad input, races."""

from __future__ import annotations

import asyncio
import re

import httpx

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.checkout.policy import CheckoutPolicy
from tests.accounts_helpers import signed_in_shopper
from tests.shop_helpers import (
    DESK_BLACK,
    FLOOR,
    add_to_cart,
    cart_of,
    shop_catalog,
    shopper_in_shop,
    tagged,
    text_of,
    variant_id,
)


def line_ids(html: str) -> list[str]:
    """The cart line ids of the page, in order."""
    return re.findall(r'data-testid="cart-line" data-sku="[^"]+" id="line-([^"]+)"', html)


async def test_anonymous_shoppers_are_sent_to_sign_in_and_nothing_is_added(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await shop_catalog(container)
    page = await client.get("/cart")
    assert (page.status_code, page.headers["location"]) == (303, "/signin?next=/cart")
    await client.get("/products")  # any page sets the CSRF cookie
    posted = await client.post(
        "/cart/items",
        data={"csrf_token": client.cookies["hs_csrf"], "variant_id": "x",
              "product_id": ids[DESK_BLACK]},
    )  # fmt: skip
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/signin?next=/products/{ids[DESK_BLACK]}"
    # An order id taken from the URL cannot add parameters to the sign-in link.
    order = await client.get("/account/orders/x%26lang%3Dfr%23")
    assert order.headers["location"] == "/signin?next=/account/orders/x%26lang%3Dfr%23"


async def test_adding_the_same_variant_twice_adds_to_one_line(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    black = await variant_id(container, DESK_BLACK)
    first = await add_to_cart(client, login, black, "2")
    assert (first.status_code, first.headers["location"]) == (303, "/cart?done=added")
    await add_to_cart(client, login, black, "1")
    await add_to_cart(client, login, await variant_id(container, FLOOR), "1")
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 3), (FLOOR, 1)]
    page = await client.get("/cart?done=added")
    assert len(tagged(page.text, "cart-line")) == 2
    assert "Added to your cart." in page.text
    assert text_of(page.text, "cart-total") == ["240.00 EUR"]  # 3 × 40.00 + 120.00
    assert re.search(r'name="quantity" type="number"[^>]*value="3"', page.text, re.S)


async def test_members_see_their_member_price_in_the_cart(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container, member=True)
    await add_to_cart(client, login, await variant_id(container, DESK_BLACK), "2")
    page = await client.get("/cart")
    assert text_of(page.text, "price") == ["35.00 EUR"]
    assert text_of(page.text, "member-price") == ["member price"]
    assert text_of(page.text, "cart-total") == ["70.00 EUR"]


async def test_update_and_remove_lines_with_and_without_htmx(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    await add_to_cart(client, login, await variant_id(container, DESK_BLACK), "2")
    await add_to_cart(client, login, await variant_id(container, FLOOR), "1")
    desk, floor = line_ids((await client.get("/cart")).text)
    token = {"csrf_token": login.csrf_token}
    updated = await client.post(f"/cart/lines/{desk}", data={**token, "quantity": "5"})
    assert (updated.status_code, updated.headers["location"]) == (303, "/cart?done=updated")
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 5), (FLOOR, 1)]
    htmx = {"HX-Request": "true"}
    fragment = await client.post(f"/cart/lines/{floor}/delete", data=token, headers=htmx)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="cart"')
    assert "Removed from your cart." in fragment.text
    assert line_ids(fragment.text) == [desk]
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 5)]
    removed = await client.post(f"/cart/lines/{desk}/delete", data=token)
    assert removed.status_code == 303
    assert await cart_of(container, login.shopper_id) == []
    assert "Your cart is empty." in (await client.get("/cart")).text


async def test_bad_quantities_and_unknown_items_change_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    black = await variant_id(container, DESK_BLACK)
    await add_to_cart(client, login, black, "9")
    (line,) = line_ids((await client.get("/cart")).text)
    refusals = [
        (await add_to_cart(client, login, black, "0"), 422, "Choose a quantity from 1 to 10."),
        (await add_to_cart(client, login, black, "lots"), 422, "Choose a quantity from 1 to 10."),
        (await add_to_cart(client, login, black, "2"), 422, "A cart holds at most 10 of one item."),
        (await add_to_cart(client, login, "var_unknown", "1"), 404, "No variant var_unknown."),
        (
            await client.post(
                f"/cart/lines/{line}", data={"csrf_token": login.csrf_token, "quantity": "11"}
            ),
            422,
            "Choose a quantity from 1 to 10.",
        ),
        (
            await client.post(
                "/cart/lines/crt_missing/delete", data={"csrf_token": login.csrf_token}
            ),
            404,
            "No line &#39;crt_missing&#39; in your cart.",
        ),
    ]
    for answer, status, message in refusals:
        assert answer.status_code == status, answer.text
        assert f'<p class="error" role="alert" id="cart-error">{message}</p>' in answer.text
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 9)]
    no_csrf = await client.post("/cart/items", data={"variant_id": black, "quantity": "1"})
    assert no_csrf.status_code == 403
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 9)]


async def test_another_shoppers_line_cannot_be_changed(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner = await shopper_in_shop(client, container)
    await add_to_cart(client, owner, await variant_id(container, DESK_BLACK), "2")
    (line,) = line_ids((await client.get("/cart")).text)
    stranger = await signed_in_shopper(client, container)
    changed = await client.post(
        f"/cart/lines/{line}", data={"csrf_token": stranger.csrf_token, "quantity": "1"}
    )
    removed = await client.post(
        f"/cart/lines/{line}/delete", data={"csrf_token": stranger.csrf_token}
    )
    assert (changed.status_code, removed.status_code) == (404, 404)
    assert await cart_of(container, owner.shopper_id) == [(DESK_BLACK, 2)]
    assert await cart_of(container, stranger.shopper_id) == []


async def test_htmx_add_answers_a_status_line_or_the_refusal(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await shopper_in_shop(client, container)
    black = await variant_id(container, DESK_BLACK)
    htmx = {"headers": {"HX-Request": "true"}}
    added = await add_to_cart(client, login, black, "1", **htmx)  # type: ignore[arg-type]
    refused = await add_to_cart(client, login, black, "11", **htmx)  # type: ignore[arg-type]
    assert added.status_code == 200
    assert 'role="status">Added to your cart.' in added.text
    assert refused.status_code == 422
    assert 'id="add-error">Choose a quantity from 1 to 10.</p>' in refused.text
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 1)]


async def test_concurrent_adds_of_one_variant_sum_up_on_one_line(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Five adds at once (two tabs, double clicks): one line, every unit counted."""
    await shop_catalog(container)
    login = await signed_in_shopper(client, container)
    black = await variant_id(container, DESK_BLACK)
    policy = CheckoutPolicy.from_settings(container.settings)
    totals = await asyncio.gather(
        *(
            checkout.add_to_cart(
                uow=container.uow(),
                policy=policy,
                shopper_id=login.shopper_id,
                variant_id=black,
                quantity=quantity,
            )
            for quantity in (1, 2, 1, 3, 2)
        )
    )
    assert sorted(totals)[-1] == 9
    assert len(set(totals)) == 5  # each add saw the line grow
    assert await cart_of(container, login.shopper_id) == [(DESK_BLACK, 9)]
