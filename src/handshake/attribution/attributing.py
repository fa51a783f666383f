"""Crediting orders to ad touches, one touch per order and model.

- **last_click**: the click whose id the order carries (from checkout: the strongest signal),
  when it occurred within the click window before the order; else the shopper's last click in
  that window; else, for an order placed inside a partner's app, that app (its campaign is the
  one of the first line bought from a campaign's offer).
- **view_through**: the last-click touch; without one, the shopper's last view or impression in
  the (shorter) view window.

The worker attributes orders shortly after they are placed (a catch-up job over orders without
an attribution), and again when late events of the shopper arrive. Both hold a per-shopper lock,
so an order is never credited from a read that missed a concurrently stored event.
Each order also gets its insight: member or not, new customer (no order in the previous N days),
likely cannibalised (bought the same product or category on the store site in the previous M).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from handshake.attribution.event_rules import channel_of_partner
from handshake.attribution.models import (
    NO_REFERENCE,
    AdEvent,
    AdEventKind,
    AttributionModel,
    TouchMatch,
)
from handshake.attribution.order_repository import OrderAttributionRepository, OrderToAttribute
from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs
from handshake.kernel import clock
from handshake.partners.kinds import PartnerKind
from handshake.settings import Settings

ORDERS_CURSOR = "attribution.orders"
ATTRIBUTE_JOB = "attribution.attribute_orders"
# Orders are looked for this far behind the cursor: a transaction placing an order commits a
# little after its placed_at, so an order may appear behind orders already seen.
COMMIT_MARGIN = timedelta(minutes=10)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CLICK_KINDS: tuple[str, ...] = (AdEventKind.CLICK,)
VIEW_KINDS: tuple[str, ...] = (AdEventKind.VIEW, AdEventKind.IMPRESSION)
TOUCH_KINDS = frozenset(CLICK_KINDS + VIEW_KINDS)
PLACEMENT_KIND = "placement"


@dataclass(frozen=True)
class AttributionPolicy:
    """Windows of the attribution models and of the buyer's history."""

    click_window: timedelta
    view_window: timedelta
    new_customer_window: timedelta
    cannibalisation_window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AttributionPolicy:
        """The policy of ``settings.attribution``."""
        section = settings.attribution
        return cls(
            click_window=timedelta(days=section.click_window_days),
            view_window=timedelta(days=section.view_window_days),
            new_customer_window=timedelta(days=section.new_customer_days),
            cannibalisation_window=timedelta(days=section.cannibalisation_days),
        )


@dataclass(frozen=True)
class Touch:
    """What an order may be credited to: an ad event, or the partner app it was placed in."""

    partner_id: str
    channel: str
    campaign_id: str | None
    creative_id: str | None
    kind: str
    occurred_at: datetime
    ad_event_id: str | None = None

    @classmethod
    def of_event(cls, event: AdEvent) -> Touch:
        """The touch of a stored ad event."""
        return cls(
            event.partner_id, event.channel, event.campaign_id, event.creative_id, event.kind,
            event.occurred_at, event.id,
        )  # fmt: skip

    @classmethod
    def of_placement(cls, order: OrderToAttribute) -> Touch | None:
        """The partner app the order was placed in (None: the store's own checkout)."""
        if order.partner_id is None or order.partner_kind is None:
            return None
        channel = channel_of_partner(PartnerKind(order.partner_kind))
        return cls(
            order.partner_id, channel, order.campaign_id, order.creative_id, PLACEMENT_KIND,
            order.placed_at,
        )  # fmt: skip


@dataclass(frozen=True)
class Credit:
    """The touch credited under one model, and how it was found."""

    model: AttributionModel
    touch: Touch
    matched_by: TouchMatch


def credits_of(
    *,
    carried_click: Touch | None = None,
    last_click: Touch | None = None,
    placement: Touch | None = None,
    last_view: Touch | None = None,
) -> list[Credit]:
    """The touch of each model from the candidates found within their windows (pure): the
    carried click, else the last click, else the app the order was placed in; view-through
    falls back on the last view when none of those is there."""
    found: tuple[Touch, TouchMatch] | None = None
    if carried_click is not None:
        found = (carried_click, TouchMatch.CLICK_ID)
    elif last_click is not None:
        found = (last_click, TouchMatch.SHOPPER)
    elif placement is not None:
        found = (placement, TouchMatch.PLACEMENT)
    if found is not None:
        return [Credit(model, *found) for model in AttributionModel]
    if last_view is not None:
        return [Credit(AttributionModel.VIEW_THROUGH, last_view, TouchMatch.SHOPPER)]
    return []


async def _carried_click(
    repo: OrderAttributionRepository, order: OrderToAttribute, policy: AttributionPolicy
) -> Touch | None:
    if order.click_id is None:
        return None
    click = await repo.click(order.click_id)
    placed = clock.ensure_utc(order.placed_at)
    if click is None or not placed - policy.click_window <= clock.ensure_utc(click.occurred_at):
        return None
    return Touch.of_event(click)


async def _last(
    repo: OrderAttributionRepository,
    order: OrderToAttribute,
    kinds: tuple[str, ...],
    window: timedelta,
) -> Touch | None:
    placed = clock.ensure_utc(order.placed_at)
    event = await repo.last_event(
        order.shopper_id, kinds=kinds, since=placed - window, until=placed
    )
    return None if event is None else Touch.of_event(event)


async def _credits(
    repo: OrderAttributionRepository, order: OrderToAttribute, policy: AttributionPolicy
) -> list[Credit]:
    carried = await _carried_click(repo, order, policy)
    if carried is not None:
        return credits_of(carried_click=carried)
    last_click = await _last(repo, order, CLICK_KINDS, policy.click_window)
    placement = Touch.of_placement(order)
    if last_click is not None or placement is not None:
        return credits_of(last_click=last_click, placement=placement)
    return credits_of(last_view=await _last(repo, order, VIEW_KINDS, policy.view_window))


def _touch_row(order: OrderToAttribute, credit: Credit) -> dict[str, Any]:
    touch = credit.touch
    return {
        "order_id": order.id, "model": credit.model.value,
        "day": clock.ensure_utc(order.placed_at).date(), "ad_event_id": touch.ad_event_id,
        "partner_id": touch.partner_id, "channel": touch.channel,
        "campaign_id": touch.campaign_id or NO_REFERENCE,
        "creative_id": touch.creative_id or NO_REFERENCE, "kind": touch.kind,
        "matched_by": credit.matched_by.value, "touched_at": touch.occurred_at,
    }  # fmt: skip


async def _insight_row(
    repo: OrderAttributionRepository, order: OrderToAttribute, policy: AttributionPolicy
) -> dict[str, Any]:
    placed = clock.ensure_utc(order.placed_at)
    returning = await repo.ordered_before(
        order.shopper_id, order_id=order.id, since=placed - policy.new_customer_window,
        until=placed,
    )  # fmt: skip
    keys = await repo.product_keys(order.id)
    cannibalised = await repo.bought_on_store(
        order.shopper_id, keys, since=placed - policy.cannibalisation_window, until=placed
    )
    # Read under the shopper's lock, which erasure takes too: an erased buyer stays unnamed.
    erased = await repo.shopper_is_erased(order.shopper_id)
    return {
        "order_id": order.id, "shopper_id": None if erased else order.shopper_id,
        "day": placed.date(), "is_member": bool(order.is_member),
        "is_new_customer": not returning, "is_cannibalised": cannibalised,
        "attributed_at": clock.now(),
    }  # fmt: skip


async def attribute_order(
    repo: OrderAttributionRepository, order: OrderToAttribute, policy: AttributionPolicy
) -> list[Credit]:
    """Credit one order (its shopper must be locked); replaces an earlier attribution."""
    credits = await _credits(repo, order, policy)
    insight = await _insight_row(repo, order, policy)
    await repo.replace_attribution(insight, [_touch_row(order, c) for c in credits])
    return credits


async def attribute_pending_orders(
    *, uow: UnitOfWork, policy: AttributionPolicy, limit: int = 200
) -> int:
    """Attribute up to ``limit`` orders that have none yet, oldest first; how many."""
    async with uow:
        repo = uow.repo(OrderAttributionRepository)
        now = clock.now()
        position = await repo.cursor(ORDERS_CURSOR) or EPOCH
        orders = await repo.unattributed_orders(since=position - COMMIT_MARGIN, limit=limit)
        await repo.lock_shoppers([o.shopper_id for o in orders])
        for order in orders:
            await attribute_order(repo, order, policy)
        if len(orders) < limit:
            position = max(position, now - COMMIT_MARGIN)
        else:
            position = max(position, clock.ensure_utc(orders[-1].placed_at))
        await repo.move_cursor(ORDERS_CURSOR, position)
        await uow.commit()
    return len(orders)


def _late_touches(
    events: Sequence[Mapping[str, Any]], shopper_id: str | None
) -> tuple[list[datetime], dict[str, datetime]]:
    """When the shopper's new clicks, views and impressions occurred; the new click ids, with
    when the partner reported them."""
    occurred = [
        clock.ensure_utc(e["occurred_at"])
        for e in events
        if shopper_id is not None and e["kind"] in TOUCH_KINDS
    ]
    clicks = {
        str(e["click_id"]): clock.ensure_utc(e["received_at"])
        for e in events
        if e["kind"] in CLICK_KINDS and e.get("click_id")
    }
    return occurred, clicks


async def _orders_carrying(
    repo: OrderAttributionRepository, clicks: Mapping[str, datetime], policy: AttributionPolicy
) -> list[OrderToAttribute]:
    if not clicks:
        return []
    # An order carries a click id only once the partner got it back, when the click was
    # accepted; its carried click counts for the click window.
    return await repo.orders_carrying(
        clicks.keys(),
        since=min(clicks.values()) - COMMIT_MARGIN,
        until=max(clicks.values()) + policy.click_window,
    )


async def reattribute_after_events(
    repo: OrderAttributionRepository,
    policy: AttributionPolicy,
    *,
    shopper_id: str | None,
    events: Sequence[Mapping[str, Any]],
) -> int:
    """Inside the transaction storing late events (``ad_events`` rows): credit again the orders
    they could be credited with; how many.

    Those are the shopper's attributed orders within the windows after the shopper's events,
    and every order carrying the click id of a new click, whoever reported it (a partner's
    server reports clicks without a shopper).
    """
    occurred, clicks = _late_touches(events, shopper_id)
    carrying = await _orders_carrying(repo, clicks, policy)
    locked = {o.shopper_id for o in carrying} | ({shopper_id} if shopper_id and occurred else set())
    await repo.lock_shoppers(locked)
    orders: dict[str, OrderToAttribute] = {}
    if shopper_id is not None and occurred:
        window = max(policy.click_window, policy.view_window)
        found = await repo.attributed_orders_of_shopper(
            shopper_id, since=min(occurred), until=max(occurred) + window
        )
        orders.update((o.id, o) for o in found)
    if clicks:
        # Read again under the locks: an order placed meanwhile may carry a new click id too.
        # Its shopper is locked out of order (rare: PostgreSQL ends a deadlock, the job retries).
        carrying = await _orders_carrying(repo, clicks, policy)
        await repo.lock_shoppers({o.shopper_id for o in carrying} - locked)
        orders.update((o.id, o) for o in carrying)
    for order in sorted(orders.values(), key=lambda o: (clock.ensure_utc(o.placed_at), o.id)):
        await attribute_order(repo, order, policy)
    return len(orders)


def _bucket_end(moment: datetime, seconds: int) -> datetime:
    stamp = int(moment.timestamp()) // seconds * seconds + seconds
    return datetime.fromtimestamp(stamp, tz=UTC)


async def schedule_catch_up(*, uow: UnitOfWork, bucket_seconds: int = 5) -> str | None:
    """Have the worker attribute new orders at the end of the current few seconds.

    One job per bucket (its dedupe key): an order committed during the bucket is seen by the
    job, which runs after the bucket ends; an order committed later schedules the next one.
    """
    now = clock.now()
    run_at = _bucket_end(now, bucket_seconds)
    return await jobs.enqueue(
        uow=uow, name=ATTRIBUTE_JOB, payload={}, delay=run_at - now,
        dedupe_key=f"{ATTRIBUTE_JOB}:{int(run_at.timestamp())}",
    )  # fmt: skip


async def catch_up(*, uow_factory: Callable[[], UnitOfWork], policy: AttributionPolicy) -> int:
    """Attribute every order still without attribution, a batch per transaction; how many."""
    total = 0
    while True:
        done = await attribute_pending_orders(uow=uow_factory(), policy=policy)
        total += done
        if done == 0:
            return total
