"""Request and response bodies of the webhooks API (delivery log and replay)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from handshake.webhooks.models import AttemptOutcome, DeliveryStatus, DeliveryTrigger

EventTypeName = Annotated[str, Field(min_length=1, max_length=100)]
ResourceId = Annotated[str, Field(min_length=1, max_length=32)]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


UtcTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class Request(BaseModel):
    """Base of request bodies: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class AttemptOut(BaseModel):
    """One HTTP try: where it went, how the receiver answered and how long it took."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    attempted_at: datetime
    url: str
    outcome: AttemptOutcome
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None


class DeliveryOut(BaseModel):
    """An event's delivery to one endpoint and its tries."""

    id: str
    event_id: str
    endpoint_id: str | None
    trigger: DeliveryTrigger
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempts: list[AttemptOut]


class EventOut(BaseModel):
    """An event (``id`` is its ``webhook-id``), the exact payload sent, and its deliveries."""

    id: str
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]
    deliveries: list[DeliveryOut]


class EventPage(BaseModel):
    """Events, newest first; pass ``next_cursor`` as ``before`` for the next page."""

    items: list[EventOut]
    next_cursor: str | None


class DeliveryPage(BaseModel):
    """Deliveries, newest first; pass ``next_cursor`` as ``before`` for the next page."""

    items: list[DeliveryOut]
    next_cursor: str | None


class EventReplay(Request):
    """Replay one event; to one endpoint only when ``endpoint_id`` is given."""

    endpoint_id: ResourceId | None = None


class RangeReplay(Request):
    """Replay the events with ``from <= occurred_at < to`` (``from`` before ``to``)."""

    start: UtcTime = Field(alias="from")
    end: UtcTime = Field(alias="to")
    event_types: list[EventTypeName] = Field(default_factory=list, max_length=50)
    endpoint_id: ResourceId | None = None


class ReplayOut(BaseModel):
    """What a replay queued: the matched events and one delivery per event and endpoint."""

    events: int
    queued: int
    delivery_ids: list[str]
