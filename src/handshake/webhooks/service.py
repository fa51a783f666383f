"""Use cases of the webhooks domain: publish events, replay them, read the delivery log.

Publishing happens inside the caller's transaction: the event, one delivery per subscribed
endpoint and the jobs that send them are committed with the business change, or not at all
(transactional outbox). The event id is the Standard Webhooks ``webhook-id``; every retry and
every replay of the event carries it, so receivers deduplicate on it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.partners import service as partners
from handshake.partners.errors import PartnerSuspended, WebhookEndpointNotFound
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.partners.models import WebhookEndpoint
from handshake.webhooks.delivery_attempts import DELIVER_JOB as DELIVER_JOB
from handshake.webhooks.delivery_attempts import PreparedAttempt as PreparedAttempt
from handshake.webhooks.delivery_attempts import TriedAttempt as TriedAttempt
from handshake.webhooks.delivery_attempts import prepare_attempt as prepare_attempt
from handshake.webhooks.delivery_attempts import prepare_attempts as prepare_attempts
from handshake.webhooks.delivery_attempts import queue_attempt
from handshake.webhooks.delivery_attempts import record_attempt as record_attempt
from handshake.webhooks.delivery_attempts import record_attempts as record_attempts
from handshake.webhooks.delivery_log import DeliveryLog as DeliveryLog
from handshake.webhooks.delivery_log import EventLog as EventLog
from handshake.webhooks.delivery_log import Page as Page
from handshake.webhooks.delivery_log import get_event as get_event
from handshake.webhooks.delivery_log import list_deliveries as list_deliveries
from handshake.webhooks.delivery_log import list_events as list_events
from handshake.webhooks.delivery_log import purge_log as purge_log
from handshake.webhooks.errors import (
    InvalidReplayRange,
    ReplayTooLarge,
    UnknownWebhookEventType,
    WebhookEventNotFound,
    WebhookPayloadTooLarge,
)
from handshake.webhooks.models import DeliveryStatus, DeliveryTrigger, WebhookDelivery, WebhookEvent
from handshake.webhooks.repository import WebhookRepository

# Standard Webhooks asks for small payloads (under 20 KB); this bound protects the database and
# the receivers from a runaway snapshot.
MAX_PAYLOAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReplayResult:
    """How many events matched a replay and the deliveries it queued."""

    events: int
    delivery_ids: list[str] = field(default_factory=list)

    @property
    def queued(self) -> int:
        """Number of deliveries queued."""
        return len(self.delivery_ids)


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialize_event(*, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks body ``{"type", "timestamp", "data"}`` as compact JSON."""
    document = {"type": event_type, "timestamp": _timestamp(occurred_at), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _new_event(partner_id: str, event_type: str, data: dict[str, Any]) -> WebhookEvent:
    if event_type not in WEBHOOK_EVENT_TYPES:
        raise UnknownWebhookEventType(
            f"Unknown webhook event type {event_type!r}.", extra={"event_type": event_type}
        )
    occurred_at = clock.now()
    body = serialize_event(event_type=event_type, occurred_at=occurred_at, data=data)
    size = len(body.encode())
    if size > MAX_PAYLOAD_BYTES:
        raise WebhookPayloadTooLarge(
            f"The {event_type} payload has {size} bytes; at most {MAX_PAYLOAD_BYTES} are sent.",
            extra={"size": size, "limit": MAX_PAYLOAD_BYTES},
        )
    return WebhookEvent(
        id=new_id("msg"),
        partner_id=partner_id,
        event_type=event_type,
        occurred_at=occurred_at,
        body=body,
    )


async def _queue_delivery(
    uow: UnitOfWork, event: WebhookEvent, endpoint_id: str, trigger: DeliveryTrigger
) -> str:
    delivery = WebhookDelivery(
        id=new_id("whd"),
        event_id=event.id,
        partner_id=event.partner_id,
        endpoint_id=endpoint_id,
        trigger=trigger,
        status=DeliveryStatus.PENDING,
        attempt_count=0,
        next_attempt_at=clock.now(),
    )
    uow.repo(WebhookRepository).add(delivery)
    await queue_attempt(uow=uow, delivery_id=delivery.id, number=1)
    return delivery.id


async def publish_event(
    *, uow: UnitOfWork, partner_id: str, event_type: str, data: dict[str, Any]
) -> str:
    """Store an event for a partner and queue its delivery to every subscribed endpoint.

    Call it inside the transaction of the change the event reports. The event is stored even
    when no endpoint subscribes (or the partner is suspended), so it can be replayed later.
    Returns the event id (the ``webhook-id``).
    """
    event = _new_event(partner_id, event_type, data)
    async with uow:
        endpoints = await partners.webhook_endpoints_for(
            uow=uow, partner_id=partner_id, event_type=event_type
        )
        uow.repo(WebhookRepository).add(event)
        await uow.flush()  # the event row first: deliveries reference it
        for endpoint in endpoints:
            await _queue_delivery(uow, event, endpoint.id, DeliveryTrigger.PUBLISH)
        await uow.commit()
    return event.id


async def _replay_targets(
    uow: UnitOfWork, partner_id: str, endpoint_id: str | None
) -> list[WebhookEndpoint]:
    """The partner's endpoints a replay goes to (one when ``endpoint_id`` is given)."""
    partner = await partners.get_partner(uow=uow, partner_id=partner_id)
    if not partner.is_active:
        raise PartnerSuspended(
            f"Partner {partner_id!r} is suspended; nothing is delivered to it.",
            extra={"partner_id": partner_id},
        )
    endpoints = await partners.list_webhook_endpoints(uow=uow, partner_id=partner_id)
    if endpoint_id is None:
        return endpoints
    chosen = [e for e in endpoints if e.id == endpoint_id]
    if not chosen:
        raise WebhookEndpointNotFound(
            f"Partner {partner_id!r} has no webhook endpoint {endpoint_id!r}.",
            extra={"endpoint_id": endpoint_id},
        )
    return chosen


async def _replay(
    uow: UnitOfWork, events: Sequence[WebhookEvent], endpoints: Sequence[WebhookEndpoint]
) -> ReplayResult:
    """Queue each event to each subscribed endpoint, unless a delivery of it is still pending."""
    pending = await uow.repo(WebhookRepository).pending_pairs([e.id for e in events])
    queued = [
        await _queue_delivery(uow, event, endpoint.id, DeliveryTrigger.REPLAY)
        for event in events
        for endpoint in endpoints
        if endpoint.subscribes_to(event.event_type) and (event.id, endpoint.id) not in pending
    ]
    return ReplayResult(events=len(events), delivery_ids=queued)


async def replay_event(
    *, uow: UnitOfWork, partner_id: str, event_id: str, endpoint_id: str | None = None
) -> ReplayResult:
    """Send one of the partner's events again (same ``webhook-id``) to its subscribed endpoints."""
    async with uow:
        event = await uow.repo(WebhookRepository).get_event(partner_id, event_id)
        if event is None:
            raise WebhookEventNotFound(
                f"No webhook event {event_id!r} for this partner.", extra={"event_id": event_id}
            )
        result = await _replay(uow, [event], await _replay_targets(uow, partner_id, endpoint_id))
        await uow.commit()
    return result


async def replay_events(
    *,
    uow: UnitOfWork,
    partner_id: str,
    start: datetime,
    end: datetime,
    max_events: int,
    event_types: Collection[str] = (),
    endpoint_id: str | None = None,
) -> ReplayResult:
    """Send again the partner's events with ``start <= occurred_at < end`` (at most max_events)."""
    if start >= end:
        raise InvalidReplayRange("The replay range must start before it ends.")
    async with uow:
        endpoints = await _replay_targets(uow, partner_id, endpoint_id)
        events = await uow.repo(WebhookRepository).events_in_range(
            partner_id, start=start, end=end, event_types=event_types, limit=max_events + 1
        )
        if len(events) > max_events:
            raise ReplayTooLarge(
                f"More than {max_events} events match; replay a shorter range.",
                extra={"limit": max_events},
            )
        result = await _replay(uow, events, endpoints)
        await uow.commit()
    return result
