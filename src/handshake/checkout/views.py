"""Pages of checkout: the hosted checkout sheet partners open in a webview, the shopper's orders
(one order: ``order_views``), and the shop site's cart (``cart_views``).

The sheet opens with the link a partner got when it created the session (the session id, an
expiry and a MAC). One tap confirms: the form carries the total the shopper saw and a per-page
attempt key, so a double tap places one order, and a changed price shows the sheet again
instead of paying. Then the shopper goes back to the partner's registered redirect URI. The
sheet may not be framed, cached, or leak its link through Referer.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.checkout import admin_views, cart_views, order_views, service
from handshake.checkout.cart_views import money
from handshake.checkout.deps import checkout_policy
from handshake.checkout.models import CheckoutSession
from handshake.checkout.partner_api import render_placed
from handshake.checkout.schemas import Lang
from handshake.kernel.errors import DomainError, NotFound
from handshake.web.deps import ReadUow, app_services
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
SHEET = "checkout/sheet.html"
SHEET_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _protected(response: Response) -> Response:
    response.headers.update(SHEET_HEADERS)
    return response


def _return_to(session: CheckoutSession) -> str | None:
    if not session.return_url:
        return None
    query = {"checkout_session": session.id, "status": session.status}
    if session.order_id:
        query["order_id"] = session.order_id
    separator = "&" if "?" in session.return_url else "?"
    return f"{session.return_url}{separator}{urlencode(query)}"


async def _sheet(
    request: Request, session_id: str, token: str, *, error: DomainError | None = None
) -> Response:
    services, policy = app_services(request), checkout_policy(request)
    try:
        buyer = await service.sheet_buyer(
            uow=services.read_uow(), policy=policy, session_id=session_id, token=token
        )
    except NotFound:
        missing = "checkout/sheet_missing.html"
        page = templates_of(request).render(request, missing, {}, status_code=404)
        return _protected(page)
    summary = await service.get_checkout_session(
        uow=services.read_uow(), policy=policy, buyer=buyer, session_id=session_id
    )
    context = {
        "summary": summary, "token": token, "attempt": secrets.token_hex(16), "error": error,
        "channel": buyer.channel, "done_url": _return_to(summary.session), "money": money,
    }  # fmt: skip
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    return _protected(templates_of(request).render(request, SHEET, context, status_code=status))


@router.get("/checkout/sheet/{session_id}", response_class=HTMLResponse)
async def sheet(
    session_id: str, request: Request, t: str = "", lang: Lang | None = None
) -> Response:
    """The summary and the one-tap confirmation."""
    del lang  # read by the templates' locale negotiation
    return await _sheet(request, session_id, t)


@router.post("/checkout/sheet/{session_id}", response_class=HTMLResponse)
async def confirm_sheet(
    session_id: str,
    request: Request,
    t: Annotated[str, Form(max_length=64)],
    attempt: Annotated[str, Form(min_length=1, max_length=64)],
    total_minor: Annotated[int, Form(ge=0, le=10**12)],
    currency: Annotated[str, Form(pattern=r"^[A-Z]{3}$")],
) -> Response:
    """Pay the total shown, once per displayed sheet; then back to the partner."""
    services, policy = app_services(request), checkout_policy(request)
    try:
        buyer = await service.pay_from_sheet(
            uow=services.uow(), policy=policy, session_id=session_id, token=t, attempt=attempt,
            confirmation=service.Confirmation(True, total_minor, currency), render=render_placed,
        )  # fmt: skip
    except DomainError as exc:
        return await _sheet(request, session_id, t, error=exc)
    summary = await service.get_checkout_session(
        uow=services.read_uow(), policy=policy, buyer=buyer, session_id=session_id
    )
    target = _return_to(summary.session) or f"/checkout/sheet/{session_id}?t={t}"
    return _protected(RedirectResponse(target, status_code=303))


@router.get("/account/orders", response_class=HTMLResponse)
async def my_orders_page(request: Request, shopper: OptionalShopper, uow: ReadUow) -> Response:
    """The shopper's orders with where each came from and where it is."""
    if shopper is None:
        return RedirectResponse("/signin?next=/account/orders", status_code=303)
    page = await service.list_orders(uow=uow, where=service.OrderFilter(shopper_id=shopper.id))
    context = {"orders": page.items, "money": money, "current_shopper": shopper}
    return templates_of(request).render(request, "checkout/orders.html", context)


router.include_router(cart_views.router)
router.include_router(order_views.router)
router.include_router(admin_views.router)
