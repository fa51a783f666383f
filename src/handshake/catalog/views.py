"""The shop site's catalog pages: the landing page, browse and search, and a product page.

Search, facets and paging are the catalog's own (``search_products``, ``list_categories``,
``list_brands``); prices show the member price to everyone (what members pay; a teaser for the
others); the product page promises delivery to the signed-in shopper's default address, or to
a postal code the visitor types in. Every page works without JavaScript; htmx swaps results,
the buy box and the promise in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse

from handshake.accounts import service as accounts
from handshake.accounts.deps import OptionalShopper
from handshake.accounts.principals import ShopperPrincipal
from handshake.catalog import admin_views, service
from handshake.catalog.browsing import ProductPage, ProductView, VariantView
from handshake.catalog.delivery_promise import DeliveryWindow
from handshake.catalog.price_input import parse_price
from handshake.db.uow import UnitOfWork
from handshake.kernel.errors import DomainError, InvalidInput
from handshake.kernel.money import Money
from handshake.settings import Settings
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
PAGE_SIZE = 12
HOME_PRODUCTS = 4
POSTAL_CODE = r"^[A-Za-z0-9 -]{1,12}$"
Text = Annotated[str | None, Query(max_length=200)]


def money(value: Money) -> str:
    """``19.99 EUR``, with the currency's own number of decimals."""
    return value.format_plain()


@dataclass(frozen=True)
class Visitor:
    """Who browses: signed in or not, a member or not, and where their parcels go."""

    shopper: ShopperPrincipal | None
    is_member: bool
    postal_code: str | None
    country: str | None


async def _visitor(uow: ReadUow, shopper: ShopperPrincipal | None) -> Visitor:
    if shopper is None:
        return Visitor(None, False, None, None)
    member = await accounts.is_shopper_member(uow=uow, shopper_id=shopper.id)
    addresses = await accounts.list_addresses(uow=uow, shopper_id=shopper.id)
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    if default is None:
        return Visitor(shopper, member, None, None)
    return Visitor(shopper, member, default.postal_code, default.country)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _render(
    request: Request, name: str, context: dict[str, Any], *, error: DomainError | None = None
) -> HTMLResponse:
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    full = {"money": money, **context, "error": error.detail if error else None}
    return templates_of(request).render(request, name, full, status_code=status)


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, shopper: OptionalShopper, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """The storefront: what the store is, its categories, a few products, where to start."""
    visitor = await _visitor(uow, shopper)
    lang = templates_of(request).locale_for(request)
    categories = [c for c in await service.list_categories(uow=uow) if c.parent_path is None]
    page = await service.search_products(
        uow=uow, lang=lang, in_stock=True, limit=HOME_PRODUCTS,
        low_stock_threshold=settings.catalog.low_stock_threshold,
    )  # fmt: skip
    context = {
        "current_shopper": shopper, "visitor": visitor, "categories": categories,
        "products": page.items,
    }  # fmt: skip
    return _render(request, "catalog/home.html", context)


@dataclass(frozen=True)
class SearchForm:
    """What the visitor searched for, as typed (shown back in the form and the paging links)."""

    q: str
    category: str
    brand: str
    min_price: str
    max_price: str
    in_stock: bool

    def query(self, **extra: str) -> dict[str, str]:
        """The non-empty fields as query parameters, plus ``extra``."""
        fields = {
            "q": self.q, "category": self.category, "brand": self.brand,
            "min_price": self.min_price, "max_price": self.max_price,
            "in_stock": "on" if self.in_stock else "",
        }  # fmt: skip
        return {k: v for k, v in {**fields, **extra}.items() if v}


def _bound(text: str, currency: str, field: str) -> Money | None:
    if not text.strip():
        return None
    return parse_price(text.strip().replace(",", "."), currency, field=field)


async def _search(
    uow: ReadUow, settings: Settings, form: SearchForm, lang: str, cursor: str | None
) -> ProductPage:
    currency = settings.catalog.default_currency
    return await service.search_products(
        uow=uow, q=form.q or None, category=form.category or None, brand=form.brand or None,
        min_price=_bound(form.min_price, currency, "min_price"),
        max_price=_bound(form.max_price, currency, "max_price"),
        in_stock=True if form.in_stock else None, lang=lang, cursor=cursor, limit=PAGE_SIZE,
        low_stock_threshold=settings.catalog.low_stock_threshold,
    )  # fmt: skip


@router.get("/products", response_class=HTMLResponse)
async def products_page(
    request: Request,
    shopper: OptionalShopper,
    uow: ReadUow,
    settings: AppSettings,
    q: Text = None,
    category: Text = None,
    brand: Text = None,
    min_price: Annotated[str | None, Query(max_length=20)] = None,
    max_price: Annotated[str | None, Query(max_length=20)] = None,
    in_stock: Annotated[str | None, Query(max_length=5)] = None,
    cursor: Text = None,
) -> HTMLResponse:
    """Search and filter the catalog, a page at a time; htmx asks for the results alone."""
    form = SearchForm(
        q or "", category or "", brand or "", min_price or "", max_price or "", bool(in_stock)
    )
    lang = templates_of(request).locale_for(request)
    error: DomainError | None = None
    try:
        page = await _search(uow, settings, form, lang, cursor)
    except InvalidInput as exc:
        page, error = ProductPage(items=[], next_cursor=None), exc
    context = {
        "current_shopper": shopper, "visitor": await _visitor(uow, shopper), "form": form,
        "page": page, "categories": await service.list_categories(uow=uow),
        "brands": await service.list_brands(uow=uow), "currency": settings.catalog.default_currency,
        "error_field": error.extra.get("field") if error else None,
    }  # fmt: skip
    name = "catalog/_results.html" if _is_htmx(request) else "catalog/products.html"
    return _render(request, name, context, error=error)


def _chosen(view: ProductView, variant_id: str | None) -> VariantView | None:
    """The variant asked for, else the first one in stock, else the first one."""
    by_id = {v.id: v for v in view.variants}
    if variant_id in by_id:
        return by_id[variant_id]
    in_stock = [v for v in view.variants if v.availability.status != "out_of_stock"]
    candidates = in_stock or view.variants
    return candidates[0] if candidates else None


@dataclass(frozen=True)
class Promise:
    """The delivery promise shown, and to where (None window: cannot deliver there)."""

    window: DeliveryWindow | None
    postal_code: str | None
    country: str
    to_address: bool


async def _promise(
    uow: ReadUow, variant: VariantView | None, visitor: Visitor, postal_code: str | None,
    country: str,
) -> Promise | None:  # fmt: skip
    """To the typed postal code, else the shopper's default address; None when neither."""
    to_address = postal_code is None and visitor.postal_code is not None
    code = postal_code if postal_code is not None else visitor.postal_code
    where = country if postal_code is not None else (visitor.country or country)
    if variant is None or code is None:
        return None
    window = await service.promise_for_variant(
        uow=uow, variant_id=variant.id, quantity=1, postal_code=code, country=where.upper(),
        is_member=visitor.is_member,
    )  # fmt: skip
    return Promise(window, code, where.upper(), to_address)


PostalCode = Annotated[str | None, Query(max_length=40)]
Country = Annotated[str | None, Query(max_length=8)]
VariantId = Annotated[str | None, Query(alias="variant", max_length=64)]


def _destination(postal_code: str | None, country: str | None) -> tuple[str | None, str | None]:
    """The typed postal code and country, trimmed; InvalidInput when they cannot be one."""
    code = (postal_code or "").strip() or None
    where = (country or "").strip().upper() or None
    if code is not None and not re.fullmatch(POSTAL_CODE, code):
        raise InvalidInput(
            "Type a postal code: letters, digits and spaces only.", extra={"field": "postal_code"}
        )
    if where is not None and not re.fullmatch(r"[A-Z]{2}", where):
        raise InvalidInput("Type a two-letter country code.", extra={"field": "country"})
    return code, where


@dataclass(frozen=True)
class ProductAsk:
    """A product page's request: the product, the variant and the destination as typed."""

    request: Request
    shopper: ShopperPrincipal | None
    uow: UnitOfWork
    settings: Settings
    product_id: str
    variant_id: str | None
    postal_code: str | None
    country: str | None

    async def context(self, code: str | None, country: str | None) -> dict[str, Any]:
        """The product's page context, promising delivery to ``code`` in ``country``."""
        view = await service.get_product(
            uow=self.uow, product_id=self.product_id,
            lang=templates_of(self.request).locale_for(self.request),
            low_stock_threshold=self.settings.catalog.low_stock_threshold,
        )  # fmt: skip
        visitor = await _visitor(self.uow, self.shopper)
        chosen = _chosen(view, self.variant_id)
        where = country or self.settings.offers.default_country
        return {
            "current_shopper": self.shopper, "visitor": visitor, "product": view,
            "variant": chosen, "promise": await _promise(self.uow, chosen, visitor, code, where),
            "postal_code": self.postal_code or "", "country": where.upper(),
        }  # fmt: skip


async def product_ask(
    product_id: str, request: Request, shopper: OptionalShopper, uow: ReadUow,
    settings: AppSettings, variant_id: VariantId = None, postal_code: PostalCode = None,
    country: Country = None,
) -> ProductAsk:  # fmt: skip
    """The product page's path and query, with who asks."""
    return ProductAsk(request, shopper, uow, settings, product_id, variant_id, postal_code, country)


AskedProduct = Annotated[ProductAsk, Depends(product_ask)]


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(ask: AskedProduct) -> HTMLResponse:
    """Variants, prices, stock, the delivery promise and Add to cart."""
    error: DomainError | None = None
    try:
        code, where = _destination(ask.postal_code, ask.country)
    except InvalidInput as exc:
        code, where, error = None, None, exc
    try:
        context = await ask.context(code, where)
    except DomainError as exc:
        missing = "catalog/product_missing.html"
        return _render(ask.request, missing, {"current_shopper": ask.shopper}, error=exc)
    return _render(ask.request, "catalog/product.html", context, error=error)


@router.get("/products/{product_id}/delivery-promise", response_class=HTMLResponse)
async def delivery_promise(ask: AskedProduct) -> HTMLResponse:
    """The promise to a postal code: the fragment the product page's small form swaps in."""
    try:
        context = await ask.context(*_destination(ask.postal_code, ask.country))
    except DomainError as exc:
        context = {
            "postal_code": ask.postal_code or "", "product_id": ask.product_id, "promise": None
        }  # fmt: skip
        return _render(ask.request, "catalog/_promise.html", context, error=exc)
    return _render(ask.request, "catalog/_promise.html", context)


router.include_router(admin_views.router)
