"""The ACP feed's formatting: grouping, optional fields left out, URIs, minor units."""

from __future__ import annotations

import json

import pytest

from handshake.catalog.acp_feed import acp_products, acp_variant, render, uri
from handshake.catalog.feeds import FeedFormat, FeedItem, columns, media_type
from handshake.catalog.feeds import render as render_tabular

URL = "https://shop.example"


def item(**overrides: object) -> FeedItem:
    values: dict[str, object] = {
        "sku": "ACM-X1-WHT", "product_id": "prd_1", "handle": "acme-thermo-x1",
        "title": "Thermo X1", "description": "<p>Learns &amp; saves.</p>", "brand": "Acme",
        "gtin": "4006381333931", "currency": "EUR", "list_price_minor": 12999, "available": 4,
        "image": "/static/catalog/x1.svg", "category_path": "smart-home/thermostats",
        "options": {"colour": "white"}, "variant_id": "var_1",
        "images": ("/static/catalog/x1.svg",),
    }  # fmt: skip
    values.update(overrides)
    return FeedItem(**values)  # type: ignore[arg-type]


def test_a_bare_variant_keeps_only_what_it_has() -> None:
    bare = item(gtin=None, category_path=None, options={"colour": "", "size": None}, variant_id="")
    assert acp_variant(bare, public_url=URL) == {
        "id": "ACM-X1-WHT",
        "title": "Thermo X1",
        "price": {"amount": 12999, "currency": "EUR"},
        "availability": {"available": True, "status": "in_stock"},
        "condition": ["new"],
    }


@pytest.mark.parametrize("available", [0, -2])
def test_no_units_is_out_of_stock(available: int) -> None:
    variant = acp_variant(item(available=available), public_url=URL)
    assert variant["availability"] == {"available": False, "status": "out_of_stock"}


def test_option_values_become_text() -> None:
    variant = acp_variant(item(options={"pack": 2, "finish": "<i>matte</i>"}), public_url=URL)
    assert variant["variant_options"] == [
        {"name": "pack", "value": "2"},
        {"name": "finish", "value": "matte"},
    ]
    assert variant["title"] == "Thermo X1 (2, matte)"


def test_variants_are_grouped_under_their_product_in_first_seen_order() -> None:
    items = [
        item(product_id="prd_2", sku="B-1", handle="b", images=(), image=None, description=""),
        item(sku="A-1"),
        item(product_id="prd_2", sku="B-2", handle="b", images=(), image=None, description=""),
        item(sku="A-2", currency="JPY", list_price_minor=1500),
    ]
    products = acp_products(items, public_url=URL + "/")
    assert [(p["id"], [v["id"] for v in p["variants"]]) for p in products] == [
        ("prd_2", ["B-1", "B-2"]),
        ("prd_1", ["A-1", "A-2"]),
    ]
    assert set(products[0]) == {"id", "title", "url", "variants"}
    assert products[1]["description"] == {"plain": "Learns & saves."}
    assert products[1]["url"] == "https://shop.example/products/acme-thermo-x1"
    assert products[1]["variants"][1]["price"] == {"amount": 1500, "currency": "JPY"}


def test_media_lists_every_image_as_an_absolute_uri() -> None:
    images = ("/static/a b.svg", "https://cdn.example/ü.png", "")
    [product] = acp_products([item(images=images, title="")], public_url=URL)
    assert product["media"] == [
        {"type": "image", "url": "https://shop.example/static/a%20b.svg"},
        {"type": "image", "url": "https://cdn.example/%C3%BC.png"},
    ]


def test_uri_escapes_only_what_a_uri_cannot_hold() -> None:
    assert uri("https://x.example/a%20b/c d?q=é&r=1#top") == (
        "https://x.example/a%20b/c%20d?q=%C3%A9&r=1#top"
    )
    assert uri("https://x.example/100%/x") == "https://x.example/100%25/x"


def test_render_is_one_json_document() -> None:
    text = render([item(title="Thermostat connecté")], public_url=URL)
    assert "connecté" in text
    assert [p["title"] for p in json.loads(text)["products"]] == ["Thermostat connecté"]
    assert json.loads(render([], public_url=URL)) == {"products": []}


def test_format_helpers_know_the_acp_feed() -> None:
    assert (media_type(FeedFormat.ACP), tuple(columns(FeedFormat.ACP))) == ("application/json", ())
    with pytest.raises(ValueError, match="acp_feed"):
        render_tabular([item()], feed_format=FeedFormat.ACP, public_url=URL)
