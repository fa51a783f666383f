"""Wiring of checkout: the reservation expiry job; orders and the cart in exports and erasure."""

from __future__ import annotations

from typing import Any

from handshake.checkout import service
from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings


async def expire_reservations(payload: dict[str, Any], context: JobContext) -> None:
    """Release a session's reservations that are past their expiry (idempotent)."""
    await service.expire_session_reservations(
        uow=context.uow_factory(), session_id=str(payload["session_id"])
    )


async def export_orders(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's orders, for the data export."""
    return await service.export_orders_of_shopper(uow=uow, shopper_id=shopper_id)


async def export_cart(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's cart, for the data export."""
    return await service.cart_export(uow=uow, shopper_id=shopper_id)


async def erase_order_addresses(uow: UnitOfWork, shopper_id: str) -> None:
    """Erasure keeps the orders but forgets their delivery addresses, and empties the cart."""
    await service.erase_order_addresses(uow=uow, shopper_id=shopper_id)
    await service.empty_cart(uow=uow, shopper_id=shopper_id)


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the expiry job, the export sections and the erasure step."""
    del bus, settings
    jobs.register(service.EXPIRE_JOB, expire_reservations)
    personal_data.add_exporter("orders", export_orders)
    personal_data.add_exporter("cart", export_cart)
    personal_data.add_eraser("checkout", erase_order_addresses)
