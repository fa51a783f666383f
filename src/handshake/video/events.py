"""Events of the video domain (past tense)."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True)
class VideoSaved(Event):
    """A video was created or changed; ``captions_changed`` asks for new suggestions."""

    video_id: str
    captions_changed: bool


@dataclass(frozen=True)
class VideoTagsChanged(Event):
    """Tags of a video were added, changed, reviewed or removed."""

    video_id: str
