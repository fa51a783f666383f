"""Wiring of the attribution domain: storing ad events, attributing orders, personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handshake.attribution import attributing, service
from handshake.checkout.events import OrderPlaced
from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel.events import Event, EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings


async def export_ad_events(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's ad events, for the data export."""
    return await service.export_events_of_shopper(uow=uow, shopper_id=shopper_id)


async def detach_ad_events(uow: UnitOfWork, shopper_id: str) -> None:
    """Erasure keeps the events and attributed orders as anonymous facts."""
    await service.detach_shopper(uow=uow, shopper_id=shopper_id)


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the jobs, the export section and the erasure step."""
    policy = attributing.AttributionPolicy.from_settings(settings)

    async def store_events(payload: dict[str, Any], context: JobContext) -> None:
        """Turn an accepted batch into ad_events rows, daily counts and fresh attributions."""
        await service.store_events(uow=context.uow_factory(), payload=payload, policy=policy)

    async def attribute_orders(payload: dict[str, Any], context: JobContext) -> None:
        """Attribute the orders placed since the last run."""
        del payload
        await attributing.catch_up(uow_factory=context.uow_factory, policy=policy)

    jobs.register(service.STORE_JOB, store_events)
    jobs.register(attributing.ATTRIBUTE_JOB, attribute_orders)
    personal_data.add_exporter("ad_events", export_ad_events)
    personal_data.add_eraser("attribution", detach_ad_events)


def follow_orders(*, bus: EventBus, uow_factory: Callable[[], UnitOfWork]) -> None:
    """Have each placed order attributed within seconds (the worker's hourly catch-up and the
    next order's job pick up an order whose trigger was lost)."""

    async def on_order_placed(event: Event) -> None:
        del event
        await attributing.schedule_catch_up(uow=uow_factory())

    bus.subscribe(OrderPlaced, on_order_placed)
