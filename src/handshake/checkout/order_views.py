"""The shopper's order pages: one order with its lines, address, totals and status timeline,
and cancelling it before it ships (after a confirmation page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.accounts.principals import ShopperPrincipal
from handshake.checkout import service
from handshake.checkout.cart_views import money, signin_redirect
from handshake.kernel.errors import DomainError
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
ORDER_PAGE = "checkout/order.html"


@dataclass(frozen=True)
class TimelineStep:
    """One step of an order's history as the shopper reads it."""

    kind: str
    at: datetime
    detail: dict[str, Any]


def timeline(details: service.OrderDetails) -> list[TimelineStep]:
    """The order's history, oldest first (placement and payment are one step for the shopper)."""
    return [
        TimelineStep(change.kind, change.at, dict(change.detail))
        for change in details.changes
        if change.kind != "paid"
    ]


async def _render_order(
    request: Request,
    shopper: ShopperPrincipal,
    reader: ReadUow,
    order_id: str,
    *,
    template: str = ORDER_PAGE,
    error: DomainError | None = None,
) -> Response:
    try:
        details = await service.get_order(
            uow=reader, order_id=order_id, where=service.OrderFilter(shopper_id=shopper.id)
        )
    except DomainError as exc:
        context = {"current_shopper": shopper, "error": exc.detail}
        return templates_of(request).render(
            request, "checkout/order_missing.html", context, status_code=404
        )
    context = {
        "details": details, "order": details.order, "steps": timeline(details),
        "cancellable": details.order.status in service.CANCELLABLE, "money": money,
        "current_shopper": shopper, "error": error.detail if error else None,
        "placed": request.query_params.get("placed") == "1",
        "cancelled": request.query_params.get("cancelled") == "1",
    }  # fmt: skip
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    return templates_of(request).render(request, template, context, status_code=status)


@router.get("/account/orders/{order_id}", response_class=HTMLResponse)
async def order_page(
    order_id: str, request: Request, shopper: OptionalShopper, reader: ReadUow
) -> Response:
    """One of the shopper's orders: lines, totals, delivery address and where it is."""
    if shopper is None:
        return signin_redirect(f"/account/orders/{order_id}")
    return await _render_order(request, shopper, reader, order_id)


@router.get("/account/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_page(
    order_id: str, request: Request, shopper: OptionalShopper, reader: ReadUow
) -> Response:
    """Ask the shopper to confirm the cancellation."""
    if shopper is None:
        return signin_redirect(f"/account/orders/{order_id}")
    template = "checkout/order_cancel.html"
    return await _render_order(request, shopper, reader, order_id, template=template)


@router.post("/account/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_submit(
    order_id: str, request: Request, shopper: OptionalShopper, uow: WriteUow, reader: ReadUow
) -> Response:
    """Cancel before shipping: the card's hold is released and the items go back to stock."""
    if shopper is None:
        return signin_redirect(f"/account/orders/{order_id}")
    try:
        await service.cancel_order(
            uow=uow, order_id=order_id, actor="shopper", reason="cancelled on the shop site",
            where=service.OrderFilter(shopper_id=shopper.id),
        )  # fmt: skip
    except DomainError as exc:
        return await _render_order(request, shopper, reader, order_id, error=exc)
    return RedirectResponse(f"/account/orders/{order_id}?cancelled=1", status_code=303)
