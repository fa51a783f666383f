"""Operator catalog API: products, prices, stock, warehouses, imports and product feeds."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from handshake.accounts.deps import CurrentOperator
from handshake.catalog import service
from handshake.catalog.errors import InvalidImportFile
from handshake.catalog.feed_auth import FeedOperator
from handshake.catalog.feeds import FeedFormat, media_type
from handshake.catalog.import_format import read_csv, read_json
from handshake.catalog.models import ProductStatus
from handshake.catalog.public_api import product_out, variant_out
from handshake.catalog.schemas import (
    ImportReportOut,
    Lang,
    PricesIn,
    ProductCreateIn,
    ProductOut,
    ProductUpdateIn,
    RowErrorOut,
    StockAdjustIn,
    StockOut,
    StockSetIn,
    VariantIn,
    VariantOut,
    WarehouseIn,
    WarehouseOut,
    ZoneOut,
    to_money,
)
from handshake.kernel.money import Money
from handshake.web.deps import AppSettings, ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/admin/catalog", tags=["catalog"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid operator credentials", **PROBLEM},
    403: {"description": "Not an operator", **PROBLEM},
}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {404: "Not found", 409: "Conflicts with current state", 422: "Invalid input"}
    extra: dict[int | str, dict[str, Any]] = {
        s: {"description": described.get(s, "Error"), **PROBLEM} for s in statuses
    }
    return {**AUTH, **extra}


def _maybe_money(amount: str | None, currency: str) -> Money | None:
    # Request models already validated these amounts, so parsing cannot fail here.
    return None if amount is None else to_money(amount, currency)


def _variant_specs(variants: list[VariantIn]) -> list[service.VariantSpec]:
    return [
        service.VariantSpec(
            sku=v.sku,
            gtin=v.gtin,
            options=v.options,
            list_price=to_money(v.list_price, v.currency),
            member_price=_maybe_money(v.member_price, v.currency),
        )
        for v in variants
    ]


async def _product(uow: ReadUow, settings: AppSettings, product_id: str) -> ProductOut:
    view = await service.get_product(
        uow=uow,
        product_id=product_id,
        include_archived=True,
        low_stock_threshold=settings.catalog.low_stock_threshold,
    )
    return product_out(view)


@router.post(
    "/products",
    summary="Create a product with its variants",
    status_code=201,
    response_model=ProductOut,
    responses=_responses(409, 422),
)
async def create_product(
    body: ProductCreateIn,
    operator: CurrentOperator,
    uow: WriteUow,
    reader: ReadUow,
    settings: AppSettings,
) -> ProductOut:
    """Create an active product; categories are created from the slug path when missing."""
    product = await service.create_product(
        uow=uow,
        handle=body.handle,
        brand=body.brand,
        title_en=body.title_en,
        title_fr=body.title_fr,
        description_en=body.description_en or "",
        description_fr=body.description_fr or "",
        category=body.category,
        category_names=(body.category_name_en, body.category_name_fr),
        images=body.images or [],
        attributes=body.attributes or {},
        variants=_variant_specs(body.variants),
    )
    return await _product(reader, settings, product.id)


@router.get(
    "/products/{product_id}",
    summary="A product, archived or not",
    response_model=ProductOut,
    responses=_responses(404),
)
async def get_product(
    product_id: str, operator: CurrentOperator, uow: ReadUow, settings: AppSettings
) -> ProductOut:
    """The product as shoppers would see it, plus archived ones."""
    return await _product(uow, settings, product_id)


@router.patch(
    "/products/{product_id}",
    summary="Change a product and upsert variants by SKU",
    response_model=ProductOut,
    responses=_responses(404, 409, 422),
)
async def update_product(
    product_id: str,
    body: ProductUpdateIn,
    operator: CurrentOperator,
    uow: WriteUow,
    reader: ReadUow,
    settings: AppSettings,
) -> ProductOut:
    """Absent fields are kept; listed variants are created or updated by SKU."""
    changes = body.model_dump(exclude_unset=True, exclude={"variants"})
    names = (changes.pop("category_name_en", None), changes.pop("category_name_fr", None))
    if "category" in changes:
        changes["category_names"] = names
    await service.update_product(
        uow=uow, product_id=product_id, changes=changes, variants=_variant_specs(body.variants)
    )
    return await _product(reader, settings, product_id)


async def _set_status(
    uow: WriteUow, reader: ReadUow, settings: AppSettings, product_id: str, status: ProductStatus
) -> ProductOut:
    await service.set_product_status(uow=uow, product_id=product_id, status=status)
    return await _product(reader, settings, product_id)


@router.post(
    "/products/{product_id}/archive",
    summary="Stop selling a product",
    response_model=ProductOut,
    responses=_responses(404),
)
async def archive_product(
    product_id: str, operator: CurrentOperator, uow: WriteUow, reader: ReadUow, s: AppSettings
) -> ProductOut:
    """Hide the product from shoppers and feeds (it stays in orders and reports)."""
    return await _set_status(uow, reader, s, product_id, ProductStatus.ARCHIVED)


@router.post(
    "/products/{product_id}/restore",
    summary="Sell an archived product again",
    response_model=ProductOut,
    responses=_responses(404),
)
async def restore_product(
    product_id: str, operator: CurrentOperator, uow: WriteUow, reader: ReadUow, s: AppSettings
) -> ProductOut:
    """Make an archived product active again."""
    return await _set_status(uow, reader, s, product_id, ProductStatus.ACTIVE)


@router.put(
    "/variants/{variant_id}/prices",
    summary="Set a variant's list and member price",
    response_model=VariantOut,
    responses=_responses(404, 422),
)
async def set_prices(
    variant_id: str,
    body: PricesIn,
    operator: CurrentOperator,
    uow: WriteUow,
    reader: ReadUow,
    settings: AppSettings,
) -> VariantOut:
    """The member price must not exceed the list price."""
    await service.set_prices(
        uow=uow,
        variant_id=variant_id,
        list_price=to_money(body.list_price, body.currency),
        member_price=_maybe_money(body.member_price, body.currency),
    )
    detail = await service.get_variant(
        uow=reader, reference=variant_id, low_stock_threshold=settings.catalog.low_stock_threshold
    )
    return VariantOut(**variant_out(detail.variant))


def _stock_out(level: service.StockLevel) -> StockOut:
    return StockOut(
        variant_id=level.variant_id,
        warehouse_code=level.warehouse_code,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=level.available,
    )


@router.put(
    "/variants/{variant_id}/stock/{warehouse_code}",
    summary="Set on-hand stock in a warehouse (absolute)",
    response_model=StockOut,
    responses=_responses(404, 409, 422),
)
async def set_stock(
    variant_id: str, warehouse_code: str, body: StockSetIn, operator: CurrentOperator, uow: WriteUow
) -> StockOut:
    """After a stock take; refused below the units already reserved (409)."""
    level = await service.set_stock(
        uow=uow, variant_id=variant_id, warehouse_code=warehouse_code, on_hand=body.on_hand
    )
    return _stock_out(level)


@router.post(
    "/variants/{variant_id}/stock/{warehouse_code}/adjust",
    summary="Add or remove stock in a warehouse (relative)",
    response_model=StockOut,
    responses=_responses(404, 409, 422),
)
async def adjust_stock(
    variant_id: str,
    warehouse_code: str,
    body: StockAdjustIn,
    operator: CurrentOperator,
    uow: WriteUow,
) -> StockOut:
    """One conditional update: refused (409 insufficient_stock) rather than going negative."""
    level = await service.adjust_stock(
        uow=uow, variant_id=variant_id, warehouse_code=warehouse_code, delta=body.delta
    )
    return _stock_out(level)


def _warehouse_out(details: service.WarehouseDetails) -> WarehouseOut:
    w = details.warehouse
    return WarehouseOut(
        id=w.id,
        code=w.code,
        name=w.name,
        timezone=w.timezone,
        cutoff_local=w.cutoff_local.strftime("%H:%M"),
        ship_weekdays=list(w.ship_weekdays),
        zones=[ZoneOut.model_validate(z, from_attributes=True) for z in details.zones],
    )


@router.post(
    "/warehouses",
    summary="Create a warehouse with its delivery zones",
    status_code=201,
    response_model=WarehouseOut,
    responses=_responses(409, 422),
)
async def create_warehouse(
    body: WarehouseIn, operator: CurrentOperator, uow: WriteUow
) -> WarehouseOut:
    """Cut-off is local to the warehouse's IANA time zone; weekdays count from Monday = 0."""
    details = await service.create_warehouse(
        uow=uow,
        code=body.code,
        name=body.name,
        timezone=body.timezone,
        cutoff_local=body.cutoff_local,
        ship_weekdays=body.ship_weekdays,
        zones=[z.model_dump(exclude_none=True) for z in body.zones],
    )
    return _warehouse_out(details)


@router.get(
    "/warehouses",
    summary="List warehouses",
    response_model=list[WarehouseOut],
    responses=AUTH,
)
async def list_warehouses(operator: CurrentOperator, uow: ReadUow) -> list[WarehouseOut]:
    """Every warehouse with its zones, by code."""
    return [_warehouse_out(d) for d in await service.list_warehouses(uow=uow)]


async def _import_rows(request: Request) -> list[tuple[int, Any]]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise InvalidImportFile("The import is larger than 20 MB; use the CLI.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidImportFile("Send the file in a form field named 'file'.")
        name = (upload.filename or "").lower()
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        content_type = "application/json" if name.endswith(".json") else "text/csv"
    else:
        content = await request.body()
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidImportFile("The import is larger than 20 MB; use the CLI.")
    if content_type == "application/json":
        return read_json(content)
    if content_type in {"text/csv", "application/csv"}:
        return read_csv(content)
    raise InvalidImportFile("Send JSON (application/json), CSV (text/csv) or a multipart upload.")


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/import",
    summary="Import catalog rows (JSON array, CSV body or upload); bad rows are reported",
    response_model=ImportReportOut,
    responses=_responses(422),
    openapi_extra=IMPORT_BODY,
)
async def import_catalog(
    request: Request, operator: CurrentOperator, uow: WriteUow, settings: AppSettings
) -> ImportReportOut:
    """Same format and service as `handshake catalog import`; one transaction per batch."""
    numbered = await _import_rows(request)
    report = await service.import_rows(
        uow=uow,
        rows=[r for _, r in numbered],
        lines=[n for n, _ in numbered],
        batch_size=settings.catalog.import_batch_size,
    )
    return ImportReportOut(
        total=report.total,
        imported=report.imported,
        failed=report.failed,
        errors=[RowErrorOut(line=e.line, sku=e.sku, reason=e.reason) for e in report.errors],
    )


@router.get(
    "/feeds/{feed_format}",
    summary="Product feed for Google Merchant Center (TSV), Meta (CSV) or ACP agents (JSON)",
    response_class=Response,
    responses={
        **AUTH,
        200: {"content": {"text/tab-separated-values": {}, "text/csv": {}, "application/json": {}}},
    },
)
async def product_feed(
    feed_format: FeedFormat,
    operator: FeedOperator,
    uow: ReadUow,
    settings: AppSettings,
    lang: Lang = "en",
) -> Response:
    """Bearer operator key, or HTTP Basic with an operator key as password (scheduled fetches).

    `acp` is the Agentic Commerce Protocol feed (2026-04-17): `{"products": [...]}` with one
    product per catalog product, its variants under it, prices in minor units.
    """
    text = await service.export_feed(
        uow=uow, feed_format=feed_format, public_url=settings.http.public_url, lang=lang
    )
    return Response(content=text, media_type=media_type(feed_format))
