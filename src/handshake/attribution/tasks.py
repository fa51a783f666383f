"""Wiring of the attribution domain: the job that stores ad events, and personal data."""

from __future__ import annotations

from typing import Any

from handshake.attribution import service
from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings


async def store_events(payload: dict[str, Any], context: JobContext) -> None:
    """Turn an accepted batch into ad_events rows."""
    await service.store_events(uow=context.uow_factory(), payload=payload)


async def export_ad_events(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's ad events, for the data export."""
    return await service.export_events_of_shopper(uow=uow, shopper_id=shopper_id)


async def detach_ad_events(uow: UnitOfWork, shopper_id: str) -> None:
    """Erasure keeps the events as anonymous facts."""
    await service.detach_shopper(uow=uow, shopper_id=shopper_id)


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the storing job, the export section and the erasure step."""
    del bus, settings  # nothing to subscribe to; the policy is built by the API
    jobs.register(service.STORE_JOB, store_events)
    personal_data.add_exporter("ad_events", export_ad_events)
    personal_data.add_eraser("attribution", detach_ad_events)
