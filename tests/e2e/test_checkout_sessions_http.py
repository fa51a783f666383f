"""Creating checkout sessions over HTTP: exact totals, masked details, holds, blockers, refusals.

The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris (before the warehouses' cut-offs),
so every delivery promise is a known date. Prices include 20 % French VAT: the tax shown is
round_half_up(total × 2000 / 12000).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.catalog.browsing import Availability
from handshake.kernel import clock
from handshake.offers.click_ids import derive_click_secret, new_click_id
from tests.checkout_helpers import (
    SESSIONS,
    checkout_shopper,
    create_session,
    offer_token,
    prepared_catalog,
)
from tests.checkout_state_helpers import holds, problem, same_app_shopper, set_price, stock
from tests.linking_helpers import FROZEN_START, REDIRECT_URI, row_count
from tests.offers_helpers import LOW_SKU, MEMBER_SKU, OUT_SKU, PLAIN_SKU

TITLE = "Thermo X1 smart thermostat"  # every variant of the offers catalog has this title
EXPIRY = "2029-03-01T09:10:00Z"  # FROZEN_START + checkout.reservation_minutes (10)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def line(sku: str, quantity: int, unit: int, listed: int, *, reserved: bool = True) -> Any:
    return {
        "sku": sku, "title": TITLE, "quantity": quantity, "unit_price_minor": unit,
        "list_price_minor": listed, "offered_price_minor": unit,
        "member_saving_minor": (listed - unit) * quantity, "total_minor": unit * quantity,
        "reserved": reserved,
    }  # fmt: skip


def lines_of(session: dict[str, Any]) -> list[dict[str, Any]]:
    """The line items without their variant ids."""
    return [{k: v for k, v in item.items() if k != "variant_id"} for item in session["line_items"]]


def totals(items: int, savings: int, shipping: int, tax: int, total: int) -> dict[str, int]:
    return {
        "items_minor": items, "member_savings_minor": savings, "shipping_minor": shipping,
        "tax_minor": tax, "total_minor": total,
    }  # fmt: skip


def option(code: str, fee: int, day: str, end: int, label: str, *, selected: bool) -> Any:
    name = "Standard delivery" if code == "standard" else "Express delivery"
    promise = {"date": day, "start_hour": 8, "end_hour": end, "label": label}
    return {"code": code, "label": name, "fee_minor": fee, "promise": promise, "selected": selected}


async def test_a_non_member_session_is_priced_shipped_and_held_exactly(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Non-member, 1 × 49.00 from Lyon: shipping 4.90, VAT 8.98 included, one unit held."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)

    created = await create_session(client, linked, [(PLAIN_SKU, 1)])

    assert created.status_code == 201, created.text
    session = created.json()
    assert (session["status"], session["ready_for_payment"], session["blockers"]) == (
        "open", True, [],
    )  # fmt: skip
    assert lines_of(session) == [line(PLAIN_SKU, 1, 4900, 4900)]
    assert session["totals"] == totals(4900, 0, 490, 898, 5390)
    assert (session["currency"], session["tax_included"]) == ("EUR", True)
    assert session["delivery_options"] == [
        option("standard", 490, "2029-03-05", 20, "Monday 8–20 h", selected=True),
        option("express", 990, "2029-03-03", 20, "Saturday 8–20 h", selected=False),
    ]
    assert (session["reserved_until"], session["messages"]) == (EXPIRY, [])
    assert (session["return_url"], session["order_id"], session["click_id"]) == (
        REDIRECT_URI, None, None,
    )  # fmt: skip
    assert await stock(container, PLAIN_SKU) == {"LYS1": (8, 1)}
    assert await holds(container, session["id"]) == [("LYS1", 1)]


async def test_the_address_and_card_are_shown_masked(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The partner sees "Zelda Q.", "75•••" and the card's brand and last four only."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)

    created = await create_session(client, linked, [(PLAIN_SKU, 1)])

    session = created.json()
    address, card = session["address"], session["payment_method"]
    assert {k: v for k, v in address.items() if k != "id"} == {
        "recipient": "Zelda Q.", "postal_area": "75•••", "city": "Paris", "country": "FR",
        "is_default": True,
    }  # fmt: skip
    assert {k: v for k, v in card.items() if k != "id"} == {
        "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2035, "is_default": True,
    }  # fmt: skip
    assert (session["addresses"], session["payment_methods"]) == ([address], [card])
    for secret in ("Quintessence", "rue de la Paix", "75011", "tok_visa_offers"):
        assert secret not in created.text


async def test_a_member_gets_member_prices_and_free_standard_shipping(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Member: 119.99 (saving 10.00) + 2 × 49.00, no shipping, VAT 36.33 included."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, member=True)

    created = await create_session(client, linked, [(MEMBER_SKU, 1), (PLAIN_SKU, 2)])

    assert created.status_code == 201, created.text
    session = created.json()
    assert lines_of(session) == [
        line(MEMBER_SKU, 1, 11999, 12999), line(PLAIN_SKU, 2, 4900, 4900),
    ]  # fmt: skip
    assert session["totals"] == totals(21799, 1000, 0, 3633, 21799)
    assert session["delivery_options"] == [
        option("standard", 0, "2029-03-03", 20, "Saturday 8–20 h", selected=True),
        option("express", 490, "2029-03-02", 20, "tomorrow 8–20 h", selected=False),
    ]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}
    assert await stock(container, PLAIN_SKU) == {"LYS1": (8, 2)}


async def test_held_units_leave_the_catalog_availability(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """2 of the 3 low-stock units held: the catalog shows 1 left and 2 reserved."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)

    created = await create_session(client, linked, [(LOW_SKU, 2)])

    assert created.status_code == 201, created.text
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 2)}
    detail = await catalog.get_variant(uow=container.read_uow(), reference=LOW_SKU)
    assert detail.variant.availability == Availability("low_stock", 1)


async def test_a_price_changed_since_the_offer_is_applied_with_a_message(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The offer said 129.99, the catalog now says 139.99: the line costs 139.99, with a note."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    token = await offer_token(client, linked, MEMBER_SKU)
    await set_price(container, MEMBER_SKU, 13999, 12999)

    body = {"items": [{"offer_token": token, "quantity": 1}]}
    created = await client.post(SESSIONS, json=body, headers=linked.headers)

    assert created.status_code == 201, created.text
    session = created.json()
    assert lines_of(session) == [
        {**line(MEMBER_SKU, 1, 13999, 13999), "offered_price_minor": 12999}
    ]
    assert session["messages"] == [
        {
            "code": "price_changed", "sku": MEMBER_SKU, "old_unit_price_minor": 12999,
            "new_unit_price_minor": 13999,
            "text": "The price of ACM-X1-WHT changed from 12999 to 13999 (EUR minor units).",
        }
    ]  # fmt: skip
    assert session["totals"] == totals(13999, 0, 0, 2333, 13999)


async def test_an_out_of_stock_line_is_left_unheld_and_blocks_payment(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """ACM-OUT-1 cannot be held: reserved false, an out_of_stock message and blocker only."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)

    created = await create_session(client, linked, [(MEMBER_SKU, 1), (OUT_SKU, 1)])

    assert created.status_code == 201, created.text
    session = created.json()
    assert [(i["sku"], i["reserved"]) for i in session["line_items"]] == [
        (MEMBER_SKU, True), (OUT_SKU, False),
    ]  # fmt: skip
    assert session["messages"] == [
        {"code": "out_of_stock", "text": "1 × ACM-OUT-1 cannot be reserved now.",
         "sku": OUT_SKU, "requested": 1},
    ]  # fmt: skip
    assert (session["ready_for_payment"], session["blockers"]) == (False, ["out_of_stock"])
    assert await stock(container, OUT_SKU) == {"PAR1": (0, 0)}
    assert await holds(container, session["id"]) == [("PAR1", 1)]


@pytest.mark.parametrize(
    ("account", "blocker", "chosen", "saved"),
    [({"address": False}, "no_address", "address", "addresses"),
     ({"card": False}, "no_payment_method", "payment_method", "payment_methods")],
    ids=["no-address", "no-card"],
)  # fmt: skip
async def test_a_missing_address_or_card_blocks_payment(
    app: object,
    container: Container,
    client: httpx.AsyncClient,
    account: dict[str, Any],
    blocker: str,
    chosen: str,
    saved: str,
) -> None:
    """Without an address (or a card) the session opens, holds stock, and says why it waits."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, **account)

    created = await create_session(client, linked, [(MEMBER_SKU, 1)])

    assert created.status_code == 201, created.text
    session = created.json()
    assert (session["ready_for_payment"], session["blockers"]) == (False, [blocker])
    assert (session[chosen], session[saved]) == (None, [])
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}


async def test_a_click_id_of_this_partner_is_kept(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A genuine click id issued to the calling partner is accepted and shown back."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    secret = derive_click_secret(container.settings.security.secret_key.get_secret_value())
    click = new_click_id(secret=secret, partner_id=linked.app.partner_id, event_id="ev-1")

    created = await create_session(client, linked, [(MEMBER_SKU, 1)], click_id=click)

    assert created.status_code == 201, created.text
    assert created.json()["click_id"] == click


def _foreign_click(container: Container) -> str:
    secret = derive_click_secret(container.settings.security.secret_key.get_secret_value())
    return new_click_id(secret=secret, partner_id="ptn_someoneelse0", event_id="ev-1")


@pytest.mark.parametrize(
    ("items", "extra", "code"),
    [
        ([(MEMBER_SKU, 1), (MEMBER_SKU, 2)], {}, "invalid_checkout_request"),
        ([(MEMBER_SKU, 11)], {}, "invalid_checkout_request"),
        ([(MEMBER_SKU, 1)], {"delivery_option": "drone"}, "unknown_delivery_option"),
        ([(MEMBER_SKU, 1)], {"click_id": "clk_forged.abc"}, "invalid_click_id"),
        ([(MEMBER_SKU, 1)], {"click_id": "foreign"}, "invalid_click_id"),
        ([(MEMBER_SKU, 1)], {"return_url": "https://evil.example/cb"}, "return_url_not_registered"),
    ],
    ids=["duplicate", "quantity", "delivery", "forged-click", "foreign-click", "return-url"],
)
async def test_invalid_requests_are_refused_and_hold_nothing(
    app: object,
    container: Container,
    client: httpx.AsyncClient,
    items: list[tuple[str, int]],
    extra: dict[str, str],
    code: str,
) -> None:
    """422 with the rule's code; no session is created and no unit is held."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    if extra.get("click_id") == "foreign":
        extra = {"click_id": _foreign_click(container)}

    refused = await create_session(client, linked, items, **extra)

    problem(refused, 422, code)
    assert await row_count(container, "checkout_sessions") == 0
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 0)}


@pytest.mark.parametrize("same_partner", [False, True], ids=["other-partner", "other-shopper"])
async def test_an_offer_token_of_another_partner_or_shopper_is_refused(
    app: object, container: Container, client: httpx.AsyncClient, same_partner: bool
) -> None:
    """A token is bound to its partner and shopper: 403 wrong_partner / wrong_shopper."""
    await prepared_catalog(container)
    owner = await checkout_shopper(app, container)
    token = await offer_token(client, owner, MEMBER_SKU)
    if same_partner:
        caller = await same_app_shopper(app, container, owner.app, scope="offers checkout orders")
    else:
        caller = await checkout_shopper(app, container)

    body = {"items": [{"offer_token": token, "quantity": 1}]}
    refused = await client.post(SESSIONS, json=body, headers=caller.headers)

    code = "offer_token_wrong_shopper" if same_partner else "offer_token_wrong_partner"
    problem(refused, 403, code)
    assert await row_count(container, "checkout_sessions") == 0
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 0)}


async def test_a_token_without_the_checkout_scope_is_forbidden(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A shopper linked for offers only: 403 insufficient_scope, nothing held."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="offers")

    refused = await create_session(client, linked, [(MEMBER_SKU, 1)])

    problem(refused, 403, "insufficient_scope")
    assert await row_count(container, "checkout_sessions") == 0
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 0)}
