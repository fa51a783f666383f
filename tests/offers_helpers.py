"""Shared helpers of the offers tests: a small catalog, a linked shopper, anonymous tokens."""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.db.base import metadata
from handshake.db.uow import Repository
from handshake.offers import service as offers
from handshake.offers.schemas import OffersOut
from handshake.offers.service import OfferClaims, OfferPolicy
from handshake.web.csrf import CSRF_COOKIE
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
STREET = "12 rue de la Paix"
CITY = "Paris"
OFFERS = "/partner/v1/offers"
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
                uow=container.uow(), shopper_id=login.shopper_id, line1=STREET,
                city=CITY, postal_code=POSTAL_CODE, country="FR",
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


def _valid(answer: httpx.Response) -> httpx.Response:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    OffersOut.model_validate(answer.json())
    return answer


async def get_offers(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> httpx.Response:
    """``GET /partner/v1/offers`` (placement "feed" unless given), checked against OffersOut."""
    query = {"placement_id": "feed", **params}
    return _valid(await client.get(OFFERS, params=query, headers=headers))


async def post_offers(
    client: httpx.AsyncClient, headers: dict[str, str], items: list[dict[str, str]], **extra: Any
) -> httpx.Response:
    """``POST /partner/v1/offers`` (placement "feed" unless given), checked against OffersOut."""
    body = {"items": items, "placement_id": "feed", **extra}
    return _valid(await client.post(OFFERS, json=body, headers=headers))


def shopper_browser(app: object, container: Container, login: ShopperLogin) -> httpx.AsyncClient:
    """A browser carrying ``login``'s session and CSRF cookies (the consent center's caller)."""
    http = browser(app)
    http.cookies.set(container.settings.security.session_cookie, login.session_token)
    http.cookies.set(CSRF_COOKIE, login.csrf_token)
    return http


def jws_part(token: str, index: int) -> dict[str, Any]:
    """The decoded header (0) or payload (1) of a compact JWS, unverified."""
    segment = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


async def verify_token(
    container: Container, token: str, partner_id: str, subject: str | None = None
) -> OfferClaims:
    """The claims of an offer token as checkout would verify them."""
    return await offers.verify_offer_token(
        uow=container.read_uow(),
        policy=OfferPolicy.from_settings(container.settings),
        token=token,
        partner_id=partner_id,
        subject=subject,
    )


async def variant_ids(container: Container, sku: str) -> tuple[str, str]:
    """The (variant id, product id) of ``sku``."""
    detail = await catalog.get_variant(uow=container.read_uow(), reference=sku)
    return detail.variant.id, detail.product_id


class _TableReader(Repository):
    """Reads whole tables, to prove a refused request changed nothing."""

    async def rows(self, table_name: str) -> list[str]:
        """Every row of ``table_name`` as sorted reprs."""
        result = await self.session.execute(select(metadata.tables[table_name]))
        return sorted(repr(tuple(found)) for found in result.all())


async def table_contents(container: Container) -> dict[str, list[str]]:
    """The content of every table of the metadata now."""
    uow = container.read_uow()
    async with uow:
        reader = uow.repo(_TableReader)
        return {name: await reader.rows(name) for name in sorted(metadata.tables)}
