"""FastAPI dependencies of the video domain: its settings and the suggestions' matcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from handshake.db.uow import UnitOfWork
from handshake.settings import VideoSettings
from handshake.video.matching import matcher_for
from handshake.video.tag_suggestions import ProductMatcher
from handshake.web.deps import AppSettings


async def video_settings(settings: AppSettings) -> VideoSettings:
    """The ``video`` section of the application's settings."""
    return settings.video


VideoSettingsDep = Annotated[VideoSettings, Depends(video_settings)]


def suggestion_matcher(uow: UnitOfWork) -> ProductMatcher:
    """The matcher of the application ``uow`` belongs to (the assistant's when installed)."""
    return matcher_for(uow.bus)
