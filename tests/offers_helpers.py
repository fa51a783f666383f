"""Shared helpers of the offers tests: a small catalog, a linked shopper, anonymous tokens."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from tests.accounts_helpers import ShopperLogin, signed_in_shopper
from tests.catalog_helpers import import_ok, make_warehouses, row
from tests.linking_helpers import PartnerApp, bearer, browser, link_tokens, register_app

MEMBER_SKU = "ACM-X1-WHT"  # 129.99, members 119.99, 12 in Paris
MEMBER_GTIN = "4006381333931"
LOW_SKU = "ACM-LOW-1"  # 3 in Paris (low stock)
OUT_SKU = "ACM-OUT-1"  # none anywhere
PLAIN_SKU = "ACM-PLAIN-1"  # 49.00, no member price, 8 in Lyon
POSTAL_CODE = "75011"
SHOPPER_NAME = "Zelda Quintessence"
_emails = itertools.count(1)


async def offer_catalog(container: Container) -> None:
    """Two warehouses and four variants covering every availability."""
    await make_warehouses(container)
    await import_ok(
        container,
        [
            row(),
            row(handle="acme-low", sku=LOW_SKU, gtin=None, stock={"PAR1": 3}),
            row(handle="acme-out", sku=OUT_SKU, gtin=None, stock={"PAR1": 0}),
            row(
                handle="acme-plain",
                sku=PLAIN_SKU,
                gtin=None,
                list_price="49.00",
                member_price=None,
                stock={"LYS1": 8},
            ),
        ],
    )


@dataclass
class LinkedShopper:
    """A shopper linked to a partner app, and the app's access token."""

    login: ShopperLogin
    app: PartnerApp
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        """Bearer headers of the partner call."""
        return bearer(self.access_token)


async def linked_shopper(
    app: object,
    container: Container,
    *,
    member: bool = False,
    address: bool = True,
    card: bool = True,
    scope: str = "offers checkout",
) -> LinkedShopper:
    """A new shopper (with the given account state) linked to a new social app with ``scope``."""
    async with browser(app) as shopper_browser:
        login = await signed_in_shopper(
            shopper_browser, container, name=SHOPPER_NAME, member=member,
            email=f"offers-shopper{next(_emails)}@example.com",
        )  # fmt: skip
        if address:
            await accounts.add_address(
                uow=container.uow(), shopper_id=login.shopper_id, line1="12 rue de la Paix",
                city="Paris", postal_code=POSTAL_CODE, country="FR",
            )  # fmt: skip
        if card:
            await accounts.add_payment_method(
                uow=container.uow(), shopper_id=login.shopper_id, provider="sandbox",
                token="tok_visa_offers", brand="visa", last4="4242", exp_month=12, exp_year=2035,
            )  # fmt: skip
        partner_app = await register_app(container, kind="social")
        tokens = await link_tokens(shopper_browser, partner_app, scope=scope)
    return LinkedShopper(login=login, app=partner_app, access_token=tokens["access_token"])


async def client_credentials_token(
    client: httpx.AsyncClient, partner_app: PartnerApp, scope: str = "offers"
) -> str:
    """An anonymous (client-credentials) access token of ``partner_app``."""
    answer = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=partner_app.basic(),
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def offer_of(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """The offer of the ``index``-th item (which must have one)."""
    item = body["items"][index]
    assert item["status"] == "ok", item
    offer: dict[str, Any] = item["offer"]
    return offer
