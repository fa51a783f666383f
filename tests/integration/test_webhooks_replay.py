"""Publishing rules, replays and the delivery log on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.jobs import service as jobs
from handshake.kernel import clock
from handshake.partners import service as partners
from handshake.partners.errors import PartnerNotFound, PartnerSuspended, WebhookEndpointNotFound
from handshake.settings import DatabaseSettings, Settings
from handshake.webhooks import service
from handshake.webhooks.errors import (
    InvalidReplayRange,
    ReplayTooLarge,
    UnknownWebhookEventType,
    WebhookEventNotFound,
    WebhookPayloadTooLarge,
)
from tests.conftest import make_settings
from tests.webhooks_helpers import (
    TEST_WEBHOOKS,
    Receiver,
    delivery_job,
    make_worker,
    partner_with_endpoint,
    running_receiver,
)

EMPTY_QUEUE = {"pending": 0, "running": 0, "succeeded": 0, "dead": 0}


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with a short retry schedule."""
    return make_settings(database_settings, webhooks=TEST_WEBHOOKS)


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """A receiver on 127.0.0.1; the sender's shared HTTP client is closed afterwards."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


async def _publish(
    container: Container,
    partner_id: str,
    event_type: str = "order.created",
    data: dict[str, Any] | None = None,
) -> str:
    uow = container.uow()
    async with uow:
        event_id = await service.publish_event(
            uow=uow, partner_id=partner_id, event_type=event_type, data=data or {"n": 1}
        )
        await uow.commit()
    return event_id


async def _partner(container: Container, name: str = "Vidnow") -> str:
    partner = await partners.create_partner(
        uow=container.uow(), name=name, kind="video", contact_email="dev@vidnow.example"
    )
    return partner.id


async def _event_count(container: Container, partner_id: str) -> int:
    page = await service.list_events(uow=container.read_uow(), partner_id=partner_id, limit=100)
    return len(page.items)


async def _delivery_count(container: Container, partner_id: str) -> int:
    page = await service.list_deliveries(uow=container.read_uow(), partner_id=partner_id, limit=100)
    return len(page.items)


async def test_publish_rolled_back_with_the_change_leaves_nothing(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    uow = container.uow()
    with pytest.raises(RuntimeError, match="order failed"):
        async with uow:
            await service.publish_event(
                uow=uow, partner_id=partner_id, event_type="order.created", data={"n": 1}
            )
            raise RuntimeError("order failed")
    assert await _event_count(container, partner_id) == 0
    assert await jobs.queue_depth(uow=container.read_uow()) == EMPTY_QUEUE


async def test_publish_refuses_unknown_types_partners_and_huge_payloads(
    container: Container,
) -> None:
    partner_id = await _partner(container)
    with pytest.raises(UnknownWebhookEventType):
        await _publish(container, partner_id, "order.teleported")
    with pytest.raises(PartnerNotFound):
        await _publish(container, "ptn_00000000000000000000000000")
    with pytest.raises(WebhookPayloadTooLarge) as raised:
        await _publish(container, partner_id, data={"blob": "x" * 70_000})
    assert raised.value.extra["limit"] == 65536
    assert await _event_count(container, partner_id) == 0
    assert await jobs.queue_depth(uow=container.read_uow()) == EMPTY_QUEUE


async def test_event_without_endpoint_is_kept_and_replayed_once_one_exists(
    container: Container, receiver: Receiver
) -> None:
    partner_id = await _partner(container)
    event_id = await _publish(container, partner_id, "order.shipped", {"order_id": "ord_9"})
    stored = await service.get_event(
        uow=container.read_uow(), partner_id=partner_id, event_id=event_id
    )
    assert (stored.event.event_type, stored.deliveries) == ("order.shipped", [])
    assert await jobs.queue_depth(uow=container.read_uow()) == EMPTY_QUEUE
    issued = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner_id, url=receiver.url, event_types=["order.shipped"]
    )
    receiver.trust(issued.secret)
    result = await service.replay_event(
        uow=container.uow(), partner_id=partner_id, event_id=event_id
    )
    assert (result.events, result.queued) == (1, 1)
    assert await make_worker(container).run_until_idle() == 1
    [request] = receiver.requests
    assert (request.webhook_id, request.verified_with) == (event_id, (issued.secret,))
    replayed = await service.get_event(
        uow=container.read_uow(), partner_id=partner_id, event_id=event_id
    )
    assert [
        (d.delivery.id, d.delivery.trigger, d.delivery.status) for d in replayed.deliveries
    ] == [(result.delivery_ids[0], "replay", "succeeded")]


async def test_replay_by_id_and_by_range_keep_the_webhook_id(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    start = clock.now().replace(microsecond=0) - timedelta(minutes=4)
    with clock.frozen_at(start):
        first = await _publish(container, partner_id, "order.created")
        clock.advance(timedelta(minutes=1))
        second = await _publish(container, partner_id, "order.updated")
        clock.advance(timedelta(minutes=1))
        third = await _publish(container, partner_id, "order.shipped")
    assert await make_worker(container).run_until_idle() == 3
    by_id = await service.replay_event(uow=container.uow(), partner_id=partner_id, event_id=first)
    by_range = await service.replay_events(
        uow=container.uow(),
        partner_id=partner_id,
        start=start + timedelta(seconds=30),
        end=start + timedelta(minutes=3),
        event_types=["order.updated", "order.created"],
        max_events=10,
    )
    assert (by_id.events, by_id.queued, by_range.events, by_range.queued) == (1, 1, 1, 1)
    assert await make_worker(container).run_until_idle() == 2
    assert [r.webhook_id for r in receiver.requests] == [first, second, third, first, second]
    assert all(r.verified_with == (issued.secret,) for r in receiver.requests)
    everything = await service.replay_events(
        uow=container.uow(),
        partner_id=partner_id,
        start=start,
        end=start + timedelta(minutes=3),
        max_events=10,
    )
    assert (everything.events, everything.queued) == (3, 3)
    log = await service.get_event(uow=container.read_uow(), partner_id=partner_id, event_id=first)
    assert [d.delivery.trigger for d in log.deliveries] == ["publish", "replay", "replay"]


async def test_replay_skips_deliveries_still_pending_and_checks_its_input(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    event_id = await _publish(container, partner_id)
    await _publish(container, partner_id)
    await _publish(container, partner_id)
    again = await service.replay_event(
        uow=container.uow(), partner_id=partner_id, event_id=event_id
    )
    assert (again.events, again.queued) == (1, 0)
    now = clock.now()
    with pytest.raises(ReplayTooLarge):
        await service.replay_events(
            uow=container.uow(),
            partner_id=partner_id,
            start=now - timedelta(hours=1),
            end=now + timedelta(hours=1),
            max_events=2,
        )
    with pytest.raises(InvalidReplayRange):
        await service.replay_events(
            uow=container.uow(), partner_id=partner_id, start=now, end=now, max_events=10
        )
    with pytest.raises(WebhookEndpointNotFound):
        await service.replay_event(
            uow=container.uow(), partner_id=partner_id, event_id=event_id, endpoint_id="whe_x"
        )
    with pytest.raises(WebhookEventNotFound):
        await service.replay_event(uow=container.uow(), partner_id=partner_id, event_id="msg_x")
    assert await _delivery_count(container, partner_id) == 3


async def test_suspended_partner_keeps_events_but_gets_no_delivery_or_replay(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    await partners.suspend_partner(uow=container.uow(), partner_id=partner_id, reason="audit")
    event_id = await _publish(container, partner_id)
    assert await _event_count(container, partner_id) == 1
    with pytest.raises(PartnerSuspended):
        await service.replay_event(uow=container.uow(), partner_id=partner_id, event_id=event_id)
    assert await _delivery_count(container, partner_id) == 0
    assert await jobs.queue_depth(uow=container.read_uow()) == EMPTY_QUEUE


async def test_log_pages_newest_first_and_stays_within_the_partner(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    other_id = await _partner(container, "Othertube")
    ids = [await _publish(container, partner_id) for _ in range(3)]
    foreign = await _publish(container, other_id)
    first = await service.list_events(uow=container.read_uow(), partner_id=partner_id, limit=2)
    assert [e.event.id for e in first.items] == [ids[2], ids[1]]
    assert first.next_cursor == ids[1]
    rest = await service.list_events(
        uow=container.read_uow(), partner_id=partner_id, limit=2, before=first.next_cursor
    )
    assert ([e.event.id for e in rest.items], rest.next_cursor) == ([ids[0]], None)
    typed = await service.list_events(
        uow=container.read_uow(), partner_id=partner_id, event_types=["order.updated"]
    )
    assert typed.items == []
    window = await service.list_events(
        uow=container.read_uow(),
        partner_id=partner_id,
        since=first.items[1].event.occurred_at,
        until=clock.now() + timedelta(days=1),
    )
    assert [e.event.id for e in window.items] == [ids[2], ids[1]]
    with pytest.raises(WebhookEventNotFound):
        await service.get_event(uow=container.read_uow(), partner_id=partner_id, event_id=foreign)
    deliveries = await service.list_deliveries(
        uow=container.read_uow(), partner_id=partner_id, limit=2
    )
    assert [d.delivery.event_id for d in deliveries.items] == [ids[2], ids[1]]
    assert deliveries.next_cursor == deliveries.items[1].delivery.id
    with pytest.raises(PartnerNotFound):
        await service.list_deliveries(uow=container.read_uow(), partner_id="ptn_missing")


async def test_purge_removes_old_finished_events_with_their_log(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    with clock.frozen_at(clock.now() - timedelta(days=40)):
        done = await _publish(container, partner_id)
        assert await make_worker(container).run_until_idle() == 1
        waiting = await _publish(container, partner_id)  # its first try is still queued
    fresh = await _publish(container, partner_id)
    removed = await service.purge_log(
        uow=container.uow(), older_than=timedelta(days=30), batch_size=1
    )
    assert removed == 1
    page = await service.list_events(uow=container.read_uow(), partner_id=partner_id)
    assert [e.event.id for e in page.items] == [fresh, waiting]
    deliveries = await service.list_deliveries(uow=container.read_uow(), partner_id=partner_id)
    assert [d.delivery.event_id for d in deliveries.items] == [fresh, waiting]
    with pytest.raises(WebhookEventNotFound):
        await service.get_event(uow=container.read_uow(), partner_id=partner_id, event_id=done)
