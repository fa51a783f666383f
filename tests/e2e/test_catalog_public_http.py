"""The public catalog API over HTTP: product, variant, search, categories, delivery promise."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.catalog_helpers import import_ok, make_warehouses, row


async def _seed(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(
        container,
        [
            row(stock={"PAR1": 3, "LYS1": 1}),
            row(sku="ACM-X1-BLK", gtin=None, options={"colour": "black"}, list_price="139.99",
                member_price=None, stock={}),
            row(handle="eco-sensor", brand="Écolo", title_en="Window sensor",
                title_fr="Détecteur d'ouverture", category="smart-home/sensors",
                category_name_en="Sensors", category_name_fr="Capteurs", sku="ECO-S", gtin=None,
                options={}, list_price="19.99", member_price=None, stock={"LYS1": 30}),
        ],
    )  # fmt: skip


async def test_product_page_json(client: httpx.AsyncClient, container: Container) -> None:
    await _seed(container)
    found = (await client.get("/api/v1/variants/ACM-X1-WHT")).json()
    product_id = found["product"]["id"]
    response = await client.get(f"/api/v1/products/{product_id}", params={"lang": "fr"})
    assert response.status_code == 200
    body = response.json()
    variant_ids = [v["id"] for v in body["variants"]]
    assert body == {
        "id": product_id,
        "handle": "acme-thermo-x1",
        "brand": "Acme",
        "title": "Thermostat connecté Thermo X1",
        "description": "Apprend vos habitudes.",
        "lang": "fr",
        "status": "active",
        "category": {"path": "smart-home/thermostats", "name": "Thermostats"},
        "images": ["/static/catalog/demo/thermo-x1.svg"],
        "attributes": {"protocol": "zigbee"},
        "availability": {"status": "low_stock", "count": 4},
        "variants": [
            {
                "id": variant_ids[0],
                "sku": "ACM-X1-WHT",
                "gtin": "4006381333931",
                "options": {"colour": "white"},
                "list_price": {"minor": 12999, "currency": "EUR", "amount": "129.99"},
                "member_price": {"minor": 11999, "currency": "EUR", "amount": "119.99"},
                "availability": {"status": "low_stock", "count": 4},
            },
            {
                "id": variant_ids[1],
                "sku": "ACM-X1-BLK",
                "gtin": None,
                "options": {"colour": "black"},
                "list_price": {"minor": 13999, "currency": "EUR", "amount": "139.99"},
                "member_price": None,
                "availability": {"status": "out_of_stock", "count": None},
            },
        ],
    }
    by_id = (await client.get(f"/api/v1/variants/{variant_ids[1]}")).json()
    assert (by_id["sku"], by_id["product"]["handle"]) == ("ACM-X1-BLK", "acme-thermo-x1")


async def test_unknown_ids_are_404_problems(
    client: httpx.AsyncClient, container: Container
) -> None:
    for path, code in [
        ("/api/v1/products/prd_01JABCDEFGHJKMNPQRSTVWXYZ0", "product_not_found"),
        ("/api/v1/products/anything", "product_not_found"),
        ("/api/v1/variants/NOPE", "variant_not_found"),
        ("/api/v1/variants/var_x/delivery-promise", "variant_not_found"),
    ]:
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code


async def test_search_pages_and_filters(client: httpx.AsyncClient, container: Container) -> None:
    await _seed(container)
    first = await client.get("/api/v1/products", params={"limit": 1})
    assert first.status_code == 200
    page = first.json()
    assert [i["handle"] for i in page["items"]] == ["acme-thermo-x1"]
    assert page["items"][0]["price_from"] == {"minor": 12999, "currency": "EUR", "amount": "129.99"}
    second = (
        await client.get("/api/v1/products", params={"limit": 1, "cursor": page["next_cursor"]})
    ).json()
    assert ([i["handle"] for i in second["items"]], second["next_cursor"]) == (["eco-sensor"], None)
    search = (await client.get("/api/v1/products", params={"q": "detecteur", "lang": "fr"})).json()
    assert [i["title"] for i in search["items"]] == ["Détecteur d'ouverture"]
    cheap = (
        await client.get("/api/v1/products", params={"max_price": "20", "in_stock": "true"})
    ).json()
    assert [i["handle"] for i in cheap["items"]] == ["eco-sensor"]
    sensors = (
        await client.get("/api/v1/products", params={"category": "smart-home/sensors"})
    ).json()
    assert [i["handle"] for i in sensors["items"]] == ["eco-sensor"]


async def test_bad_search_parameters(client: httpx.AsyncClient, container: Container) -> None:
    bad_cursor = await client.get("/api/v1/products", params={"cursor": "nope"})
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "invalid_cursor")
    for params in [{"limit": "101"}, {"limit": "0"}, {"min_price": "-3"}, {"lang": "de"}]:
        response = await client.get("/api/v1/products", params=params)
        assert (response.status_code, response.json()["code"]) == (422, "validation_failed")
    too_precise = await client.get("/api/v1/products", params={"min_price": "1.234"})
    assert (too_precise.status_code, too_precise.json()["code"]) == (422, "invalid_price")


async def test_categories(client: httpx.AsyncClient, container: Container) -> None:
    await _seed(container)
    response = await client.get("/api/v1/categories")
    assert [(c["path"], c["parent_path"], c["name_fr"]) for c in response.json()] == [
        ("smart-home", None, "Smart home"),
        ("smart-home/sensors", "smart-home", "Capteurs"),
        ("smart-home/thermostats", "smart-home", "Thermostats"),
    ]


async def test_delivery_promise_endpoint(client: httpx.AsyncClient, container: Container) -> None:
    await _seed(container)
    variant_id = (await client.get("/api/v1/variants/ACM-X1-WHT")).json()["id"]
    url = f"/api/v1/variants/{variant_id}/delivery-promise"
    with clock.frozen_at(datetime(2025, 3, 12, 11, 0, tzinfo=UTC)):
        response = await client.get(url, params={"postal_code": "75011", "country": "fr"})
        too_many = await client.get(url, params={"postal_code": "75011", "quantity": 4})
    assert response.json() == {
        "date": "2025-03-13",
        "start_hour": 8,
        "end_hour": 22,
        "warehouse_code": "PAR1",
        "ships_on": "2025-03-12",
        "label_en": "tomorrow 8–22 h",
        "label_fr": "demain 8 h–22 h",
    }
    assert (too_many.status_code, too_many.json()["code"]) == (404, "no_delivery_possible")
