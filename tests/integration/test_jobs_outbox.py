"""The outbox on SQLite and PostgreSQL: enqueue in a transaction, retry, dead-letter, dedupe."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.jobs import service
from handshake.jobs.errors import JobNotDead
from handshake.jobs.models import JobStatus
from handshake.jobs.registry import BatchItem, JobContext, JobRegistry
from handshake.jobs.worker import Worker, worker_concurrency
from handshake.kernel import clock
from handshake.settings import JobSettings


def make_worker(container: Container, registry: JobRegistry, **overrides: Any) -> Worker:
    """A worker over ``registry`` with instant retries unless overridden."""
    values: dict[str, Any] = {"backoff_base_seconds": 0.0001, "backoff_max_seconds": 0.0001}
    values.update(overrides)
    return Worker(
        uow_factory=container.uow, registry=registry, settings=JobSettings(**values), worker_id="w1"
    )


async def test_job_enqueued_with_rolled_back_change_never_runs(container: Container) -> None:
    uow = container.uow()
    with pytest.raises(RuntimeError, match="boom"):
        async with uow:
            await service.enqueue(uow=uow, name="x.run", payload={"n": 1})
            raise RuntimeError("boom")
    assert await service.queue_depth(uow=container.read_uow()) == {
        "pending": 0,
        "running": 0,
        "succeeded": 0,
        "dead": 0,
    }


async def test_worker_runs_job_and_marks_it_succeeded(container: Container) -> None:
    seen: list[dict[str, Any]] = []

    async def handler(payload: dict[str, Any], context: JobContext) -> None:
        seen.append(payload)

    registry = JobRegistry()
    registry.register("x.run", handler)
    job_id = await service.enqueue(uow=container.uow(), name="x.run", payload={"n": 7})
    ran = await make_worker(container, registry).run_until_idle()
    assert (ran, seen) == (1, [{"n": 7}])
    succeeded = await service.list_jobs(uow=container.read_uow(), status=JobStatus.SUCCEEDED)
    assert [j.id for j in succeeded] == [job_id]


async def test_failing_job_is_retried_then_dead_lettered_then_revived(container: Container) -> None:
    attempts: list[int] = []

    async def handler(payload: dict[str, Any], context: JobContext) -> None:
        attempts.append(context.attempt)
        raise ValueError("partner down")

    registry = JobRegistry()
    registry.register("x.fail", handler)
    job_id = await service.enqueue(uow=container.uow(), name="x.fail", payload={}, max_attempts=3)
    worker = make_worker(container, registry)
    for _ in range(3):
        await asyncio.sleep(0.01)
        await worker.run_once()
    assert attempts == [1, 2, 3]
    dead = await service.list_jobs(uow=container.read_uow(), status=JobStatus.DEAD)
    assert [(j.id, j.attempts, j.last_error) for j in dead] == [
        (job_id, 3, "ValueError: partner down")
    ]
    assert await worker.run_once() == 0
    assert job_id is not None
    await service.retry_dead_job(uow=container.uow(), job_id=job_id)
    depth = await service.queue_depth(uow=container.read_uow())
    assert (depth["pending"], depth["dead"]) == (1, 0)
    with pytest.raises(JobNotDead):
        await service.retry_dead_job(uow=container.uow(), job_id=job_id)


async def test_failed_job_waits_for_its_backoff(container: Container) -> None:
    async def handler(payload: dict[str, Any], context: JobContext) -> None:
        raise ValueError("later")

    registry = JobRegistry()
    registry.register("x.slow", handler)
    await service.enqueue(uow=container.uow(), name="x.slow", payload={})
    worker = make_worker(container, registry, backoff_base_seconds=60, backoff_max_seconds=60)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0  # rescheduled at least 30 s ahead
    with clock.frozen_at(clock.now() + timedelta(seconds=61)):
        assert await worker.run_once() == 1


async def test_dedupe_key_enqueues_once(container: Container) -> None:
    first = await service.enqueue(uow=container.uow(), name="x.a", payload={}, dedupe_key="k1")
    second = await service.enqueue(uow=container.uow(), name="x.a", payload={}, dedupe_key="k1")
    assert first is not None
    assert second is None
    assert (await service.queue_depth(uow=container.read_uow()))["pending"] == 1


async def test_expired_lease_is_taken_over_and_old_worker_cannot_finish(
    container: Container,
) -> None:
    await service.enqueue(uow=container.uow(), name="x.a", payload={})
    leased = await service.claim_jobs(
        uow=container.uow(), worker_id="crashed", limit=5, lease=timedelta(seconds=1)
    )
    assert len(leased) == 1
    assert (
        await service.claim_jobs(
            uow=container.uow(), worker_id="other", limit=5, lease=timedelta(seconds=30)
        )
        == []
    )
    with clock.frozen_at(clock.now() + timedelta(seconds=5)):
        retaken = await service.claim_jobs(
            uow=container.uow(), worker_id="other", limit=5, lease=timedelta(seconds=30)
        )
    assert [j.id for j in retaken] == [leased[0].id]
    assert retaken[0].attempts == 2
    assert not await service.complete_job(
        uow=container.uow(), job_id=leased[0].id, worker_id="crashed"
    )
    assert await service.complete_job(uow=container.uow(), job_id=leased[0].id, worker_id="other")


async def test_a_job_whose_last_lease_ran_out_is_dead_lettered(container: Container) -> None:
    """A job that took its worker down on every attempt stops being retried (regression)."""
    job_id = await service.enqueue(uow=container.uow(), name="x.a", payload={}, max_attempts=2)
    moment = clock.now()
    for attempt in (1, 2):
        with clock.frozen_at(moment + timedelta(seconds=10 * attempt)):
            leased = await service.claim_jobs(
                uow=container.uow(), worker_id=f"died{attempt}", limit=5,
                lease=timedelta(seconds=1),
            )  # fmt: skip
        assert [(j.id, j.attempts) for j in leased] == [(job_id, attempt)]
    with clock.frozen_at(moment + timedelta(seconds=30)):
        again = await service.claim_jobs(
            uow=container.uow(), worker_id="next", limit=5, lease=timedelta(seconds=30)
        )
    assert again == []
    dead = await service.list_jobs(uow=container.read_uow(), status=JobStatus.DEAD)
    assert [(j.id, j.attempts) for j in dead] == [(job_id, 2)]
    assert dead[0].last_error is not None
    assert "last attempt" in dead[0].last_error


async def test_concurrent_workers_never_run_a_job_twice(container: Container) -> None:
    runs: list[int] = []

    async def handler(payload: dict[str, Any], context: JobContext) -> None:
        runs.append(payload["n"])
        await asyncio.sleep(0)

    registry = JobRegistry()
    registry.register("x.n", handler)
    for n in range(30):
        await service.enqueue(uow=container.uow(), name="x.n", payload={"n": n})
    workers = [
        Worker(
            uow_factory=container.uow,
            registry=registry,
            settings=JobSettings(batch_size=4),
            worker_id=f"w{i}",
        )
        for i in range(3)
    ]
    await asyncio.gather(*(w.run_until_idle() for w in workers))
    assert sorted(runs) == list(range(30))


async def test_a_batch_runs_its_jobs_concurrently_up_to_the_limit(container: Container) -> None:
    running, peak, finished = 0, 0, 0
    three_in = asyncio.Event()

    async def handler(payload: dict[str, Any], context: JobContext) -> None:
        nonlocal running, peak, finished
        running += 1
        peak = max(peak, running)
        if running == 3:
            three_in.set()
        # Run one by one, the first job would wait here for the other two and time out.
        await asyncio.wait_for(three_in.wait(), timeout=5)
        await asyncio.sleep(0)
        running -= 1
        finished += 1

    registry = JobRegistry()
    registry.register("x.wait", handler)
    for n in range(6):
        await service.enqueue(uow=container.uow(), name="x.wait", payload={"n": n})
    worker = make_worker(container, registry, batch_size=6, concurrency=3)

    assert await worker.run_once() == 6
    assert (peak, finished) == (3, 6)
    depth = await service.queue_depth(uow=container.read_uow())
    assert (depth["succeeded"], depth["pending"], depth["running"]) == (6, 0, 0)


def test_sqlite_runs_one_job_at_a_time(settings: Any) -> None:
    expected = 1 if settings.database.is_sqlite else settings.jobs.concurrency
    assert worker_concurrency(settings) == expected


async def test_a_batch_handler_gets_every_job_of_its_name_and_reports_failures(
    container: Container,
) -> None:
    calls: list[list[int]] = []
    singles: list[int] = []

    async def one(payload: dict[str, Any], context: JobContext) -> None:
        singles.append(payload["n"])

    async def many(items: list[BatchItem], uow_factory: Any) -> dict[str, str]:
        calls.append(sorted(item.payload["n"] for item in items))
        return {item.job_id: "odd" for item in items if item.payload["n"] % 2}

    registry = JobRegistry()
    registry.register("x.many", one)
    registry.register_batch("x.many", many)
    for n in range(4):
        await service.enqueue(uow=container.uow(), name="x.many", payload={"n": n})

    assert await make_worker(container, registry, batch_size=10).run_once() == 4

    assert (calls, singles) == ([[0, 1, 2, 3]], [])
    depth = await service.queue_depth(uow=container.read_uow())
    assert (depth["succeeded"], depth["pending"]) == (2, 2)  # the odd ones wait for a retry


async def test_a_batch_handler_that_raises_fails_every_job_of_the_batch(
    container: Container,
) -> None:
    async def one(payload: dict[str, Any], context: JobContext) -> None:
        raise AssertionError("not called for a batch")

    async def many(items: list[BatchItem], uow_factory: Any) -> dict[str, str]:
        raise RuntimeError("database gone")

    registry = JobRegistry()
    registry.register("x.many", one)
    registry.register_batch("x.many", many)
    for n in range(3):
        await service.enqueue(uow=container.uow(), name="x.many", payload={"n": n})

    assert await make_worker(container, registry, batch_size=10).run_once() == 3

    depth = await service.queue_depth(uow=container.read_uow())
    assert (depth["succeeded"], depth["pending"], depth["running"]) == (0, 3, 0)
    pending = await service.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING)
    assert {job.last_error for job in pending} == {"RuntimeError: database gone"}


def test_a_batch_handler_needs_a_one_job_handler_first() -> None:
    async def many(items: list[BatchItem], uow_factory: Any) -> dict[str, str]:
        return {}

    with pytest.raises(ValueError, match="one-job handler"):
        JobRegistry().register_batch("x.many", many)


async def test_a_batch_whose_completion_cannot_be_recorded_stays_leased(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def one(payload: dict[str, Any], context: JobContext) -> None:
        return None

    async def many(items: list[BatchItem], uow_factory: Any) -> dict[str, str]:
        return {}

    async def database_gone(**kwargs: Any) -> int:
        raise ConnectionError("database gone")

    registry = JobRegistry()
    registry.register("x.many", one)
    registry.register_batch("x.many", many)
    for n in range(2):
        await service.enqueue(uow=container.uow(), name="x.many", payload={"n": n})
    monkeypatch.setattr(service, "complete_jobs", database_gone)

    assert await make_worker(container, registry, batch_size=10).run_once() == 2

    depth = await service.queue_depth(uow=container.read_uow())
    assert (depth["running"], depth["succeeded"]) == (2, 0)  # rerun when the lease ends


async def test_the_worker_runs_every_clean_up_at_start_even_after_one_fails(
    container: Container,
) -> None:
    calls: list[str] = []

    async def failing() -> None:
        calls.append("failing")
        raise RuntimeError("clean-up failed")

    async def fine() -> None:
        calls.append("fine")

    worker = Worker(
        uow_factory=container.uow, registry=JobRegistry(), settings=JobSettings(),
        maintenance=[failing, fine],
    )  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop))
    for _ in range(100):
        if len(calls) == 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running

    assert calls == ["failing", "fine"]  # once: the next round is an hour away
