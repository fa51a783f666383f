"""The operator catalog API over HTTP: auth, products, prices, stock, warehouses, import, feeds."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.catalog import service
from tests.accounts_helpers import operator_headers
from tests.catalog_helpers import LYON_ZONES, PARIS_ZONES, make_warehouses, row

ADMIN = "/api/v1/admin/catalog"
PRODUCT: dict[str, Any] = {
    "handle": "acme-lock",
    "brand": "Acme",
    "title_en": "Smart lock",
    "title_fr": "Serrure connectée",
    "category": "smart-home/locks",
    "category_name_en": "Locks",
    "category_name_fr": "Serrures",
    "images": ["/static/catalog/lock.svg"],
    "variants": [
        {"sku": "LOCK-1", "currency": "EUR", "list_price": "199.00", "member_price": "179.00",
         "gtin": "4006381333931", "options": {"colour": "black"}},
    ],
}  # fmt: skip


@pytest.fixture
async def auth(container: Container) -> dict[str, str]:
    """Headers of a freshly created operator API key."""
    return await operator_headers(container)


async def test_every_admin_route_needs_an_operator(
    client: httpx.AsyncClient, container: Container
) -> None:
    await make_warehouses(container)
    calls = [
        ("POST", f"{ADMIN}/products", PRODUCT),
        ("POST", f"{ADMIN}/warehouses", {"code": "X1", "name": "X", "timezone": "UTC"}),
        ("GET", f"{ADMIN}/warehouses", None),
        ("POST", f"{ADMIN}/import", [row()]),
        ("GET", f"{ADMIN}/feeds/google", None),
    ]
    for method, url, body in calls:
        for headers in [{}, {"Authorization": "Bearer wrong"}]:
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, url
            assert response.headers["content-type"] == "application/problem+json"
    page = await service.search_products(uow=container.read_uow())
    listed = await service.list_warehouses(uow=container.read_uow())
    assert (page.items, [w.warehouse.code for w in listed]) == ([], ["LYS1", "PAR1"])


async def test_create_update_archive_product(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    created = await client.post(f"{ADMIN}/products", json=PRODUCT, headers=auth)
    assert created.status_code == 201
    body = created.json()
    assert (body["title"], body["category"], body["variants"][0]["member_price"]["amount"]) == (
        "Smart lock", {"path": "smart-home/locks", "name": "Locks"}, "179.00",
    )  # fmt: skip
    product_id = body["id"]
    duplicate = await client.post(f"{ADMIN}/products", json=PRODUCT, headers=auth)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "handle_taken")

    patch = {"title_en": "Smart lock Pro", "variants": [
        {"sku": "LOCK-2", "currency": "EUR", "list_price": "249.00", "options": {"colour": "grey"}},
    ]}  # fmt: skip
    updated = (
        await client.patch(f"{ADMIN}/products/{product_id}", json=patch, headers=auth)
    ).json()
    assert (updated["title"], [v["sku"] for v in updated["variants"]]) == (
        "Smart lock Pro", ["LOCK-1", "LOCK-2"],
    )  # fmt: skip
    public = (await client.get("/api/v1/products", params={"q": "grey lock pro"})).json()
    assert [i["id"] for i in public["items"]] == [product_id]

    archived = await client.post(f"{ADMIN}/products/{product_id}/archive", headers=auth)
    assert archived.json()["status"] == "archived"
    assert (await client.get(f"/api/v1/products/{product_id}")).status_code == 404
    restored = await client.post(f"{ADMIN}/products/{product_id}/restore", headers=auth)
    assert restored.json()["status"] == "active"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"handle": "Bad Handle"}, 422, "validation_failed"),
        ({"variants": []}, 422, "validation_failed"),
        (
            {
                "variants": [
                    {"sku": "A", "currency": "EUR", "list_price": "10", "member_price": "11"}
                ]
            },
            422,
            "validation_failed",
        ),
        (
            {"variants": [{"sku": "A", "currency": "EUR", "list_price": "10", "gtin": "123"}]},
            422,
            "validation_failed",
        ),
        (
            {"variants": [{"sku": "A", "currency": "XXX", "list_price": "10"}]},
            422,
            "validation_failed",
        ),
        (
            {"variants": [{"sku": "A", "currency": "EUR", "list_price": "1"}] * 2},
            422,
            "invalid_product",
        ),
        ({"surprise": True}, 422, "validation_failed"),
    ],
)
async def test_bad_product_input(
    client: httpx.AsyncClient, auth: dict[str, str], change: dict[str, Any], status: int, code: str
) -> None:
    response = await client.post(f"{ADMIN}/products", json={**PRODUCT, **change}, headers=auth)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == "application/problem+json"


async def test_prices_and_stock(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    await make_warehouses(container)
    variant_id = (await client.post(f"{ADMIN}/products", json=PRODUCT, headers=auth)).json()[
        "variants"
    ][0]["id"]
    prices = await client.put(f"{ADMIN}/variants/{variant_id}/prices", headers=auth,
                              json={"currency": "EUR", "list_price": "99.90"})  # fmt: skip
    assert (prices.json()["list_price"]["minor"], prices.json()["member_price"]) == (9990, None)
    inverted = {"currency": "EUR", "list_price": "9", "member_price": "10"}
    bad = await client.put(f"{ADMIN}/variants/{variant_id}/prices", headers=auth, json=inverted)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_price")
    odd = {"currency": "XXX", "list_price": "9"}
    unsupported = await client.put(f"{ADMIN}/variants/{variant_id}/prices", headers=auth, json=odd)
    assert (unsupported.status_code, unsupported.json()["code"]) == (422, "validation_failed")

    stock_url = f"{ADMIN}/variants/{variant_id}/stock/PAR1"
    set_ = await client.put(stock_url, json={"on_hand": 4}, headers=auth)
    assert set_.json() == {"variant_id": variant_id, "warehouse_code": "PAR1", "on_hand": 4,
                           "reserved": 0, "available": 4}  # fmt: skip
    taken = await client.post(f"{stock_url}/adjust", json={"delta": -3}, headers=auth)
    assert taken.json()["on_hand"] == 1
    refused = await client.post(f"{stock_url}/adjust", json={"delta": -2}, headers=auth)
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_stock")
    unknown = await client.put(
        f"{ADMIN}/variants/{variant_id}/stock/NOPE", json={"on_hand": 1}, headers=auth
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "warehouse_not_found")
    negative = await client.put(stock_url, json={"on_hand": -1}, headers=auth)
    assert negative.status_code == 422
    detail = await service.get_variant(uow=container.read_uow(), reference=variant_id)
    assert detail.variant.availability.count == 1


async def test_warehouses(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body = {"code": "PAR1", "name": "Paris", "timezone": "Europe/Paris", "cutoff_local": "15:30",
            "ship_weekdays": [0, 1, 2, 3, 4], "zones": PARIS_ZONES}  # fmt: skip
    created = await client.post(f"{ADMIN}/warehouses", json=body, headers=auth)
    assert created.status_code == 201
    assert (created.json()["cutoff_local"], len(created.json()["zones"])) == ("15:30", 2)
    again = await client.post(f"{ADMIN}/warehouses", json=body, headers=auth)
    assert (again.status_code, again.json()["code"]) == (409, "warehouse_code_taken")
    bad_tz = await client.post(
        f"{ADMIN}/warehouses",
        headers=auth,
        json={**body, "code": "LYS1", "timezone": "Nowhere/City", "zones": LYON_ZONES},
    )
    assert (bad_tz.status_code, bad_tz.json()["code"]) == (422, "invalid_warehouse")
    listed = (await client.get(f"{ADMIN}/warehouses", headers=auth)).json()
    assert [w["code"] for w in listed] == ["PAR1"]


async def test_import_json_and_csv(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    await make_warehouses(container)
    report = await client.post(
        f"{ADMIN}/import", json=[row(), row(sku="B", stock={"XX": 1})], headers=auth
    )
    assert report.json() == {
        "total": 2, "imported": 1, "failed": 1,
        "errors": [{"line": 2, "sku": "B", "reason": "unknown warehouse code(s): XX"}],
    }  # fmt: skip
    text = "handle,brand,title_en,sku,currency,list_price,stock.PAR1\nlamp,Lumo,Lamp,LMP,EUR,9.90,2\nlamp,Lumo,Lamp,LMP2,EUR,x,2\n"  # noqa: E501
    csv_report = await client.post(
        f"{ADMIN}/import", content=text.encode(), headers={**auth, "Content-Type": "text/csv"}
    )
    body = csv_report.json()
    assert (body["imported"], [(e["line"], e["sku"]) for e in body["errors"]]) == (1, [(3, "LMP2")])
    not_json = await client.post(
        f"{ADMIN}/import", content=b"{", headers={**auth, "Content-Type": "application/json"}
    )
    assert (not_json.status_code, not_json.json()["code"]) == (422, "invalid_import_file")
    wrong_type = await client.post(
        f"{ADMIN}/import", content=b"x", headers={**auth, "Content-Type": "text/plain"}
    )
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (422, "invalid_import_file")


async def test_feeds_with_bearer_and_basic(
    client: httpx.AsyncClient, container: Container, auth: dict[str, str]
) -> None:
    await make_warehouses(container)
    await client.post(f"{ADMIN}/import", json=[row()], headers=auth)
    google = await client.get(f"{ADMIN}/feeds/google", headers=auth)
    assert google.status_code == 200
    assert google.headers["content-type"].startswith("text/tab-separated-values")
    lines = google.text.splitlines()
    assert lines[1].split("\t")[:3][0] == "ACM-X1-WHT"
    key = auth["Authorization"].removeprefix("Bearer ")
    basic = base64.b64encode(f"merchant-center:{key}".encode()).decode()
    meta = await client.get(
        f"{ADMIN}/feeds/meta", params={"lang": "fr"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert meta.status_code == 200
    [item] = list(csv.DictReader(io.StringIO(meta.text)))
    assert (item["id"], item["title"], item["availability"], item["quantity_to_sell_on_fb"]) == (
        "ACM-X1-WHT", "Thermostat connecté Thermo X1 (white)", "in stock", "12",
    )  # fmt: skip
    wrong = base64.b64encode(b"merchant-center:not-a-key").decode()
    denied = await client.get(f"{ADMIN}/feeds/meta", headers={"Authorization": f"Basic {wrong}"})
    assert denied.status_code == 401
    unknown = await client.get(f"{ADMIN}/feeds/amazon", headers=auth)
    assert unknown.status_code == 422
