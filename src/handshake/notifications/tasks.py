"""Wiring of notifications: the erasure step of the shopper's personal data."""

from __future__ import annotations

from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.notifications import service
from handshake.settings import Settings


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the erasure step."""
    del jobs, bus, settings

    async def erase_marks(uow: UnitOfWork, shopper_id: str) -> None:
        await service.erase_notification_marks(uow=uow, shopper_id=shopper_id)

    personal_data.add_eraser("notifications", erase_marks)
