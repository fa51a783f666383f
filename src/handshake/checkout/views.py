"""Pages of checkout: the hosted checkout sheet partners open in a webview, the shopper's orders.

The sheet opens with the link a partner got when it created the session (the session id and a
MAC). One tap confirms: the form carries the total the shopper saw and a per-page attempt key,
so a double tap places one order, and a changed price shows the sheet again instead of paying.
Then the shopper goes back to the partner's registered redirect URI.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.checkout import service
from handshake.checkout.partner_api import checkout_policy, render_placed
from handshake.checkout.schemas import Lang
from handshake.idempotency import service as idempotency
from handshake.kernel.errors import DomainError, InvalidInput, NotFound
from handshake.web.deps import ReadUow, app_services
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
SHEET = "checkout/sheet.html"


async def _sheet(
    request: Request, session_id: str, token: str, *, error: DomainError | None = None
) -> Response:
    services, policy = app_services(request), checkout_policy(request)
    try:
        buyer = await service.sheet_buyer(
            uow=services.read_uow(), policy=policy, session_id=session_id, token=token
        )
    except NotFound:
        return templates_of(request).render(
            request, "checkout/sheet_missing.html", {}, status_code=404
        )
    summary = await service.get_checkout_session(
        uow=services.read_uow(), policy=policy, buyer=buyer, session_id=session_id
    )
    context = {
        "summary": summary, "token": token, "attempt": secrets.token_hex(16), "error": error,
        "channel": buyer.channel, "done_url": _return_to(summary.session),
    }  # fmt: skip
    status = 200 if error is None else (422 if isinstance(error, InvalidInput) else 409)
    return templates_of(request).render(request, SHEET, context, status_code=status)


def _return_to(session: object) -> str | None:
    url = getattr(session, "return_url", None)
    if not url:
        return None
    query = {
        "checkout_session": getattr(session, "id", ""),
        "status": getattr(session, "status", ""),
    }
    order_id = getattr(session, "order_id", None)
    if order_id:
        query["order_id"] = order_id
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


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
    total_minor: Annotated[int, Form(ge=0)],
    currency: Annotated[str, Form(pattern=r"^[A-Z]{3}$")],
) -> Response:
    """Pay the total shown, once per displayed sheet; then back to the partner."""
    services, policy = app_services(request), checkout_policy(request)
    try:
        buyer = await service.sheet_buyer(
            uow=services.read_uow(), policy=policy, session_id=session_id, token=t
        )
        keyed = idempotency.keyed_request(
            scope=f"sheet:{session_id}",
            key=attempt,
            body={"total_minor": total_minor, "currency": currency},
        )
        if (
            await idempotency.claim(
                uow=services.uow(), request=keyed, lease=policy.completion_lease
            )
            is None
        ):
            await _complete(
                request, buyer, session_id, keyed, service.Confirmation(True, total_minor, currency)
            )
    except DomainError as exc:
        return await _sheet(request, session_id, t, error=exc)
    summary = await service.get_checkout_session(
        uow=services.read_uow(), policy=policy, buyer=buyer, session_id=session_id
    )
    target = _return_to(summary.session) or f"/checkout/sheet/{session_id}?t={t}"
    return RedirectResponse(target, status_code=303)


async def _complete(
    request: Request,
    buyer: service.Buyer,
    session_id: str,
    keyed: idempotency.IdempotentRequest,
    confirmation: service.Confirmation,
) -> None:
    services = app_services(request)
    try:
        await service.complete_checkout(
            uow=services.uow(), policy=checkout_policy(request), buyer=buyer,
            session_id=session_id, confirmation=confirmation, render=render_placed,
            idempotent=keyed,
        )  # fmt: skip
    except BaseException:
        # The sheet shows the problem and a new attempt key: this one is free again.
        await idempotency.release(uow=services.uow(), request=keyed)
        raise


@router.get("/account/orders", response_class=HTMLResponse)
async def my_orders_page(request: Request, shopper: OptionalShopper, uow: ReadUow) -> Response:
    """The shopper's orders with where each came from and where it is."""
    if shopper is None:
        return RedirectResponse("/signin?next=/account/orders", status_code=303)
    details = await service.order_details(
        uow=uow, where=service.OrderFilter(shopper_id=shopper.id), limit=50
    )
    return templates_of(request).render(request, "checkout/orders.html", {"orders": details})
