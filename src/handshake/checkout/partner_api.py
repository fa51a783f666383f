"""Partner checkout API (``/partner/v1/checkout-sessions``, scope ``checkout``) and orders
(``/partner/v1/orders``, scope ``orders``).

Every mutating call accepts an ``Idempotency-Key``; completion requires one. A partner only
ever sees its own sessions and the orders placed through it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from handshake.checkout import rendering, service, sheet_links
from handshake.checkout.deps import buyer_of, checkout_policy
from handshake.checkout.keyed_calls import Answer, keyed_call
from handshake.checkout.schemas import CheckoutSessionIn, CheckoutSessionPatch, CompleteIn, Lang
from handshake.checkout.service import CheckoutSummary
from handshake.idempotency.service import IdempotentRequest
from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/partner/v1", tags=["partner"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Idempotency-Key missing (completion)", **PROBLEM},
    401: {"description": "Missing, unknown, expired or revoked token", **PROBLEM},
    403: {"description": "Scope missing, or not a shopper's token", **PROBLEM},
    404: {"description": "No such session or order for this partner", **PROBLEM},
    409: {"description": "Price changed, out of stock, closed, in progress", **PROBLEM},
    422: {"description": "Invalid request, declined card, key reused with another body", **PROBLEM},
}
CheckoutAccess = Annotated[PartnerAccess, Depends(require_scopes("checkout"))]
OrdersAccess = Annotated[PartnerAccess, Depends(require_scopes("orders", shopper=False))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]


def _scope(access: PartnerAccess, request: Request) -> str:
    return f"partner:{access.partner_id}:{access.subject}:{request.method} {request.url.path}"


def _document(request: Request, summary: CheckoutSummary, lang: str) -> dict[str, Any]:
    policy = checkout_policy(request)
    url = sheet_links.sheet_url(policy, summary.session.id, summary.session.created_at)
    return rendering.session_document(summary, lang=lang, sheet_url=url)


def _keep(
    request: Request, keyed: IdempotentRequest | None, status_code: int, lang: str
) -> service.KeptAnswer | None:
    """The answer to store under the key, in the session's own transaction."""
    if keyed is None:
        return None
    return service.KeptAnswer(keyed, status_code, lambda s: _document(request, s, lang))


@router.post(
    "/checkout-sessions",
    status_code=201,
    summary="Start a checkout from offer tokens",
    responses=RESPONSES,
)
async def create_session(
    body: CheckoutSessionIn,
    request: Request,
    access: CheckoutAccess,
    key: IdempotencyKey = None,
    lang: Lang = "en",
) -> Response:
    """Re-price the offers, hold their stock, and show totals, delivery options and blockers."""
    services = app_services(request)

    async def run(keyed: IdempotentRequest | None) -> Answer:
        summary = await service.create_checkout_session(
            uow=services.uow(), policy=checkout_policy(request), buyer=buyer_of(access),
            items=[service.RequestedItem(i.offer_token, i.quantity) for i in body.items],
            click_id=body.click_id, return_url=body.return_url,
            delivery_option=body.delivery_option, keep=_keep(request, keyed, 201, lang),
        )  # fmt: skip
        return Answer(201, _document(request, summary, lang), kept=keyed is not None)

    return await keyed_call(request, scope=_scope(access, request), key=key, run=run)


@router.get("/checkout-sessions/{session_id}", summary="A checkout session", responses=RESPONSES)
async def get_session(
    session_id: str, request: Request, access: CheckoutAccess, lang: Lang = "en"
) -> JSONResponse:
    """The session as it stands."""
    summary = await service.get_checkout_session(
        uow=app_services(request).read_uow(), policy=checkout_policy(request),
        buyer=buyer_of(access), session_id=session_id,
    )  # fmt: skip
    return JSONResponse(_document(request, summary, lang))


@router.patch(
    "/checkout-sessions/{session_id}",
    summary="Change quantities, delivery, address or card",
    responses=RESPONSES,
)
async def update_session(
    session_id: str,
    body: CheckoutSessionPatch,
    request: Request,
    access: CheckoutAccess,
    key: IdempotencyKey = None,
    lang: Lang = "en",
) -> Response:
    """Apply the changes, then re-price and re-hold."""
    changes = service.SessionChanges(
        quantities=None if body.items is None else {i.sku: i.quantity for i in body.items},
        delivery_option=body.delivery_option, address_id=body.address_id,
        payment_method_id=body.payment_method_id,
    )  # fmt: skip

    async def run(keyed: IdempotentRequest | None) -> Answer:
        summary = await service.update_checkout_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            buyer=buyer_of(access), session_id=session_id, changes=changes,
            keep=_keep(request, keyed, 200, lang),
        )  # fmt: skip
        return Answer(200, _document(request, summary, lang), kept=keyed is not None)

    return await keyed_call(request, scope=_scope(access, request), key=key, run=run)


@router.post(
    "/checkout-sessions/{session_id}/cancel",
    summary="Cancel a checkout session",
    responses=RESPONSES,
)
async def cancel_session(
    session_id: str,
    request: Request,
    access: CheckoutAccess,
    key: IdempotencyKey = None,
    lang: Lang = "en",
) -> Response:
    """Close the session; its stock goes back at once."""

    async def run(keyed: IdempotentRequest | None) -> Answer:
        summary = await service.cancel_checkout_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            buyer=buyer_of(access), session_id=session_id, keep=_keep(request, keyed, 200, lang),
        )  # fmt: skip
        return Answer(200, _document(request, summary, lang), kept=keyed is not None)

    return await keyed_call(request, scope=_scope(access, request), key=key, run=run)


def render_placed(placed: service.PlacedOrder) -> dict[str, Any]:
    """The answer to a completion: the order as the partner sees it."""
    return {"status": "completed", "order": service.partner_document(placed.order, placed.lines)}


@router.post(
    "/checkout-sessions/{session_id}/complete",
    status_code=201,
    summary="Pay and place the order (Idempotency-Key required)",
    responses=RESPONSES,
)
async def complete_session(
    session_id: str,
    body: CompleteIn,
    request: Request,
    access: CheckoutAccess,
    key: IdempotencyKey = None,
) -> Response:
    """Authorise the payment and turn the reservation into an order, exactly once per key."""
    policy = checkout_policy(request)
    confirmation = service.Confirmation(
        body.confirmation.shopper_confirmed,
        body.confirmation.total_minor,
        body.confirmation.currency,
    )

    async def run(keyed: IdempotentRequest | None) -> Answer:
        answer = await service.complete_checkout(
            uow=app_services(request).uow(), policy=policy, buyer=buyer_of(access),
            session_id=session_id, confirmation=confirmation, render=render_placed,
            idempotent=keyed,
        )  # fmt: skip
        return Answer(201, answer, kept=True)

    return await keyed_call(
        request, scope=_scope(access, request), key=key, run=run, required=True,
        lease=policy.completion_lease,
    )  # fmt: skip


@router.get("/orders", summary="Orders placed through this partner", responses=RESPONSES)
async def list_partner_orders(
    request: Request, access: OrdersAccess, limit: Limit = 50, cursor: Cursor = None
) -> JSONResponse:
    """With a shopper's token, that shopper's orders; with client credentials, all of them."""
    where = service.OrderFilter(shopper_id=access.shopper_id, partner_id=access.partner_id)
    page = await service.list_orders(
        uow=app_services(request).read_uow(), where=where, limit=limit, cursor=cursor
    )
    items = [service.partner_document(d.order, d.lines) for d in page.items]
    return JSONResponse({"items": items, "next_cursor": page.next_cursor})


@router.get(
    "/orders/{order_id}", summary="One order placed through this partner", responses=RESPONSES
)
async def get_partner_order(order_id: str, request: Request, access: OrdersAccess) -> JSONResponse:
    """The order, without the shopper's address or card."""
    where = service.OrderFilter(shopper_id=access.shopper_id, partner_id=access.partner_id)
    details = await service.get_order(
        uow=app_services(request).read_uow(), order_id=order_id, where=where
    )
    return JSONResponse(service.partner_document(details.order, details.lines))
