"""Shopper-facing catalog API (no authentication): products, variants, search, categories."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from handshake.catalog import read_cache, service
from handshake.catalog.browsing import Availability, ProductView, VariantView
from handshake.catalog.errors import InvalidPrice, VariantNotFound
from handshake.catalog.schemas import (
    Amount,
    AvailabilityOut,
    CategoryOut,
    CategoryRef,
    DeliveryPromiseOut,
    Lang,
    PriceOut,
    ProductOut,
    ProductPageOut,
    ProductSummaryOut,
    VariantDetailOut,
    VariantOut,
    VariantProductOut,
    to_money,
)
from handshake.kernel.money import Money
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1", tags=["catalog"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or archived)", **PROBLEM}
}
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "Invalid parameters", **PROBLEM}}
LangQuery = Annotated[Lang, Query(description="Language of titles and descriptions.")]


def availability_out(value: Availability) -> AvailabilityOut:
    """Response form of an availability."""
    return AvailabilityOut(status=value.status, count=value.count)


def variant_out(view: VariantView) -> dict[str, Any]:
    """Fields of a variant response."""
    return {
        "id": view.id,
        "sku": view.sku,
        "gtin": view.gtin,
        "options": view.options,
        "list_price": PriceOut.of(view.list_price),
        "member_price": PriceOut.maybe(view.member_price),
        "availability": availability_out(view.availability),
    }


def product_out(view: ProductView) -> ProductOut:
    """Response form of a product page."""
    category = (
        CategoryRef(path=view.category_path, name=view.category_name or view.category_path)
        if view.category_path
        else None
    )
    return ProductOut(
        id=view.id,
        handle=view.handle,
        brand=view.brand,
        title=view.title,
        description=view.description,
        lang=view.lang,
        status=view.status,
        category=category,
        images=view.images,
        attributes=view.attributes,
        availability=availability_out(view.availability),
        variants=[VariantOut(**variant_out(v)) for v in view.variants],
    )


@router.get(
    "/products/{product_id}",
    summary="A product with its variants, prices and availability",
    response_model=ProductOut,
    responses=NOT_FOUND,
)
async def get_product(
    product_id: str, uow: ReadUow, settings: AppSettings, lang: LangQuery = "en"
) -> Response:
    """Product page data; member prices are shown next to list prices."""
    catalog = settings.catalog
    cache = read_cache.cache_for(
        uow.bus, ttl_seconds=catalog.read_cache_seconds, max_entries=catalog.read_cache_entries
    )
    body = cache.get(product_id, lang)
    if body is None:
        generation = cache.generation
        view = await service.get_product(
            uow=uow,
            product_id=product_id,
            lang=lang,
            low_stock_threshold=catalog.low_stock_threshold,
        )
        # Serialised once by the response model itself (no second validation by FastAPI).
        body = product_out(view).model_dump_json().encode()
        variant_ids = [v.id for v in view.variants]
        cache.put(product_id, lang, body, variant_ids=variant_ids, generation=generation)
    return Response(content=body, media_type="application/json")


@router.get(
    "/variants/{variant_ref}",
    summary="A variant by id (var_…) or SKU",
    response_model=VariantDetailOut,
    responses=NOT_FOUND,
)
async def get_variant(
    variant_ref: str, uow: ReadUow, settings: AppSettings, lang: LangQuery = "en"
) -> VariantDetailOut:
    """A variant of an active product with its product's essentials."""
    detail = await service.get_variant(
        uow=uow,
        reference=variant_ref,
        lang=lang,
        low_stock_threshold=settings.catalog.low_stock_threshold,
    )
    product = VariantProductOut(
        id=detail.product_id,
        handle=detail.product_handle,
        title=detail.product_title,
        brand=detail.brand,
        image=detail.image,
    )
    return VariantDetailOut(**variant_out(detail.variant), product=product)


@router.get(
    "/variants/{variant_id}/delivery-promise",
    summary="Earliest delivery window to a postal code (or a country-wide estimate)",
    response_model=DeliveryPromiseOut,
    responses={
        404: {"description": "Unknown variant, or no warehouse can deliver it", **PROBLEM},
        **INVALID,
    },
)
async def delivery_promise(
    variant_id: str,
    uow: ReadUow,
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$")] = "FR",
    postal_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9 -]{1,12}$")] = None,
    quantity: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> DeliveryPromiseOut:
    """Anonymous promise (regular transit times; members see theirs through partner offers)."""
    window = await service.promise_for_variant(
        uow=uow,
        variant_id=variant_id,
        quantity=quantity,
        postal_code=postal_code,
        country=country.upper(),
        is_member=False,
    )
    if window is None:
        raise VariantNotFound(
            "No single warehouse can deliver this quantity to this address.",
            code="no_delivery_possible",
        )
    return DeliveryPromiseOut.of(window)


def _bound(amount: str | None, currency: str) -> Money | None:
    if amount is None:
        return None
    try:
        return to_money(amount, currency)
    except ValueError as exc:
        raise InvalidPrice(str(exc)) from None


@router.get(
    "/products",
    summary="Search products by text and filters, with cursor pagination",
    response_model=ProductPageOut,
    responses={400: {"description": "Invalid cursor", **PROBLEM}, **INVALID},
)
async def search_products(
    uow: ReadUow,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=200, description="Every word must match.")] = None,
    category: Annotated[str | None, Query(max_length=255, description="Slug path.")] = None,
    brand: Annotated[str | None, Query(max_length=120)] = None,
    min_price: Annotated[Amount | None, Query()] = None,
    max_price: Annotated[Amount | None, Query()] = None,
    in_stock: bool | None = None,
    lang: LangQuery = "en",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProductPageOut:
    """Active products, oldest first; prices filter list prices in the store currency."""
    currency = settings.catalog.default_currency
    page = await service.search_products(
        uow=uow,
        q=q,
        category=category,
        brand=brand,
        min_price=_bound(min_price, currency),
        max_price=_bound(max_price, currency),
        in_stock=in_stock,
        lang=lang,
        cursor=cursor,
        limit=limit,
        low_stock_threshold=settings.catalog.low_stock_threshold,
    )
    items = [
        ProductSummaryOut(
            id=s.id,
            handle=s.handle,
            brand=s.brand,
            title=s.title,
            category_path=s.category_path,
            image=s.image,
            price_from=PriceOut.of(s.price_from),
            member_price_from=PriceOut.maybe(s.member_price_from),
            availability=availability_out(s.availability),
        )
        for s in page.items
    ]
    return ProductPageOut(items=items, next_cursor=page.next_cursor)


@router.get("/categories", summary="The category tree", response_model=list[CategoryOut])
async def list_categories(uow: ReadUow) -> list[CategoryOut]:
    """Every category, by path."""
    return [CategoryOut(**vars(c)) for c in await service.list_categories(uow=uow)]
