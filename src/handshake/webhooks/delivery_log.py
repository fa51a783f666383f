"""The delivery log (re-exported by service): events, deliveries and attempts, and its purge.

Every read is scoped to one partner: an event or delivery of another partner is never returned,
so the same functions serve operators (any partner) and partners (their own only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.partners import service as partners
from handshake.webhooks.errors import WebhookEventNotFound
from handshake.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent
from handshake.webhooks.repository import EventFilter, WebhookRepository

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class DeliveryLog:
    """A delivery and its attempts, in order."""

    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


@dataclass(frozen=True)
class EventLog:
    """An event and every delivery made of it."""

    event: WebhookEvent
    deliveries: list[DeliveryLog]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page, newest first; ``next_cursor`` fetches the following one (None at the end)."""

    items: list[T]
    next_cursor: str | None


async def _delivery_logs(
    repo: WebhookRepository, deliveries: Sequence[WebhookDelivery]
) -> list[DeliveryLog]:
    attempts: defaultdict[str, list[WebhookAttempt]] = defaultdict(list)
    for attempt in await repo.attempts_of([d.id for d in deliveries]):
        attempts[attempt.delivery_id].append(attempt)
    return [DeliveryLog(delivery=d, attempts=attempts[d.id]) for d in deliveries]


async def _event_logs(repo: WebhookRepository, events: Sequence[WebhookEvent]) -> list[EventLog]:
    deliveries = await _delivery_logs(repo, await repo.deliveries_of([e.id for e in events]))
    by_event: defaultdict[str, list[DeliveryLog]] = defaultdict(list)
    for log in deliveries:
        by_event[log.delivery.event_id].append(log)
    return [EventLog(event=e, deliveries=by_event[e.id]) for e in events]


def _split(rows: Sequence[T], limit: int) -> tuple[list[T], bool]:
    """The first ``limit`` rows, and whether more followed (``limit + 1`` rows are read)."""
    return list(rows[:limit]), len(rows) > limit


async def list_events(
    *,
    uow: UnitOfWork,
    partner_id: str,
    event_types: Collection[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    before: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[EventLog]:
    """The partner's events (``since <= occurred_at < until``), newest first, with the log."""
    where = EventFilter(event_types=event_types, since=since, until=until, before_id=before)
    async with uow:
        await partners.get_partner(uow=uow, partner_id=partner_id)
        repo = uow.repo(WebhookRepository)
        rows = await repo.list_events(partner_id, where=where, limit=limit + 1)
        events, more = _split(rows, limit)
        cursor = events[-1].id if more and events else None
        return Page(items=await _event_logs(repo, events), next_cursor=cursor)


async def get_event(*, uow: UnitOfWork, partner_id: str, event_id: str) -> EventLog:
    """One of the partner's events with its deliveries and attempts."""
    async with uow:
        repo = uow.repo(WebhookRepository)
        event = await repo.get_event(partner_id, event_id)
        if event is None:
            raise WebhookEventNotFound(
                f"No webhook event {event_id!r} for this partner.", extra={"event_id": event_id}
            )
        return (await _event_logs(repo, [event]))[0]


async def list_deliveries(
    *,
    uow: UnitOfWork,
    partner_id: str,
    status: DeliveryStatus | None = None,
    endpoint_id: str | None = None,
    before: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[DeliveryLog]:
    """The partner's deliveries, newest first (``status=dead``: the dead letters)."""
    async with uow:
        await partners.get_partner(uow=uow, partner_id=partner_id)
        repo = uow.repo(WebhookRepository)
        rows = await repo.list_deliveries(
            partner_id,
            status=status.value if status else None,
            endpoint_id=endpoint_id,
            before_id=before,
            limit=limit + 1,
        )
        deliveries, more = _split(rows, limit)
        cursor = deliveries[-1].id if more and deliveries else None
        return Page(items=await _delivery_logs(repo, deliveries), next_cursor=cursor)


async def purge_log(*, uow: UnitOfWork, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete events older than ``older_than`` (and their log) unless a try is still pending."""
    cutoff = clock.now() - older_than
    removed = 0
    while True:
        async with uow:  # one short transaction per batch
            batch = await uow.repo(WebhookRepository).purge_events(before=cutoff, limit=batch_size)
            await uow.commit()
        removed += batch
        if batch < batch_size:
            return removed
