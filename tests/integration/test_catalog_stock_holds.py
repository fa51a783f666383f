"""Stock holds on SQLite and PostgreSQL: exact under contention, released and shipped exactly."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from handshake.bootstrap import Container
from handshake.catalog import service
from handshake.catalog.errors import OutOfStock
from handshake.catalog.events import StockChanged
from handshake.catalog.stock_holds import InvalidQuantity
from tests.catalog_helpers import import_ok, make_warehouses, row

SKU = "HOLD-1"


async def stocked_variant(container: Container, stock: dict[str, int]) -> str:
    await make_warehouses(container)
    await import_ok(container, [row(handle="hold-1", sku=SKU, gtin=None, stock=stock)])
    detail = await service.get_variant(uow=container.read_uow(), reference=SKU)
    return detail.variant.id


async def levels(container: Container, variant_id: str) -> dict[str, tuple[int, int]]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT w.code, s.on_hand, s.reserved FROM catalog_stock s JOIN"
                " catalog_warehouses w ON w.id = s.warehouse_id WHERE s.variant_id = :v"
            ),
            {"v": variant_id},
        )
        return {code: (on_hand, reserved) for code, on_hand, reserved in rows.all()}


async def test_200_concurrent_holds_on_50_units_reserve_exactly_50(container: Container) -> None:
    variant_id = await stocked_variant(container, {"PAR1": 50})

    outcomes = await asyncio.gather(
        *(
            service.hold_stock(uow=container.uow(), variant_id=variant_id, quantity=1)
            for _ in range(200)
        ),
        return_exceptions=True,
    )

    held = [o for o in outcomes if isinstance(o, service.StockHold)]
    refused = [o for o in outcomes if isinstance(o, OutOfStock)]
    assert (len(held), len(refused)) == (50, 150)
    assert {o.code for o in refused} == {"out_of_stock"}
    assert await levels(container, variant_id) == {"PAR1": (50, 50)}


async def test_a_hold_takes_the_first_listed_warehouse_with_every_unit(
    container: Container,
) -> None:
    variant_id = await stocked_variant(container, {"PAR1": 2, "LYS1": 5})
    changes: list[StockChanged] = []
    container.bus.subscribe(StockChanged, changes.append)

    hold = await service.hold_stock(
        uow=container.uow(), variant_id=variant_id, quantity=3, warehouse_codes=["PAR1", "LYS1"]
    )

    assert hold == service.StockHold(variant_id, "LYS1", 3)
    assert await levels(container, variant_id) == {"PAR1": (2, 0), "LYS1": (5, 3)}
    assert changes == [
        StockChanged(variant_id=variant_id, warehouse_code="LYS1", on_hand=5, available=2)
    ]
    with pytest.raises(OutOfStock):
        await service.hold_stock(
            uow=container.uow(), variant_id=variant_id, quantity=3, warehouse_codes=["PAR1"]
        )


async def test_release_and_ship_move_exactly_the_held_units(container: Container) -> None:
    variant_id = await stocked_variant(container, {"PAR1": 10})
    first = await service.hold_stock(uow=container.uow(), variant_id=variant_id, quantity=4)
    second = await service.hold_stock(uow=container.uow(), variant_id=variant_id, quantity=3)

    await service.release_stock(uow=container.uow(), hold=first)
    await service.ship_stock(uow=container.uow(), hold=second)

    assert await levels(container, variant_id) == {"PAR1": (7, 0)}
    with pytest.raises(OutOfStock):  # released already: nothing reserved to give back
        await service.release_stock(uow=container.uow(), hold=first)
    assert await levels(container, variant_id) == {"PAR1": (7, 0)}


async def test_a_quantity_below_one_is_refused(container: Container) -> None:
    variant_id = await stocked_variant(container, {"PAR1": 10})

    with pytest.raises(InvalidQuantity):
        await service.hold_stock(uow=container.uow(), variant_id=variant_id, quantity=0)

    assert await levels(container, variant_id) == {"PAR1": (10, 0)}
