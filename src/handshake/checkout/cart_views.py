"""The shop site's cart pages: add, change, remove, and check out with the hosted sheet.

Every form works without JavaScript (post, then redirect to the cart; a refused change shows
the cart again with the message and a 4xx). With htmx the same forms answer the cart fragment
alone, which htmx swaps in place.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.accounts.principals import ShopperPrincipal
from handshake.checkout import service
from handshake.checkout.deps import checkout_policy
from handshake.kernel.errors import DomainError
from handshake.kernel.ids import is_id
from handshake.kernel.money import Money
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
CART_PAGE = "checkout/cart.html"
CART_FRAGMENT = "checkout/_cart.html"
RETURN_PATH = "/cart/checkout/return"
# Form fields arrive as text: a non-number is the same form error as an out-of-range one.
QuantityField = Annotated[str, Form(max_length=12)]


def money(minor: int, currency: str) -> str:
    """``19.99 EUR``, with the currency's own number of decimals."""
    return Money(minor, currency).format_plain()


def signin_redirect(next_path: str) -> RedirectResponse:
    """Send an anonymous shopper to sign in, then back to ``next_path``."""
    # Encoded: an order id from the URL may hold "&" or "#" that would change the query.
    return RedirectResponse(f"/signin?next={quote(next_path, safe='/')}", status_code=303)


def _quantity(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0  # refused by the service with the range the shopper may choose from


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _render_cart(
    request: Request,
    shopper: ShopperPrincipal,
    reader: ReadUow,
    *,
    error: DomainError | None = None,
    notice: str | None = None,
) -> Response:
    cart = await service.view_cart(
        uow=reader, policy=checkout_policy(request), shopper_id=shopper.id
    )
    context: dict[str, Any] = {
        "cart": cart, "money": money, "current_shopper": shopper, "notice": notice,
        "error": error.detail if error else None,
        "max_quantity": checkout_policy(request).max_quantity,
    }  # fmt: skip
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    name = CART_FRAGMENT if _is_htmx(request) else CART_PAGE
    return templates_of(request).render(request, name, context, status_code=status)


async def _after_change(
    request: Request, shopper: ShopperPrincipal, reader: ReadUow, notice: str
) -> Response:
    if _is_htmx(request):
        return await _render_cart(request, shopper, reader, notice=notice)
    return RedirectResponse(f"/cart?done={notice}", status_code=303)


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(
    request: Request, shopper: OptionalShopper, reader: ReadUow, done: str | None = None
) -> Response:
    """The cart with the shopper's prices, stock per line and the checkout button."""
    if shopper is None:
        return signin_redirect("/cart")
    notice = done if done in ("added", "updated", "removed") else None
    return await _render_cart(request, shopper, reader, notice=notice)


@router.post("/cart/items", response_class=HTMLResponse)
async def add_item(
    request: Request,
    shopper: OptionalShopper,
    uow: WriteUow,
    reader: ReadUow,
    variant_id: Annotated[str, Form(max_length=64)],
    quantity: QuantityField = "1",
    product_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Put a variant in the cart (the same variant again adds to its line)."""
    if shopper is None:
        back = f"/products/{product_id}" if is_id(product_id, "prd") else "/cart"
        return signin_redirect(back)
    try:
        await service.add_to_cart(
            uow=uow, policy=checkout_policy(request), shopper_id=shopper.id,
            variant_id=variant_id, quantity=_quantity(quantity),
        )  # fmt: skip
    except DomainError as exc:
        if _is_htmx(request):
            return _added(request, error=exc)
        return await _render_cart(request, shopper, reader, error=exc)
    if _is_htmx(request):
        return _added(request)
    return RedirectResponse("/cart?done=added", status_code=303)


def _added(request: Request, *, error: DomainError | None = None) -> Response:
    """The product page's answer to an htmx add: a status line, or the refusal."""
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    context = {"error": error.detail if error else None}
    return templates_of(request).render(
        request, "checkout/_added.html", context, status_code=status
    )


@router.post("/cart/lines/{line_id}", response_class=HTMLResponse)
async def update_line(
    line_id: str,
    request: Request,
    shopper: OptionalShopper,
    uow: WriteUow,
    reader: ReadUow,
    quantity: QuantityField,
) -> Response:
    """Change the quantity of a line."""
    if shopper is None:
        return signin_redirect("/cart")
    try:
        await service.set_cart_quantity(
            uow=uow, policy=checkout_policy(request), shopper_id=shopper.id, line_id=line_id,
            quantity=_quantity(quantity),
        )  # fmt: skip
    except DomainError as exc:
        return await _render_cart(request, shopper, reader, error=exc)
    return await _after_change(request, shopper, reader, "updated")


@router.post("/cart/lines/{line_id}/delete", response_class=HTMLResponse)
async def remove_line(
    line_id: str, request: Request, shopper: OptionalShopper, uow: WriteUow, reader: ReadUow
) -> Response:
    """Take a line out of the cart."""
    if shopper is None:
        return signin_redirect("/cart")
    try:
        await service.remove_from_cart(uow=uow, shopper_id=shopper.id, line_id=line_id)
    except DomainError as exc:
        return await _render_cart(request, shopper, reader, error=exc)
    return await _after_change(request, shopper, reader, "removed")


@router.post("/cart/checkout", response_class=HTMLResponse)
async def checkout(
    request: Request, shopper: OptionalShopper, uow: WriteUow, reader: ReadUow
) -> Response:
    """Open the store's checkout session for the cart and go to the hosted sheet."""
    if shopper is None:
        return signin_redirect("/cart")
    policy = checkout_policy(request)
    try:
        summary = await service.checkout_cart(
            uow=uow, reader=reader, policy=policy, shopper_id=shopper.id, return_url=RETURN_PATH
        )
    except DomainError as exc:
        # A full page either way: the sheet is another page, so htmx is not used for this form.
        return await _render_cart(request, shopper, reader, error=exc)
    session = summary.session
    target = service.sheet_path(policy, session.id, session.created_at)
    return RedirectResponse(target, status_code=303)


@router.get(RETURN_PATH, response_class=HTMLResponse)
async def checkout_return(
    shopper: OptionalShopper, order_id: str | None = None, status: str | None = None
) -> Response:
    """Where the sheet sends the shopper back: the new order, or the cart (kept) otherwise."""
    if shopper is None:
        return signin_redirect("/account/orders")
    if status == "completed" and order_id is not None and is_id(order_id, "ord"):
        return RedirectResponse(f"/account/orders/{order_id}?placed=1", status_code=303)
    return RedirectResponse("/cart", status_code=303)
