"""Partner API of videos (``/partner/v1/videos``): what a video app may show, tags with live
offers for its linked shopper, and the tags as a WebVTT metadata track.

Any token of a video partner with the ``offers`` scope: a linked shopper's (their prices,
promises and offer tokens) or the partner's client-credentials token (anyone's offers).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.offers.deps import offer_policy
from handshake.video import showing
from handshake.video.rendering import partner_tag_out, partner_video_out
from handshake.video.schemas import PartnerTagsOut, PartnerVideoListOut
from handshake.web.deps import AppSettings, ReadUow, WriteUow
from handshake.web.routing import DomainRouter

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, expired or revoked access token", **PROBLEM},
    403: {
        "description": "insufficient_scope, partner_kind_not_allowed or partner_suspended",
        **PROBLEM,
    },
    404: {"description": "video_not_found (unknown, a draft, or another partner's)", **PROBLEM},
}
VideoAccess = Annotated[PartnerAccess, Depends(require_scopes("offers", shopper=False))]
Lang = Annotated[str, Query(pattern="^(en|fr)$")]
router = DomainRouter(prefix="/partner/v1/videos", tags=["partner", "video"], responses=ERRORS)


@router.get(
    "", summary="Videos you may show: the store's and your own", response_model=PartnerVideoListOut
)
async def list_videos(
    access: VideoAccess, uow: ReadUow, settings: AppSettings
) -> PartnerVideoListOut:
    """Published videos, newest first, with where to read their tags."""
    summaries = await showing.partner_videos(uow=uow, access=access)
    public = settings.http.public_url
    return PartnerVideoListOut(
        items=[partner_video_out(s.video, access.partner_id, public) for s in summaries]
    )


@router.get(
    "/{video_id}/tags",
    summary="The video's tags with live offers (offer tokens for a linked shopper)",
    response_model=PartnerTagsOut,
)
async def video_tags(
    video_id: str, request: Request, access: VideoAccess, uow: ReadUow, writer: WriteUow,
    settings: AppSettings, lang: Lang = "en",
    placement_id: Annotated[str, Query(min_length=1, max_length=100)] = "video",
) -> PartnerTagsOut:  # fmt: skip
    """Approved tags in time order, each with the offer of its variant: the shopper's price,
    stock and delivery promise, and the offer token that starts an in-app checkout."""
    shown = await showing.video_offers(
        uow=uow, writer=writer, policy=offer_policy(request), access=access,
        video_id=video_id, placement_id=placement_id, lang=lang,
    )  # fmt: skip
    return PartnerTagsOut(
        video=partner_video_out(shown.video, access.partner_id, settings.http.public_url),
        linked=shown.linked, link_account_url=shown.link_account_url,
        tags=[partner_tag_out(t, linked=shown.linked, lang=lang, placement_id=placement_id)
              for t in shown.tags],
    )  # fmt: skip


@router.get(
    "/{video_id}/tags.vtt",
    summary="The video's tags as a WebVTT metadata track (JSON cues)",
    response_class=Response,
    responses={200: {"content": {"text/vtt": {}}}},
)
async def tags_track(
    video_id: str, access: VideoAccess, uow: ReadUow, lang: Lang = "en"
) -> Response:
    """For ``<track kind="metadata">``: one cue per approved tag, its payload a JSON object."""
    track = await showing.partner_tags_track(uow=uow, access=access, video_id=video_id, lang=lang)
    return Response(track, media_type="text/vtt; charset=utf-8")
