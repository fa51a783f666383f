"""Use cases of stock holds: reserve units for a purchase, give them back, ship them.

Each is one conditional statement per warehouse (``UPDATE … SET reserved = reserved + :q WHERE
on_hand - reserved >= :q``), so under any number of concurrent buyers a warehouse never promises
more units than it has: on PostgreSQL the row lock serialises the updates and the condition is
checked again by the one that waited; SQLite has a single writer. They run inside the caller's
transaction when one is open (checkout stores its reservation in the same one).

A :class:`StockHold` is a value, not a record: releasing or shipping it twice would take units
another buyer holds. The caller keeps each hold's identity and state (checkout's reservation
rows) and changes them in the same transaction as the stock, conditionally on that state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handshake.catalog.errors import InvalidWarehouse, OutOfStock
from handshake.catalog.events import StockChanged
from handshake.catalog.repository import CatalogRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel.errors import InvalidInput


@dataclass(frozen=True)
class StockHold:
    """Units of a variant reserved in one warehouse."""

    variant_id: str
    warehouse_code: str
    quantity: int


class InvalidQuantity(InvalidInput):
    """A quantity that is not a positive whole number."""

    code = "invalid_quantity"


def _check(quantity: int) -> None:
    if quantity <= 0:
        raise InvalidQuantity("Quantities are whole numbers of at least 1.")


def _changed(variant_id: str, code: str, row: tuple[int, int]) -> StockChanged:
    on_hand, reserved = row
    return StockChanged(
        variant_id=variant_id, warehouse_code=code, on_hand=on_hand, available=on_hand - reserved
    )


async def _places(repo: CatalogRepository, variant_id: str) -> dict[str, str]:
    """Warehouse id by code of every warehouse stocking the variant."""
    return {code: warehouse_id for warehouse_id, code in await repo.stock_places(variant_id)}


async def hold_stock(
    *,
    uow: UnitOfWork,
    variant_id: str,
    quantity: int,
    warehouse_codes: Sequence[str] | None = None,
) -> StockHold:
    """Reserve ``quantity`` units in the first warehouse (in ``warehouse_codes`` order, else by
    code) that has them all; :class:`OutOfStock` when none has."""
    _check(quantity)
    async with uow:
        repo = uow.repo(CatalogRepository)
        places = await _places(repo, variant_id)
        for code in warehouse_codes if warehouse_codes is not None else sorted(places):
            warehouse_id = places.get(code)
            row = None if warehouse_id is None else await repo.reserve_units(
                variant_id, warehouse_id, quantity
            )  # fmt: skip
            if row is not None:
                uow.record(_changed(variant_id, code, (row[0], row[1])))
                await uow.commit()
                return StockHold(variant_id, code, quantity)
    raise OutOfStock(
        f"{quantity} unit(s) of this variant are not available any more.",
        extra={"variant_id": variant_id, "requested": quantity},
    )


async def _move(uow: UnitOfWork, hold: StockHold, *, ship: bool) -> None:
    _check(hold.quantity)
    async with uow:
        repo = uow.repo(CatalogRepository)
        places = {
            code: warehouse_id for warehouse_id, code in await repo.stock_places(hold.variant_id)
        }
        warehouse_id = places.get(hold.warehouse_code)
        if warehouse_id is None:
            raise InvalidWarehouse(f"No stock of this variant in {hold.warehouse_code!r}.")
        move = repo.ship_units if ship else repo.release_units
        row = await move(hold.variant_id, warehouse_id, hold.quantity)
        if row is None:
            raise OutOfStock(
                "Fewer units are reserved than this hold says; it was released already.",
                extra={"variant_id": hold.variant_id, "warehouse_code": hold.warehouse_code},
            )
        uow.record(_changed(hold.variant_id, hold.warehouse_code, (row[0], row[1])))
        await uow.commit()


async def release_stock(*, uow: UnitOfWork, hold: StockHold) -> None:
    """Give held units back (a reservation expired or a checkout was cancelled)."""
    await _move(uow, hold, ship=False)


async def ship_stock(*, uow: UnitOfWork, hold: StockHold) -> None:
    """Held units leave the warehouse (the order shipped): on hand and reserved both drop."""
    await _move(uow, hold, ship=True)
