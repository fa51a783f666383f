"""Shopper-facing reads: product and variant pages, search, categories, feeds, delivery promise.

These run on every page view, so each use case is one or two column selects in a read-only unit
of work; nothing here loads ORM entities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.catalog import acp_feed, cursors, delivery_promise, feeds, search_text
from handshake.catalog.errors import InvalidPrice, ProductNotFound, VariantNotFound
from handshake.catalog.models import ProductStatus
from handshake.catalog.repository import CatalogRepository, SearchCriteria
from handshake.catalog.warehouses import zone_of
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import is_id
from handshake.kernel.money import Money

MAX_PAGE = 100


@dataclass(frozen=True)
class Availability:
    """``in_stock``, ``low_stock`` (with the count) or ``out_of_stock``."""

    status: str
    count: int | None = None


@dataclass(frozen=True)
class VariantView:
    """A variant as shoppers see it."""

    id: str
    sku: str
    gtin: str | None
    options: dict[str, Any]
    list_price: Money
    member_price: Money | None
    availability: Availability


@dataclass(frozen=True)
class ProductView:
    """A product page in one language."""

    id: str
    handle: str
    brand: str
    title: str
    description: str
    lang: str
    status: str
    category_path: str | None
    category_name: str | None
    images: list[str]
    attributes: dict[str, Any]
    availability: Availability
    variants: list[VariantView]


@dataclass(frozen=True)
class VariantDetail:
    """A variant with the product it belongs to."""

    variant: VariantView
    product_id: str
    product_handle: str
    product_title: str
    brand: str
    image: str | None


@dataclass(frozen=True)
class ProductSummary:
    """A product in a result list."""

    id: str
    handle: str
    brand: str
    title: str
    category_path: str | None
    image: str | None
    price_from: Money
    member_price_from: Money | None
    availability: Availability
    status: str = ProductStatus.ACTIVE


@dataclass(frozen=True)
class ProductPage:
    """One page of results and the cursor of the next one (None on the last page)."""

    items: list[ProductSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class BrandView:
    """A brand with the number of active products it has (a search facet)."""

    name: str
    products: int


@dataclass(frozen=True)
class CategoryView:
    """A category with its names in both languages."""

    id: str
    path: str
    parent_path: str | None
    name_en: str
    name_fr: str


def availability(total: int, *, low_stock_threshold: int) -> Availability:
    """Classify available units; the count is disclosed only when stock runs low."""
    if total <= 0:
        return Availability("out_of_stock")
    if total <= low_stock_threshold:
        return Availability("low_stock", total)
    return Availability("in_stock")


def _variant_view(row: Any, threshold: int, variant_id: str | None = None) -> VariantView:
    member = row.member_price_minor
    return VariantView(
        id=variant_id or row.id,
        sku=row.sku,
        gtin=row.gtin,
        options=row.options,
        list_price=Money(row.list_price_minor, row.currency),
        member_price=None if member is None else Money(member, row.currency),
        availability=availability(int(row.available), low_stock_threshold=threshold),
    )


def _fr(lang: str) -> bool:
    return lang == "fr"


async def get_product(
    *,
    uow: UnitOfWork,
    product_id: str,
    lang: str = "en",
    low_stock_threshold: int = 5,
    include_archived: bool = False,
) -> ProductView:
    """A product with its variants, prices and availability (archived ones only for operators)."""
    async with uow:
        rows = await uow.repo(CatalogRepository).product_page_rows(product_id)
    row = rows[0] if rows else None
    if row is None or (row.status != ProductStatus.ACTIVE and not include_archived):
        raise ProductNotFound(f"No product {product_id}.", extra={"product_id": product_id})
    # A product without variants comes back as one row with null variant columns.
    variant_rows = [r for r in rows if r.variant_id is not None]
    variants = [_variant_view(v, low_stock_threshold, v.variant_id) for v in variant_rows]
    total = sum(max(int(v.available), 0) for v in variant_rows)
    return ProductView(
        id=row.id, handle=row.handle, brand=row.brand,
        title=row.title_fr if _fr(lang) else row.title_en,
        description=row.description_fr if _fr(lang) else row.description_en,
        lang=lang, status=row.status, category_path=row.category_path,
        category_name=row.category_name_fr if _fr(lang) else row.category_name_en,
        images=row.images, attributes=row.attributes,
        availability=availability(total, low_stock_threshold=low_stock_threshold),
        variants=variants,
    )  # fmt: skip


async def get_variant(
    *, uow: UnitOfWork, reference: str, lang: str = "en", low_stock_threshold: int = 5
) -> VariantDetail:
    """A variant of an active product by id (``var_…``) or SKU."""
    by_id = is_id(reference, "var")
    async with uow:
        row = await uow.repo(CatalogRepository).variant_row(
            variant_id=reference if by_id else None, sku=None if by_id else reference
        )
    if row is None or row.status != ProductStatus.ACTIVE:
        raise VariantNotFound(f"No variant {reference}.", extra={"variant": reference})
    return VariantDetail(
        variant=_variant_view(row, low_stock_threshold),
        product_id=row.product_id,
        product_handle=row.handle,
        product_title=row.title_fr if _fr(lang) else row.title_en,
        brand=row.brand,
        image=row.images[0] if row.images else None,
    )


def _summary(row: Any, variants: Sequence[Any], lang: str, threshold: int) -> ProductSummary:
    currency = variants[0].currency if variants else "EUR"
    same = [v for v in variants if v.currency == currency]
    members = [v.member_price_minor for v in same if v.member_price_minor is not None]
    total = sum(max(int(v.available), 0) for v in variants)
    return ProductSummary(
        id=row.id,
        handle=row.handle,
        brand=row.brand,
        title=row.title_fr if _fr(lang) else row.title_en,
        category_path=row.category_path,
        image=row.images[0] if row.images else None,
        price_from=Money(min((v.list_price_minor for v in same), default=0), currency),
        member_price_from=Money(min(members), currency) if members else None,
        availability=availability(total, low_stock_threshold=threshold),
        status=row.status,
    )


async def search_products(
    *,
    uow: UnitOfWork,
    q: str | None = None,
    category: str | None = None,
    brand: str | None = None,
    min_price: Money | None = None,
    max_price: Money | None = None,
    in_stock: bool | None = None,
    lang: str = "en",
    cursor: str | None = None,
    limit: int = 20,
    low_stock_threshold: int = 5,
    include_archived: bool = False,
) -> ProductPage:
    """Active products (archived too for operators) matching every word of ``q`` and the
    filters, in a stable order."""
    if min_price and max_price and min_price.currency != max_price.currency:
        raise InvalidPrice("min_price and max_price must share a currency.")
    bound = min_price or max_price
    criteria = SearchCriteria(
        words=search_text.query_words(q or ""),
        category_path=category.strip("/") if category else None,
        brand=brand,
        currency=bound.currency if bound else None,
        min_price_minor=min_price.minor if min_price else None,
        max_price_minor=max_price.minor if max_price else None,
        in_stock=in_stock,
        after_id=cursors.decode(cursor) if cursor else None,
        limit=max(1, min(limit, MAX_PAGE)),
        status=None if include_archived else ProductStatus.ACTIVE,
    )
    async with uow:
        repo = uow.repo(CatalogRepository)
        rows = await repo.search_products(criteria)
        page, more = rows[: criteria.limit], len(rows) > criteria.limit
        variant_rows = await repo.variant_rows([r.id for r in page]) if page else []
    by_product: dict[str, list[Any]] = defaultdict(list)
    for variant in variant_rows:
        by_product[variant.product_id].append(variant)
    items = [_summary(r, by_product[r.id], lang, low_stock_threshold) for r in page]
    return ProductPage(items=items, next_cursor=cursors.encode(page[-1].id) if more else None)


async def list_categories(*, uow: UnitOfWork) -> list[CategoryView]:
    """Every category, by path."""
    async with uow:
        rows = await uow.repo(CatalogRepository).category_rows()
    return [CategoryView(r.id, r.path, r.parent_path, r.name_en, r.name_fr) for r in rows]


async def list_brands(*, uow: UnitOfWork) -> list[BrandView]:
    """Every brand of the active products with its product count, alphabetically."""
    async with uow:
        rows = await uow.repo(CatalogRepository).brand_rows()
    return [BrandView(r.brand, int(r.products)) for r in rows]


async def export_feed(
    *, uow: UnitOfWork, feed_format: feeds.FeedFormat, public_url: str, lang: str = "en"
) -> str:
    """The whole product feed in ``feed_format`` (active products, every variant)."""
    async with uow:
        rows = await uow.repo(CatalogRepository).feed_rows()
    items = [
        feeds.FeedItem(
            sku=r.sku,
            product_id=r.product_id,
            handle=r.handle,
            title=r.title_fr if _fr(lang) else r.title_en,
            description=r.description_fr if _fr(lang) else r.description_en,
            brand=r.brand,
            gtin=r.gtin,
            currency=r.currency,
            list_price_minor=r.list_price_minor,
            available=int(r.available),
            image=r.images[0] if r.images else None,
            category_path=r.category_path,
            options=r.options,
            variant_id=r.id,
            images=tuple(r.images or ()),
        )
        for r in rows
    ]
    if feed_format is feeds.FeedFormat.ACP:
        return acp_feed.render(items, public_url=public_url)
    return feeds.render(items, feed_format=feed_format, public_url=public_url)


async def promise_for_variant(
    *,
    uow: UnitOfWork,
    variant_id: str,
    quantity: int,
    postal_code: str | None,
    country: str,
    is_member: bool,
    now: datetime | None = None,
) -> delivery_promise.DeliveryWindow | None:
    """Earliest delivery window for the address (a country-wide estimate without postal code)."""
    async with uow:
        repo = uow.repo(CatalogRepository)
        if await repo.get_variant(variant_id) is None:
            raise VariantNotFound(f"No variant {variant_id}.", extra={"variant_id": variant_id})
        rows = await repo.promise_rows(variant_id)
        zones = await repo.zones_of([r.id for r in rows]) if rows else []
    by_warehouse: dict[str, list[delivery_promise.Zone]] = defaultdict(list)
    for zone in zones:
        by_warehouse[zone.warehouse_id].append(zone_of(zone))
    options = [
        delivery_promise.WarehouseOption(
            code=r.code,
            available=int(r.available),
            timezone=r.timezone,
            cutoff_local=r.cutoff_local,
            ship_weekdays=frozenset(r.ship_weekdays),
            zones=tuple(by_warehouse[r.id]),
        )
        for r in rows
    ]
    moment = now or clock.now()
    if postal_code:
        return delivery_promise.earliest_delivery(
            options, quantity=quantity, postal_code=postal_code, country=country,
            is_member=is_member, now=moment,
        )  # fmt: skip
    return delivery_promise.generic_estimate(
        options, quantity=quantity, country=country, is_member=is_member, now=moment
    )
