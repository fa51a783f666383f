"""Catalog on SQLite and PostgreSQL: import, stock writes under concurrency, search, feeds."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.catalog import importing, service
from handshake.catalog.errors import (
    BelowReserved,
    InsufficientStock,
    InvalidCursor,
    SkuTaken,
    WarehouseCodeTaken,
)
from handshake.catalog.feeds import FeedFormat
from handshake.catalog.import_format import read_csv
from handshake.catalog.models import ProductStatus
from handshake.kernel.money import Money
from tests.catalog_helpers import import_ok, make_warehouses, row


async def _variant_id(container: Container, sku: str) -> str:
    return (await service.get_variant(uow=container.read_uow(), reference=sku)).variant.id


async def test_import_creates_then_upserts_by_sku(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(
        container, [row(), row(sku="ACM-X1-BLK", gtin=None, options={"colour": "black"})]
    )
    await import_ok(container, [row(list_price="99.00", member_price=None, stock={"PAR1": 3})])

    detail = await service.get_variant(uow=container.read_uow(), reference="ACM-X1-WHT")
    product = await service.get_product(uow=container.read_uow(), product_id=detail.product_id)
    assert [(v.sku, v.list_price, v.member_price) for v in product.variants] == [
        ("ACM-X1-WHT", Money(9900, "EUR"), None),
        ("ACM-X1-BLK", Money(12999, "EUR"), Money(11999, "EUR")),
    ]
    assert [(v.sku, v.availability.status, v.availability.count) for v in product.variants] == [
        ("ACM-X1-WHT", "low_stock", 3),
        ("ACM-X1-BLK", "in_stock", None),
    ]
    assert (product.category_path, product.category_name) == (
        "smart-home/thermostats",
        "Thermostats",
    )
    categories = await service.list_categories(uow=container.read_uow())
    assert [(c.path, c.parent_path, c.name_en) for c in categories] == [
        ("smart-home", None, "Smart home"),
        ("smart-home/thermostats", "smart-home", "Thermostats"),
    ]


async def test_bad_rows_are_reported_with_lines_and_good_rows_imported(
    container: Container,
) -> None:
    await make_warehouses(container)
    csv_text = (
        "handle,brand,title_en,sku,gtin,currency,list_price,member_price,options.colour,stock.PAR1,stock.NOPE\n"
        "lamp-a,Lumo,Lamp A,LMP-A,,EUR,19.90,,red,4,\n"
        "lamp-b,Lumo,Lamp B,LMP-B,4006381333932,EUR,19.90,,,1,\n"
        "lamp-c,Lumo,Lamp C,LMP-C,,EUR,19.90,25.00,,1,\n"
        "\n"
        "lamp-d,Lumo,Lamp D,LMP-D,,EUR,19.90,,,1,2\n"
        'lamp-e,Lumo,"Lamp\nE",LMP-A,,EUR,1.00,,,1,\n'
        "lamp-f,Lumo,Lamp F,LMP-F,,EUR,5.5,,,,\n"
    )
    numbered = read_csv(csv_text)
    report = await service.import_rows(
        uow=container.uow(),
        rows=[r for _, r in numbered],
        lines=[n for n, _ in numbered],
        batch_size=2,
    )
    assert (report.total, report.imported) == (6, 2)
    assert [(e.line, e.sku) for e in report.errors] == [
        (3, "LMP-B"),
        (4, "LMP-C"),
        (6, "LMP-D"),
        (7, "LMP-A"),
    ]
    reasons = [e.reason for e in report.errors]
    assert "gtin" in reasons[0]
    assert "check digit" in reasons[0]
    assert "member_price must not exceed list_price" in reasons[1]
    assert reasons[2] == "unknown warehouse code(s): NOPE"
    assert reasons[3] == "SKU repeated (first at line 2)"
    page = await service.search_products(uow=container.read_uow(), q="lamp")
    assert [s.handle for s in page.items] == ["lamp-a", "lamp-f"]


async def test_json_rows_are_numbered_from_one(container: Container) -> None:
    await make_warehouses(container)
    rows: list[Any] = [row(), "not an object", row(sku="X2", gtin=None, currency="XXX")]
    report = await service.import_rows(uow=container.uow(), rows=rows)
    assert [(e.line, e.sku, e.reason) for e in report.errors] == [
        (2, None, "row must be an object"),
        (3, "X2", "unsupported currency 'XXX'"),
    ]


async def test_a_failed_batch_rolls_back_only_itself(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_warehouses(container)
    real = importing.refresh_search_text
    calls = 0

    async def failing_second_batch(repo: Any, products: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise SkuTaken("simulated concurrent change")
        await real(repo, products)

    monkeypatch.setattr(importing, "refresh_search_text", failing_second_batch)
    progress: list[tuple[int, int]] = []
    rows = [row(handle=f"p-{i}", sku=f"SKU-{i}", gtin=None) for i in range(5)]
    report = await service.import_rows(
        uow=container.uow(),
        rows=rows,
        batch_size=2,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    assert progress == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert report.imported == 3
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "batch rolled back: simulated concurrent change"),
        (4, "batch rolled back: simulated concurrent change"),
    ]
    page = await service.search_products(uow=container.read_uow())
    assert [s.handle for s in page.items] == ["p-0", "p-1", "p-4"]


async def test_sku_of_another_product_and_gtin_clash_are_rejected(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, [row()])
    report = await service.import_rows(
        uow=container.uow(),
        rows=[row(handle="other"), row(handle="other", sku="NEW-1"), row(sku="NEW-2", gtin=None)],
    )
    assert [(e.line, e.reason) for e in report.errors] == [
        (1, "SKU ACM-X1-WHT belongs to another product"),
        (2, "GTIN 4006381333931 is used by SKU ACM-X1-WHT"),
    ]
    assert report.imported == 1


async def test_concurrent_stock_removals_never_oversell(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, [row(stock={"PAR1": 5})])
    variant_id = await _variant_id(container, "ACM-X1-WHT")

    async def take_one() -> bool:
        try:
            await service.adjust_stock(
                uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", delta=-1
            )
        except InsufficientStock:
            return False
        return True

    results = await asyncio.gather(*(take_one() for _ in range(12)))
    assert results.count(True) == 5
    detail = await service.get_variant(uow=container.read_uow(), reference=variant_id)
    assert detail.variant.availability.status == "out_of_stock"
    with pytest.raises(InsufficientStock):
        await service.adjust_stock(
            uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", delta=-1
        )


async def test_set_and_adjust_stock_create_the_row(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, [row(stock={})])
    variant_id = await _variant_id(container, "ACM-X1-WHT")
    level = await service.adjust_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="LYS1", delta=7
    )
    assert (level.on_hand, level.reserved, level.available) == (7, 0, 7)
    level = await service.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="LYS1", on_hand=2
    )
    assert level.on_hand == 2
    with pytest.raises(BelowReserved):
        await service.set_stock(
            uow=container.uow(), variant_id=variant_id, warehouse_code="LYS1", on_hand=-1
        )


async def test_duplicate_warehouse_code_is_refused(container: Container) -> None:
    await make_warehouses(container)
    with pytest.raises(WarehouseCodeTaken):
        await service.create_warehouse(
            uow=container.uow(), code="PAR1", name="again", timezone="Europe/Paris"
        )
    listed = await service.list_warehouses(uow=container.read_uow())
    assert [(w.warehouse.code, len(w.zones)) for w in listed] == [("LYS1", 2), ("PAR1", 2)]


def _catalog_rows() -> list[dict[str, Any]]:
    return [
        row(handle="bosch-radiator-valve", brand="Bosch", title_en="Radiator valve",
            title_fr="Tête thermostatique", category="smart-home/heating",
            category_name_en="Heating", category_name_fr="Chauffage", sku="BSH-1",
            gtin=None, options={}, list_price="49.00", member_price=None, stock={"PAR1": 0}),
        row(handle="acme-thermo-x1", sku="ACM-X1-WHT", stock={"PAR1": 2}),
        row(handle="acme-thermo-x1", sku="ACM-X1-BLK", gtin=None, options={"colour": "black"},
            list_price="139.99", member_price=None, stock={"LYS1": 9}),
        row(handle="eco-sensor", brand="Écolo", title_en="Window sensor",
            title_fr="Détecteur d'ouverture", category="smart-home/sensors",
            category_name_en="Sensors", category_name_fr="Capteurs", sku="ECO-S",
            gtin=None, options={}, list_price="19.99", member_price=None, stock={"LYS1": 30}),
        row(handle="acme-thermo-lite", title_en="Thermo Lite thermostat",
            title_fr="Thermostat Lite", sku="ACM-LITE", gtin=None, options={},
            list_price="79.00", member_price="69.00", stock={}),
    ]  # fmt: skip


async def test_search_is_accent_insensitive_and_needs_every_word(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, _catalog_rows())

    async def handles(**criteria: Any) -> list[str]:
        page = await service.search_products(uow=container.read_uow(), **criteria)
        return [s.handle for s in page.items]

    assert await handles(q="tete THERMOSTATIQUE") == ["bosch-radiator-valve"]
    assert await handles(q="ecolo") == ["eco-sensor"]
    assert await handles(q="Détecteur") == ["eco-sensor"]
    assert await handles(q="thermostat") == [
        "bosch-radiator-valve", "acme-thermo-x1", "acme-thermo-lite",
    ]  # fmt: skip
    assert await handles(q="thermostat lite") == ["acme-thermo-lite"]
    assert await handles(q="acm-x1-blk") == ["acme-thermo-x1"]
    assert await handles(q="black acme") == ["acme-thermo-x1"]
    assert await handles(q="thermostat nowhere") == []
    assert await handles(category="smart-home") == [
        "bosch-radiator-valve", "acme-thermo-x1", "eco-sensor", "acme-thermo-lite",
    ]  # fmt: skip
    assert await handles(category="smart-home/thermostats") == [
        "acme-thermo-x1",
        "acme-thermo-lite",
    ]
    assert await handles(category="smart") == []
    assert await handles(brand="acme") == ["acme-thermo-x1", "acme-thermo-lite"]
    fifty, one_thirty = Money.parse("50", "EUR"), Money.parse("130", "EUR")
    assert await handles(min_price=fifty, max_price=one_thirty) == [
        "acme-thermo-x1", "acme-thermo-lite",
    ]  # fmt: skip
    assert await handles(in_stock=True) == ["acme-thermo-x1", "eco-sensor"]
    assert await handles(in_stock=False) == ["bosch-radiator-valve", "acme-thermo-lite"]


async def test_pagination_walks_every_product_once_in_order(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, _catalog_rows())
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await service.search_products(
            uow=container.read_uow(), cursor=cursor, limit=2, lang="fr"
        )
        seen += [s.title for s in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 2
    assert seen == [
        "Tête thermostatique", "Thermostat connecté Thermo X1", "Détecteur d'ouverture",
        "Thermostat Lite",
    ]  # fmt: skip
    first = (await service.search_products(uow=container.read_uow(), limit=5)).items[1]
    assert (first.price_from, first.member_price_from) == (
        Money(12999, "EUR"), Money(11999, "EUR"),
    )  # fmt: skip
    with pytest.raises(InvalidCursor):
        await service.search_products(uow=container.read_uow(), cursor="garbage!")


async def test_archived_products_leave_search_and_feeds(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, _catalog_rows())
    detail = await service.get_variant(uow=container.read_uow(), reference="ECO-S")
    await service.set_product_status(
        uow=container.uow(), product_id=detail.product_id, status=ProductStatus.ARCHIVED
    )
    page = await service.search_products(uow=container.read_uow(), q="sensor")
    assert page.items == []
    feed = await service.export_feed(
        uow=container.read_uow(), feed_format=FeedFormat.META, public_url="https://shop.test"
    )
    assert [line.split(",")[0] for line in feed.splitlines()] == [
        "id", "BSH-1", "ACM-X1-WHT", "ACM-X1-BLK", "ACM-LITE",
    ]  # fmt: skip


async def test_google_feed_lines(container: Container) -> None:
    await make_warehouses(container)
    await import_ok(container, [row()])
    feed = await service.export_feed(
        uow=container.read_uow(), feed_format=FeedFormat.GOOGLE, public_url="https://shop.test/"
    )
    header, line = feed.splitlines()
    item = dict(zip(header.split("\t"), line.split("\t"), strict=True))
    product_id = (
        await service.get_variant(uow=container.read_uow(), reference="ACM-X1-WHT")
    ).product_id
    assert item == {
        "id": "ACM-X1-WHT",
        "item_group_id": product_id,
        "title": "Thermo X1 smart thermostat (white)",
        "description": "Learns your schedule.",
        "link": "https://shop.test/products/acme-thermo-x1",
        "image_link": "https://shop.test/static/catalog/demo/thermo-x1.svg",
        "availability": "in_stock",
        "price": "129.99 EUR",
        "condition": "new",
        "brand": "Acme",
        "gtin": "4006381333931",
        "identifier_exists": "",
        "color": "white",
        "size": "",
        "product_type": "smart-home > thermostats",
    }


async def test_promise_for_variant_picks_the_fastest_stocked_warehouse(
    container: Container,
) -> None:
    await make_warehouses(container)
    await import_ok(container, [row(stock={"PAR1": 1, "LYS1": 5})])
    variant_id = await _variant_id(container, "ACM-X1-WHT")
    wednesday_noon = datetime(2025, 3, 12, 11, 0, tzinfo=UTC)  # 12:00 in Paris

    async def promise(**kwargs: Any) -> Any:
        values: dict[str, Any] = {"quantity": 1, "postal_code": "75011", "country": "FR",
                                  "is_member": False, "now": wednesday_noon}  # fmt: skip
        values.update(kwargs)
        return await service.promise_for_variant(
            uow=container.read_uow(), variant_id=variant_id, **values
        )

    paris = await promise()
    assert (paris.warehouse_code, paris.date, paris.label_en) == (
        "PAR1", date(2025, 3, 13), "tomorrow 8–22 h",
    )  # fmt: skip
    member = await promise(is_member=True)
    assert (member.date, member.label_fr) == (date(2025, 3, 12), "aujourd'hui 8 h–22 h")
    two = await promise(quantity=2)
    assert (two.warehouse_code, two.date) == ("LYS1", date(2025, 3, 15))
    assert await promise(quantity=6) is None
    assert await promise(country="DE") is None
    generic = await promise(postal_code=None)
    assert (generic.warehouse_code, generic.date) == ("PAR1", date(2025, 3, 14))
