"""Use cases of tags: place, move, review and remove product tags on a video's timeline.

A person's tag is approved when placed; a suggestion waits for a review. Moving a tag or
changing its product keeps its review, since the person doing it is the reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.settings import VideoSettings
from handshake.video.errors import (
    InvalidTagTiming,
    TagVariantNotFound,
    TooManyTags,
    VideoNotFound,
    VideoTagNotFound,
)
from handshake.video.events import VideoTagsChanged
from handshake.video.models import CallToAction, TagSource, TagStatus, Video, VideoTag
from handshake.video.repository import TaggedVariant, VideoRepository
from handshake.video.timeline import (
    KeyFrame,
    check_key_frames,
    check_range,
    key_frames_of,
    storable,
)

# A change may leave these out, never set them to null.
NOT_NULL = ("start_ms", "end_ms", "call_to_action", "key_frames")


@dataclass(frozen=True)
class TagFields:
    """Where and what a tag shows: the variant (by id or SKU), range, hotspot, call to action."""

    start_ms: int
    end_ms: int
    variant_id: str | None = None
    sku: str | None = None
    key_frames: tuple[KeyFrame, ...] = ()
    call_to_action: CallToAction = CallToAction.VIEW


@dataclass(frozen=True)
class TagView:
    """A tag with the catalog facts of its variant (None: the variant is gone)."""

    tag: VideoTag
    variant: TaggedVariant | None

    @property
    def key_frames(self) -> list[KeyFrame]:
        """The hotspot's key frames."""
        return key_frames_of(self.tag.hotspots)


async def tag_views(repo: VideoRepository, tags: Sequence[VideoTag]) -> list[TagView]:
    """Tags with their variants' facts (one query)."""
    variants = await repo.variants_by_id({t.variant_id for t in tags})
    return [TagView(t, variants.get(t.variant_id)) for t in tags]


async def _video(repo: VideoRepository, video_id: str, *, lock: bool = False) -> Video:
    # Locked while tags change: a concurrent shortening or another tag cannot slip past the
    # duration and tag-count checks (PostgreSQL; SQLite writers take turns anyway).
    video = await repo.video(video_id, for_update=lock)
    if video is None:
        raise VideoNotFound(f"No video {video_id}.")
    return video


async def _tag(repo: VideoRepository, video_id: str, tag_id: str) -> VideoTag:
    tag = await repo.tag(video_id, tag_id)
    if tag is None:
        raise VideoTagNotFound(f"No tag {tag_id} on video {video_id}.")
    return tag


async def _variant(repo: VideoRepository, fields: TagFields) -> TaggedVariant:
    if (fields.variant_id is None) == (fields.sku is None):
        raise TagVariantNotFound("Name the variant by exactly one of variant_id and sku.",
                                 extra={"field": "variant_id"})  # fmt: skip
    reference = fields.variant_id or fields.sku or ""
    field = "variant_id" if fields.variant_id else "sku"
    # An id holding NUL names nothing (and PostgreSQL would refuse to even look it up).
    found = (
        await repo.variant(variant_id=fields.variant_id, sku=fields.sku)
        if storable(reference)
        else None
    )
    if found is None:
        raise TagVariantNotFound(
            f"No variant {reference!r} in the catalog.", extra={"field": field}
        )
    return found


def _placed(fields: TagFields, video: Video) -> list[dict[str, Any]]:
    check_range(fields.start_ms, fields.end_ms, video.duration_ms)
    frames = check_key_frames(fields.key_frames, start_ms=fields.start_ms, end_ms=fields.end_ms)
    return [frame.as_document() for frame in frames]


async def add_tag(
    *,
    uow: UnitOfWork,
    settings: VideoSettings,
    video_id: str,
    fields: TagFields,
    operator_id: str | None = None,
) -> TagView:
    """A person's tag, approved at once."""
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await _video(repo, video_id, lock=True)
        hotspots = _placed(fields, video)
        variant = await _variant(repo, fields)
        if await repo.count_tags(video.id) >= settings.max_tags_per_video:
            raise TooManyTags(f"A video carries at most {settings.max_tags_per_video} tags.")
        now = clock.now()
        tag = VideoTag(
            id=new_id("vtag"), video_id=video.id, variant_id=variant.variant_id,
            product_id=variant.product_id, start_ms=fields.start_ms, end_ms=fields.end_ms,
            hotspots=hotspots, call_to_action=fields.call_to_action.value,
            source=TagSource.MANUAL.value, status=TagStatus.APPROVED.value,
            reviewed_by=operator_id, reviewed_at=now,
        )  # fmt: skip
        repo.add(tag)
        await uow.flush()
        uow.record(VideoTagsChanged(video.id))
        await uow.commit()
    return TagView(tag, variant)


async def update_tag(
    *, uow: UnitOfWork, video_id: str, tag_id: str, changes: dict[str, Any]
) -> TagView:
    """Move a tag, change its hotspot, product or call to action (given fields only)."""
    nulled = sorted(k for k in NOT_NULL if k in changes and changes[k] is None)
    if nulled:
        raise InvalidTagTiming(f"{', '.join(nulled)} cannot be null.", extra={"field": nulled[0]})
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await _video(repo, video_id, lock=True)
        tag = await _tag(repo, video_id, tag_id)
        wanted = _wanted(tag, changes)
        hotspots = _placed(wanted, video)
        variant = await _variant(repo, wanted)
        tag.start_ms, tag.end_ms, tag.hotspots = wanted.start_ms, wanted.end_ms, hotspots
        tag.variant_id, tag.product_id = variant.variant_id, variant.product_id
        tag.call_to_action = wanted.call_to_action.value
        await uow.flush()
        uow.record(VideoTagsChanged(video.id))
        await uow.commit()
    return TagView(tag, variant)


def _wanted(tag: VideoTag, changes: dict[str, Any]) -> TagFields:
    """The tag's fields once ``changes`` apply (moving its range keeps the key frames inside)."""
    current = TagFields(tag.start_ms, tag.end_ms, variant_id=tag.variant_id,
                        key_frames=tuple(key_frames_of(tag.hotspots)),
                        call_to_action=CallToAction(tag.call_to_action))  # fmt: skip
    wanted = replace(current, **{k: v for k, v in changes.items() if k != "sku"})
    if "sku" in changes:
        wanted = replace(wanted, variant_id=None, sku=changes["sku"])
    moved = (wanted.start_ms, wanted.end_ms) != (tag.start_ms, tag.end_ms)
    if "key_frames" not in changes and moved:
        wanted = replace(wanted, key_frames=_clipped(current.key_frames, wanted))
    return wanted


def _clipped(frames: Sequence[KeyFrame], fields: TagFields) -> tuple[KeyFrame, ...]:
    """Key frames of a moved range: those still inside it (dragging a range keeps its box)."""
    inside = tuple(f for f in frames if fields.start_ms <= f.at_ms <= fields.end_ms)
    if inside or not frames:
        return inside
    return (replace(frames[0], at_ms=fields.start_ms),)


async def review_tag(
    *, uow: UnitOfWork, video_id: str, tag_id: str, status: TagStatus, operator_id: str | None
) -> TagView:
    """Approve or reject a tag (a rejected suggestion is not suggested again)."""
    if status is TagStatus.SUGGESTED:
        raise InvalidTagTiming("A review approves or rejects.", code="invalid_review",
                               extra={"field": "status"})  # fmt: skip
    async with uow:
        repo = uow.repo(VideoRepository)
        tag = await _tag(repo, video_id, tag_id)
        tag.status, tag.reviewed_by, tag.reviewed_at = status.value, operator_id, clock.now()
        variant = (await repo.variants_by_id([tag.variant_id])).get(tag.variant_id)
        await uow.flush()
        uow.record(VideoTagsChanged(video_id))
        await uow.commit()
    return TagView(tag, variant)


async def delete_tag(*, uow: UnitOfWork, video_id: str, tag_id: str) -> None:
    """Remove a tag."""
    async with uow:
        repo = uow.repo(VideoRepository)
        await repo.delete(await _tag(repo, video_id, tag_id))
        uow.record(VideoTagsChanged(video_id))
        await uow.commit()
