"""Every query of the webhooks domain."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, delete, exists, select, update

from handshake.db.uow import Repository
from handshake.partners.kinds import PartnerStatus
from handshake.partners.models import Partner, WebhookEndpoint
from handshake.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

# Ids per IN (...) list, well under SQLite's and asyncpg's bound-parameter limits.
IN_CHUNK = 500


def _chunks(values: Collection[str]) -> Iterator[list[str]]:
    ordered = list(values)
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]


@dataclass(frozen=True)
class DeliveryTarget:
    """A delivery with its event, its endpoint (None once deleted) and its partner's state."""

    delivery: WebhookDelivery
    event: WebhookEvent
    endpoint: WebhookEndpoint | None
    partner_active: bool


@dataclass(frozen=True)
class EventFilter:
    """Which of a partner's events to read, newest first, before an optional cursor."""

    event_types: Collection[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    before_id: str | None = None


class WebhookRepository(Repository):
    """Events, deliveries and attempts."""

    async def delivery_target(self, delivery_id: str) -> DeliveryTarget | None:
        """Everything one try needs, in one query."""
        query = (
            select(WebhookDelivery, WebhookEvent, WebhookEndpoint, Partner.status)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(Partner, Partner.id == WebhookEvent.partner_id)
            .outerjoin(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return DeliveryTarget(row[0], row[1], row[2], row[3] == PartnerStatus.ACTIVE)

    async def delivery_targets(self, delivery_ids: Collection[str]) -> dict[str, DeliveryTarget]:
        """Everything the tries of these deliveries need, in one query, by delivery id."""
        if not delivery_ids:
            return {}
        query = (
            select(WebhookDelivery, WebhookEvent, WebhookEndpoint, Partner.status)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(Partner, Partner.id == WebhookEvent.partner_id)
            .outerjoin(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id.in_(delivery_ids))
        )
        return {
            row[0].id: DeliveryTarget(row[0], row[1], row[2], row[3] == PartnerStatus.ACTIVE)
            for row in (await self.session.execute(query)).all()
        }

    async def advance_delivery(
        self, *, delivery_id: str, from_attempt_count: int, values: dict[str, Any]
    ) -> bool:
        """Update a pending delivery still at ``from_attempt_count``; False if it moved on."""
        statement = _advance_statement(tuple(sorted(values)))
        parameters = {
            **values,
            "delivery_id_": delivery_id,
            "from_attempt_count_": from_attempt_count,
        }
        result = await self.session.execute(statement, parameters)
        return bool(getattr(result, "rowcount", 0))

    async def get_event(self, partner_id: str, event_id: str) -> WebhookEvent | None:
        """The partner's event, or None (also for another partner's)."""
        event = await self.session.get(WebhookEvent, event_id)
        return event if event is not None and event.partner_id == partner_id else None

    async def list_events(
        self, partner_id: str, *, where: EventFilter, limit: int
    ) -> Sequence[WebhookEvent]:
        """The partner's events matching ``where``, newest first."""
        query = select(WebhookEvent).where(WebhookEvent.partner_id == partner_id)
        if where.event_types:
            query = query.where(WebhookEvent.event_type.in_(list(where.event_types)))
        if where.since is not None:
            query = query.where(WebhookEvent.occurred_at >= where.since)
        if where.until is not None:
            query = query.where(WebhookEvent.occurred_at < where.until)
        if where.before_id is not None:
            query = query.where(WebhookEvent.id < where.before_id)
        query = query.order_by(WebhookEvent.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def events_in_range(
        self,
        partner_id: str,
        *,
        start: datetime,
        end: datetime,
        event_types: Collection[str],
        limit: int,
    ) -> Sequence[WebhookEvent]:
        """The partner's events with ``start <= occurred_at < end``, oldest first."""
        query = select(WebhookEvent).where(
            WebhookEvent.partner_id == partner_id,
            WebhookEvent.occurred_at >= start,
            WebhookEvent.occurred_at < end,
        )
        if event_types:
            query = query.where(WebhookEvent.event_type.in_(list(event_types)))
        query = query.order_by(WebhookEvent.occurred_at, WebhookEvent.id).limit(limit)
        return (await self.session.scalars(query)).all()

    async def deliveries_of(self, event_ids: Collection[str]) -> list[WebhookDelivery]:
        """Deliveries of these events, oldest first."""
        found: list[WebhookDelivery] = []
        for chunk in _chunks(event_ids):
            query = select(WebhookDelivery).where(WebhookDelivery.event_id.in_(chunk))
            found.extend((await self.session.scalars(query)).all())
        return sorted(found, key=lambda delivery: delivery.id)

    async def list_deliveries(
        self,
        partner_id: str,
        *,
        status: str | None,
        endpoint_id: str | None,
        before_id: str | None,
        limit: int,
    ) -> Sequence[WebhookDelivery]:
        """The partner's deliveries, newest first, optionally filtered."""
        query = select(WebhookDelivery).where(WebhookDelivery.partner_id == partner_id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
        if before_id is not None:
            query = query.where(WebhookDelivery.id < before_id)
        query = query.order_by(WebhookDelivery.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def attempts_of(self, delivery_ids: Collection[str]) -> list[WebhookAttempt]:
        """Attempts of these deliveries, by delivery then number."""
        found: list[WebhookAttempt] = []
        for chunk in _chunks(delivery_ids):
            query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(chunk))
            found.extend((await self.session.scalars(query)).all())
        return sorted(found, key=lambda attempt: (attempt.delivery_id, attempt.number))

    async def pending_pairs(self, event_ids: Collection[str]) -> set[tuple[str, str | None]]:
        """(event, endpoint) pairs of these events that still have a pending delivery."""
        found: set[tuple[str, str | None]] = set()
        for chunk in _chunks(event_ids):
            query = select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id).where(
                WebhookDelivery.event_id.in_(chunk),
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            found.update((row[0], row[1]) for row in (await self.session.execute(query)).all())
        return found

    async def purge_events(self, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` events older than ``before`` with nothing pending (cascades)."""
        pending = exists().where(
            WebhookDelivery.event_id == WebhookEvent.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        old = (
            select(WebhookEvent.id)
            .where(WebhookEvent.occurred_at < before, ~pending)
            .order_by(WebhookEvent.occurred_at)
            .limit(limit)
        )
        result = await self.session.execute(
            delete(WebhookEvent)
            .where(WebhookEvent.id.in_(old.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))


@functools.cache
def _advance_statement(columns: tuple[str, ...]) -> Update:
    """The UPDATE of :meth:`WebhookRepository.advance_delivery` for ``columns``, built once:
    each try records one, and building statements was a tenth of a delivery's cost."""
    return (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == bindparam("delivery_id_"),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.attempt_count == bindparam("from_attempt_count_"),
        )
        .values({column: bindparam(column) for column in columns})
        .execution_options(synchronize_session=False)
    )
