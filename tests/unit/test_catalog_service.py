"""Catalog services with in-memory fakes: prices, archiving, product rules."""

from __future__ import annotations

from typing import Any

import pytest

from handshake.catalog import service
from handshake.catalog.errors import (
    InvalidPrice,
    InvalidProduct,
    InvalidWarehouse,
    ProductNotFound,
    VariantNotFound,
)
from handshake.catalog.events import ProductArchived
from handshake.catalog.models import Product, ProductStatus, Variant
from handshake.catalog.repository import CatalogRepository
from handshake.kernel.money import Money
from tests.fakes import FakeUnitOfWork


class FakeCatalogRepository:
    """Just enough of CatalogRepository for the use cases under test."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.variants: dict[str, Variant] = {}

    async def get_product(self, product_id: str) -> Product | None:
        return self.products.get(product_id)

    async def get_variant(self, variant_id: str) -> Variant | None:
        return self.variants.get(variant_id)


def make_uow() -> tuple[FakeUnitOfWork, FakeCatalogRepository]:
    repo = FakeCatalogRepository()
    return FakeUnitOfWork({CatalogRepository: repo}), repo


def variant(**values: Any) -> Variant:
    defaults: dict[str, Any] = {"id": "var_1", "product_id": "prd_1", "sku": "S",
                                "currency": "EUR", "list_price_minor": 1000}  # fmt: skip
    defaults.update(values)
    return Variant(**defaults)


async def test_set_prices_updates_both_and_commits() -> None:
    uow, repo = make_uow()
    repo.variants["var_1"] = variant()
    updated = await service.set_prices(
        uow=uow, variant_id="var_1", list_price=Money(2500, "EUR"), member_price=Money(2000, "EUR")
    )
    assert (updated.list_price_minor, updated.member_price_minor, uow.committed) == (2500, 2000, 1)
    assert updated.price_for(is_member=True) == 2000
    assert updated.price_for(is_member=False) == 2500


@pytest.mark.parametrize(
    ("list_price", "member_price", "message"),
    [
        (Money(1000, "EUR"), Money(1001, "EUR"), "cannot exceed"),
        (Money(1000, "EUR"), Money(900, "USD"), "currency"),
        (Money(-1, "EUR"), None, "negative"),
    ],
)
async def test_bad_prices_are_refused_and_nothing_changes(
    list_price: Money, member_price: Money | None, message: str
) -> None:
    uow, repo = make_uow()
    repo.variants["var_1"] = variant(member_price_minor=800)
    with pytest.raises(InvalidPrice, match=message):
        await service.set_prices(
            uow=uow, variant_id="var_1", list_price=list_price, member_price=member_price
        )
    assert (repo.variants["var_1"].list_price_minor, repo.variants["var_1"].member_price_minor) == (
        1000, 800,
    )  # fmt: skip
    assert (uow.committed, uow.rolled_back) == (0, 1)


async def test_unknown_variant_and_product() -> None:
    uow, _ = make_uow()
    with pytest.raises(VariantNotFound):
        await service.set_prices(
            uow=uow, variant_id="var_x", list_price=Money(1, "EUR"), member_price=None
        )
    with pytest.raises(ProductNotFound):
        await service.set_product_status(uow=uow, product_id="prd_x", status=ProductStatus.ARCHIVED)


async def test_archiving_publishes_an_event_after_commit() -> None:
    uow, repo = make_uow()
    repo.products["prd_1"] = Product(id="prd_1", handle="h", status=ProductStatus.ACTIVE)
    archived = await service.set_product_status(
        uow=uow, product_id="prd_1", status=ProductStatus.ARCHIVED
    )
    assert (archived.status, archived.is_active) == (ProductStatus.ARCHIVED, False)
    assert uow.published == [ProductArchived(product_id="prd_1")]


async def test_a_product_needs_a_variant() -> None:
    uow, _ = make_uow()
    with pytest.raises(InvalidProduct, match="at least one variant"):
        await service.create_product(uow=uow, handle="h", brand="b", title_en="t", variants=[])
    assert uow.committed == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown IANA time zone"),
        ({"cutoff_local": "25:00"}, "HH:MM"),
        ({"ship_weekdays": []}, "at least one day"),
        ({"ship_weekdays": [7]}, "at least one day"),
        ({"code": "bad code"}, "code"),
        ({"zones": [{"country": "FRA", "transit_days": 1}]}, "alpha-2"),
        ({"zones": [{"country": "FR", "transit_days": -1}]}, "negative"),
        (
            {
                "zones": [
                    {
                        "country": "FR",
                        "transit_days": 1,
                        "window_start_hour": 22,
                        "window_end_hour": 8,
                    }
                ]
            },
            "window hours",
        ),
        ({"zones": [{"country": "FR"}]}, "incomplete"),
        ({"zones": [{"country": "FR", "transit_days": 1, "colour": "x"}]}, "Unknown zone"),
        (
            {"zones": [{"country": "FR", "transit_days": 1}, {"country": "fr", "transit_days": 2}]},
            "same country",
        ),
    ],
)
async def test_warehouse_rules(overrides: dict[str, Any], message: str) -> None:
    uow, _ = make_uow()
    values: dict[str, Any] = {"code": "PAR1", "name": "Paris", "timezone": "Europe/Paris"}
    values.update(overrides)
    with pytest.raises(InvalidWarehouse, match=message):
        await service.create_warehouse(uow=uow, **values)
    assert uow.committed == 0
