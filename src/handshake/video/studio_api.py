"""Partner API for a video partner's own videos (``/partner/v1/studio/videos``).

The app's client-credentials token with the ``offers`` scope; a shopper's token is refused
(``client_credentials_required``). Creating calls accept an ``Idempotency-Key``: a retry with the
same key answers the first result without creating a second video or tag.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response

from handshake.checkout.keyed_calls import Answer, keyed_call
from handshake.idempotency.service import IdempotentRequest
from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.video import owned
from handshake.video.deps import VideoSettingsDep
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
    StudioVideoIn,
    StudioVideoPatch,
    TagIn,
    TagOut,
    TagPatch,
    VideoDetailOut,
    VideoListOut,
)
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, expired or revoked access token", **PROBLEM},
    403: {"description": "client_credentials_required or partner_kind_not_allowed", **PROBLEM},
    404: {"description": "video_not_found (not one of yours) or video_tag_not_found", **PROBLEM},
    422: {"description": "invalid_captions, invalid_tag_timing, invalid_hotspot…", **PROBLEM},
}
StudioAccess = Annotated[PartnerAccess, Depends(require_scopes("offers", shopper=False))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
router = DomainRouter(
    prefix="/partner/v1/studio/videos", tags=["partner", "video"], responses=ERRORS
)


def _scope(access: PartnerAccess, request: Request) -> str:
    return f"partner:{access.partner_id}:studio:{request.method} {request.url.path}"


@router.get("", summary="Your videos, drafts included", response_model=VideoListOut)
async def list_own(access: StudioAccess, uow: ReadUow) -> VideoListOut:
    """Newest first, with tag counts by status."""
    return VideoListOut(
        items=[video_out(s) for s in await owned.own_videos(uow=uow, access=access)]
    )


@router.post("", summary="Add one of your videos", status_code=201, response_model=VideoDetailOut)
async def create_own(
    body: StudioVideoIn, request: Request, access: StudioAccess, uow: WriteUow, reader: ReadUow,
    settings: VideoSettingsDep, key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Captions are checked as WebVTT and read for tag suggestions."""

    async def run(keyed: IdempotentRequest | None) -> Answer:
        video = await owned.create_own_video(
            uow=uow, settings=settings, access=access, values=body.model_dump()
        )
        detail = await owned.own_video(uow=reader, access=access, video_id=video.id)
        return Answer(201, video_detail_out(detail).model_dump(mode="json"))

    return await keyed_call(request, scope=_scope(access, request), key=key, run=run)


@router.get(
    "/{video_id}", summary="One of your videos with every tag", response_model=VideoDetailOut
)
async def get_own(video_id: str, access: StudioAccess, uow: ReadUow) -> VideoDetailOut:
    """Suggestions included, with their confidence and evidence."""
    return video_detail_out(await owned.own_video(uow=uow, access=access, video_id=video_id))


@router.patch("/{video_id}", summary="Change one of your videos", response_model=VideoDetailOut)
async def update_own(
    video_id: str, body: StudioVideoPatch, access: StudioAccess, uow: WriteUow, reader: ReadUow,
    settings: VideoSettingsDep,
) -> VideoDetailOut:  # fmt: skip
    """Given fields only; new captions queue new suggestions."""
    changes = body.model_dump(exclude_unset=True)
    await owned.update_own_video(uow=uow, settings=settings, access=access, video_id=video_id,
                                 changes=changes)  # fmt: skip
    return video_detail_out(await owned.own_video(uow=reader, access=access, video_id=video_id))


@router.delete("/{video_id}", summary="Remove one of your videos", status_code=204)
async def delete_own(video_id: str, access: StudioAccess, uow: WriteUow) -> Response:
    """The video and its tags."""
    await owned.delete_own_video(uow=uow, access=access, video_id=video_id)
    return Response(status_code=204)


@router.post("/{video_id}/tags", summary="Tag a product", status_code=201, response_model=TagOut)
async def tag_own(
    video_id: str, body: TagIn, request: Request, access: StudioAccess, uow: WriteUow,
    settings: VideoSettingsDep, key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Your tag is approved at once (you are its reviewer)."""

    async def run(keyed: IdempotentRequest | None) -> Answer:
        view = await owned.tag_own_video(
            uow=uow, settings=settings, access=access, video_id=video_id,
            fields=tag_fields_in(body),
        )  # fmt: skip
        return Answer(201, tag_out(view).model_dump(mode="json"))

    return await keyed_call(request, scope=_scope(access, request), key=key, run=run)


@router.patch("/{video_id}/tags/{tag_id}", summary="Move or change a tag", response_model=TagOut)
async def update_own_tag(
    video_id: str, tag_id: str, body: TagPatch, access: StudioAccess, uow: WriteUow
) -> TagOut:
    """Given fields only."""
    changes = body.model_dump(exclude_unset=True, exclude={"hotspots"})
    if "hotspots" in body.model_fields_set:  # null is refused by the service, [] clears
        changes["key_frames"] = None if body.hotspots is None else key_frames_in(body.hotspots)
    view = await owned.update_own_tag(
        uow=uow, access=access, video_id=video_id, tag_id=tag_id, changes=changes
    )
    return tag_out(view)


@router.post(
    "/{video_id}/tags/{tag_id}/review",
    summary="Approve or reject a suggestion",
    response_model=TagOut,
)
async def review_own_tag(
    video_id: str, tag_id: str, body: ReviewIn, access: StudioAccess, uow: WriteUow
) -> TagOut:
    """Only approved tags are shown to viewers."""
    view = await owned.review_own_tag(uow=uow, access=access, video_id=video_id, tag_id=tag_id,
                                      status=TagStatus(body.status))  # fmt: skip
    return tag_out(view)


@router.delete("/{video_id}/tags/{tag_id}", summary="Remove a tag", status_code=204)
async def delete_own_tag(
    video_id: str, tag_id: str, access: StudioAccess, uow: WriteUow
) -> Response:
    """Gone for viewers at their next read."""
    await owned.delete_own_tag(uow=uow, access=access, video_id=video_id, tag_id=tag_id)
    return Response(status_code=204)
