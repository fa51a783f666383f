"""JSON API of the webhooks domain: the delivery log and replays, for operators and partners.

Operators read and replay any partner's events under ``/api/v1/admin/partners/{partner_id}``;
a partner reads and replays its own under ``/partner/v1/webhooks`` (another partner's events
answer 404, exactly like events that do not exist).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Body, Depends, Query

from handshake.accounts.deps import CurrentOperator
from handshake.db.uow import UnitOfWork
from handshake.partners.deps import AuthenticatedPartnerClient
from handshake.settings import Settings
from handshake.web.deps import AppSettings, ReadUow, WriteUow
from handshake.web.routing import DomainRouter
from handshake.webhooks import service
from handshake.webhooks.models import DeliveryStatus, DeliveryTrigger
from handshake.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryPage,
    EventOut,
    EventPage,
    EventReplay,
    RangeReplay,
    ReplayOut,
    UtcTime,
)

TAG = "webhooks"
EventTypes = Annotated[
    list[str] | None, Query(alias="event_type", description="Only these types (repeatable).")
]
Since = Annotated[UtcTime | None, Query(description="Only events at or after this time.")]
Until = Annotated[UtcTime | None, Query(description="Only events before this time.")]
Before = Annotated[
    str | None, Query(max_length=32, description="The next_cursor of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
StatusFilter = Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")]
EndpointFilter = Annotated[str | None, Query(max_length=32, description="Only to this endpoint.")]
OptionalEventReplay = Annotated[EventReplay | None, Body()]


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing or bad credentials",
        403: "Not allowed (e.g. partner_suspended, not_an_operator)",
        404: "Partner, event or endpoint not found",
        422: "Invalid input (e.g. invalid_replay_range, replay_too_large)",
    }
    return {
        code: {"description": descriptions[code], "content": {"application/problem+json": {}}}
        for code in statuses
    }


async def _require_operator(operator: CurrentOperator) -> None:
    """Every admin route needs an operator (API key or operator session)."""


admin = DomainRouter(
    prefix="/api/v1/admin/partners/{partner_id}",
    tags=[TAG],
    dependencies=[Depends(_require_operator)],
    responses=_problems(401, 403),
)
partner_api = DomainRouter(prefix="/partner/v1/webhooks", tags=[TAG], responses=_problems(401, 403))


def _delivery_out(log: service.DeliveryLog) -> DeliveryOut:
    d = log.delivery
    return DeliveryOut(
        id=d.id,
        event_id=d.event_id,
        endpoint_id=d.endpoint_id,
        trigger=DeliveryTrigger(d.trigger),
        status=DeliveryStatus(d.status),
        attempt_count=d.attempt_count,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        finished_at=d.finished_at,
        attempts=[AttemptOut.model_validate(a) for a in log.attempts],
    )


def _event_out(log: service.EventLog) -> EventOut:
    return EventOut(
        id=log.event.id,
        event_type=log.event.event_type,
        occurred_at=log.event.occurred_at,
        payload=json.loads(log.event.body),
        deliveries=[_delivery_out(d) for d in log.deliveries],
    )


def _replay_out(result: service.ReplayResult) -> ReplayOut:
    return ReplayOut(events=result.events, queued=result.queued, delivery_ids=result.delivery_ids)


async def _events(
    uow: UnitOfWork,
    partner_id: str,
    event_types: list[str] | None,
    since: UtcTime | None,
    until: UtcTime | None,
    before: str | None,
    limit: int,
) -> EventPage:
    page = await service.list_events(
        uow=uow,
        partner_id=partner_id,
        event_types=event_types or (),
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
    return EventPage(items=[_event_out(e) for e in page.items], next_cursor=page.next_cursor)


async def _deliveries(
    uow: UnitOfWork,
    partner_id: str,
    status: DeliveryStatus | None,
    endpoint_id: str | None,
    before: str | None,
    limit: int,
) -> DeliveryPage:
    page = await service.list_deliveries(
        uow=uow,
        partner_id=partner_id,
        status=status,
        endpoint_id=endpoint_id,
        before=before,
        limit=limit,
    )
    return DeliveryPage(items=[_delivery_out(d) for d in page.items], next_cursor=page.next_cursor)


async def _replay_one(
    uow: UnitOfWork, partner_id: str, event_id: str, body: EventReplay | None
) -> ReplayOut:
    result = await service.replay_event(
        uow=uow,
        partner_id=partner_id,
        event_id=event_id,
        endpoint_id=body.endpoint_id if body else None,
    )
    return _replay_out(result)


async def _replay_range(
    uow: UnitOfWork, partner_id: str, body: RangeReplay, settings: Settings
) -> ReplayOut:
    result = await service.replay_events(
        uow=uow,
        partner_id=partner_id,
        start=body.start,
        end=body.end,
        event_types=body.event_types,
        endpoint_id=body.endpoint_id,
        max_events=settings.webhooks.replay_max_events,
    )
    return _replay_out(result)


@admin.get(
    "/webhook-events",
    summary="A partner's webhook events, newest first, with every delivery and attempt",
    response_model=EventPage,
    responses=_problems(404, 422),
)
async def admin_list_events(
    partner_id: str,
    uow: ReadUow,
    event_types: EventTypes = None,
    since: Since = None,
    until: Until = None,
    before: Before = None,
    limit: Limit = 50,
) -> EventPage:
    """A partner's webhook events, newest first, with every delivery and attempt."""
    return await _events(uow, partner_id, event_types, since, until, before, limit)


@admin.get(
    "/webhook-events/{event_id}",
    summary="One webhook event of a partner with its deliveries and attempts",
    response_model=EventOut,
    responses=_problems(404),
)
async def admin_get_event(partner_id: str, event_id: str, uow: ReadUow) -> EventOut:
    """One webhook event of a partner with its deliveries and attempts."""
    return _event_out(await service.get_event(uow=uow, partner_id=partner_id, event_id=event_id))


@admin.get(
    "/webhook-deliveries",
    summary="A partner's webhook deliveries, newest first (status=dead: the dead letters)",
    response_model=DeliveryPage,
    responses=_problems(404, 422),
)
async def admin_list_deliveries(
    partner_id: str,
    uow: ReadUow,
    status: StatusFilter = None,
    endpoint_id: EndpointFilter = None,
    before: Before = None,
    limit: Limit = 50,
) -> DeliveryPage:
    """A partner's webhook deliveries, newest first (status=dead: the dead letters)."""
    return await _deliveries(uow, partner_id, status, endpoint_id, before, limit)


@admin.post(
    "/webhook-events/{event_id}/replay",
    summary="Send an event again (same webhook-id) to the partner's subscribed endpoints",
    status_code=202,
    response_model=ReplayOut,
    responses=_problems(404, 422),
)
async def admin_replay_event(
    partner_id: str, event_id: str, uow: WriteUow, body: OptionalEventReplay = None
) -> ReplayOut:
    """Send an event again (same webhook-id) to the partner's subscribed endpoints."""
    return await _replay_one(uow, partner_id, event_id, body)


@admin.post(
    "/webhook-events/replay",
    summary="Send again every event of a partner in a time range",
    status_code=202,
    response_model=ReplayOut,
    responses=_problems(404, 422),
)
async def admin_replay_range(
    partner_id: str, body: RangeReplay, uow: WriteUow, settings: AppSettings
) -> ReplayOut:
    """Send again every event of a partner in a time range."""
    return await _replay_range(uow, partner_id, body, settings)


@partner_api.get(
    "/events",
    summary="Your webhook events, newest first, with every delivery and attempt",
    response_model=EventPage,
    responses=_problems(422),
)
async def partner_list_events(
    caller: AuthenticatedPartnerClient,
    uow: ReadUow,
    event_types: EventTypes = None,
    since: Since = None,
    until: Until = None,
    before: Before = None,
    limit: Limit = 50,
) -> EventPage:
    """Your webhook events, newest first, with every delivery and attempt."""
    return await _events(uow, caller.partner_id, event_types, since, until, before, limit)


@partner_api.get(
    "/events/{event_id}",
    summary="One of your webhook events with its deliveries and attempts",
    response_model=EventOut,
    responses=_problems(404),
)
async def partner_get_event(
    event_id: str, caller: AuthenticatedPartnerClient, uow: ReadUow
) -> EventOut:
    """One of your webhook events with its deliveries and attempts."""
    log = await service.get_event(uow=uow, partner_id=caller.partner_id, event_id=event_id)
    return _event_out(log)


@partner_api.get(
    "/deliveries",
    summary="Your webhook deliveries, newest first (status=dead: the dead letters)",
    response_model=DeliveryPage,
    responses=_problems(422),
)
async def partner_list_deliveries(
    caller: AuthenticatedPartnerClient,
    uow: ReadUow,
    status: StatusFilter = None,
    endpoint_id: EndpointFilter = None,
    before: Before = None,
    limit: Limit = 50,
) -> DeliveryPage:
    """Your webhook deliveries, newest first (status=dead: the dead letters)."""
    return await _deliveries(uow, caller.partner_id, status, endpoint_id, before, limit)


@partner_api.post(
    "/events/{event_id}/replay",
    summary="Send one of your events again (same webhook-id) to your subscribed endpoints",
    status_code=202,
    response_model=ReplayOut,
    responses=_problems(404, 422),
)
async def partner_replay_event(
    event_id: str,
    caller: AuthenticatedPartnerClient,
    uow: WriteUow,
    body: OptionalEventReplay = None,
) -> ReplayOut:
    """Send one of your events again (same webhook-id) to your subscribed endpoints."""
    return await _replay_one(uow, caller.partner_id, event_id, body)


@partner_api.post(
    "/events/replay",
    summary="Send again every one of your events in a time range",
    status_code=202,
    response_model=ReplayOut,
    responses=_problems(404, 422),
)
async def partner_replay_range(
    body: RangeReplay, caller: AuthenticatedPartnerClient, uow: WriteUow, settings: AppSettings
) -> ReplayOut:
    """Send again every one of your events in a time range."""
    return await _replay_range(uow, caller.partner_id, body, settings)


router = DomainRouter()
router.include_router(admin)
router.include_router(partner_api)
