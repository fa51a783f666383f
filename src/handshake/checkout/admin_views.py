"""Dashboard pages of orders: the list (by status and partner) and an order's page with its
actions: ship (carrier and tracking number), mark delivered, cancel, refund all or part.

Each action calls the same checkout service as the operator API; a refusal (wrong status, a
refund above what is left…) shows the order again with the message and a 4xx status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import AdminPost, PageOperator, PagePost
from handshake.checkout import service
from handshake.checkout.errors import InvalidRefund
from handshake.checkout.models import OrderStatus
from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money, MoneyError
from handshake.partners import service as partners
from handshake.web.admin_pages import render_admin, submit_form
from handshake.web.deps import ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/orders", include_in_schema=False)
PAGE_SIZE = 50
STATUSES = [s.value for s in OrderStatus]
Work = Callable[[dict[str, str], str], Awaitable[object]]


@router.get("", response_class=HTMLResponse)
async def orders_page(request: Request, operator: PageOperator, uow: ReadUow) -> HTMLResponse:
    """Every order, newest first, optionally of one status and one partner."""
    status = request.query_params.get("status") or None
    partner_id = request.query_params.get("partner_id") or None
    cursor = request.query_params.get("cursor") or None
    where = service.OrderFilter(
        partner_id=partner_id, status=status if status in STATUSES else None
    )
    error: DomainError | None = None
    try:
        page = await service.list_orders(uow=uow, where=where, limit=PAGE_SIZE, cursor=cursor)
    except DomainError as exc:  # a mangled ?cursor=: the page says so, with no orders
        page, error = service.OrderPage([], None), exc
    known = await partners.list_partners(uow=uow)
    context = {
        "operator": operator,
        "orders": [d.order for d in page.items],
        "next_cursor": page.next_cursor,
        "statuses": STATUSES,
        "partners": known,
        "partner_names": {p.id: p.name for p in known},
        "filters": {"status": where.status or "", "partner_id": partner_id or ""},
    }
    return render_admin(
        request, "checkout/admin/orders.html", context, section="orders", error=error
    )


async def _order_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    order_id: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    details = await service.get_order(uow=uow, order_id=order_id)
    order = details.order
    partner = None
    if order.partner_id is not None:
        partner = await partners.get_partner(uow=uow, partner_id=order.partner_id)
    context = {
        "operator": operator,
        "order": order,
        "lines": details.lines,
        "changes": details.changes,
        "partner": partner,
        "refundable": Money(order.total_minor - order.refunded_minor, order.currency),
    }
    return render_admin(
        request, "checkout/admin/order.html", context, section="orders", error=error, values=values
    )


@router.get("/{order_id}", response_class=HTMLResponse)
async def order_page(
    order_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """An order: lines, totals, address, history and the actions its status allows."""
    return await _order_page(request, operator, uow, order_id)


async def _act(post: AdminPost, order_id: str, done: str, work: Work) -> Response:
    """Run ``work`` as the operator; a refusal shows the order again."""
    actor = f"operator:{post.operator.id}"

    async def as_operator(values: dict[str, str]) -> object:
        return await work(values, actor)

    return await submit_form(
        post.request, as_operator,
        refused=partial(_order_page, post.request, post.operator, post.reader, order_id),
        done=f"/admin/orders/{order_id}?done={done}",
    )  # fmt: skip


@router.post("/{order_id}/ship", response_class=HTMLResponse)
async def ship_submit(order_id: str, post: PagePost) -> Response:
    """Ship: capture the payment, take the units out of stock, tell the partner."""

    async def work(values: dict[str, str], actor: str) -> object:
        return await service.ship_order(
            uow=post.uow, order_id=order_id, carrier=values.get("carrier", ""),
            tracking_number=values.get("tracking_number", ""), actor=actor,
        )  # fmt: skip

    return await _act(post, order_id, "shipped", work)


@router.post("/{order_id}/deliver", response_class=HTMLResponse)
async def deliver_submit(order_id: str, post: PagePost) -> Response:
    """The carrier delivered the parcel."""

    async def work(values: dict[str, str], actor: str) -> object:
        return await service.mark_delivered(uow=post.uow, order_id=order_id, actor=actor)

    return await _act(post, order_id, "delivered", work)


@router.post("/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_submit(order_id: str, post: PagePost) -> Response:
    """Cancel before shipping: the payment is voided, the units go back to stock."""

    async def work(values: dict[str, str], actor: str) -> object:
        return await service.cancel_order(
            uow=post.uow, order_id=order_id, actor=actor, reason=values.get("reason", "").strip()
        )

    return await _act(post, order_id, "cancelled", work)


def _refund_minor(text: str, currency: str) -> int | None:
    """Minor units of the amount typed (empty: everything left)."""
    if not text.strip():
        return None
    try:
        return Money.parse(text, currency).minor
    except MoneyError:
        raise InvalidRefund(f"{text!r} is not an amount in {currency}.") from None


@router.post("/{order_id}/refund", response_class=HTMLResponse)
async def refund_submit(order_id: str, post: PagePost) -> Response:
    """Refund an amount, or everything left when the amount is empty."""

    async def work(values: dict[str, str], actor: str) -> object:
        currency = (await service.get_order(uow=post.reader, order_id=order_id)).order.currency
        return await service.refund_order(
            uow=post.uow, order_id=order_id, actor=actor,
            amount_minor=_refund_minor(values.get("amount", ""), currency),
            reason=values.get("reason", "").strip(),
        )  # fmt: skip

    return await _act(post, order_id, "refunded", work)
