"""Request and response bodies of the video APIs (operator and partner)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from handshake.offers.schemas import OfferResultOut
from handshake.video.models import CallToAction, TagSource, TagStatus, VideoStatus

CAPTIONS_DOC = "Captions or transcript as a WebVTT document (cues must end within the video)."


class StudioVideoIn(BaseModel):
    """A new video of the calling partner."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    media_url: str = Field(min_length=1, max_length=2000, description="http(s) URL")
    duration_ms: int = Field(gt=0)
    language: str = Field(min_length=2, max_length=16, examples=["en", "fr"])
    captions_vtt: str | None = Field(default=None, description=CAPTIONS_DOC)
    poster_url: str | None = Field(default=None, max_length=2000)
    status: VideoStatus = VideoStatus.DRAFT


class VideoIn(StudioVideoIn):
    """A new video: the store's own, or a video partner's (``owner_partner_id``)."""

    media_url: str = Field(min_length=1, max_length=2000, description="http(s) URL or /path")
    owner_partner_id: str | None = Field(default=None, max_length=32)


class StudioVideoPatch(BaseModel):
    """Fields of the partner's video to change; ``captions_vtt: null`` removes the captions."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    media_url: str | None = Field(default=None, min_length=1, max_length=2000)
    duration_ms: int | None = Field(default=None, gt=0)
    language: str | None = Field(default=None, min_length=2, max_length=16)
    captions_vtt: str | None = Field(default=None, description=CAPTIONS_DOC)
    poster_url: str | None = Field(default=None, max_length=2000)
    status: VideoStatus | None = None


class VideoPatch(StudioVideoPatch):
    """Fields to change, the owner too (``null``: the store's)."""

    owner_partner_id: str | None = Field(default=None, max_length=32)


class KeyFrameIn(BaseModel):
    """Where the product is at ``at_ms``: a box from the top-left corner, 0 to 1 of the picture."""

    model_config = ConfigDict(extra="forbid")

    at_ms: int = Field(ge=0)
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(gt=0, le=1)
    h: float = Field(gt=0, le=1)


class KeyFrameOut(BaseModel):
    """A hotspot key frame."""

    at_ms: int
    x: float
    y: float
    w: float
    h: float


class TagIn(BaseModel):
    """A tag placed by a person: the variant by ``variant_id`` or ``sku``."""

    model_config = ConfigDict(extra="forbid")

    variant_id: str | None = Field(default=None, max_length=32)
    sku: str | None = Field(default=None, max_length=64)
    start_ms: int = Field(ge=0)
    end_ms: int = Field(gt=0)
    hotspots: list[KeyFrameIn] = Field(default_factory=list, max_length=60)
    call_to_action: CallToAction = CallToAction.VIEW


class TagPatch(BaseModel):
    """Changes to a tag (a range moved by the editor, another variant, a new hotspot…)."""

    model_config = ConfigDict(extra="forbid")

    variant_id: str | None = Field(default=None, max_length=32)
    sku: str | None = Field(default=None, max_length=64)
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, gt=0)
    hotspots: list[KeyFrameIn] | None = Field(default=None, max_length=60)
    call_to_action: CallToAction | None = None


class ReviewIn(BaseModel):
    """A person's decision on a tag."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["approved", "rejected"]


class TagOut(BaseModel):
    """A tag as the operator sees it (suggestions with their confidence and evidence)."""

    id: str
    video_id: str
    variant_id: str
    sku: str | None
    product_id: str
    title: str | None
    start_ms: int
    end_ms: int
    hotspots: list[KeyFrameOut]
    call_to_action: CallToAction
    source: TagSource
    status: TagStatus
    confidence: float | None
    evidence: str | None
    reviewed_at: datetime | None


class VideoOut(BaseModel):
    """A video with its tag counts by status."""

    id: str
    title: str
    media_url: str
    poster_url: str | None
    duration_ms: int
    language: str
    status: VideoStatus
    owner_partner_id: str | None
    has_captions: bool
    tag_counts: dict[str, int]
    created_at: datetime
    updated_at: datetime


class VideoDetailOut(VideoOut):
    """A video with its captions and every tag."""

    captions_vtt: str | None
    tags: list[TagOut]


class VideoListOut(BaseModel):
    """Videos, newest first."""

    items: list[VideoOut]


class SuggestionRunOut(BaseModel):
    """A suggestion run: the new suggestions, and mentions left out."""

    suggested: list[TagOut]
    skipped: int


class TaggedProductOut(BaseModel):
    """The variant a tag shows."""

    variant_id: str
    sku: str
    product_id: str
    title: str


class PartnerVideoOut(BaseModel):
    """A video a partner may show, with where to read its tags."""

    id: str
    title: str
    media_url: str
    poster_url: str | None
    duration_ms: int
    language: str
    owner: Literal["store", "you"]
    tags_url: str
    track_url: str


class PartnerVideoListOut(BaseModel):
    """The videos the partner may show."""

    items: list[PartnerVideoOut]


class TrackingOut(BaseModel):
    """Fields to put on this tag's ad events (``POST /partner/v1/events``) for attribution."""

    channel: Literal["video"]
    placement_id: str
    campaign_id: str
    creative_id: str


class PartnerTagOut(BaseModel):
    """An approved tag with the live offer of its variant (``offer`` as in the offers API)."""

    id: str
    start_ms: int
    end_ms: int
    hotspots: list[KeyFrameOut]
    call_to_action: CallToAction
    product: TaggedProductOut
    offer: OfferResultOut | None
    tracking: TrackingOut


class PartnerTagsOut(BaseModel):
    """A video's tags with offers: the linked shopper's (with offer tokens), or anyone's."""

    video: PartnerVideoOut
    linked: bool
    link_account_url: str | None
    tags: list[PartnerTagOut]


def key_frames_out(documents: list[dict[str, Any]]) -> list[KeyFrameOut]:
    """Stored key frames as response models."""
    return [KeyFrameOut.model_validate(d) for d in documents]
