"""The offers API over HTTP: what a linked shopper and an anonymous caller see, exactly.

The clock is frozen on a Thursday at 10:00 in Paris (before the warehouses' cut-offs), so every
delivery promise is a known date. Every 200 answer is validated against ``OffersOut``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.kernel import clock
from tests.linking_helpers import FROZEN_START, register_app
from tests.offers_helpers import (
    CITY,
    LOW_SKU,
    MEMBER_SKU,
    OUT_SKU,
    POSTAL_CODE,
    SHOPPER_NAME,
    STREET,
    client_credentials_token,
    get_offers,
    jws_part,
    linked_shopper,
    offer_catalog,
    offer_of,
    post_offers,
    variant_ids,
    verify_token,
)

EUR = "EUR"
TOKEN_EXPIRY = "2029-03-01T09:10:00+00:00"  # FROZEN_START + offers.token_ttl_seconds (600)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def price(minor: int) -> dict[str, Any]:
    return {"minor": minor, "currency": EUR, "amount": f"{minor // 100}.{minor % 100:02d}"}


def delivery(kind: str, day: str, start: int, end: int, label: str, country: str | None) -> Any:
    return {
        "kind": kind, "date": day, "start_hour": start, "end_hour": end, "label": label,
        "country": country,
    }  # fmt: skip


async def test_a_linked_member_sees_their_price_promise_checkout_and_a_signed_token(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    variant_id, product_id = await variant_ids(container, MEMBER_SKU)
    linked = await linked_shopper(app, container, member=True, scope="profile offers checkout")
    profile = await client.get("/partner/v1/shopper", headers=linked.headers)
    assert profile.status_code == 200, profile.text
    subject = profile.json()["sub"]

    answer = await get_offers(
        client, linked.headers, sku=MEMBER_SKU, campaign_id="spring-sale", creative_id="cr-7"
    )

    body = answer.json()
    assert (body["linked"], body["link_account_url"], len(body["items"])) == (True, None, 1)
    item = body["items"][0]
    assert (item["reference"], item["status"], item["error"]) == ({"sku": MEMBER_SKU}, "ok", None)
    offer = offer_of(body)
    token = offer.pop("offer_token")
    assert offer == {
        "variant_id": variant_id, "sku": MEMBER_SKU, "gtin": "4006381333931",
        "product_id": product_id, "title": "Thermo X1 smart thermostat",
        "image": "/static/catalog/demo/thermo-x1.svg", "price": price(11999),
        "list_price": price(12999), "member_price_applied": True, "saving": price(1000),
        "availability": {"status": "in_stock", "count": None},
        "delivery": delivery("address", "2029-03-01", 8, 22, "today 8–22 h", None),
        "membership_badge": True, "checkout": {"possible": True, "blockers": []},
        "offer_token_expires_at": TOKEN_EXPIRY,
    }  # fmt: skip
    assert (offer["price"]["amount"], offer["saving"]["amount"]) == ("119.99", "10.00")
    claims = await verify_token(container, token, linked.app.partner_id, subject=subject)
    assert (claims.variant_id, claims.sku, claims.unit_price_minor, claims.currency) == (
        variant_id, MEMBER_SKU, 11999, EUR,
    )  # fmt: skip
    assert (claims.placement_id, claims.campaign_id, claims.creative_id) == (
        "feed", "spring-sale", "cr-7",
    )  # fmt: skip
    assert (claims.partner_id, claims.subject, claims.member_price) == (
        linked.app.partner_id, subject, True,
    )  # fmt: skip
    assert claims.issued_at == FROZEN_START
    assert claims.expires_at.isoformat() == TOKEN_EXPIRY
    assert claims.issuer == "http://127.0.0.1:8000"
    assert jws_part(token, 0)["typ"] == "offer+jws"
    revealed = answer.text + str(jws_part(token, 0)) + str(jws_part(token, 1))
    personal = [SHOPPER_NAME, linked.login.email, POSTAL_CODE, STREET, CITY, "rue de la Paix"]
    for secret in [*personal, linked.login.shopper_id, linked.access_token]:
        assert secret not in revealed


async def test_a_non_member_pays_the_list_price_with_no_saving(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=False)

    offer = offer_of((await get_offers(client, linked.headers, sku=MEMBER_SKU)).json())

    assert (offer["price"], offer["list_price"], offer["saving"]) == (
        price(12999), price(12999), None,
    )  # fmt: skip
    assert (offer["member_price_applied"], offer["membership_badge"]) == (False, False)
    assert offer["delivery"] == delivery("address", "2029-03-02", 8, 22, "tomorrow 8–22 h", None)
    assert offer["checkout"] == {"possible": True, "blockers": []}
    claims = await verify_token(container, offer["offer_token"], linked.app.partner_id)
    assert (claims.unit_price_minor, claims.member_price) == (12999, False)


@pytest.mark.parametrize(
    ("account", "blockers", "promise"),
    [
        (
            {"address": False},
            ["no_address"],
            delivery("estimate", "2029-03-03", 8, 20, "Saturday 8–20 h", "FR"),
        ),
        (
            {"card": False},
            ["no_payment_method"],
            delivery("address", "2029-03-02", 8, 22, "tomorrow 8–22 h", None),
        ),
        (
            {"scope": "offers"},
            ["checkout_not_granted"],
            delivery("address", "2029-03-02", 8, 22, "tomorrow 8–22 h", None),
        ),
        (
            {"address": False, "card": False, "scope": "offers"},
            ["no_address", "no_payment_method", "checkout_not_granted"],
            delivery("estimate", "2029-03-03", 8, 20, "Saturday 8–20 h", "FR"),
        ),
    ],
    ids=["no-address", "no-card", "no-checkout-scope", "all-three"],
)
async def test_what_stops_in_app_checkout_is_listed(
    app: object,
    client: httpx.AsyncClient,
    container: Container,
    account: dict[str, Any],
    blockers: list[str],
    promise: dict[str, Any],
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, **account)

    offer = offer_of((await get_offers(client, linked.headers, sku=MEMBER_SKU)).json())

    assert offer["checkout"] == {"possible": False, "blockers": blockers}
    assert offer["delivery"] == promise
    assert offer["price"] == price(12999)
    assert isinstance(offer["offer_token"], str)


async def test_an_address_no_warehouse_ships_to_is_a_blocker_not_a_promise(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    await accounts.add_address(
        uow=container.uow(), shopper_id=linked.login.shopper_id, line1="1 Hauptstrasse",
        city="Zurich", postal_code="8001", country="CH", is_default=True,
    )  # fmt: skip

    offer = offer_of((await get_offers(client, linked.headers, sku=MEMBER_SKU)).json())

    assert offer["checkout"] == {"possible": False, "blockers": ["not_deliverable_to_address"]}
    assert offer["delivery"] is None
    assert "8001" not in json.dumps(offer)


async def test_stock_levels_show_as_in_stock_low_with_count_and_out_of_stock(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)

    body = (
        await post_offers(
            client, linked.headers, [{"sku": OUT_SKU}, {"sku": LOW_SKU}, {"sku": MEMBER_SKU}]
        )
    ).json()

    out, low, plenty = (offer_of(body, index) for index in range(3))
    assert out["availability"] == {"status": "out_of_stock", "count": None}
    assert out["delivery"] is None
    assert out["checkout"] == {"possible": False, "blockers": ["out_of_stock"]}
    assert low["availability"] == {"status": "low_stock", "count": 3}
    assert low["checkout"] == {"possible": True, "blockers": []}
    assert low["delivery"] == delivery("address", "2029-03-01", 8, 22, "today 8–22 h", None)
    assert plenty["availability"] == {"status": "in_stock", "count": None}


async def test_an_anonymous_call_gets_list_prices_an_estimate_and_a_link_url(
    client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    partner = await register_app(container, kind="social")
    headers = {"Authorization": f"Bearer {await client_credentials_token(client, partner)}"}

    answer = await get_offers(client, headers, sku=MEMBER_SKU)

    body = answer.json()
    assert body["linked"] is False
    offer = offer_of(body)
    assert (offer["price"], offer["list_price"], offer["saving"]) == (
        price(12999), price(12999), None,
    )  # fmt: skip
    assert (offer["member_price_applied"], offer["membership_badge"]) == (False, False)
    assert (offer["checkout"], offer["offer_token"], offer["offer_token_expires_at"]) == (
        None, None, None,
    )  # fmt: skip
    assert offer["availability"] == {"status": "in_stock", "count": None}
    assert offer["delivery"] == delivery("estimate", "2029-03-03", 8, 20, "Saturday 8–20 h", "FR")
    url = body["link_account_url"]
    assert url.startswith("http://127.0.0.1:8000/oauth/authorize?")
    assert parse_qs(urlsplit(url).query) == {
        "response_type": ["code"], "client_id": [partner.client_id], "scope": ["offers checkout"],
    }  # fmt: skip


async def test_the_country_steers_the_anonymous_estimate(
    client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    partner = await register_app(container, kind="social")
    headers = {"Authorization": f"Bearer {await client_credentials_token(client, partner)}"}
    nowhere = offer_of((await get_offers(client, headers, sku=MEMBER_SKU, country="DE")).json())
    assert nowhere["delivery"] is None

    await catalog.create_warehouse(
        uow=container.uow(), code="BER1", name="Berlin", timezone="Europe/Berlin",
        cutoff_local="12:00", ship_weekdays=[0, 1, 2, 3, 4],
        zones=[{"country": "DE", "postal_prefix": "", "transit_days": 1,
                "member_transit_days": 1, "window_start_hour": 9, "window_end_hour": 18}],
    )  # fmt: skip
    variant_id, _ = await variant_ids(container, MEMBER_SKU)
    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="BER1", on_hand=4
    )

    german = offer_of((await get_offers(client, headers, sku=MEMBER_SKU, country="DE")).json())
    french = offer_of((await get_offers(client, headers, sku=MEMBER_SKU)).json())
    assert german["delivery"] == delivery("estimate", "2029-03-02", 9, 18, "tomorrow 9–18 h", "DE")
    assert french["delivery"] == delivery("estimate", "2029-03-03", 8, 20, "Saturday 8–20 h", "FR")


async def test_a_partners_client_credentials_never_reveal_its_linked_shoppers(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)
    anonymous = await client_credentials_token(client, linked.app)

    answer = await get_offers(client, {"Authorization": f"Bearer {anonymous}"}, sku=MEMBER_SKU)

    body = answer.json()
    offer = offer_of(body)
    assert body["linked"] is False
    assert (offer["price"], offer["membership_badge"], offer["checkout"]) == (
        price(12999), False, None,
    )  # fmt: skip
    assert offer["offer_token"] is None
    assert offer["delivery"]["kind"] == "estimate"
    for secret in (SHOPPER_NAME, linked.login.email, POSTAL_CODE, STREET, CITY):
        assert secret not in answer.text
    assert linked.login.shopper_id not in answer.text
