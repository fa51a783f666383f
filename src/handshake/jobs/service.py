"""Use cases of the outbox: enqueue in the caller's transaction, lease, finish, retry."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.jobs.errors import JobNotDead, UnknownJob
from handshake.jobs.models import Job, JobStatus
from handshake.jobs.repository import JobRepository
from handshake.kernel import clock
from handshake.kernel.ids import new_id

DEFAULT_MAX_ATTEMPTS = 8


async def enqueue(
    *,
    uow: UnitOfWork,
    name: str,
    payload: dict[str, Any],
    delay: timedelta = timedelta(0),
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    dedupe_key: str | None = None,
) -> str | None:
    """Add a job inside the open transaction; returns its id, or None if deduplicated."""
    job = Job(
        id=new_id("job"),
        name=name,
        payload=payload,
        status=JobStatus.PENDING,
        attempts=0,
        max_attempts=max_attempts,
        run_after=clock.now() + delay,
        dedupe_key=dedupe_key,
    )
    async with uow:
        added = await uow.repo(JobRepository).insert(job)
        await uow.commit()
    return job.id if added else None


async def claim_jobs(
    *, uow: UnitOfWork, worker_id: str, limit: int, lease: timedelta
) -> Sequence[Job]:
    """Lease the next due jobs to ``worker_id``."""
    now = clock.now()
    async with uow:
        jobs = await uow.repo(JobRepository).claim_due(
            now=now, limit=limit, lease_until=now + lease, worker_id=worker_id
        )
        await uow.commit()
    return jobs


async def complete_job(*, uow: UnitOfWork, job_id: str, worker_id: str) -> bool:
    """Record that a leased job succeeded."""
    async with uow:
        done = await uow.repo(JobRepository).finish(
            job_id=job_id, worker_id=worker_id, now=clock.now()
        )
        await uow.commit()
    return done


async def complete_jobs(*, uow: UnitOfWork, job_ids: Sequence[str], worker_id: str) -> int:
    """Record that leased jobs succeeded, in one statement; how many were still leased."""
    async with uow:
        done = await uow.repo(JobRepository).finish_many(
            job_ids=job_ids, worker_id=worker_id, now=clock.now()
        )
        await uow.commit()
    return done


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float | None = None) -> float:
    """Seconds before try ``attempt + 1``: exponential from ``base``, capped, with jitter.

    The jitter keeps the delay in ``[half, full]`` of the exponential value so a burst of
    failures does not retry in lockstep.
    """
    exponential = min(cap, base * (2 ** max(0, attempt - 1)))
    factor = random.uniform(0.5, 1.0) if jitter is None else jitter
    return float(exponential * factor)


async def fail_job(
    *,
    uow: UnitOfWork,
    job: Job,
    worker_id: str,
    error: str,
    backoff_base: float,
    backoff_cap: float,
) -> JobStatus:
    """Reschedule a failed job with backoff, or dead-letter it after its last try."""
    now = clock.now()
    async with uow:
        repository = uow.repo(JobRepository)
        if job.attempts >= job.max_attempts:
            await repository.bury(job_id=job.id, worker_id=worker_id, error=error, now=now)
            outcome = JobStatus.DEAD
        else:
            delay = backoff_delay(job.attempts, base=backoff_base, cap=backoff_cap)
            await repository.reschedule(
                job_id=job.id,
                worker_id=worker_id,
                error=error,
                run_after=now + timedelta(seconds=delay),
                now=now,
            )
            outcome = JobStatus.PENDING
        await uow.commit()
    return outcome


async def retry_dead_job(*, uow: UnitOfWork, job_id: str) -> None:
    """Put a dead-lettered job back in the queue with a fresh set of tries."""
    async with uow:
        repository = uow.repo(JobRepository)
        if await repository.get(job_id) is None:
            raise UnknownJob(f"No job {job_id}.")
        if not await repository.revive(job_id=job_id, now=clock.now()):
            raise JobNotDead(f"Job {job_id} is not dead-lettered.")
        await uow.commit()


async def queue_depth(*, uow: UnitOfWork) -> dict[str, int]:
    """Number of jobs per status (every status present, zero when empty)."""
    async with uow:
        counts = await uow.repo(JobRepository).count_by_status()
    return {status.value: counts.get(status.value, 0) for status in JobStatus}


async def list_jobs(*, uow: UnitOfWork, status: JobStatus, limit: int = 50) -> Sequence[Job]:
    """The newest jobs in ``status``."""
    async with uow:
        return await uow.repo(JobRepository).list_by_status(status.value, limit=limit)


async def purge_succeeded_jobs(*, uow: UnitOfWork, older_than: timedelta) -> int:
    """Delete succeeded jobs finished more than ``older_than`` ago."""
    async with uow:
        removed = await uow.repo(JobRepository).purge_succeeded(before=clock.now() - older_than)
        await uow.commit()
    return removed
