"""Request and response bodies of the ad events API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from handshake.attribution.models import AdEventStatus

# A hard ceiling of the schema; ``attribution.max_batch_events`` (at most this) is the real one.
BATCH_CEILING = 1000
EVENT_FIELDS_DOC = (
    "Each event: `event_id` (yours, 1–100 characters, deduplicates retries), `type`"
    " (impression, view, click, add_to_cart), `occurred_at` (RFC 3339 with offset), optional"
    " `channel` (feed_ad, video, assistant, device_suggestion; default from your partner kind),"
    " `placement_id`, `campaign_id`, `creative_id` (strings up to 100), the product as `sku`,"
    " `gtin` or `variant_id`, optional `offer_token` and `metadata` (up to 20 scalar values)."
)


class EventBatch(BaseModel):
    """A batch of ad events; each is validated on its own (see ``rejected``)."""

    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1, max_length=BATCH_CEILING, description=EVENT_FIELDS_DOC
    )


class RejectedEventOut(BaseModel):
    """An event that was not kept: its position in the batch and why."""

    index: int
    event_id: str | None
    code: str
    reason: str


class ClickOut(BaseModel):
    """The click id of a click event: pass it to checkout to tie the order to the ad."""

    index: int
    event_id: str
    click_id: str


class BatchOut(BaseModel):
    """What became of the batch; storage for attribution happens shortly after."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEventOut]
    clicks: list[ClickOut]


class AdEventStatusOut(BaseModel):
    """An accepted event: queued for storage, or stored (then with its stored facts)."""

    event_id: str
    type: str
    status: AdEventStatus
    received_at: datetime
    click_id: str | None
    occurred_at: datetime | None
    channel: str | None
    variant_id: str | None
