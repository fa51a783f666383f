"""Wiring of videos: the suggestion job queued when captions change."""

from __future__ import annotations

from typing import Any

import structlog

from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel.errors import NotFound
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings
from handshake.video import service, suggesting
from handshake.video.matching import matcher_for

log = structlog.get_logger(__name__)


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the suggestion job (videos hold no shopper data)."""
    del personal_data

    async def suggest(payload: dict[str, Any], context: JobContext) -> None:
        try:
            run = await suggesting.suggest_tags(
                uow=context.uow_factory(), settings=settings.video,
                video_id=str(payload["video_id"]), matcher=matcher_for(bus),
            )  # fmt: skip
        except NotFound:
            return  # the video was deleted meanwhile: nothing to suggest for
        log.info("video_tags_suggested", video_id=payload["video_id"],
                 suggested=len(run.suggested), skipped=run.skipped, stale=run.stale)  # fmt: skip

    jobs.register(service.SUGGEST_JOB, suggest)
