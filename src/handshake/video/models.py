"""Entities of the video domain: videos and the product tags placed on moments of them.

Times are whole milliseconds from the start of the video. A hotspot is a list of key frames,
each a box in normalised picture coordinates (0 to 1 from the top-left corner); players move
the box linearly between key frames.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, JSONDocument, created_at_column, id_column, updated_at_column

TITLE_MAX_LENGTH = 200
MEDIA_URL_MAX_LENGTH = 2000


class VideoStatus(StrEnum):
    """Whether viewers may see the video: drafts are the operator's alone."""

    DRAFT = "draft"
    PUBLISHED = "published"


class CallToAction(StrEnum):
    """What tapping the tag offers first."""

    VIEW = "view"
    ADD_TO_CART = "add_to_cart"
    BUY_NOW = "buy_now"


class TagSource(StrEnum):
    """Who placed the tag: a person, or the suggestion from captions."""

    MANUAL = "manual"
    SUGGESTED = "suggested"


class TagStatus(StrEnum):
    """A suggestion waits for a person; only approved tags are shown to viewers."""

    SUGGESTED = "suggested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Video(Base):
    """A video the store or one partner shows, with its captions as WebVTT."""

    __tablename__ = "videos"
    __table_args__ = (
        CheckConstraint("duration_ms > 0", name="duration_positive"),
        Index("ix_videos_owner_partner_id", "owner_partner_id"),
    )

    id: Mapped[str] = id_column()
    # None: the operator's own video, which every video partner may show.
    owner_partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    media_url: Mapped[str] = mapped_column(String(MEDIA_URL_MAX_LENGTH), nullable=False)
    poster_url: Mapped[str | None] = mapped_column(String(MEDIA_URL_MAX_LENGTH))
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    captions_vtt: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=VideoStatus.DRAFT)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class VideoTag(Base):
    """A product variant tagged on a time range of a video, with an optional moving hotspot."""

    __tablename__ = "video_tags"
    __table_args__ = (
        CheckConstraint("start_ms >= 0 AND end_ms > start_ms", name="range_forward"),
        Index("ix_video_tags_video_id_start_ms", "video_id", "start_ms"),
    )

    id: Mapped[str] = id_column()
    video_id: Mapped[str] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), nullable=False
    )
    variant_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product_id: Mapped[str] = mapped_column(String(32), nullable=False)
    start_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    end_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    hotspots: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, nullable=False, default=list
    )
    call_to_action: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # How sure the suggestion was (0 to 1) and the caption words it rests on; None when manual.
    confidence: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
