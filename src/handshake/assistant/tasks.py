"""Wiring of the assistant: index refreshes on catalog changes, conversations as personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog

from handshake.assistant import service
from handshake.assistant.caption_matching import AssistantCaptionMatcher
from handshake.assistant.indexing import REFRESH_JOB
from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved
from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs_service
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings
from handshake.video.matching import provide_matcher

log = structlog.get_logger(__name__)
# Changes within this many seconds share one refresh job per product.
COALESCE_SECONDS = 5


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the refresh job, the export section and the erasure step; read videos'
    captions for tag suggestions. (Catalog events are followed by ``follow_catalog``.)"""
    provide_matcher(bus, AssistantCaptionMatcher(settings.assistant))

    async def refresh(payload: dict[str, Any], context: JobContext) -> None:
        product_ids = list(payload.get("product_ids") or [])
        result = await service.refresh_search_index(
            uow=context.uow_factory(), settings=settings.assistant,
            product_ids=product_ids or None,
        )  # fmt: skip
        log.info("assistant_index_refreshed", indexed=result.indexed, embedded=result.embedded,
                 unlisted=result.unlisted, facts_updated=result.facts_updated)  # fmt: skip

    async def export(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
        return await service.export_conversations(uow=uow, shopper_id=shopper_id)

    async def erase(uow: UnitOfWork, shopper_id: str) -> None:
        await service.erase_conversations(uow=uow, shopper_id=shopper_id)

    jobs.register(REFRESH_JOB, refresh)
    personal_data.add_exporter("assistant_conversations", export)
    personal_data.add_eraser("assistant", erase)


def _payload(event: Event) -> tuple[str, dict[str, Any]]:
    """The refresh job a catalog event calls for, and the key that coalesces repeats."""
    product_id: str = event.product_id  # type: ignore[attr-defined]  # the three events have it
    return f"p:{product_id}", {"product_ids": [product_id]}


def follow_catalog(*, bus: EventBus, uow_factory: Callable[[], UnitOfWork]) -> None:
    """Queue an index refresh whenever a product or its prices change (coalesced per product).

    Stock is left out on purpose: every checkout moves it, and a job per sale would tax the
    hottest path for a ranking hint. The hourly reconcile brings stored stock up to date, and
    cards always show live stock.
    """

    async def on_change(event: Event) -> None:
        subject, payload = _payload(event)
        now = clock.now().timestamp()
        bucket = int(now) // COALESCE_SECONDS
        # Run once the bucket is over, so changes deduplicated into it are all read.
        delay = timedelta(seconds=(bucket + 1) * COALESCE_SECONDS - now + 0.5)
        await jobs_service.enqueue(
            uow=uow_factory(), name=REFRESH_JOB, payload=payload, delay=delay,
            dedupe_key=f"{REFRESH_JOB}:{subject}:{bucket}",
        )  # fmt: skip

    for event_type in (ProductSaved, ProductArchived, PricesSet):
        bus.subscribe(event_type, on_change)
