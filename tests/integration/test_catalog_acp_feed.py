"""The Agentic Commerce Protocol product feed over HTTP, on SQLite and PostgreSQL.

The served document is checked with jsonschema against the protocol's feed schema (2026-04-17,
``tests/conformance/acp/2026-04-17/feed.schema.json``, formats asserted) and, field by field,
against a small catalog made here.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.catalog import service
from handshake.catalog.models import ProductStatus
from tests.accounts_helpers import operator_headers, signed_in_shopper
from tests.acp_conformance import validate
from tests.catalog_helpers import import_ok, make_warehouses, row

ADMIN = "/api/v1/admin/catalog"
FEED = f"{ADMIN}/feeds/acp"
LAMP_IMAGE = "https://cdn.example/img/kumo lamp é.png"
LOCK: dict[str, Any] = {
    "handle": "acme-lock", "brand": "Acme", "title_en": "Smart lock",
    "title_fr": "Serrure connectée", "category": "smart-home/locks",
    "category_name_en": "Locks", "category_name_fr": "Serrures",
    "images": ["/static/catalog/lock.svg", "/static/catalog/lock-side.svg"],
    "variants": [
        {"sku": "LOCK-1", "currency": "EUR", "list_price": "199.00", "member_price": "179.00",
         "gtin": "5901234123457", "options": {"colour": "black"}},
    ],
}  # fmt: skip


@pytest.fixture
async def auth(container: Container) -> dict[str, str]:
    """Headers of a freshly created operator API key."""
    return await operator_headers(container)


def _rows() -> list[dict[str, Any]]:
    return [
        row(sku="ACM-X1-WHT", stock={"PAR1": 12, "LYS1": 0}),
        row(sku="ACM-X1-BLK", gtin=None, options={"colour": "black"}, list_price="139.99",
            member_price=None, stock={"PAR1": 0}),
        row(handle="kumo-lamp", brand="Kumo", title_en="Paper <b>lamp</b>", title_fr="Lampe",
            description_en="", description_fr="", category=None, category_name_en=None,
            category_name_fr=None, image_url=LAMP_IMAGE, sku="KUMO-1", gtin=None, options={},
            currency="JPY", list_price="1500", member_price=None, stock={"LYS1": 3}),
        row(handle="old-valve", title_en="Old valve", sku="OLD-1", gtin=None, options={}),
    ]  # fmt: skip


async def _catalog(client: httpx.AsyncClient, container: Container, auth: dict[str, str]) -> None:
    await make_warehouses(container)
    await import_ok(container, _rows())
    created = await client.post(f"{ADMIN}/products", json=LOCK, headers=auth)
    assert created.status_code == 201
    old = await service.get_variant(uow=container.read_uow(), reference="OLD-1")
    await service.set_product_status(
        uow=container.uow(), product_id=old.product_id, status=ProductStatus.ARCHIVED
    )


async def _ids(container: Container, sku: str) -> tuple[str, str]:
    detail = await service.get_variant(uow=container.read_uow(), reference=sku)
    return detail.product_id, detail.variant.id


def _assert_conforms(document: dict[str, Any]) -> None:
    for product in document["products"]:
        validate(product, "Product", "feed")
        # The protocol's OpenAPI asks for at least one variant per product.
        assert product["variants"]
    # The whole document is the protocol's product listing (and upsert) body.
    assert set(document) == {"products"}
    validate(document, "ProductsResponse", "feed")


async def _expected(container: Container, base: str) -> dict[str, dict[str, Any]]:
    thermo, white = await _ids(container, "ACM-X1-WHT")
    _, black = await _ids(container, "ACM-X1-BLK")
    lamp, kumo = await _ids(container, "KUMO-1")
    lock, lock_1 = await _ids(container, "LOCK-1")
    in_stock = {"available": True, "status": "in_stock"}
    out_of_stock = {"available": False, "status": "out_of_stock"}
    thermostats = [{"value": "smart-home > thermostats", "taxonomy": "merchant"}]
    title = "Thermo X1 smart thermostat"
    return {
        thermo: {
            "id": thermo, "title": title, "description": {"plain": "Learns your schedule."},
            "url": f"{base}/products/acme-thermo-x1",
            "media": [{"type": "image", "url": f"{base}/static/catalog/demo/thermo-x1.svg",
                       "alt_text": title}],
            "variants": [
                {"id": "ACM-X1-WHT", "title": f"{title} (white)",
                 "url": f"{base}/products/acme-thermo-x1?variant={white}",
                 "barcodes": [{"type": "GTIN", "value": "4006381333931"}],
                 "price": {"amount": 12999, "currency": "EUR"}, "availability": in_stock,
                 "categories": thermostats, "condition": ["new"],
                 "variant_options": [{"name": "colour", "value": "white"}]},
                {"id": "ACM-X1-BLK", "title": f"{title} (black)",
                 "url": f"{base}/products/acme-thermo-x1?variant={black}",
                 "price": {"amount": 13999, "currency": "EUR"}, "availability": out_of_stock,
                 "categories": thermostats, "condition": ["new"],
                 "variant_options": [{"name": "colour", "value": "black"}]},
            ],
        },
        lamp: {
            "id": lamp, "title": "Paper lamp", "url": f"{base}/products/kumo-lamp",
            "media": [{"type": "image", "url": "https://cdn.example/img/kumo%20lamp%20%C3%A9.png",
                       "alt_text": "Paper lamp"}],
            "variants": [
                {"id": "KUMO-1", "title": "Paper lamp",
                 "url": f"{base}/products/kumo-lamp?variant={kumo}",
                 "price": {"amount": 1500, "currency": "JPY"}, "availability": in_stock,
                 "condition": ["new"]},
            ],
        },
        lock: {
            "id": lock, "title": "Smart lock", "url": f"{base}/products/acme-lock",
            "media": [
                {"type": "image", "url": f"{base}/static/catalog/lock.svg",
                 "alt_text": "Smart lock"},
                {"type": "image", "url": f"{base}/static/catalog/lock-side.svg",
                 "alt_text": "Smart lock"},
            ],
            "variants": [
                {"id": "LOCK-1", "title": "Smart lock (black)",
                 "url": f"{base}/products/acme-lock?variant={lock_1}",
                 "barcodes": [{"type": "GTIN", "value": "5901234123457"}],
                 "price": {"amount": 19900, "currency": "EUR"}, "availability": out_of_stock,
                 "categories": [{"value": "smart-home > locks", "taxonomy": "merchant"}],
                 "condition": ["new"], "variant_options": [{"name": "colour", "value": "black"}]},
            ],
        },
    }  # fmt: skip


async def test_acp_feed_groups_variants_with_exact_fields_and_conforms(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    await _catalog(client, container, auth)
    response = await client.get(FEED, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    _assert_conforms(document)
    base = container.settings.http.public_url.rstrip("/")
    by_id = {p["id"]: p for p in document["products"]}
    # One ACP product per catalog product (archived ones left out), each listed once.
    assert len(by_id) == len(document["products"]) == 3
    assert by_id == await _expected(container, base)
    google = await client.get(f"{ADMIN}/feeds/google", headers=auth)
    assert response.headers.get("cache-control") == google.headers.get("cache-control")


async def test_acp_feed_in_french_and_over_basic_auth(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    await _catalog(client, container, auth)
    key = auth["Authorization"].removeprefix("Bearer ")
    basic = base64.b64encode(f"agent-fetcher:{key}".encode()).decode()
    response = await client.get(
        FEED, params={"lang": "fr"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200
    document = response.json()
    _assert_conforms(document)
    titles = sorted((p["title"], [v["title"] for v in p["variants"]]) for p in document["products"])
    assert titles == [
        ("Lampe", ["Lampe"]),
        ("Serrure connectée", ["Serrure connectée (black)"]),
        ("Thermostat connecté Thermo X1", [
            "Thermostat connecté Thermo X1 (white)", "Thermostat connecté Thermo X1 (black)",
        ]),
    ]  # fmt: skip


async def test_empty_catalog_gives_an_empty_product_list(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.get(FEED, headers=auth)
    assert (response.status_code, response.json()) == (200, {"products": []})
    _assert_conforms(response.json())


async def _problem(client: httpx.AsyncClient, url: str, **kwargs: Any) -> tuple[int, str]:
    response = await client.get(url, **kwargs)
    assert response.headers["content-type"] == "application/problem+json", url
    return response.status_code, response.json()["code"]


async def test_acp_feed_errors_are_those_of_the_other_feeds(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    wrong_basic = base64.b64encode(b"agent-fetcher:not-a-key").decode()
    bad_auth = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {wrong_basic}"}]
    for headers in bad_auth:
        acp = await _problem(client, FEED, headers=headers)
        assert acp == (401, "operator_auth_required")
        assert acp == await _problem(client, f"{ADMIN}/feeds/google", headers=headers)
    bad_lang = await _problem(client, FEED, params={"lang": "de"}, headers=auth)
    assert bad_lang == (422, "validation_failed")
    assert bad_lang == await _problem(
        client, f"{ADMIN}/feeds/google", params={"lang": "de"}, headers=auth
    )
    assert await _problem(client, f"{ADMIN}/feeds/acp.json", headers=auth) == bad_lang
    await signed_in_shopper(client, container)
    shopper = await _problem(client, FEED)
    assert shopper == (403, "not_an_operator")
    assert shopper == await _problem(client, f"{ADMIN}/feeds/meta")
