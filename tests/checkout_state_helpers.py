"""Reads of what checkout left behind (stock, holds, payments, orders, events) for e2e tests.

Everything goes through services or repositories in a read-only unit of work, never raw SQL,
so a test proves a side effect (or its absence) the way the application itself would see it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.catalog.repository import CatalogRepository
from handshake.checkout import service as checkout
from handshake.checkout.models import ReservationStatus
from handshake.checkout.repository import CheckoutRepository
from handshake.db.uow import Repository
from handshake.kernel.money import Money
from handshake.payments.models import Payment
from handshake.webhooks import service as webhooks
from tests.checkout_helpers import SESSIONS
from tests.linking_helpers import PartnerApp, link_tokens
from tests.offers_helpers import LinkedShopper, linked_shopper, shopper_browser, variant_ids


def problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``answer`` is a problem+json with ``status`` and ``code``; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json", answer.headers
    body: dict[str, Any] = answer.json()
    assert (body["status"], body["code"]) == (status, code), body
    return body


async def stock(container: Container, sku: str) -> dict[str, tuple[int, int]]:
    """{warehouse code: (on hand, reserved)} of ``sku`` as the catalog counts it."""
    variant_id, _ = await variant_ids(container, sku)
    uow = container.read_uow()
    async with uow:
        rows = await uow.repo(CatalogRepository).stock_levels([variant_id])
    return {row.code: (row.on_hand, row.reserved) for row in rows}


async def holds(
    container: Container, session_id: str, status: ReservationStatus = ReservationStatus.HELD
) -> list[tuple[str, int]]:
    """(warehouse code, quantity) of the session's reservations in ``status``, sorted."""
    uow = container.read_uow()
    async with uow:
        found = await uow.repo(CheckoutRepository).reservations(session_id, status=status)
    return sorted((r.warehouse_code, r.quantity) for r in found)


class _PaymentReader(Repository):
    """Payments made for one reference (a checkout session id)."""

    async def for_reference(self, reference: str) -> list[Payment]:
        """Every payment of ``reference``, oldest first."""
        rows = await self.session.scalars(
            select(Payment).where(Payment.reference == reference).order_by(Payment.id)
        )
        return list(rows.all())


async def payments_of(container: Container, session_id: str) -> list[tuple[str, int, str | None]]:
    """(status, authorised minor, decline code) of every payment made for the session."""
    uow = container.read_uow()
    async with uow:
        found = await uow.repo(_PaymentReader).for_reference(session_id)
    return [(p.status, p.authorized_minor, p.decline_code) for p in found]


async def orders_of(container: Container, shopper_id: str) -> list[checkout.OrderDetails]:
    """The shopper's orders with lines and history, newest first."""
    where = checkout.OrderFilter(shopper_id=shopper_id)
    return (await checkout.list_orders(uow=container.read_uow(), where=where)).items


async def events_of(container: Container, partner_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event type, parsed body) of the partner's stored webhook events, newest first."""
    page = await webhooks.list_events(uow=container.read_uow(), partner_id=partner_id)
    return [(log.event.event_type, json.loads(log.event.body)) for log in page.items]


async def get_session(
    client: httpx.AsyncClient, linked: LinkedShopper, session_id: str
) -> httpx.Response:
    """``GET /partner/v1/checkout-sessions/{id}``."""
    return await client.get(f"{SESSIONS}/{session_id}", headers=linked.headers)


async def patch_session(
    client: httpx.AsyncClient, linked: LinkedShopper, session_id: str, **changes: Any
) -> httpx.Response:
    """``PATCH /partner/v1/checkout-sessions/{id}`` with ``changes`` as the body."""
    return await client.patch(f"{SESSIONS}/{session_id}", json=changes, headers=linked.headers)


async def cancel_session(
    client: httpx.AsyncClient, linked: LinkedShopper, session_id: str
) -> httpx.Response:
    """``POST /partner/v1/checkout-sessions/{id}/cancel``."""
    return await client.post(f"{SESSIONS}/{session_id}/cancel", headers=linked.headers)


async def same_app_shopper(
    app: object, container: Container, partner_app: PartnerApp, scope: str
) -> LinkedShopper:
    """Another shopper (address and card as usual) linked to the same partner app."""
    other = await linked_shopper(app, container, scope=scope)
    async with shopper_browser(app, container, other.login) as http:
        tokens = await link_tokens(http, partner_app, scope=scope)
    return LinkedShopper(login=other.login, app=partner_app, access_token=tokens["access_token"])


async def set_price(
    container: Container, sku: str, list_minor: int, member_minor: int | None
) -> None:
    """The operator sets new catalog prices of ``sku`` (catalog service)."""
    variant_id, _ = await variant_ids(container, sku)
    await catalog.set_prices(
        uow=container.uow(), variant_id=variant_id, list_price=Money(list_minor, "EUR"),
        member_price=None if member_minor is None else Money(member_minor, "EUR"),
    )  # fmt: skip
