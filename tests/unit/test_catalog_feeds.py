"""Feed rows for Google Merchant Center and Meta: required fields, limits, no member price."""

from __future__ import annotations

import csv
import io

from handshake.catalog.feeds import (
    GOOGLE_COLUMNS,
    FeedFormat,
    FeedItem,
    google_row,
    meta_row,
    plain_text,
    render,
)

URL = "https://shop.example"


def item(**overrides: object) -> FeedItem:
    values: dict[str, object] = {
        "sku": "ACM-X1-WHT", "product_id": "prd_1", "handle": "acme-thermo-x1",
        "title": "Thermo X1", "description": "<p>Learns &amp; saves.</p>\n<b>Wi-Fi</b>",
        "brand": "Acme", "gtin": "4006381333931", "currency": "EUR", "list_price_minor": 12999,
        "available": 4, "image": "/static/catalog/x1.svg",
        "category_path": "smart-home/thermostats", "options": {"colour": "white", "size": "M"},
    }  # fmt: skip
    values.update(overrides)
    return FeedItem(**values)  # type: ignore[arg-type]


def test_google_row_has_required_attributes() -> None:
    assert google_row(item(), public_url=URL + "/") == {
        "id": "ACM-X1-WHT",
        "item_group_id": "prd_1",
        "title": "Thermo X1 (white, M)",
        "description": "Learns & saves. Wi-Fi",
        "link": "https://shop.example/products/acme-thermo-x1",
        "image_link": "https://shop.example/static/catalog/x1.svg",
        "availability": "in_stock",
        "price": "129.99 EUR",
        "condition": "new",
        "brand": "Acme",
        "gtin": "4006381333931",
        "identifier_exists": "",
        "color": "white",
        "size": "M",
        "product_type": "smart-home > thermostats",
    }


def test_google_without_gtin_says_identifier_exists_no_and_out_of_stock() -> None:
    row = google_row(item(gtin=None, available=0, options={}), public_url=URL)
    assert (row["gtin"], row["identifier_exists"], row["availability"], row["title"]) == (
        "", "no", "out_of_stock", "Thermo X1",
    )  # fmt: skip


def test_limits_are_enforced() -> None:
    long = item(title="T" * 400, description="D" * 12000, options={})
    google = google_row(long, public_url=URL)
    meta = meta_row(long, public_url=URL)
    assert (len(google["title"]), len(google["description"])) == (150, 5000)
    assert (len(meta["title"]), len(meta["description"])) == (200, 9999)
    assert google["title"].endswith("…")


def test_meta_row_uses_spaces_and_quantity() -> None:
    row = meta_row(item(image="https://cdn.example/x.png"), public_url=URL)
    assert row["availability"] == "in stock"
    assert row["quantity_to_sell_on_fb"] == "4"
    assert row["image_link"] == "https://cdn.example/x.png"
    assert row["price"] == "129.99 EUR"
    out = meta_row(item(available=-2), public_url=URL)
    assert (out["availability"], out["quantity_to_sell_on_fb"]) == ("out of stock", "0")


def test_rendered_feeds_parse_back() -> None:
    items = [item(), item(sku="ACM-X1-BLK", title="Tab\tbed", options={"colour": "black"})]
    google = render(items, feed_format=FeedFormat.GOOGLE, public_url=URL)
    lines = google.splitlines()
    assert lines[0].split("\t") == list(GOOGLE_COLUMNS)
    assert [len(line.split("\t")) for line in lines] == [len(GOOGLE_COLUMNS)] * 3
    assert lines[2].split("\t")[2] == "Tab bed (black)"
    meta = list(
        csv.DictReader(io.StringIO(render(items, feed_format=FeedFormat.META, public_url=URL)))
    )
    assert [(r["id"], r["title"]) for r in meta] == [
        ("ACM-X1-WHT", "Thermo X1 (white, M)"), ("ACM-X1-BLK", "Tab bed (black)"),
    ]  # fmt: skip


def test_plain_text_removes_markup() -> None:
    assert plain_text("<h1>Hi</h1><script>x</script>  there&nbsp;!") == "Hi x there !"
