"""Wiring of devices: the shopper's device data in their export and erasure."""

from __future__ import annotations

from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import service
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.linking.policy import LinkingPolicy
from handshake.settings import Settings


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the export section and the erasure step."""
    del jobs, bus
    policy = LinkingPolicy.from_settings(settings)

    async def export_device_data(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
        return await service.export_device_data(uow=uow, shopper_id=shopper_id)

    async def erase_device_data(uow: UnitOfWork, shopper_id: str) -> None:
        await service.erase_device_data(uow=uow, policy=policy, shopper_id=shopper_id)

    personal_data.add_exporter("device_sharing", export_device_data)
    personal_data.add_eraser("devices", erase_device_data)
