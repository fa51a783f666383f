"""Webhook deliveries on SQLite and PostgreSQL to a real receiver that verifies signatures.

Covers the first try, the retry schedule, throttling, 410 Gone, dead letters, cancellation,
secret rotation, SSRF blocking and workers killed mid-delivery.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.jobs import service as jobs
from handshake.jobs.models import Job, JobStatus
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.jobs.worker import Worker
from handshake.kernel import clock
from handshake.partners import service as partners
from handshake.settings import DatabaseSettings, JobSettings, Settings, WebhookSettings
from handshake.webhooks import service
from handshake.webhooks.events import WebhookDeliveryDeadLettered, WebhookEndpointGone
from handshake.webhooks.models import DeliveryStatus
from handshake.webhooks.tasks import build_delivery_job
from tests.conftest import make_settings
from tests.webhooks_helpers import (
    TEST_WEBHOOKS,
    Receiver,
    Reply,
    delivery_job,
    make_worker,
    partner_with_endpoint,
    running_receiver,
)


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with a short retry schedule: 10 s then 20 s, no jitter."""
    return make_settings(database_settings, webhooks=TEST_WEBHOOKS)


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """A receiver on 127.0.0.1; the sender's shared HTTP client is closed afterwards."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


def _start() -> datetime:
    """A whole-second 'now', so frozen times and header timestamps compare exactly."""
    return clock.now().replace(microsecond=0)


async def _publish(
    container: Container, partner_id: str, event_type: str = "order.created", **data: Any
) -> str:
    uow = container.uow()
    async with uow:
        event_id = await service.publish_event(
            uow=uow, partner_id=partner_id, event_type=event_type, data=data or {"n": 1}
        )
        await uow.commit()
    return event_id


async def _pending_jobs(container: Container) -> list[Job]:
    return list(await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING))


async def _log(container: Container, partner_id: str, event_id: str) -> service.EventLog:
    return await service.get_event(
        uow=container.read_uow(), partner_id=partner_id, event_id=event_id
    )


async def test_event_is_delivered_signed_and_logged(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    start = _start()
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id, order_id="ord_1", total=1299)
        assert await make_worker(container).run_until_idle() == 1
    [request] = receiver.requests
    assert request.verified_with == (issued.secret,)
    assert request.webhook_id == event_id
    assert event_id.startswith("msg_")
    assert request.headers["webhook-timestamp"] == str(int(start.timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "handshake-webhooks/1"
    assert json.loads(request.body) == {
        "type": "order.created",
        "timestamp": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "data": {"order_id": "ord_1", "total": 1299},
    }
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    d = delivery.delivery
    assert (d.status, d.attempt_count, d.trigger, d.endpoint_id, d.last_status_code) == (
        "succeeded",
        1,
        "publish",
        issued.endpoint_id,
        200,
    )
    assert (d.next_attempt_at, d.finished_at) == (None, start)
    [attempt] = delivery.attempts
    assert (attempt.number, attempt.status_code, attempt.outcome, attempt.url) == (
        1,
        200,
        "succeeded",
        receiver.url,
    )
    assert (attempt.error, attempt.response_body, attempt.attempted_at) == (None, "ok", start)
    assert 0 <= attempt.latency_ms < 5000
    assert await _pending_jobs(container) == []


async def test_failed_tries_follow_the_retry_schedule_exactly(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    receiver.reply_with(Reply(500, body=b"database down"), Reply(503))
    start = _start()
    worker = make_worker(container)
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id)
        assert await worker.run_once() == 1
        [job] = await _pending_jobs(container)
        delivery_id = (await _log(container, partner_id, event_id)).deliveries[0].delivery.id
        assert (job.run_after, job.payload) == (
            start + timedelta(seconds=10),
            {"delivery_id": delivery_id, "attempt": 2},
        )
        clock.advance(timedelta(seconds=9))
        assert await worker.run_once() == 0
        clock.advance(timedelta(seconds=1))
        assert await worker.run_once() == 1
        [job] = await _pending_jobs(container)
        assert job.run_after == start + timedelta(seconds=30)
        log = await _log(container, partner_id, event_id)
        assert log.deliveries[0].delivery.next_attempt_at == start + timedelta(seconds=30)
        clock.advance(timedelta(seconds=20))
        assert await worker.run_once() == 1
    assert await _pending_jobs(container) == []
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    assert (delivery.delivery.status, delivery.delivery.attempt_count) == ("succeeded", 3)
    assert [(a.number, a.status_code, a.outcome, a.response_body) for a in delivery.attempts] == [
        (1, 500, "failed", "database down"),
        (2, 503, "throttled", "ok"),
        (3, 200, "succeeded", "ok"),
    ]
    assert [r.webhook_id for r in receiver.requests] == [event_id] * 3
    assert [r.headers["webhook-timestamp"] for r in receiver.requests] == [
        str(int(start.timestamp()) + offset) for offset in (0, 10, 30)
    ]
    assert all(r.verified_with == (issued.secret,) for r in receiver.requests)


async def test_delivery_is_dead_lettered_after_the_last_try(
    container: Container, receiver: Receiver
) -> None:
    dead: list[WebhookDeliveryDeadLettered] = []
    container.bus.subscribe(WebhookDeliveryDeadLettered, dead.append)
    partner_id, issued = await partner_with_endpoint(container, receiver)
    receiver.reply_with(Reply(500), Reply(404), Reply(302, headers={"location": "/elsewhere"}))
    worker = make_worker(container)
    with clock.frozen_at(_start()):
        event_id = await _publish(container, partner_id)
        for wait in (0, 10, 20):
            clock.advance(timedelta(seconds=wait))
            assert await worker.run_once() == 1
        assert await worker.run_once() == 0
    assert await _pending_jobs(container) == []
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    d = delivery.delivery
    assert (d.status, d.attempt_count, d.last_status_code, d.next_attempt_at) == (
        "dead",
        3,
        302,
        None,
    )
    assert [(a.status_code, a.outcome) for a in delivery.attempts] == [
        (500, "failed"),
        (404, "failed"),
        (302, "failed"),
    ]
    assert dead == [
        WebhookDeliveryDeadLettered(
            partner_id=partner_id,
            event_id=event_id,
            delivery_id=d.id,
            endpoint_id=issued.endpoint_id,
        )
    ]
    letters = await service.list_deliveries(
        uow=container.read_uow(), partner_id=partner_id, status=DeliveryStatus.DEAD
    )
    assert [log.delivery.id for log in letters.items] == [d.id]
    assert len(receiver.requests) == 3


async def test_gone_disables_the_endpoint_and_stops_every_delivery_to_it(
    container: Container, receiver: Receiver
) -> None:
    gone: list[WebhookEndpointGone] = []
    container.bus.subscribe(WebhookEndpointGone, gone.append)
    partner_id, issued = await partner_with_endpoint(container, receiver)
    receiver.reply_with(Reply(410))
    first = await _publish(container, partner_id)
    second = await _publish(container, partner_id, "order.updated")
    # One job per batch: the second delivery starts after the 410 disabled the endpoint (in one
    # batch it would be in flight already; see the next test).
    assert await make_worker(container, batch_size=1).run_until_idle() == 2
    assert [r.webhook_id for r in receiver.requests] == [first]
    [endpoint] = await partners.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner_id
    )
    assert endpoint.enabled is False
    [delivery] = (await _log(container, partner_id, first)).deliveries
    assert (delivery.delivery.status, delivery.delivery.next_attempt_at) == ("gone", None)
    assert [(a.status_code, a.outcome) for a in delivery.attempts] == [(410, "gone")]
    [cancelled] = (await _log(container, partner_id, second)).deliveries
    assert (cancelled.delivery.status, cancelled.delivery.last_error, cancelled.attempts) == (
        "cancelled",
        "the endpoint is disabled",
        [],
    )
    assert gone == [
        WebhookEndpointGone(
            partner_id=partner_id, endpoint_id=issued.endpoint_id, delivery_id=delivery.delivery.id
        )
    ]
    third = await _publish(container, partner_id)
    assert (await _log(container, partner_id, third)).deliveries == []
    assert await _pending_jobs(container) == []


async def test_throttled_tries_honour_retry_after(container: Container, receiver: Receiver) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    receiver.reply_with(
        Reply(429, headers={"retry-after": "60"}), Reply(503, headers={"retry-after": "5"})
    )
    start = _start()
    worker = make_worker(container)
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id)
        assert await worker.run_once() == 1
        [job] = await _pending_jobs(container)
        assert job.run_after == start + timedelta(seconds=60)  # longer than the schedule's 10 s
        clock.advance(timedelta(seconds=59))
        assert await worker.run_once() == 0
        clock.advance(timedelta(seconds=1))
        assert await worker.run_once() == 1
        [job] = await _pending_jobs(container)
        assert job.run_after == start + timedelta(seconds=80)  # the schedule's 20 s beats 5 s
        clock.advance(timedelta(seconds=20))
        assert await worker.run_once() == 1
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    assert [(a.status_code, a.outcome) for a in delivery.attempts] == [
        (429, "throttled"),
        (503, "throttled"),
        (200, "succeeded"),
    ]


async def test_rotated_secret_signs_with_old_and_new_secret(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    rotated = await partners.rotate_webhook_secret(
        uow=container.uow(), partner_id=partner_id, endpoint_id=issued.endpoint_id
    )
    receiver.trust(rotated.secret)
    await _publish(container, partner_id)
    await make_worker(container).run_until_idle()
    [request] = receiver.requests
    assert request.verified_with == (issued.secret, rotated.secret)
    signatures = request.headers["webhook-signature"].split(" ")
    assert [s.split(",")[0] for s in signatures] == ["v1", "v1"]


@pytest.mark.parametrize("change", ["deleted", "disabled", "unsubscribed", "suspended"])
async def test_delivery_is_cancelled_when_its_target_went_away(
    container: Container, receiver: Receiver, change: str
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    event_id = await _publish(container, partner_id)
    uow, endpoint_id = container.uow(), issued.endpoint_id
    if change == "deleted":
        await partners.delete_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id
        )
    elif change == "disabled":
        await partners.update_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id, enabled=False
        )
    elif change == "unsubscribed":
        await partners.update_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id, event_types=["link.revoked"]
        )
    else:
        await partners.suspend_partner(uow=uow, partner_id=partner_id, reason="audit")
    assert await make_worker(container).run_until_idle() == 1
    assert receiver.requests == []
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    reasons = {
        "deleted": "the endpoint was deleted",
        "disabled": "the endpoint is disabled",
        "unsubscribed": "the endpoint no longer subscribes to order.created",
        "suspended": "the partner is suspended",
    }
    d = delivery.delivery
    assert (d.status, d.last_error, d.attempt_count, delivery.attempts) == (
        "cancelled",
        reasons[change],
        0,
        [],
    )
    assert d.endpoint_id == (None if change == "deleted" else endpoint_id)
    assert await _pending_jobs(container) == []


async def test_private_targets_are_refused_unless_allowed(
    container: Container, receiver: Receiver, database_settings: DatabaseSettings
) -> None:
    guarded = make_settings(
        database_settings,
        webhooks=WebhookSettings(retry_schedule_seconds=[10], allow_private_targets=False),
    )
    handler = build_delivery_job(guarded)
    registry = JobRegistry()
    registry.register(service.DELIVER_JOB, handler)
    worker = Worker(
        uow_factory=container.uow, registry=registry, settings=JobSettings(), worker_id="w2"
    )
    partner_id, _ = await partner_with_endpoint(container, receiver)
    event_id = await _publish(container, partner_id)
    assert await worker.run_once() == 1
    assert receiver.requests == []
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    [attempt] = delivery.attempts
    assert (attempt.status_code, attempt.outcome, attempt.error) == (
        None,
        "failed",
        "blocked: the host '127.0.0.1' resolves to the internal address 127.0.0.1",
    )
    assert (delivery.delivery.status, delivery.delivery.attempt_count) == ("pending", 1)
    await handler.aclose()


async def test_worker_killed_before_recording_delivers_again_with_the_same_id(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await partner_with_endpoint(container, receiver)
    receiver.reply_with(Reply(200, delay_seconds=5))
    start = _start()
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id)
        [job] = await jobs.claim_jobs(
            uow=container.uow(), worker_id="doomed", limit=5, lease=timedelta(seconds=1)
        )
        context = JobContext(job_id=job.id, attempt=1, uow_factory=container.uow)
        # The doomed worker's request reaches the receiver, then the process dies (kill -9).
        doomed = asyncio.create_task(delivery_job(container)(dict(job.payload), context))
        await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
        doomed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await doomed
        clock.advance(timedelta(seconds=2))  # the doomed worker's lease ran out
        assert await make_worker(container).run_until_idle() == 1
    assert [r.webhook_id for r in receiver.requests] == [event_id, event_id]
    assert all(r.verified_with == (issued.secret,) for r in receiver.requests)
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    assert (delivery.delivery.status, [a.status_code for a in delivery.attempts]) == (
        "succeeded",
        [200],
    )
    assert await _pending_jobs(container) == []


async def test_worker_killed_after_recording_does_not_deliver_twice(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    with clock.frozen_at(_start()):
        event_id = await _publish(container, partner_id)
        [job] = await jobs.claim_jobs(
            uow=container.uow(), worker_id="doomed", limit=5, lease=timedelta(seconds=1)
        )
        context = JobContext(job_id=job.id, attempt=1, uow_factory=container.uow)
        await delivery_job(container)(dict(job.payload), context)  # died before complete_job
        clock.advance(timedelta(seconds=2))
        assert await make_worker(container).run_until_idle() == 1
    assert [r.webhook_id for r in receiver.requests] == [event_id]
    [delivery] = (await _log(container, partner_id, event_id)).deliveries
    assert [a.number for a in delivery.attempts] == [1]
    succeeded = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.SUCCEEDED)
    assert [j.id for j in succeeded] == [job.id]


async def test_deliveries_of_one_batch_to_a_gone_endpoint_disable_it_once(
    container: Container, receiver: Receiver
) -> None:
    gone: list[WebhookEndpointGone] = []
    container.bus.subscribe(WebhookEndpointGone, gone.append)
    partner_id, issued = await partner_with_endpoint(container, receiver)
    receiver.reply_with(Reply(410), Reply(410))
    first = await _publish(container, partner_id)
    second = await _publish(container, partner_id, "order.updated")

    assert await make_worker(container).run_once() == 2

    assert sorted(r.webhook_id for r in receiver.requests) == sorted([first, second])
    for event_id in (first, second):
        [delivery] = (await _log(container, partner_id, event_id)).deliveries
        assert delivery.delivery.status == "gone"
        assert [(a.status_code, a.outcome) for a in delivery.attempts] == [(410, "gone")]
    [endpoint] = await partners.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner_id
    )
    assert endpoint.enabled is False
    assert [event.endpoint_id for event in gone] == [issued.endpoint_id]
