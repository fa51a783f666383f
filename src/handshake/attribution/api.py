"""JSON API of ad events: partners report impressions, views, clicks and add-to-carts.

Both a linked shopper's token and a client-credentials token (anonymous events) are accepted;
either needs the ``offers`` scope. The token says who the shopper is, never the body.
The operators' report API (``admin_api``) is included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from handshake.attribution import admin_api, partner_api, service
from handshake.attribution.schemas import (
    AdEventStatusOut,
    BatchOut,
    ClickOut,
    EventBatch,
    RejectedEventOut,
)
from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.web.deps import ReadUow, WriteUow, built_once
from handshake.web.routing import DomainRouter

EventsAccess = Annotated[PartnerAccess, Depends(require_scopes("offers", shopper=False))]
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, expired or revoked access token", **PROBLEM},
    403: {"description": "insufficient_scope or partner_suspended", **PROBLEM},
}

events = DomainRouter(prefix="/partner/v1/events", tags=["attribution"], responses=ERRORS)


async def event_policy(request: Request) -> service.EventPolicy:
    """The app's event policy, built once per application."""
    return built_once(request, "event_policy", service.EventPolicy.from_settings)


Policy = Annotated[service.EventPolicy, Depends(event_policy)]


def _source(access: PartnerAccess) -> service.EventSource:
    return service.EventSource(
        partner_id=access.partner_id,
        partner_kind=access.partner_kind,
        shopper_id=access.shopper_id,
        grant_id=access.grant_id,
    )


@events.post(
    "",
    summary="Report a batch of ad events (deduplicated by event_id; clicks get a click id)",
    status_code=202,
    response_model=BatchOut,
    responses={422: {"description": "event_batch_too_large or a malformed body", **PROBLEM}},
)
async def report_events(
    body: EventBatch, access: EventsAccess, uow: WriteUow, policy: Policy
) -> BatchOut:
    """Keep the batch's valid new events for attribution; bad ones are listed with the reason."""
    outcome = await service.accept_events(
        uow=uow, policy=policy, source=_source(access), events=body.events
    )
    return BatchOut(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        rejected=[
            RejectedEventOut(index=r.index, event_id=r.event_id, code=r.code, reason=r.reason)
            for r in outcome.rejected
        ],
        clicks=[
            ClickOut(index=c.index, event_id=c.event_id, click_id=c.click_id)
            for c in outcome.clicks
        ],
    )


@events.get(
    "/{event_id}",
    summary="One of your accepted ad events: queued or stored",
    response_model=AdEventStatusOut,
    responses={404: {"description": "ad_event_not_found", **PROBLEM}},
)
async def get_event(event_id: str, access: EventsAccess, uow: ReadUow) -> AdEventStatusOut:
    """Where one of your accepted events is (for debugging an integration)."""
    view = await service.get_event_status(uow=uow, partner_id=access.partner_id, event_id=event_id)
    return AdEventStatusOut(
        event_id=view.event_id,
        type=view.kind,
        status=view.status,
        received_at=view.received_at,
        click_id=view.click_id,
        occurred_at=view.occurred_at,
        channel=view.channel,
        variant_id=view.variant_id,
    )


router = DomainRouter()
router.include_router(events)
router.include_router(admin_api.router)
router.include_router(partner_api.router)
