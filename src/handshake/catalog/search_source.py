"""The catalog as other domains' search indexes read it: one record per product, live facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handshake.catalog.models import ProductStatus
from handshake.catalog.repository import AnyRow, CatalogRepository
from handshake.db.uow import UnitOfWork


@dataclass(frozen=True)
class SearchableProduct:
    """A product with what a search needs: texts, facets, lowest prices and units available."""

    product_id: str
    handle: str
    brand: str
    category_path: str
    category_names: tuple[str, ...]  # the category's and its ancestors' names, EN then FR
    title_en: str
    title_fr: str
    description_en: str
    description_fr: str
    attributes: dict[str, Any]
    options: dict[str, tuple[str, ...]]
    skus: tuple[str, ...]
    currency: str
    min_price_minor: int
    min_member_price_minor: int | None
    available: int
    is_active: bool
    updated_at: datetime
    variant_options: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductVersion:
    """When a product last changed and whether it is sold."""

    product_id: str
    is_active: bool
    updated_at: datetime


async def product_versions(*, uow: UnitOfWork) -> list[ProductVersion]:
    """Every product's version, by id."""
    async with uow:
        rows = await uow.repo(CatalogRepository).product_versions()
    return [
        ProductVersion(row.id, row.status == ProductStatus.ACTIVE, row.updated_at) for row in rows
    ]


@dataclass(frozen=True)
class ProductFacts:
    """What changes with sales and prices: lowest prices and units available now."""

    min_price_minor: int
    min_member_price_minor: int | None
    available: int


async def product_facts(*, uow: UnitOfWork) -> dict[str, ProductFacts]:
    """Every active product's facts, by id (one aggregate query)."""
    async with uow:
        rows = await uow.repo(CatalogRepository).product_facts()
    return {
        row.product_id: ProductFacts(
            int(row.min_price_minor), row.min_member_price_minor, int(row.available)
        )
        for row in rows
    }


async def searchable_products(
    *, uow: UnitOfWork, product_ids: Collection[str]
) -> list[SearchableProduct]:
    """These products as search indexes see them (unknown ids are left out)."""
    if not product_ids:
        return []
    async with uow:
        repo = uow.repo(CatalogRepository)
        rows = await repo.searchable_rows(list(product_ids))
        categories = await repo.category_rows()
    names = _category_names(categories)
    by_product: dict[str, list[AnyRow]] = defaultdict(list)
    for row in rows:
        by_product[row.product_id].append(row)
    return [_product(variants, names) for variants in by_product.values()]


def _category_names(rows: Sequence[AnyRow]) -> dict[str, tuple[str, ...]]:
    """Path → names of the category then its ancestors (English then French)."""
    by_path = {row.path: row for row in rows}
    names: dict[str, tuple[str, ...]] = {}
    for path in by_path:
        chain: list[str] = []
        current: str | None = path
        while current is not None and current in by_path and len(chain) < 20:
            row = by_path[current]
            chain += [row.name_en, row.name_fr]
            current = row.parent_path
        names[path] = tuple(dict.fromkeys(chain))
    return names


def _product(variants: Sequence[AnyRow], names: dict[str, tuple[str, ...]]) -> SearchableProduct:
    first = variants[0]
    options: dict[str, dict[str, None]] = defaultdict(dict)
    for variant in variants:
        for key, value in (variant.options or {}).items():
            options[str(key)].setdefault(str(value), None)
    members = [v.member_price_minor for v in variants if v.member_price_minor is not None]
    path = first.category_path or ""
    return SearchableProduct(
        product_id=first.product_id, handle=first.handle, brand=first.brand,
        category_path=path, category_names=names.get(path, ()),
        title_en=first.title_en, title_fr=first.title_fr,
        description_en=first.description_en, description_fr=first.description_fr,
        attributes=dict(first.attributes or {}),
        options={key: tuple(values) for key, values in options.items()},
        skus=tuple(v.sku for v in variants), currency=first.currency,
        min_price_minor=min(v.list_price_minor for v in variants),
        min_member_price_minor=min(members) if members else None,
        available=sum(max(int(v.available), 0) for v in variants),
        is_active=first.status == ProductStatus.ACTIVE, updated_at=first.updated_at,
        variant_options={
            v.sku: {str(k): str(value) for k, value in (v.options or {}).items()} for v in variants
        },
    )  # fmt: skip
