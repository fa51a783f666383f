"""Dashboard page of a partner's webhook delivery log, with replay of one event or a range.

A replay queues a new delivery of the same event (same ``webhook-id``) to each subscribed
endpoint, unless one is still pending; the log then shows it with trigger ``replay``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import PageOperator, PagePost
from handshake.kernel.errors import DomainError
from handshake.partners import service as partners
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.web.admin_pages import render_admin, see_other, submit_form
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter
from handshake.webhooks import service
from handshake.webhooks.errors import InvalidReplayRange

router = DomainRouter(prefix="/admin/partners", include_in_schema=False)
PAGE_SIZE = 50


def _log_path(partner_id: str) -> str:
    return f"/admin/partners/{partner_id}/webhooks"


async def _log_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    partner_id: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    event_type = request.query_params.get("event_type") or ""
    before = request.query_params.get("before") or None
    page = await service.list_events(
        uow=uow, partner_id=partner_id, before=before, limit=PAGE_SIZE,
        event_types=[event_type] if event_type else (),
    )  # fmt: skip
    endpoints = await partners.list_webhook_endpoints(uow=uow, partner_id=partner_id)
    context: dict[str, Any] = {
        "operator": operator,
        "partner": await partners.get_partner(uow=uow, partner_id=partner_id),
        "events": page.items,
        "next_cursor": page.next_cursor,
        "endpoint_urls": {e.id: e.url for e in endpoints},
        "event_types": list(WEBHOOK_EVENT_TYPES),
        "event_type": event_type,
    }
    return render_admin(
        request, "webhooks/admin/log.html", context, section="partners", error=error, values=values
    )


@router.get("/{partner_id}/webhooks", response_class=HTMLResponse)
async def delivery_log_page(
    partner_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """The partner's webhook events, newest first, each with its deliveries and attempts."""
    return await _log_page(request, operator, uow, partner_id)


@router.post("/{partner_id}/webhooks/events/{event_id}/replay", response_class=HTMLResponse)
async def replay_event_submit(partner_id: str, event_id: str, post: PagePost) -> Response:
    """Send one event again to its subscribed endpoints."""
    try:
        await service.replay_event(uow=post.uow, partner_id=partner_id, event_id=event_id)
    except DomainError as error:
        return await _log_page(post.request, post.operator, post.reader, partner_id, error)
    return see_other(f"{_log_path(partner_id)}?done=replayed")


def _moment(text: str, name: str) -> datetime:
    """A ``datetime-local`` field's value, read as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidReplayRange(f"Give the {name} time as YYYY-MM-DDTHH:MM (UTC).") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.post("/{partner_id}/webhooks/replay", response_class=HTMLResponse)
async def replay_range_submit(partner_id: str, post: PagePost, settings: AppSettings) -> Response:
    """Send again every event that occurred in a time range (optionally of one type)."""

    async def work(values: dict[str, str]) -> object:
        event_type = values.get("event_type") or ""
        return await service.replay_events(
            uow=post.uow, partner_id=partner_id,
            start=_moment(values.get("start", ""), "start"),
            end=_moment(values.get("end", ""), "end"),
            event_types=[event_type] if event_type else (),
            max_events=settings.webhooks.replay_max_events,
        )  # fmt: skip

    page = (post.request, post.operator, post.reader, partner_id)
    done = f"{_log_path(partner_id)}?done=replayed"
    return await submit_form(post.request, work, refused=partial(_log_page, *page), done=done)
