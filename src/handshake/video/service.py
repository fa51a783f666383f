"""Use cases of videos: create, change, list, read and delete them (tags: ``tagging``).

Captions are checked as WebVTT against the video's duration when saved; saving new captions
queues a suggestion run (``video.suggest_tags``) in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs
from handshake.kernel.ids import new_id
from handshake.partners import service as partners
from handshake.partners.errors import PartnerNotFound
from handshake.partners.kinds import PartnerKind
from handshake.settings import VideoSettings
from handshake.video.captions import CaptionCue, parse_captions
from handshake.video.errors import (
    InvalidVideo,
    VideoNotFound,
    VideoOwnerInvalid,
    VideoShortened,
)
from handshake.video.events import VideoSaved
from handshake.video.models import (
    MEDIA_URL_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TagStatus,
    Video,
    VideoStatus,
)
from handshake.video.repository import VideoRepository
from handshake.video.tagging import TagView, tag_views
from handshake.video.timeline import storable

SUGGEST_JOB = "video.suggest_tags"
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
FIELDS = frozenset(
    {"title", "media_url", "poster_url", "duration_ms", "language", "captions_vtt",
     "owner_partner_id", "status"}
)  # fmt: skip


@dataclass(frozen=True)
class VideoSummary:
    """A video in a list: its row and its tag counts by status."""

    video: Video
    tag_counts: Mapping[str, int]


@dataclass(frozen=True)
class VideoDetail:
    """A video with its tags (with their catalog facts) and its parsed captions."""

    video: Video
    tags: list[TagView]
    cues: list[CaptionCue] = field(default_factory=list)


def _text(value: Any, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise InvalidVideo(f"{name} must be 1 to {max_length} characters.", extra={"field": name})
    if not storable(value):
        raise InvalidVideo(f"{name} holds characters that cannot be stored (NUL, surrogates).",
                           extra={"field": name})  # fmt: skip
    return value.strip()


def check_media_url(value: Any, name: str = "media_url") -> str:
    """An http(s) URL, or a path on this store (``/static/…``); nothing a page could run."""
    url = _text(value, name, MEDIA_URL_MAX_LENGTH)
    parts = urlsplit(url)
    local = url.startswith("/") and not url.startswith("//") and not parts.scheme
    remote = parts.scheme in ("http", "https") and bool(parts.netloc)
    if not (local or remote) or any(c.isspace() for c in url):
        raise InvalidVideo(
            f"{name} must be an http(s) URL or a path starting with /.", extra={"field": name}
        )
    return url


def _duration(value: Any, settings: VideoSettings) -> int:
    limit = settings.max_duration_seconds * 1000
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= limit:
        raise InvalidVideo(f"duration_ms must be 1 to {limit}.", extra={"field": "duration_ms"})
    return value


def _language(value: Any) -> str:
    if not isinstance(value, str) or not LANGUAGE.fullmatch(value):
        raise InvalidVideo("language must be a language tag such as en or fr-FR.",
                           extra={"field": "language"})  # fmt: skip
    return value


def _status(value: Any) -> str:
    try:
        return VideoStatus(value).value
    except ValueError:
        raise InvalidVideo("status is draft or published.", extra={"field": "status"}) from None


def _checked(values: dict[str, Any], settings: VideoSettings) -> dict[str, Any]:
    """``values`` with every given field checked and normalised."""
    checked = dict(values)
    if "title" in values:
        checked["title"] = _text(values["title"], "title", TITLE_MAX_LENGTH)
    if "media_url" in values:
        checked["media_url"] = check_media_url(values["media_url"])
    if values.get("poster_url") is not None:
        checked["poster_url"] = check_media_url(values["poster_url"], "poster_url")
    if "duration_ms" in values:
        checked["duration_ms"] = _duration(values["duration_ms"], settings)
    if "language" in values:
        checked["language"] = _language(values["language"])
    if "status" in values:
        checked["status"] = _status(values["status"])
    return checked


async def _check_owner(uow: UnitOfWork, owner_partner_id: str | None) -> None:
    if owner_partner_id is None:
        return
    try:
        partner = await partners.get_partner(uow=uow, partner_id=owner_partner_id)
    except PartnerNotFound:
        partner = None
    if partner is None or partner.kind != PartnerKind.VIDEO:
        raise VideoOwnerInvalid(
            "A video belongs to the store (no owner) or to a partner of kind video.",
            extra={"field": "owner_partner_id"},
        )


def _check_captions(captions: str | None, duration_ms: int, settings: VideoSettings) -> None:
    if captions is None:
        return
    if not storable(captions):
        raise InvalidVideo("Captions hold characters that cannot be stored (NUL, surrogates).",
                           extra={"field": "captions_vtt"})  # fmt: skip
    if len(captions.encode()) > settings.max_caption_bytes:
        raise InvalidVideo(f"Captions are limited to {settings.max_caption_bytes} bytes.",
                           extra={"field": "captions_vtt"})  # fmt: skip
    parse_captions(captions, duration_ms=duration_ms)


async def _queue_suggestions(uow: UnitOfWork, video: Video) -> None:
    if video.captions_vtt:
        key = f"{SUGGEST_JOB}:{video.id}:{video.updated_at.isoformat()}"
        await jobs.enqueue(
            uow=uow, name=SUGGEST_JOB, payload={"video_id": video.id}, dedupe_key=key
        )


async def create_video(
    *, uow: UnitOfWork, settings: VideoSettings, values: dict[str, Any]
) -> Video:
    """A new video (a draft unless ``status`` says published); its captions are suggested from."""
    missing = [
        name for name in ("title", "media_url", "duration_ms", "language") if name not in values
    ]
    if missing:
        raise InvalidVideo(f"Missing: {', '.join(missing)}.", extra={"fields": missing})
    checked = _checked({k: v for k, v in values.items() if k in FIELDS}, settings)
    async with uow:
        await _check_owner(uow, checked.get("owner_partner_id"))
        _check_captions(checked.get("captions_vtt"), checked["duration_ms"], settings)
        video = Video(id=new_id("vid"), **{"status": VideoStatus.DRAFT.value, **checked})
        uow.repo(VideoRepository).add(video)
        await uow.flush()
        await _queue_suggestions(uow, video)
        uow.record(VideoSaved(video.id, captions_changed=bool(video.captions_vtt)))
        await uow.commit()
    return video


async def update_video(
    *, uow: UnitOfWork, settings: VideoSettings, video_id: str, changes: dict[str, Any]
) -> Video:
    """Change some fields; tags and captions must still fit in the (new) duration."""
    checked = _checked({k: v for k, v in changes.items() if k in FIELDS}, settings)
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await repo.video(video_id, for_update=True)  # see tagging._video
        if video is None:
            raise VideoNotFound(f"No video {video_id}.")
        if "owner_partner_id" in checked:
            await _check_owner(uow, checked["owner_partner_id"])
        duration = checked.get("duration_ms", video.duration_ms)
        last_end = await repo.last_tag_end(video.id)
        if duration < last_end:
            raise VideoShortened(f"A tag ends at {last_end} ms, after {duration} ms.",
                                 extra={"last_tag_end_ms": last_end})  # fmt: skip
        captions_changed = (
            "captions_vtt" in checked and checked["captions_vtt"] != video.captions_vtt
        )
        _check_captions(checked.get("captions_vtt", video.captions_vtt), duration, settings)
        for name, value in checked.items():
            setattr(video, name, value)
        await uow.flush()
        if captions_changed:
            await _queue_suggestions(uow, video)
        uow.record(VideoSaved(video.id, captions_changed=captions_changed))
        await uow.commit()
    return video


async def delete_video(*, uow: UnitOfWork, video_id: str) -> None:
    """Remove a video and its tags."""
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await repo.video(video_id)
        if video is None:
            raise VideoNotFound(f"No video {video_id}.")
        await repo.delete(video)
        await uow.commit()


async def list_videos(
    *, uow: UnitOfWork, owners: Sequence[str | None] | None = None, published_only: bool = False
) -> list[VideoSummary]:
    """Videos, newest first, with their tag counts."""
    async with uow:
        repo = uow.repo(VideoRepository)
        videos = await repo.videos(owners=owners, published_only=published_only)
        counts = await repo.tag_counts([v.id for v in videos])
    return [
        VideoSummary(v, {s.value: counts.get((v.id, s.value), 0) for s in TagStatus})
        for v in videos
    ]


async def get_video(
    *, uow: UnitOfWork, video_id: str, statuses: Sequence[TagStatus] | None = None
) -> VideoDetail:
    """A video with its tags (all, or those of ``statuses``) and its captions' cues."""
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await repo.video(video_id)
        if video is None:
            raise VideoNotFound(f"No video {video_id}.")
        wanted = None if statuses is None else [s.value for s in statuses]
        views = await tag_views(repo, await repo.tags(video.id, statuses=wanted))
    cues = parse_captions(video.captions_vtt) if video.captions_vtt else []
    return VideoDetail(video, views, cues)
