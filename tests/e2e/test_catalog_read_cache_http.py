"""The product page cache seen over HTTP: changes made through the catalog show at once; changes
made behind the application's back (another process) show once the TTL has passed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from handshake.bootstrap import Container
from handshake.catalog import service
from handshake.catalog.models import Product, ProductStatus
from handshake.kernel import clock
from handshake.kernel.money import Money
from tests.catalog_helpers import import_ok, make_warehouses, row

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Change = Callable[[Container, str, str], Awaitable[Any]]


async def _seed(container: Container) -> tuple[str, str]:
    await make_warehouses(container)
    await import_ok(container, [row(stock={"PAR1": 30})])
    detail = await service.get_variant(uow=container.read_uow(), reference="ACM-X1-WHT")
    return detail.product_id, detail.variant.id


async def _page(client: httpx.AsyncClient, product_id: str) -> Any:
    response = await client.get(f"/api/v1/products/{product_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def _retitle_behind_the_cache(container: Container, product_id: str, title: str) -> None:
    # What another process's write looks like from here: the row changes, no event arrives.
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Product).where(Product.id == product_id).values(title_en=title)
        )


async def test_a_write_behind_the_cache_shows_once_the_ttl_has_passed(
    client: httpx.AsyncClient, container: Container
) -> None:
    ttl = container.settings.catalog.read_cache_seconds
    assert ttl > 0
    product_id, _ = await _seed(container)
    with clock.frozen_at(T0):
        first = await _page(client, product_id)
        await _retitle_behind_the_cache(container, product_id, "Renamed elsewhere")
        assert (await _page(client, product_id))["title"] == first["title"]
        clock.advance(timedelta(seconds=ttl))
        assert (await _page(client, product_id))["title"] == "Renamed elsewhere"


async def test_with_a_ttl_of_zero_every_read_goes_to_the_database(
    client: httpx.AsyncClient, container: Container
) -> None:
    container.settings.catalog.read_cache_seconds = 0  # before the app's first product read
    product_id, _ = await _seed(container)
    with clock.frozen_at(T0):
        await _page(client, product_id)
        await _retitle_behind_the_cache(container, product_id, "Renamed elsewhere")
        assert (await _page(client, product_id))["title"] == "Renamed elsewhere"


async def _update_product(container: Container, product_id: str, _variant_id: str) -> Any:
    return await service.update_product(
        uow=container.uow(), product_id=product_id, changes={"title_en": "Thermo X2"}
    )


async def _set_prices(container: Container, _product_id: str, variant_id: str) -> Any:
    return await service.set_prices(
        uow=container.uow(),
        variant_id=variant_id,
        list_price=Money.parse("99.00", "EUR"),
        member_price=None,
    )


async def _set_stock(container: Container, _product_id: str, variant_id: str) -> Any:
    return await service.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", on_hand=2
    )


async def _adjust_stock(container: Container, _product_id: str, variant_id: str) -> Any:
    return await service.adjust_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", delta=-28
    )


async def _reimport(container: Container, _product_id: str, _variant_id: str) -> Any:
    await import_ok(container, [row(title_en="Thermo X2", stock={"PAR1": 30})])


EXPECTED: dict[str, Callable[[Any], Any]] = {
    "update_product": lambda page: page["title"],
    "set_prices": lambda page: page["variants"][0]["list_price"]["amount"],
    "set_stock": lambda page: page["availability"],
    "adjust_stock": lambda page: page["availability"],
    "import": lambda page: page["title"],
}
CHANGES: dict[str, tuple[Change, Any]] = {
    "update_product": (_update_product, "Thermo X2"),
    "set_prices": (_set_prices, "99.00"),
    "set_stock": (_set_stock, {"status": "low_stock", "count": 2}),
    "adjust_stock": (_adjust_stock, {"status": "low_stock", "count": 2}),
    "import": (_reimport, "Thermo X2"),
}


@pytest.mark.parametrize("name", list(CHANGES))
async def test_a_catalog_change_in_this_process_shows_at_once(
    client: httpx.AsyncClient, container: Container, name: str
) -> None:
    product_id, variant_id = await _seed(container)
    change, expected = CHANGES[name]
    with clock.frozen_at(T0):  # the TTL never runs out here: only invalidation can help
        before = await _page(client, product_id)
        assert EXPECTED[name](before) != expected
        await change(container, product_id, variant_id)
        assert EXPECTED[name](await _page(client, product_id)) == expected


async def test_an_archived_product_is_gone_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    product_id, _ = await _seed(container)
    with clock.frozen_at(T0):
        await _page(client, product_id)
        await service.set_product_status(
            uow=container.uow(), product_id=product_id, status=ProductStatus.ARCHIVED
        )
        response = await client.get(f"/api/v1/products/{product_id}")
        assert (response.status_code, response.json()["code"]) == (404, "product_not_found")
