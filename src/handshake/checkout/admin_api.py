"""Operators' order API (`/api/v1/admin/orders`): every order; ship, deliver, cancel, refund."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentOperator
from handshake.checkout import service
from handshake.checkout.schemas import CancelIn, RefundIn, ShipIn
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/admin/orders", tags=["orders"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Operator authentication required", **PROBLEM},
    404: {"description": "No such order", **PROBLEM},
    409: {"description": "The order's status does not allow this", **PROBLEM},
    422: {"description": "Invalid input", **PROBLEM},
}
Status = Annotated[str | None, Query(pattern=r"^[a-z]{1,16}$")]
PartnerId = Annotated[str | None, Query(max_length=32)]


def _document(details: service.OrderDetails) -> JSONResponse:
    return JSONResponse(service.full_document(details.order, details.lines, details.changes))


@router.get("", summary="Every order, newest first", responses=RESPONSES)
async def list_all_orders(
    operator: CurrentOperator,
    uow: ReadUow,
    status: Status = None,
    partner_id: PartnerId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """Orders, optionally of one status or one partner, a page at a time."""
    where = service.OrderFilter(partner_id=partner_id, status=status)
    page = await service.list_orders(uow=uow, where=where, limit=limit, cursor=cursor)
    items = [service.full_document(d.order, d.lines, d.changes) for d in page.items]
    return JSONResponse({"items": items, "next_cursor": page.next_cursor})


@router.get("/{order_id}", summary="One order", responses=RESPONSES)
async def get_any_order(order_id: str, operator: CurrentOperator, uow: ReadUow) -> JSONResponse:
    """The order with everything about it."""
    return _document(await service.get_order(uow=uow, order_id=order_id))


@router.post(
    "/{order_id}/ship", summary="Ship: capture the payment, notify the partner", responses=RESPONSES
)
async def ship(
    order_id: str, body: ShipIn, operator: CurrentOperator, uow: WriteUow
) -> JSONResponse:
    """Capture, take the units out of stock, record the tracking number, emit order.shipped."""
    return _document(await service.ship_order(
        uow=uow, order_id=order_id, carrier=body.carrier, tracking_number=body.tracking_number,
        actor=f"operator:{operator.id}",
    ))  # fmt: skip


@router.post("/{order_id}/deliver", summary="Mark delivered", responses=RESPONSES)
async def deliver(order_id: str, operator: CurrentOperator, uow: WriteUow) -> JSONResponse:
    """The carrier delivered the parcel."""
    return _document(
        await service.mark_delivered(uow=uow, order_id=order_id, actor=f"operator:{operator.id}")
    )


@router.post(
    "/{order_id}/cancel", summary="Cancel before shipping (voids the payment)", responses=RESPONSES
)
async def cancel(
    order_id: str, body: CancelIn, operator: CurrentOperator, uow: WriteUow
) -> JSONResponse:
    """Void the authorisation and put the units back in stock."""
    return _document(await service.cancel_order(
        uow=uow, order_id=order_id, actor=f"operator:{operator.id}", reason=body.reason
    ))  # fmt: skip


@router.post(
    "/{order_id}/refund", summary="Refund all or part of a shipped order", responses=RESPONSES
)
async def refund(
    order_id: str, body: RefundIn, operator: CurrentOperator, uow: WriteUow
) -> JSONResponse:
    """Give money back (the rest of the order when no amount is given)."""
    return _document(await service.refund_order(
        uow=uow, order_id=order_id, actor=f"operator:{operator.id}",
        amount_minor=body.amount_minor, reason=body.reason,
    ))  # fmt: skip
