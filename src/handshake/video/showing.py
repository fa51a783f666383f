"""Use cases of viewers' apps: the videos a partner may show, their tags with live offers, and
the tags as a WebVTT metadata track.

A video partner sees the store's published videos and its own; other kinds of partner get
``partner_kind_not_allowed``. Viewers only ever see approved tags of variants still sold.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.db.uow import UnitOfWork
from handshake.linking.service import PartnerAccess
from handshake.offers import service as offers
from handshake.offers.composition import Offer
from handshake.offers.service import OfferBatch, OfferItem, OfferPolicy, OfferRequest
from handshake.partners.kinds import PartnerKind
from handshake.video.errors import VideoNotFound, VideoPartnerOnly
from handshake.video.metadata_track import TrackCue, metadata_track
from handshake.video.models import TagStatus, Video, VideoStatus
from handshake.video.repository import VideoRepository
from handshake.video.service import VideoSummary, list_videos
from handshake.video.tagging import TagView, tag_views


@dataclass(frozen=True)
class ShownTag:
    """An approved tag with its offer for the caller (None when the variant is not sold)."""

    view: TagView
    offer: OfferItem | None


@dataclass(frozen=True)
class ShownVideo:
    """A video's approved tags with live offers, and whether they are the shopper's own."""

    video: Video
    tags: list[ShownTag]
    linked: bool
    link_account_url: str | None


def _check_kind(access: PartnerAccess) -> None:
    if access.partner_kind is not PartnerKind.VIDEO:
        raise VideoPartnerOnly("Only partners of kind video show videos.")


def visible_to(video: Video, partner_id: str | None) -> bool:
    """Whether a partner (None: the store's own pages) may show ``video``."""
    if video.status != VideoStatus.PUBLISHED:
        return False
    return video.owner_partner_id is None or video.owner_partner_id == partner_id


async def partner_videos(*, uow: UnitOfWork, access: PartnerAccess) -> list[VideoSummary]:
    """The published videos the partner may show: the store's and its own."""
    _check_kind(access)
    return await list_videos(uow=uow, owners=[None, access.partner_id], published_only=True)


async def _shown(
    uow: UnitOfWork, video_id: str, partner_id: str | None, *, operator: bool = False
) -> tuple[Video, list[TagView]]:
    """The video and its approved tags of sold variants; the operator sees any video."""
    async with uow:
        repo = uow.repo(VideoRepository)
        video = await repo.video(video_id)
        if video is None or not (operator or visible_to(video, partner_id)):
            raise VideoNotFound(f"No video {video_id}.")
        tags = await repo.tags(video.id, statuses=[TagStatus.APPROVED.value])
        views = await tag_views(repo, tags)
    sold = [v for v in views if v.variant is not None and v.variant.product_active]
    return video, sold


async def shown_video(
    *, uow: UnitOfWork, access: PartnerAccess, video_id: str
) -> tuple[Video, list[TagView]]:
    """A video the partner may show, with its approved tags (no offers)."""
    _check_kind(access)
    return await _shown(uow, video_id, access.partner_id)


async def video_offers(
    *,
    uow: UnitOfWork,
    writer: UnitOfWork,
    policy: OfferPolicy,
    access: PartnerAccess,
    video_id: str,
    placement_id: str,
    lang: str = "en",
) -> ShownVideo:
    """Approved tags with live offers: the linked shopper's (with offer tokens) or anyone's."""
    video, views = await shown_video(uow=uow, access=access, video_id=video_id)
    items: dict[str, OfferItem] = {}
    batch: OfferBatch | None = None
    for chunk in _sku_batches(views):
        request = OfferRequest(
            references=tuple(("sku", s) for s in chunk), placement_id=placement_id,
            campaign_id=video.id, lang=lang,
        )  # fmt: skip
        batch = await offers.present_offers(
            uow=uow, writer=writer, policy=policy, access=access, request=request
        )
        items |= {item.reference[1]: item for item in batch.items}
    linked = access.shopper_id is not None
    url = (
        batch.link_account_url
        if batch
        else (None if linked else offers.link_account_url(policy, access))
    )
    shown = [ShownTag(v, items.get(v.variant.sku) if v.variant else None) for v in views]
    return ShownVideo(video, shown, linked, url)


def _sku_batches(views: list[TagView]) -> list[list[str]]:
    """The tags' distinct SKUs in batches the offers engine answers in one call."""
    skus = list(dict.fromkeys(v.variant.sku for v in views if v.variant is not None))
    return [skus[i : i + offers.MAX_BATCH] for i in range(0, len(skus), offers.MAX_BATCH)]


def _cue(view: TagView, lang: str) -> TrackCue:
    variant = view.variant
    assert variant is not None  # only sold variants are shown
    payload = {
        "tag_id": view.tag.id, "sku": variant.sku, "variant_id": variant.variant_id,
        "product_id": variant.product_id, "title": variant.title(lang),
        "call_to_action": view.tag.call_to_action,
        "hotspots": [f.as_document() for f in view.key_frames],
    }  # fmt: skip
    return TrackCue(view.tag.id, view.tag.start_ms, view.tag.end_ms, payload)


async def tags_track(
    *, uow: UnitOfWork, video_id: str, partner_id: str | None, lang: str = "en"
) -> str:
    """The approved tags as a WebVTT metadata track (None partner: the store's own pages)."""
    video, views = await _shown(uow, video_id, partner_id)
    return metadata_track(video.id, [_cue(v, lang) for v in views])


async def partner_tags_track(
    *, uow: UnitOfWork, access: PartnerAccess, video_id: str, lang: str = "en"
) -> str:
    """The track of a video the partner may show."""
    _check_kind(access)
    return await tags_track(uow=uow, video_id=video_id, partner_id=access.partner_id, lang=lang)


async def operator_tags_track(*, uow: UnitOfWork, video_id: str, lang: str = "en") -> str:
    """The track of any video, draft or not, for the operator's preview and export."""
    video, views = await _shown(uow, video_id, None, operator=True)
    return metadata_track(video.id, [_cue(v, lang) for v in views])


@dataclass(frozen=True)
class StoreVideo:
    """A store video for the shop's own player: its tags and the shopper's offers by SKU."""

    video: Video
    tags: list[TagView]
    offers: dict[str, Offer]


async def store_videos(*, uow: UnitOfWork) -> list[VideoSummary]:
    """The store's own published videos, newest first."""
    return await list_videos(uow=uow, owners=[None], published_only=True)


async def store_video(
    *, uow: UnitOfWork, policy: OfferPolicy, shopper_id: str | None, video_id: str
) -> StoreVideo:
    """A published store video with the signed-in shopper's (or anyone's) offers."""
    video, views = await _shown(uow, video_id, None)
    found: dict[str, Offer] = {}
    for chunk in _sku_batches(views):
        found |= await offers.store_offers(
            uow=uow, policy=policy, shopper_id=shopper_id, skus=chunk
        )
    return StoreVideo(video, views, found)
