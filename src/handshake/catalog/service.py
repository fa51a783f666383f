"""Use cases of the catalog domain for operators: products, prices, stock, warehouses.

Shopper reads, feeds and the delivery promise live in ``browsing``; imports in ``importing``;
both are re-exported here so callers use one service module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handshake.catalog.browsing import (
    export_feed as export_feed,
)
from handshake.catalog.browsing import get_product as get_product
from handshake.catalog.browsing import get_variant as get_variant
from handshake.catalog.browsing import list_brands as list_brands
from handshake.catalog.browsing import list_categories as list_categories
from handshake.catalog.browsing import promise_for_variant as promise_for_variant
from handshake.catalog.browsing import search_products as search_products
from handshake.catalog.categories import ensure_categories
from handshake.catalog.errors import (
    BelowReserved,
    GtinTaken,
    HandleTaken,
    InsufficientStock,
    InvalidProduct,
    ProductNotFound,
    SkuTaken,
    VariantNotFound,
    WarehouseNotFound,
)
from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved, StockChanged
from handshake.catalog.gtin import normalise_gtin
from handshake.catalog.importing import ImportReport as ImportReport
from handshake.catalog.importing import RowError as RowError
from handshake.catalog.importing import import_rows as import_rows
from handshake.catalog.models import Product, ProductStatus, Variant
from handshake.catalog.repository import CatalogRepository
from handshake.catalog.search_index import refresh_search_text
from handshake.catalog.stock_holds import StockHold as StockHold
from handshake.catalog.stock_holds import hold_stock as hold_stock
from handshake.catalog.stock_holds import release_stock as release_stock
from handshake.catalog.stock_holds import ship_stock as ship_stock
from handshake.catalog.warehouses import WarehouseDetails as WarehouseDetails
from handshake.catalog.warehouses import create_warehouse as create_warehouse
from handshake.catalog.warehouses import list_warehouses as list_warehouses
from handshake.db.uow import UnitOfWork
from handshake.kernel.ids import new_id
from handshake.kernel.money import Money


@dataclass(frozen=True)
class VariantSpec:
    """A variant to create, or to update when its SKU already belongs to the product."""

    sku: str
    list_price: Money
    member_price: Money | None = None
    gtin: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StockLevel:
    """Stock of one variant in one warehouse after a change."""

    variant_id: str
    warehouse_code: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Units that can still be sold."""
        return self.on_hand - self.reserved


async def _apply_variants(
    repo: CatalogRepository, product: Product, specs: Sequence[VariantSpec]
) -> None:
    skus = [s.sku for s in specs]
    if len(set(skus)) != len(skus):
        raise InvalidProduct("Each variant needs its own SKU.", extra={"skus": skus})
    try:
        gtins = {s.sku: normalise_gtin(s.gtin) for s in specs if s.gtin}
    except ValueError as exc:
        raise InvalidProduct(f"gtin: {exc}") from None
    existing = await repo.variants_by_sku(skus)
    owners = await repo.variants_by_gtin(list(gtins.values())) if gtins else {}
    for spec in specs:
        variant = existing.get(spec.sku)
        if variant is not None and variant.product_id != product.id:
            raise SkuTaken(f"SKU {spec.sku} belongs to another product.", extra={"sku": spec.sku})
        gtin = gtins.get(spec.sku)
        owner = owners.get(gtin or "")
        if owner is not None and owner.sku != spec.sku:
            raise GtinTaken(f"GTIN {gtin} is used by SKU {owner.sku}.", extra={"gtin": gtin})
        if variant is None:
            variant = Variant(id=new_id("var"), product_id=product.id, sku=spec.sku)
            repo.add(variant)
        variant.gtin = gtin
        variant.options = dict(spec.options)
        variant.set_prices(spec.list_price, spec.member_price)
    await repo.flush_unique(SkuTaken("A SKU or GTIN was taken by a concurrent change."))


async def _category_id(
    repo: CatalogRepository, path: str | None, names: tuple[str | None, str | None]
) -> str | None:
    if path is None:
        return None
    return (await ensure_categories(repo, {path: names}))[path].id


async def create_product(
    *,
    uow: UnitOfWork,
    handle: str,
    brand: str,
    title_en: str,
    variants: Sequence[VariantSpec],
    title_fr: str | None = None,
    description_en: str = "",
    description_fr: str = "",
    category: str | None = None,
    category_names: tuple[str | None, str | None] = (None, None),
    images: Sequence[str] = (),
    attributes: Mapping[str, Any] | None = None,
) -> Product:
    """Create an active product with at least one variant."""
    if not variants:
        raise InvalidProduct("A product needs at least one variant.")
    async with uow:
        repo = uow.repo(CatalogRepository)
        if await repo.products_by_handle([handle]):
            raise HandleTaken(f"Handle {handle} is taken.", extra={"handle": handle})
        product = Product(
            id=new_id("prd"), handle=handle, brand=brand, title_en=title_en,
            title_fr=title_fr or title_en, description_en=description_en,
            description_fr=description_fr, images=list(images), attributes=dict(attributes or {}),
            status=ProductStatus.ACTIVE, search_text="",
            category_id=await _category_id(repo, category, category_names),
        )  # fmt: skip
        repo.add(product)
        await repo.flush_unique(HandleTaken(f"Handle {handle} is taken.", extra={"handle": handle}))
        await _apply_variants(repo, product, variants)
        await refresh_search_text(repo, [product])
        uow.record(ProductSaved(product_id=product.id, handle=product.handle))
        await uow.commit()
    return product


async def update_product(
    *,
    uow: UnitOfWork,
    product_id: str,
    changes: Mapping[str, Any],
    variants: Sequence[VariantSpec] = (),
) -> Product:
    """Change product fields (``brand``, ``title_en``…, ``category``) and upsert variants by SKU."""
    allowed = {
        "brand", "title_en", "title_fr", "description_en", "description_fr", "images",
        "attributes", "category", "category_names",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidProduct(f"Cannot change {', '.join(sorted(unknown))}.")
    async with uow:
        repo = uow.repo(CatalogRepository)
        product = await repo.get_product(product_id)
        if product is None:
            raise ProductNotFound(f"No product {product_id}.", extra={"product_id": product_id})
        for name, value in changes.items():
            if name == "category":
                names = changes.get("category_names", (None, None))
                product.category_id = await _category_id(repo, value, names)
            elif name in {"images", "attributes"}:
                setattr(product, name, list(value) if name == "images" else dict(value))
            elif name != "category_names":
                setattr(product, name, value)
        await _apply_variants(repo, product, variants)
        await refresh_search_text(repo, [product])
        uow.record(ProductSaved(product_id=product.id, handle=product.handle))
        await uow.commit()
    return product


async def set_product_status(*, uow: UnitOfWork, product_id: str, status: ProductStatus) -> Product:
    """Archive a product (hidden from shoppers and feeds) or make it active again."""
    async with uow:
        product = await uow.repo(CatalogRepository).get_product(product_id)
        if product is None:
            raise ProductNotFound(f"No product {product_id}.", extra={"product_id": product_id})
        product.status = status
        if status is ProductStatus.ARCHIVED:
            uow.record(ProductArchived(product_id=product.id))
        else:
            uow.record(ProductSaved(product_id=product.id, handle=product.handle))
        await uow.commit()
    return product


async def set_prices(
    *, uow: UnitOfWork, variant_id: str, list_price: Money, member_price: Money | None
) -> Variant:
    """Set a variant's list and member price (member ≤ list, same currency)."""
    async with uow:
        variant = await uow.repo(CatalogRepository).get_variant(variant_id)
        if variant is None:
            raise VariantNotFound(f"No variant {variant_id}.", extra={"variant_id": variant_id})
        variant.set_prices(list_price, member_price)
        uow.record(PricesSet(product_id=variant.product_id, variant_id=variant.id))
        await uow.commit()
    return variant


async def _stock_target(repo: CatalogRepository, variant_id: str, warehouse_code: str) -> str:
    if await repo.get_variant(variant_id) is None:
        raise VariantNotFound(f"No variant {variant_id}.", extra={"variant_id": variant_id})
    warehouse = (await repo.warehouses_by_code([warehouse_code])).get(warehouse_code)
    if warehouse is None:
        raise WarehouseNotFound(
            f"No warehouse {warehouse_code}.", extra={"warehouse_code": warehouse_code}
        )
    await repo.ensure_stock_row(variant_id, warehouse.id)
    return warehouse.id


async def set_stock(
    *, uow: UnitOfWork, variant_id: str, warehouse_code: str, on_hand: int, reason: str = ""
) -> StockLevel:
    """Set on-hand units (a count); refused below the units already reserved."""
    if on_hand < 0:
        raise BelowReserved("On-hand stock cannot be negative.", extra={"on_hand": on_hand})
    async with uow:
        repo = uow.repo(CatalogRepository)
        warehouse_id = await _stock_target(repo, variant_id, warehouse_code)
        row = await repo.set_on_hand(variant_id, warehouse_id, on_hand)
        if row is None:
            raise BelowReserved("On-hand stock cannot go below reserved units.")
        level = StockLevel(variant_id, warehouse_code, row.on_hand, row.reserved)
        uow.record(_changed(level, reason))
        await uow.commit()
    return level


async def adjust_stock(
    *, uow: UnitOfWork, variant_id: str, warehouse_code: str, delta: int, reason: str = ""
) -> StockLevel:
    """Add ``delta`` units (negative removes) in one conditional update that never oversells."""
    async with uow:
        repo = uow.repo(CatalogRepository)
        warehouse_id = await _stock_target(repo, variant_id, warehouse_code)
        row = await repo.adjust_on_hand(variant_id, warehouse_id, delta)
        if row is None:
            raise InsufficientStock(
                f"Removing {-delta} units would take available stock below zero.",
                extra={"variant_id": variant_id, "warehouse_code": warehouse_code},
            )
        level = StockLevel(variant_id, warehouse_code, row.on_hand, row.reserved)
        uow.record(_changed(level, reason))
        await uow.commit()
    return level


def _changed(level: StockLevel, reason: str) -> StockChanged:
    return StockChanged(
        variant_id=level.variant_id,
        warehouse_code=level.warehouse_code,
        on_hand=level.on_hand,
        available=level.available,
        reason=reason.strip()[:200],
    )


async def stock_of_variants(*, uow: UnitOfWork, variant_ids: Sequence[str]) -> list[StockLevel]:
    """On-hand and reserved units of these variants in every warehouse stocking them."""
    async with uow:
        rows = await uow.repo(CatalogRepository).stock_levels(list(variant_ids))
    return [StockLevel(r.variant_id, r.code, r.on_hand, r.reserved) for r in rows]
