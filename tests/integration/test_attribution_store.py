"""Accepting ad events on SQLite and PostgreSQL: receipts, one job, the worker, dedupe."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from handshake.attribution import service
from handshake.attribution.attributing import AttributionPolicy
from handshake.attribution.models import AdEventStatus
from handshake.bootstrap import Container
from handshake.jobs import service as jobs
from handshake.jobs.models import JobStatus
from handshake.partners.kinds import PartnerKind
from tests.attribution_helpers import (
    GTIN,
    OTHER_SKU,
    event,
    make_variants,
    make_worker,
    stored_events,
)
from tests.linking_helpers import register_app, row_count


@pytest.fixture
async def source(container: Container) -> service.EventSource:
    """An anonymous (client-credentials) source of a social partner, with the catalog ready."""
    await make_variants(container)
    partner = await register_app(container)
    return service.EventSource(partner_id=partner.partner_id, partner_kind=PartnerKind.SOCIAL)


async def accept(
    container: Container, source: service.EventSource, events: list[Any]
) -> service.BatchOutcome:
    policy = service.EventPolicy.from_settings(container.settings)
    return await service.accept_events(
        uow=container.uow(), policy=policy, source=source, events=events
    )


async def pending_jobs(container: Container) -> int:
    """Pending jobs storing ad events (the catalog set up here queues jobs of its own)."""
    pending = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING, limit=500)
    return sum(1 for job in pending if job.name == service.STORE_JOB)


async def test_accepting_writes_receipts_and_one_job_then_the_worker_stores_events(
    container: Container, source: service.EventSource
) -> None:
    outcome = await accept(
        container,
        source,
        [event("e1"), event("e2", "click", sku=None, gtin=GTIN), event("e3", sku=OTHER_SKU)],
    )

    assert (outcome.accepted, outcome.duplicates, outcome.rejected) == (3, 0, [])
    assert [(c.index, c.event_id) for c in outcome.clicks] == [(1, "e2")]
    assert await row_count(container, "ad_event_receipts") == 3
    assert await pending_jobs(container) == 1
    assert await stored_events(container) == []
    queued = await service.get_event_status(
        uow=container.read_uow(), partner_id=source.partner_id, event_id="e2"
    )
    assert queued.status is AdEventStatus.QUEUED

    assert await make_worker(container).run_until_idle() == 1

    stored = await stored_events(container)
    assert [(e.event_id, e.kind, e.channel, e.shopper_id) for e in stored] == [
        ("e1", "impression", "feed_ad", None),
        ("e2", "click", "feed_ad", None),
        ("e3", "impression", "feed_ad", None),
    ]
    assert stored[1].click_id == outcome.clicks[0].click_id
    assert stored[0].variant_id == stored[1].variant_id != stored[2].variant_id
    assert stored[0].campaign_id == "spring"
    view = await service.get_event_status(
        uow=container.read_uow(), partner_id=source.partner_id, event_id="e2"
    )
    assert (view.status, view.click_id) == (AdEventStatus.STORED, outcome.clicks[0].click_id)


async def test_a_retried_batch_counts_once_even_while_the_first_is_queued(
    container: Container, source: service.EventSource
) -> None:
    batch = [event("e1"), event("c1", "click")]
    first = await accept(container, source, batch)
    again = await accept(container, source, batch)

    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, [])
    assert again.clicks == first.clicks
    assert await pending_jobs(container) == 1
    await make_worker(container).run_until_idle()
    after_worker = await accept(container, source, batch)
    assert (after_worker.accepted, after_worker.duplicates) == (0, 2)
    assert after_worker.clicks == first.clicks
    assert len(await stored_events(container)) == 2


async def test_duplicates_within_one_batch_count_once_and_share_the_click_id(
    container: Container, source: service.EventSource
) -> None:
    outcome = await accept(
        container,
        source,
        [event("c1", "click"), event("c1", "click"), event("i1"), event("i1", "click")],
    )

    assert (outcome.accepted, outcome.duplicates) == (2, 2)
    assert [(c.index, c.event_id) for c in outcome.clicks] == [(0, "c1"), (1, "c1")]
    assert outcome.clicks[0].click_id == outcome.clicks[1].click_id
    await make_worker(container).run_until_idle()
    assert [(e.event_id, e.kind) for e in await stored_events(container)] == [
        ("c1", "click"),
        ("i1", "impression"),
    ]


async def test_rejected_events_do_not_block_the_good_ones(
    container: Container, source: service.EventSource
) -> None:
    outcome = await accept(
        container,
        source,
        [event("bad-sku", sku="NOPE"), event("ok"), event("bad-type", "purchase"), 42],
    )

    assert outcome.accepted == 1
    assert [(r.index, r.event_id, r.code) for r in outcome.rejected] == [
        (0, "bad-sku", "unknown_product"),
        (2, "bad-type", "invalid_type"),
        (3, None, "not_an_object"),
    ]
    await make_worker(container).run_until_idle()
    assert [e.event_id for e in await stored_events(container)] == ["ok"]


async def test_a_batch_of_only_rejected_or_duplicate_events_queues_no_job(
    container: Container, source: service.EventSource
) -> None:
    outcome = await accept(container, source, [event("bad", sku="NOPE")])

    assert (outcome.accepted, len(outcome.rejected)) == (0, 1)
    assert await pending_jobs(container) == 0
    assert await row_count(container, "ad_event_receipts") == 0


async def test_nothing_is_half_written_when_the_job_cannot_be_queued(
    container: Container, source: service.EventSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_enqueue(**kwargs: Any) -> str:
        raise RuntimeError("database went away")

    monkeypatch.setattr(service.jobs, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError, match="went away"):
        await accept(container, source, [event("e1"), event("c1", "click")])
    monkeypatch.undo()

    assert await row_count(container, "ad_event_receipts") == 0
    assert await pending_jobs(container) == 0
    retried = await accept(container, source, [event("e1"), event("c1", "click")])
    assert (retried.accepted, retried.duplicates) == (2, 0)


async def test_the_worker_stores_a_batch_once_even_if_run_twice(
    container: Container, source: service.EventSource
) -> None:
    await accept(container, source, [event("e1"), event("c1", "click")])
    worker = make_worker(container)
    pending = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING)
    payload = next(dict(job.payload) for job in pending if job.name == service.STORE_JOB)

    policy = AttributionPolicy.from_settings(container.settings)
    assert await worker.run_until_idle() == 1
    assert await service.store_events(uow=container.uow(), payload=payload, policy=policy) == 0
    assert len(await stored_events(container)) == 2
    # The daily counts were added once: a rerun of the job adds nothing.
    async with container.engine.connect() as connection:
        counts = (
            await connection.execute(text("SELECT impressions, clicks FROM ad_event_days"))
        ).all()
    assert [tuple(row) for row in counts] == [(1, 1)]


async def test_events_of_another_partner_are_independent(
    container: Container, source: service.EventSource
) -> None:
    other = await register_app(container, kind="video")
    other_source = service.EventSource(partner_id=other.partner_id, partner_kind=PartnerKind.VIDEO)

    mine = await accept(container, source, [event("c1", "click")])
    theirs = await accept(container, other_source, [event("c1", "click")])

    assert (mine.accepted, theirs.accepted) == (1, 1)
    assert mine.clicks[0].click_id != theirs.clicks[0].click_id
    await make_worker(container).run_until_idle()
    assert sorted(e.channel for e in await stored_events(container)) == ["feed_ad", "video"]
