"""Order events for agents' platforms: ``order_create`` and ``order_update`` (full snapshots).

Checkout calls the observer inside the order's own transaction, so the event joins the webhook
outbox with the change itself. Only orders of sessions an agent opened are told, to the
platform (the partner) the agent belongs to; its endpoint registered with the ``acp`` signature
scheme receives them as ``{"type", "data"}`` signed with ``Merchant-Signature``.
"""

from __future__ import annotations

from collections.abc import Sequence

from handshake.agentic.order_document import order_document
from handshake.agentic.repository import AgenticRepository
from handshake.agentic.session_document import StoreFacts
from handshake.checkout.models import Order, OrderLine
from handshake.checkout.service import OrderObserver
from handshake.db.uow import UnitOfWork
from handshake.webhooks import service as webhooks

ORDER_CREATE = "acp.order_create"
ORDER_UPDATE = "acp.order_update"


def order_announcer(store: StoreFacts) -> OrderObserver:
    """The observer telling agents' platforms about their orders."""

    async def announce(
        uow: UnitOfWork, order: Order, lines: Sequence[OrderLine], kind: str
    ) -> None:
        if order.partner_id is None:
            return
        if not await uow.repo(AgenticRepository).exists(order.session_id):
            return
        await webhooks.publish_event(
            uow=uow, partner_id=order.partner_id,
            event_type=ORDER_CREATE if kind == "placed" else ORDER_UPDATE,
            data=order_document(order, lines, store),
        )  # fmt: skip

    return announce
