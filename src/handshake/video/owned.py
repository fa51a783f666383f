"""Use cases of a video partner managing its own videos: add, change and remove them and
their tags, and review the suggestions made for them.

Only with the partner's client-credentials token (a shopper's token acts for the shopper, who
never agreed to this), and only on videos the partner owns: another's video is "not found".
The operator still sees and can moderate every video.
"""

from __future__ import annotations

from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.linking.service import PartnerAccess
from handshake.partners.kinds import PartnerKind
from handshake.settings import VideoSettings
from handshake.video import service, tagging
from handshake.video.errors import (
    AppTokenRequired,
    InvalidVideo,
    VideoNotFound,
    VideoPartnerOnly,
)
from handshake.video.models import TagStatus, Video
from handshake.video.repository import VideoRepository
from handshake.video.service import VideoDetail, VideoSummary
from handshake.video.tagging import TagFields, TagView


def _check_manager(access: PartnerAccess) -> None:
    if access.partner_kind is not PartnerKind.VIDEO:
        raise VideoPartnerOnly("Only partners of kind video have videos.")
    if access.shopper_id is not None:
        raise AppTokenRequired("Manage your videos with your app's client-credentials token.")


def _check_remote(values: dict[str, Any]) -> None:
    """A partner's media lives on its own servers: full http(s) URLs only."""
    for name in ("media_url", "poster_url"):
        value = values.get(name)
        if isinstance(value, str) and not value.startswith(("http://", "https://")):
            raise InvalidVideo(f"{name} must be an http(s) URL.", extra={"field": name})


async def _owned(uow: UnitOfWork, access: PartnerAccess, video_id: str) -> Video:
    _check_manager(access)
    async with uow:
        video = await uow.repo(VideoRepository).video(video_id)
    if video is None or video.owner_partner_id != access.partner_id:
        raise VideoNotFound(f"No video {video_id} of yours.")
    return video


async def create_own_video(
    *, uow: UnitOfWork, settings: VideoSettings, access: PartnerAccess, values: dict[str, Any]
) -> Video:
    """A new video of the calling partner."""
    _check_manager(access)
    _check_remote(values)
    owned = {**values, "owner_partner_id": access.partner_id}
    return await service.create_video(uow=uow, settings=settings, values=owned)


async def own_videos(*, uow: UnitOfWork, access: PartnerAccess) -> list[VideoSummary]:
    """The partner's videos, drafts included."""
    _check_manager(access)
    return await service.list_videos(uow=uow, owners=[access.partner_id])


async def own_video(*, uow: UnitOfWork, access: PartnerAccess, video_id: str) -> VideoDetail:
    """One of the partner's videos with every tag, suggestions included."""
    await _owned(uow, access, video_id)
    return await service.get_video(uow=uow, video_id=video_id)


async def update_own_video(
    *, uow: UnitOfWork, settings: VideoSettings, access: PartnerAccess, video_id: str,
    changes: dict[str, Any],
) -> Video:  # fmt: skip
    """Change the partner's video (never its owner)."""
    await _owned(uow, access, video_id)
    _check_remote(changes)
    kept = {k: v for k, v in changes.items() if k != "owner_partner_id"}
    return await service.update_video(uow=uow, settings=settings, video_id=video_id, changes=kept)


async def delete_own_video(*, uow: UnitOfWork, access: PartnerAccess, video_id: str) -> None:
    """Remove the partner's video and its tags."""
    await _owned(uow, access, video_id)
    await service.delete_video(uow=uow, video_id=video_id)


async def tag_own_video(
    *, uow: UnitOfWork, settings: VideoSettings, access: PartnerAccess, video_id: str,
    fields: TagFields,
) -> TagView:  # fmt: skip
    """A tag the partner places on its own video (approved: the partner is its reviewer)."""
    await _owned(uow, access, video_id)
    return await tagging.add_tag(uow=uow, settings=settings, video_id=video_id, fields=fields)


async def update_own_tag(
    *, uow: UnitOfWork, access: PartnerAccess, video_id: str, tag_id: str, changes: dict[str, Any]
) -> TagView:
    """Move or change a tag of the partner's video."""
    await _owned(uow, access, video_id)
    return await tagging.update_tag(uow=uow, video_id=video_id, tag_id=tag_id, changes=changes)


async def review_own_tag(
    *, uow: UnitOfWork, access: PartnerAccess, video_id: str, tag_id: str, status: TagStatus
) -> TagView:
    """Approve or reject a suggestion made for the partner's video."""
    await _owned(uow, access, video_id)
    return await tagging.review_tag(
        uow=uow, video_id=video_id, tag_id=tag_id, status=status, operator_id=None
    )


async def delete_own_tag(
    *, uow: UnitOfWork, access: PartnerAccess, video_id: str, tag_id: str
) -> None:
    """Remove a tag of the partner's video."""
    await _owned(uow, access, video_id)
    await tagging.delete_tag(uow=uow, video_id=video_id, tag_id=tag_id)
