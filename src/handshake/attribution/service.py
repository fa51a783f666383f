"""Use cases of the attribution domain: accept ad event batches, store them, read them back.

Accepting is synchronous and cheap: every event is checked field by field, the products of the
whole batch are looked up in one query, then one transaction writes a receipt per new event
(the dedupe key) and one outbox job carrying the events. The worker turns the job into
``ad_events`` rows. Click ids are derived from (partner, event id), so a retry gets the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handshake.attribution import rollups
from handshake.attribution.attributing import AttributionPolicy, reattribute_after_events
from handshake.attribution.errors import AdEventNotFound, EventBatchTooLarge
from handshake.attribution.event_rules import (
    EventWindow,
    Rejection,
    ValidEvent,
    check_event,
    event_id_of,
)
from handshake.attribution.events import AdEventsAccepted
from handshake.attribution.intake import EventSource as EventSource
from handshake.attribution.intake import (
    ResolvedEvent,
    first_occurrences,
    job_payload,
    lookup_variants,
    receipt_rows,
    resolve_events,
)
from handshake.attribution.metrics import AD_EVENTS, AD_EVENTS_STORED
from handshake.attribution.models import AdEventStatus
from handshake.attribution.order_repository import OrderAttributionRepository
from handshake.attribution.repository import AttributionRepository
from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.offers.click_ids import derive_click_secret
from handshake.settings import Settings

STORE_JOB = "attribution.store_events"


@dataclass(frozen=True)
class EventPolicy:
    """Batch size, accepted times and the click-id secret, from settings."""

    max_batch_events: int
    window: EventWindow
    click_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> EventPolicy:
        """The policy of ``settings.attribution`` (the click secret derives from the secret key)."""
        section = settings.attribution
        return cls(
            max_batch_events=section.max_batch_events,
            window=EventWindow(
                max_future=timedelta(seconds=section.max_future_seconds),
                max_age=timedelta(days=section.max_age_days),
            ),
            click_secret=derive_click_secret(settings.security.secret_key.get_secret_value()),
        )


@dataclass(frozen=True)
class ClickIssued:
    """The click id given to the click at ``index`` (the first one's on a retry)."""

    index: int
    event_id: str
    click_id: str


@dataclass(frozen=True)
class BatchOutcome:
    """What became of a batch: new events, duplicates, rejections, click ids."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]
    clicks: list[ClickIssued]


@dataclass(frozen=True)
class EventStatusView:
    """An accepted event as its partner may see it (never the shopper)."""

    event_id: str
    kind: str
    status: AdEventStatus
    received_at: datetime
    click_id: str | None
    occurred_at: datetime | None
    channel: str | None
    variant_id: str | None


def _checked(
    events: Sequence[Any], now: datetime, window: EventWindow
) -> tuple[list[ValidEvent], list[Rejection]]:
    valid, rejected = [], []
    for index, raw in enumerate(events):
        outcome = check_event(raw, index=index, now=now, window=window)
        if isinstance(outcome, Rejection):
            rejected.append(outcome)
        else:
            valid.append(outcome)
    return valid, rejected


async def _click_ids(
    repo: AttributionRepository,
    partner_id: str,
    firsts: Sequence[ResolvedEvent],
    inserted: set[str],
) -> dict[str, str | None]:
    """Each event id's click id: ours when new, the first acceptance's when a duplicate."""
    known = {r.event.event_id: r.click_id for r in firsts if r.event.event_id in inserted}
    earlier = [r.event.event_id for r in firsts if r.event.event_id not in inserted]
    receipts = await repo.receipts(partner_id=partner_id, event_ids=earlier)
    known.update({event_id: receipts[event_id].click_id for event_id in receipts})
    return known


def _clicks(
    resolved: Sequence[ResolvedEvent], click_ids: dict[str, str | None]
) -> list[ClickIssued]:
    found = []
    for r in resolved:
        click_id = click_ids.get(r.event.event_id)
        if click_id is not None:
            found.append(ClickIssued(r.event.index, r.event.event_id, click_id))
    return found


async def accept_events(
    *, uow: UnitOfWork, policy: EventPolicy, source: EventSource, events: Sequence[Any]
) -> BatchOutcome:
    """Validate a batch, keep its new events (receipts + one outbox job), report the rest."""
    if len(events) > policy.max_batch_events:
        raise EventBatchTooLarge(
            f"A batch holds at most {policy.max_batch_events} events; this one has {len(events)}.",
            extra={"limit": policy.max_batch_events, "size": len(events)},
        )
    now = clock.now()
    valid, rejected = _checked(events, now, policy.window)
    async with uow:
        repo = uow.repo(AttributionRepository)
        variants = await lookup_variants(repo, (e.product for e in valid))
        resolved, unknown = resolve_events(
            valid, variants, source=source, click_secret=policy.click_secret
        )
        firsts = first_occurrences(resolved)
        rows = receipt_rows(firsts, partner_id=source.partner_id, received_at=now)
        inserted = await repo.insert_receipts(rows)
        fresh = [r for r in firsts if r.event.event_id in inserted]
        if fresh:
            payload = job_payload(fresh, source=source, received_at=now)
            await jobs.enqueue(uow=uow, name=STORE_JOB, payload=payload)
        click_ids = await _click_ids(repo, source.partner_id, firsts, inserted)
        outcome = BatchOutcome(
            accepted=len(fresh),
            duplicates=len(resolved) - len(fresh),
            rejected=sorted(rejected + unknown, key=lambda r: r.index),
            clicks=_clicks(resolved, click_ids),
        )
        uow.record(
            AdEventsAccepted(
                partner_id=source.partner_id,
                accepted=outcome.accepted,
                duplicates=outcome.duplicates,
                rejected=len(outcome.rejected),
            )
        )
        await uow.commit()
    AD_EVENTS.labels(outcome="accepted").inc(outcome.accepted)
    AD_EVENTS.labels(outcome="duplicate").inc(outcome.duplicates)
    AD_EVENTS.labels(outcome="rejected").inc(len(outcome.rejected))
    return outcome


def _event_row(
    entry: dict[str, Any], payload: dict[str, Any], shopper_id: str | None
) -> dict[str, Any]:
    return {
        "id": new_id("ade"),
        "partner_id": str(payload["partner_id"]),
        "event_id": str(entry["event_id"]),
        "kind": str(entry["kind"]),
        "channel": str(entry["channel"]),
        "occurred_at": datetime.fromisoformat(str(entry["occurred_at"])),
        "received_at": datetime.fromisoformat(str(payload["received_at"])),
        "placement_id": entry.get("placement_id"),
        "campaign_id": entry.get("campaign_id"),
        "creative_id": entry.get("creative_id"),
        "variant_id": str(entry["variant_id"]),
        "product_id": str(entry["product_id"]),
        "offer_token": entry.get("offer_token"),
        "click_id": entry.get("click_id"),
        "shopper_id": shopper_id,
        "grant_id": payload.get("grant_id") if shopper_id else None,
        "details": dict(entry.get("metadata") or {}),
    }


async def store_events(
    *, uow: UnitOfWork, payload: dict[str, Any], policy: AttributionPolicy
) -> int:
    """Write the events of an accepted batch as ad_events rows (idempotent); how many were new.

    In the same transaction the new events are added to the daily counts, and the orders they
    could be credited with (the linked shopper's, those carrying a new click's id) are
    attributed again.
    A shopper erased while the batch was queued is not attached to its events.
    """
    async with uow:
        repo = uow.repo(AttributionRepository)
        shopper_id = payload.get("shopper_id")
        if shopper_id is not None and not await repo.shopper_is_live(str(shopper_id)):
            shopper_id = None
        rows = [_event_row(entry, payload, shopper_id) for entry in payload["events"]]
        inserted = await repo.insert_events(rows)
        new_rows = [row for row in rows if row["id"] in inserted]
        await repo.add_day_counts(rollups.day_counts(new_rows))
        await repo.add_engaged_shoppers(rollups.engaged_shoppers(new_rows))
        await reattribute_after_events(
            uow.repo(OrderAttributionRepository), policy,
            shopper_id=None if shopper_id is None else str(shopper_id), events=new_rows,
        )  # fmt: skip
        await uow.commit()
    AD_EVENTS_STORED.inc(len(inserted))
    return len(inserted)


async def get_event_status(*, uow: UnitOfWork, partner_id: str, event_id: str) -> EventStatusView:
    """One of the partner's accepted events: queued for the worker, or stored."""
    found = None
    if event_id_of({"event_id": event_id}) is not None:
        async with uow:
            found = await uow.repo(AttributionRepository).receipt_with_event(
                partner_id=partner_id, event_id=event_id
            )
    if found is None:
        raise AdEventNotFound(f"No accepted event {event_id!r}.")
    receipt, stored = found
    return EventStatusView(
        event_id=receipt.event_id,
        kind=receipt.kind,
        status=AdEventStatus.STORED if stored else AdEventStatus.QUEUED,
        received_at=receipt.received_at,
        click_id=receipt.click_id,
        occurred_at=stored.occurred_at if stored else None,
        channel=stored.channel if stored else None,
        variant_id=stored.variant_id if stored else None,
    )


async def export_events_of_shopper(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's ad events for their data export."""
    async with uow:
        events = await uow.repo(AttributionRepository).events_of_shopper(shopper_id)
    return [
        {
            "partner_id": e.partner_id,
            "type": e.kind,
            "channel": e.channel,
            "occurred_at": e.occurred_at.isoformat(),
            "placement_id": e.placement_id,
            "campaign_id": e.campaign_id,
            "creative_id": e.creative_id,
            "variant_id": e.variant_id,
            "click_id": e.click_id,
        }
        for e in events
    ]


async def detach_shopper(*, uow: UnitOfWork, shopper_id: str) -> int:
    """Erasure: the shopper's events and attributed orders stay as anonymous facts, their
    engagement days go; how many events were detached."""
    async with uow:
        detached = await uow.repo(AttributionRepository).detach_shopper(shopper_id)
        await uow.repo(OrderAttributionRepository).forget_shopper(shopper_id)
        await uow.commit()
    return detached
