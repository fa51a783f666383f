"""Videos and tags as response models (shared by the operator and partner APIs)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin

from handshake.offers.rendering import item_document
from handshake.offers.schemas import OfferResultOut
from handshake.video.models import CallToAction, TagSource, TagStatus, Video, VideoStatus
from handshake.video.schemas import (
    KeyFrameIn,
    PartnerTagOut,
    PartnerVideoOut,
    TaggedProductOut,
    TagIn,
    TagOut,
    TrackingOut,
    VideoDetailOut,
    VideoOut,
    key_frames_out,
)
from handshake.video.service import VideoDetail, VideoSummary
from handshake.video.showing import ShownTag
from handshake.video.tagging import TagFields, TagView
from handshake.video.timeline import KeyFrame


def key_frames_in(hotspots: Sequence[KeyFrameIn]) -> tuple[KeyFrame, ...]:
    """Key frames of a request body's hotspots."""
    return tuple(KeyFrame(h.at_ms, h.x, h.y, h.w, h.h) for h in hotspots)


def tag_fields_in(body: TagIn) -> TagFields:
    """What a tag request body places."""
    return TagFields(
        start_ms=body.start_ms, end_ms=body.end_ms, variant_id=body.variant_id, sku=body.sku,
        key_frames=key_frames_in(body.hotspots), call_to_action=body.call_to_action,
    )  # fmt: skip


def tag_out(view: TagView, lang: str = "en") -> TagOut:
    """The operator's view of a tag."""
    tag, variant = view.tag, view.variant
    title = None if variant is None else variant.title(lang)
    return TagOut(
        id=tag.id, video_id=tag.video_id, variant_id=tag.variant_id,
        sku=variant.sku if variant else None, product_id=tag.product_id, title=title,
        start_ms=tag.start_ms, end_ms=tag.end_ms, hotspots=key_frames_out(tag.hotspots),
        call_to_action=CallToAction(tag.call_to_action), source=TagSource(tag.source),
        status=TagStatus(tag.status), confidence=tag.confidence, evidence=tag.evidence,
        reviewed_at=tag.reviewed_at,
    )  # fmt: skip


def _video_fields(video: Video, counts: dict[str, int]) -> dict[str, object]:
    return {
        "id": video.id, "title": video.title, "media_url": video.media_url,
        "poster_url": video.poster_url, "duration_ms": video.duration_ms,
        "language": video.language, "status": VideoStatus(video.status),
        "owner_partner_id": video.owner_partner_id, "has_captions": bool(video.captions_vtt),
        "tag_counts": counts, "created_at": video.created_at, "updated_at": video.updated_at,
    }  # fmt: skip


def video_out(summary: VideoSummary) -> VideoOut:
    """A video in the operator's list."""
    return VideoOut.model_validate(_video_fields(summary.video, dict(summary.tag_counts)))


def video_detail_out(detail: VideoDetail) -> VideoDetailOut:
    """A video with captions and every tag."""
    counts = {s.value: sum(1 for v in detail.tags if v.tag.status == s) for s in TagStatus}
    return VideoDetailOut.model_validate({
        **_video_fields(detail.video, counts), "captions_vtt": detail.video.captions_vtt,
        "tags": [tag_out(v) for v in detail.tags],
    })  # fmt: skip


def absolute(url: str | None, public_url: str) -> str | None:
    """A store path (``/static/…``) as a full URL partners can load."""
    return None if url is None else urljoin(public_url.rstrip("/") + "/", url)


def partner_video_out(video: Video, partner_id: str, public_url: str) -> PartnerVideoOut:
    """A video as a partner sees it."""
    base = f"{public_url.rstrip('/')}/partner/v1/videos/{video.id}"
    return PartnerVideoOut(
        id=video.id, title=video.title, media_url=absolute(video.media_url, public_url) or "",
        poster_url=absolute(video.poster_url, public_url), duration_ms=video.duration_ms,
        language=video.language, owner="you" if video.owner_partner_id == partner_id else "store",
        tags_url=f"{base}/tags", track_url=f"{base}/tags.vtt",
    )  # fmt: skip


def partner_tag_out(
    shown: ShownTag, *, linked: bool, lang: str, placement_id: str
) -> PartnerTagOut:
    """An approved tag with its offer."""
    tag, variant = shown.view.tag, shown.view.variant
    assert variant is not None  # only sold variants are shown
    offer = None
    if shown.offer is not None:
        offer = OfferResultOut.model_validate(item_document(shown.offer, linked=linked, lang=lang))
    product = TaggedProductOut(
        variant_id=variant.variant_id, sku=variant.sku, product_id=variant.product_id,
        title=variant.title(lang),
    )  # fmt: skip
    return PartnerTagOut(
        id=tag.id, start_ms=tag.start_ms, end_ms=tag.end_ms, hotspots=key_frames_out(tag.hotspots),
        call_to_action=CallToAction(tag.call_to_action), product=product, offer=offer,
        tracking=TrackingOut(channel="video", placement_id=placement_id,
                             campaign_id=tag.video_id, creative_id=tag.id),
    )  # fmt: skip
