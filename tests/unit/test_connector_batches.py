"""The publisher's batches: at most 500 reports (300 discovery endpoints) per request, and one
refused or failed batch costs no other batch its changes."""

from __future__ import annotations

import httpx

from handshake.connector.accounts import Device
from handshake.devices.consent import DataType
from tests.connector_helpers import (
    STREAM,
    SUBJECT,
    FakePlatform,
    Parts,
    account,
    grant_document,
    parts,
    problem,
    sample,
    share,
)

L = DataType.LOCK_STATE


def unavailable() -> httpx.Response:
    return httpx.Response(503, headers={"retry-after": "2"})


def many_locks(count: int) -> tuple[FakePlatform, Parts]:
    """``count`` locks streaming their lock state, in one account."""
    locks = [Device(device_id=f"lock-{i}", kind="lock") for i in range(count)]
    platform = FakePlatform(grant_document([share(d.device_id, L, STREAM) for d in locks]))
    p = parts(platform, accounts=[account()])
    owner = p.store.get(SUBJECT)
    assert owner is not None
    owner.devices = locks
    return platform, p


async def test_a_refused_batch_does_not_hold_back_the_next_ones() -> None:
    platform, p = many_locks(501)
    platform.event_answers = [lambda: problem(400, "INVALID_REQUEST_EXCEPTION")]
    for i in range(501):
        p.publisher.submit(SUBJECT, f"lock-{i}", {"lock_state": sample("LOCKED")}, "physical")

    assert await p.publisher.pump() is None
    assert [len(a[2].get("events", [a[2]])) for a in platform.attempts] == [500, 1]
    assert [r["event"]["endpoint"]["endpointId"] for r in platform.change_reports()] == ["lock-500"]
    stats = p.publisher.stats
    assert (stats.rejected, stats.reports_sent, p.publisher.pending_properties()) == (1, 1, 0)


async def test_only_the_batches_that_did_not_get_through_are_retried() -> None:
    platform, p = many_locks(501)
    platform.event_answers = [lambda: problem(400, "INVALID_REQUEST_EXCEPTION"), unavailable]
    for i in range(501):
        p.publisher.submit(SUBJECT, f"lock-{i}", {"lock_state": sample("LOCKED")}, "physical")

    retry_at = await p.publisher.pump()
    assert retry_at is not None
    assert retry_at - p.clock.now >= 2.0  # Retry-After honoured
    assert p.publisher.pending_properties() == 1  # lock-500 only: the refused 500 are dropped
    p.clock.now = retry_at
    assert await p.publisher.pump() is None
    assert [len(a[2].get("events", [a[2]])) for a in platform.attempts] == [500, 1, 1]
    assert [r["event"]["endpoint"]["endpointId"] for r in platform.change_reports()] == ["lock-500"]


async def test_a_refused_discovery_event_does_not_hold_back_the_next_ones() -> None:
    platform, p = many_locks(301)
    platform.event_answers = [lambda: problem(400, "INVALID_REQUEST_EXCEPTION")]
    p.publisher.request_discovery(SUBJECT)

    assert await p.publisher.pump() is None
    [sent] = platform.discovery()
    assert [e["endpointId"] for e in sent["event"]["payload"]["endpoints"]] == ["lock-300"]
    assert (p.publisher.stats.rejected, p.publisher.stats.discovery_sent) == (1, 1)
