"""Dashboard pages of the catalog: products (search, edit, archive), prices, stock, warehouses.

Every form posts to its own URL, calls one catalog service and redirects back (post/redirect/
get); a refused change shows the product page again with the message and a 4xx status.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import AdminPost, PageOperator, PagePost
from handshake.catalog import service
from handshake.catalog.errors import InvalidProduct, VariantNotFound
from handshake.catalog.models import ProductStatus
from handshake.catalog.price_input import parse_price
from handshake.kernel.errors import DomainError, InvalidInput
from handshake.web.admin_pages import FormWork, render_admin, submit_form
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/catalog", include_in_schema=False)
PAGE_SIZE = 25
STOCK_MODES = ("set", "adjust")
MAX_STOCK_UNITS = 10_000_000  # as the operator API allows


@router.get("", response_class=HTMLResponse)
async def products_page(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """Every product, archived ones too, searched by words, a page at a time."""
    q = request.query_params.get("q", "").strip()
    cursor = request.query_params.get("cursor") or None
    context: dict[str, Any] = {"operator": operator, "q": q, "cursor": cursor}
    try:
        page = await service.search_products(
            uow=uow, q=q or None, cursor=cursor, limit=PAGE_SIZE, include_archived=True,
            low_stock_threshold=settings.catalog.low_stock_threshold,
        )  # fmt: skip
    except DomainError as error:
        context.update(products=[], next_cursor=None)
        return render_admin(
            request, "catalog/admin/products.html", context, section="catalog", error=error
        )
    context.update(products=page.items, next_cursor=page.next_cursor)
    return render_admin(request, "catalog/admin/products.html", context, section="catalog")


async def _product_context(uow: ReadUow, settings: AppSettings, product_id: str) -> dict[str, Any]:
    threshold = settings.catalog.low_stock_threshold
    english = await service.get_product(
        uow=uow, product_id=product_id, include_archived=True, low_stock_threshold=threshold
    )
    french = await service.get_product(
        uow=uow, product_id=product_id, lang="fr", include_archived=True,
        low_stock_threshold=threshold,
    )  # fmt: skip
    levels = await service.stock_of_variants(uow=uow, variant_ids=[v.id for v in english.variants])
    warehouses = [w.warehouse for w in await service.list_warehouses(uow=uow)]
    stock = {(lv.variant_id, lv.warehouse_code): lv for lv in levels}
    return {"product": english, "french": french, "stock": stock, "warehouses": warehouses}


async def _product_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    settings: AppSettings,
    product_id: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "operator": operator,
        **await _product_context(uow, settings, product_id),
    }
    return render_admin(
        request,
        "catalog/admin/product.html",
        context,
        section="catalog",
        error=error,
        values=values,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(
    product_id: str, request: Request, operator: PageOperator, uow: ReadUow, s: AppSettings
) -> HTMLResponse:
    """A product with its texts, status, variant prices and stock per warehouse."""
    return await _product_page(request, operator, uow, s, product_id)


async def _change(
    post: AdminPost, settings: AppSettings, product_id: str, work: FormWork
) -> Response:
    """Run ``work`` on the posted form; a refusal shows the product page again."""
    page = (post.request, post.operator, post.reader, settings, product_id)
    done = f"/admin/catalog/products/{product_id}?done=saved"
    return await submit_form(post.request, work, refused=partial(_product_page, *page), done=done)


@router.post("/products/{product_id}", response_class=HTMLResponse)
async def product_texts_submit(product_id: str, post: PagePost, s: AppSettings) -> Response:
    """Change the titles and descriptions in both languages."""

    async def work(values: dict[str, str]) -> None:
        changes = {k: values.get(k, "").strip() for k in ("title_en", "title_fr")}
        if not all(changes.values()):
            raise InvalidProduct("Give a title in both languages.", extra={"field": "title_en"})
        for name in ("description_en", "description_fr"):
            changes[name] = values.get(name, "").strip()
        await service.update_product(uow=post.uow, product_id=product_id, changes=changes)

    return await _change(post, s, product_id, work)


@router.post("/products/{product_id}/status", response_class=HTMLResponse)
async def product_status_submit(product_id: str, post: PagePost, s: AppSettings) -> Response:
    """Archive the product (hidden from shoppers) or restore it."""

    async def work(values: dict[str, str]) -> None:
        wanted = values.get("status", "")
        if wanted not in (ProductStatus.ACTIVE, ProductStatus.ARCHIVED):
            raise InvalidProduct("Choose active or archived.")
        await service.set_product_status(
            uow=post.uow, product_id=product_id, status=ProductStatus(wanted)
        )

    return await _change(post, s, product_id, work)


async def _check_variant_of(uow: ReadUow, product_id: str, variant_id: str) -> None:
    """Refuse a form naming a variant of another product (the page would say "saved" wrongly)."""
    product = await service.get_product(uow=uow, product_id=product_id, include_archived=True)
    if variant_id not in {variant.id for variant in product.variants}:
        raise VariantNotFound(f"Product {product_id} has no variant {variant_id!r}.")


@router.post("/products/{product_id}/variants/{variant_id}/prices", response_class=HTMLResponse)
async def prices_submit(
    product_id: str, variant_id: str, post: PagePost, s: AppSettings
) -> Response:
    """Set a variant's regular and member price (the member price may be left empty)."""

    async def work(values: dict[str, str]) -> None:
        await _check_variant_of(post.reader, product_id, variant_id)
        currency = values.get("currency", s.catalog.default_currency)
        member = values.get("member_price", "").strip()
        await service.set_prices(
            uow=post.uow, variant_id=variant_id,
            list_price=parse_price(
                values.get("list_price", "").strip(), currency, field="list_price"
            ),
            member_price=parse_price(member, currency, field="member_price") if member else None,
        )  # fmt: skip

    return await _change(post, s, product_id, work)


def _units(text: str) -> int:
    try:
        units = int(text.strip())
    except ValueError:
        raise InvalidInput("Give a whole number of units.", code="invalid_quantity") from None
    if abs(units) > MAX_STOCK_UNITS:
        raise InvalidInput(
            f"Give at most {MAX_STOCK_UNITS} units.", code="invalid_quantity",
            extra={"max_units": MAX_STOCK_UNITS},
        )  # fmt: skip
    return units


@router.post("/products/{product_id}/variants/{variant_id}/stock", response_class=HTMLResponse)
async def stock_submit(
    product_id: str, variant_id: str, post: PagePost, s: AppSettings
) -> Response:
    """Set on-hand units in a warehouse, or add/remove some, with the reason."""

    async def work(values: dict[str, str]) -> None:
        await _check_variant_of(post.reader, product_id, variant_id)
        mode, reason = values.get("mode", ""), values.get("reason", "").strip()
        if mode not in STOCK_MODES:
            raise InvalidInput("Choose to set or to adjust stock.", code="invalid_stock_mode")
        if not reason:
            raise InvalidInput("Say why the stock changes.", code="reason_required")
        units, code = _units(values.get("quantity", "")), values.get("warehouse_code", "")
        if mode == "set":
            await service.set_stock(
                uow=post.uow, variant_id=variant_id, warehouse_code=code, on_hand=units,
                reason=reason,
            )  # fmt: skip
        else:
            await service.adjust_stock(
                uow=post.uow, variant_id=variant_id, warehouse_code=code, delta=units,
                reason=reason,
            )  # fmt: skip

    return await _change(post, s, product_id, work)


@router.get("/warehouses", response_class=HTMLResponse)
async def warehouses_page(request: Request, operator: PageOperator, uow: ReadUow) -> HTMLResponse:
    """Every warehouse with its cut-off, shipping days and delivery zones."""
    context = {"operator": operator, "warehouses": await service.list_warehouses(uow=uow)}
    return render_admin(request, "catalog/admin/warehouses.html", context, section="catalog")
