"""The shopper's own orders (``/api/v1/me/orders``), with the channel each came from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentShopper
from handshake.checkout import service
from handshake.checkout.schemas import CancelIn
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/me/orders", tags=["orders"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in", **PROBLEM},
    404: {"description": "No such order of yours", **PROBLEM},
    409: {"description": "The order cannot be cancelled any more", **PROBLEM},
}


@router.get("", summary="My orders, newest first", responses=RESPONSES)
async def my_orders(
    shopper: CurrentShopper,
    uow: ReadUow,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """The signed-in shopper's orders, with lines and history, a page at a time."""
    page = await service.list_orders(
        uow=uow, where=service.OrderFilter(shopper_id=shopper.id), limit=limit, cursor=cursor
    )
    items = [service.full_document(d.order, d.lines, d.changes) for d in page.items]
    return JSONResponse({"items": items, "next_cursor": page.next_cursor})


@router.get("/{order_id}", summary="One of my orders", responses=RESPONSES)
async def my_order(order_id: str, shopper: CurrentShopper, uow: ReadUow) -> JSONResponse:
    """The order with its lines, address, card and history."""
    details = await service.get_order(
        uow=uow, order_id=order_id, where=service.OrderFilter(shopper_id=shopper.id)
    )
    return JSONResponse(service.full_document(details.order, details.lines, details.changes))


@router.post("/{order_id}/cancel", summary="Cancel my order before it ships", responses=RESPONSES)
async def cancel_my_order(
    order_id: str, body: CancelIn, shopper: CurrentShopper, uow: WriteUow
) -> JSONResponse:
    """The card's hold is released and the items go back to stock."""
    details = await service.cancel_order(
        uow=uow, order_id=order_id, actor="shopper", reason=body.reason,
        where=service.OrderFilter(shopper_id=shopper.id),
    )  # fmt: skip
    return JSONResponse(service.full_document(details.order, details.lines, details.changes))
