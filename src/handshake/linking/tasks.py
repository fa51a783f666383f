"""Wiring of the linking domain: personal-data export and erasure of links and consents."""

from __future__ import annotations

from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.linking import service
from handshake.settings import Settings


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Export a shopper's links and receipts; erasure ends every link (partners are told)."""
    del jobs, bus  # webhooks are queued through the outbox by the use cases themselves
    policy = service.LinkingPolicy.from_settings(settings)

    async def export_links(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
        return await service.export_links(uow=uow, shopper_id=shopper_id)

    async def end_links(uow: UnitOfWork, shopper_id: str) -> None:
        await service.end_links_of_shopper(
            uow=uow, policy=policy, shopper_id=shopper_id, reason="account_erased"
        )

    personal_data.add_exporter("linked_apps", export_links)
    personal_data.add_eraser("linking", end_links)
