"""Operator JSON API of videos (``/api/v1/admin/videos``): videos, tags, reviews, suggestions.

The partner API (``/partner/v1/videos``) is in ``partner_api``, included here.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from handshake.accounts.deps import CurrentOperator
from handshake.video import partner_api, service, showing, studio_api, suggesting, tagging
from handshake.video.deps import VideoSettingsDep, suggestion_matcher
from handshake.video.models import TagStatus
from handshake.video.rendering import (
    key_frames_in,
    tag_fields_in,
    tag_out,
    video_detail_out,
    video_out,
)
from handshake.video.schemas import (
    ReviewIn,
    SuggestionRunOut,
    TagIn,
    TagOut,
    TagPatch,
    VideoDetailOut,
    VideoIn,
    VideoListOut,
    VideoPatch,
)
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid operator credentials", **PROBLEM},
    403: {"description": "Not an operator", **PROBLEM},
    404: {"description": "video_not_found or video_tag_not_found", **PROBLEM},
    422: {"description": "Invalid input (invalid_captions, invalid_tag_timing…)", **PROBLEM},
}
VTT = "text/vtt; charset=utf-8"
admin = DomainRouter(prefix="/api/v1/admin/videos", tags=["video"], responses=AUTH)


@admin.get("", summary="Every video, newest first", response_model=VideoListOut)
async def list_videos(operator: CurrentOperator, uow: ReadUow) -> VideoListOut:
    """Videos with their tag counts by status."""
    return VideoListOut(items=[video_out(s) for s in await service.list_videos(uow=uow)])


@admin.post("", summary="Add a video", status_code=201, response_model=VideoDetailOut)
async def create_video(
    body: VideoIn, operator: CurrentOperator, uow: WriteUow, reader: ReadUow,
    settings: VideoSettingsDep,
) -> VideoDetailOut:  # fmt: skip
    """A video of the store or of a video partner; its captions are checked as WebVTT."""
    video = await service.create_video(uow=uow, settings=settings, values=body.model_dump())
    return video_detail_out(await service.get_video(uow=reader, video_id=video.id))


@admin.get(
    "/{video_id}", summary="A video with its captions and tags", response_model=VideoDetailOut
)
async def get_video(video_id: str, operator: CurrentOperator, uow: ReadUow) -> VideoDetailOut:
    """Every tag, suggestions included."""
    return video_detail_out(await service.get_video(uow=uow, video_id=video_id))


@admin.patch("/{video_id}", summary="Change a video", response_model=VideoDetailOut)
async def update_video(
    video_id: str, body: VideoPatch, operator: CurrentOperator, uow: WriteUow, reader: ReadUow,
    settings: VideoSettingsDep,
) -> VideoDetailOut:  # fmt: skip
    """Given fields only; new captions queue new suggestions."""
    changes = body.model_dump(exclude_unset=True)
    await service.update_video(uow=uow, settings=settings, video_id=video_id, changes=changes)
    return video_detail_out(await service.get_video(uow=reader, video_id=video_id))


@admin.delete("/{video_id}", summary="Remove a video and its tags", status_code=204)
async def delete_video(video_id: str, operator: CurrentOperator, uow: WriteUow) -> Response:
    """Gone for every partner at once."""
    await service.delete_video(uow=uow, video_id=video_id)
    return Response(status_code=204)


@admin.post("/{video_id}/tags", summary="Tag a product", status_code=201, response_model=TagOut)
async def add_tag(
    video_id: str, body: TagIn, operator: CurrentOperator, uow: WriteUow,
    settings: VideoSettingsDep,
) -> TagOut:  # fmt: skip
    """A person's tag: approved at once."""
    fields = tag_fields_in(body)
    view = await tagging.add_tag(
        uow=uow, settings=settings, video_id=video_id, fields=fields, operator_id=operator.id
    )
    return tag_out(view)


@admin.patch("/{video_id}/tags/{tag_id}", summary="Move or change a tag", response_model=TagOut)
async def update_tag(
    video_id: str, tag_id: str, body: TagPatch, operator: CurrentOperator, uow: WriteUow
) -> TagOut:
    """Given fields only; moving a range keeps the key frames still inside it."""
    changes = body.model_dump(exclude_unset=True, exclude={"hotspots"})
    if "hotspots" in body.model_fields_set:  # null is refused by the service, [] clears
        changes["key_frames"] = None if body.hotspots is None else key_frames_in(body.hotspots)
    view = await tagging.update_tag(uow=uow, video_id=video_id, tag_id=tag_id, changes=changes)
    return tag_out(view)


@admin.post(
    "/{video_id}/tags/{tag_id}/review", summary="Approve or reject a tag", response_model=TagOut
)
async def review_tag(
    video_id: str, tag_id: str, body: ReviewIn, operator: CurrentOperator, uow: WriteUow
) -> TagOut:
    """Only approved tags are shown; a rejected suggestion is not suggested again."""
    view = await tagging.review_tag(
        uow=uow, video_id=video_id, tag_id=tag_id, status=TagStatus(body.status),
        operator_id=operator.id,
    )  # fmt: skip
    return tag_out(view)


@admin.delete("/{video_id}/tags/{tag_id}", summary="Remove a tag", status_code=204)
async def delete_tag(
    video_id: str, tag_id: str, operator: CurrentOperator, uow: WriteUow
) -> Response:
    """The tag disappears from every player at its next read."""
    await tagging.delete_tag(uow=uow, video_id=video_id, tag_id=tag_id)
    return Response(status_code=204)


@admin.post(
    "/{video_id}/suggestions",
    summary="Suggest tags from the captions now",
    response_model=SuggestionRunOut,
)
async def suggest_tags(
    video_id: str, operator: CurrentOperator, uow: WriteUow, settings: VideoSettingsDep
) -> SuggestionRunOut:
    """Replaces unreviewed suggestions; reviewed tags stay and are not suggested again."""
    run = await suggesting.suggest_tags(uow=uow, settings=settings, video_id=video_id,
                                        matcher=suggestion_matcher(uow))  # fmt: skip
    return SuggestionRunOut(suggested=[tag_out(v) for v in run.suggested], skipped=run.skipped)


@admin.get(
    "/{video_id}/tags.vtt",
    summary="Approved tags as a WebVTT metadata track",
    response_class=Response,
    responses={200: {"content": {"text/vtt": {}}}},
)
async def tags_track(
    video_id: str, operator: CurrentOperator, uow: ReadUow, lang: str = "en"
) -> Response:
    """One cue per approved tag, its payload a JSON object."""
    track = await showing.operator_tags_track(uow=uow, video_id=video_id, lang=lang)
    return Response(track, media_type=VTT)


router = DomainRouter()
router.include_router(admin)
router.include_router(partner_api.router)
router.include_router(studio_api.router)
