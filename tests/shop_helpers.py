"""Shared helpers of the shop site tests: a small catalog of their own and a ready shopper."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.checkout import service as checkout
from handshake.checkout.policy import CheckoutPolicy
from tests.accounts_helpers import ShopperLogin, signed_in_shopper
from tests.catalog_helpers import import_ok, make_warehouses, row

DESK_BLACK = "LMN-DESK-BLK"  # Desk lamp, black: 40.00, members 35.00, 10 in Paris
DESK_WHITE = "LMN-DESK-WHT"  # Desk lamp, white: 42.00, no member price, none in stock
FLOOR = "LMN-FLOOR"  # Floor lamp: 120.00, 2 in Lyon (low stock)
CHAIR = "OAK-CHAIR"  # Oak chair (another brand and category): 89.00, members 79.00, none
POSTAL_CODE = "75011"


def _row(handle: str, sku: str, **values: Any) -> dict[str, Any]:
    return row(handle=handle, sku=sku, gtin=None, attributes={}, image_url=None, **values)


async def shop_catalog(container: Container) -> dict[str, str]:
    """Warehouses PAR1/LYS1 and three products (four variants); product id by SKU."""
    await make_warehouses(container)
    lighting = {"category": "home/lighting", "category_name_en": "Lighting",
                "category_name_fr": "Éclairage", "brand": "Lumen"}  # fmt: skip
    desk = {"title_en": "Desk lamp", "title_fr": "Lampe de bureau", **lighting}
    await import_ok(
        container,
        [
            _row("lumen-desk", DESK_BLACK, options={"colour": "black"}, list_price="40.00",
                 member_price="35.00", stock={"PAR1": 10}, **desk),
            _row("lumen-desk", DESK_WHITE, options={"colour": "white"}, list_price="42.00",
                 member_price=None, stock={"PAR1": 0}, **desk),
            _row("lumen-floor", FLOOR, title_en="Floor lamp", title_fr="Lampadaire",
                 list_price="120.00", member_price=None, stock={"LYS1": 2}, **lighting),
            _row("oakline-chair", CHAIR, title_en="Oak chair", title_fr="Chaise en chêne",
                 brand="Oakline", category="home/furniture", category_name_en="Furniture",
                 category_name_fr="Meubles", list_price="89.00", member_price="79.00",
                 stock={"PAR1": 0}),
        ],
    )  # fmt: skip
    ids = {}
    for sku in (DESK_BLACK, DESK_WHITE, FLOOR, CHAIR):
        ids[sku] = (await catalog.get_variant(uow=container.read_uow(), reference=sku)).product_id
    return ids


async def variant_id(container: Container, sku: str) -> str:
    """The variant id of ``sku``."""
    return (await catalog.get_variant(uow=container.read_uow(), reference=sku)).variant.id


async def ready_shopper(
    client: httpx.AsyncClient,
    container: Container,
    *,
    member: bool = False,
    card_token: str = "tok_sandbox_visa_shop",
) -> ShopperLogin:
    """A shopper signed in on ``client`` with a default Paris address and a sandbox card."""
    login = await signed_in_shopper(client, container, member=member, name="Shop Shopper")
    await accounts.add_address(
        uow=container.uow(), shopper_id=login.shopper_id, name="Shop Shopper",
        line1="3 rue des Lilas", city="Paris", postal_code=POSTAL_CODE, country="FR",
    )  # fmt: skip
    await accounts.add_payment_method(
        uow=container.uow(), shopper_id=login.shopper_id, provider="sandbox", token=card_token,
        brand="visa", last4="4242", exp_month=12, exp_year=2040,
    )  # fmt: skip
    return login


async def shopper_in_shop(
    client: httpx.AsyncClient, container: Container, **options: Any
) -> ShopperLogin:
    """The shop's catalog, and a ready shopper (``ready_shopper``'s ``options``) on ``client``."""
    await shop_catalog(container)
    return await ready_shopper(client, container, **options)


async def add_to_cart(
    client: httpx.AsyncClient, login: ShopperLogin, variant: str, quantity: str = "1", **extra: str
) -> httpx.Response:
    """``POST /cart/items`` as the no-JavaScript form does."""
    data = {"csrf_token": login.csrf_token, "variant_id": variant, "quantity": quantity}
    return await client.post("/cart/items", data=data, **extra)  # type: ignore[arg-type]


async def cart_of(container: Container, shopper_id: str) -> list[tuple[str, int]]:
    """(sku, quantity) of each line of the shopper's cart, as stored."""
    view = await checkout.view_cart(
        uow=container.read_uow(),
        policy=CheckoutPolicy.from_settings(container.settings),
        shopper_id=shopper_id,
    )
    return [(item.sku, item.quantity) for item in view.items]


def tagged(html: str, testid: str) -> list[str]:
    """The opening tags carrying ``data-testid="<testid>"``, in page order."""
    return re.findall(rf'<[^>]*data-testid="{testid}"[^>]*>', html)


def text_of(html: str, testid: str) -> list[str]:
    """The text inside each element with this test id (tags stripped, spaces squeezed)."""
    pattern = rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>'
    found = [inner for _, inner in re.findall(pattern, html, re.S)]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", f)).split()) for f in found]
