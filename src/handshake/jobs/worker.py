"""The outbox worker: lease due jobs, run their handlers, record the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
from collections.abc import Callable
from datetime import timedelta

import structlog

from handshake.db.uow import UnitOfWork
from handshake.jobs import service
from handshake.jobs.metrics import JOB_DEAD, JOB_DURATION, JOB_FAILURES, JOB_QUEUE_DEPTH, JOB_RUNS
from handshake.jobs.models import Job, JobStatus
from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel.ids import new_id
from handshake.settings import JobSettings, Settings

log = structlog.get_logger(__name__)
PURGE_EVERY_SECONDS = 3600.0
KEEP_SUCCEEDED = timedelta(days=7)


def worker_concurrency(settings: Settings) -> int:
    """Jobs a worker runs at once: ``jobs.concurrency``, or one on SQLite (a single writer)."""
    return 1 if settings.database.is_sqlite else settings.jobs.concurrency


class Worker:
    """Runs registered handlers for due jobs; many may run at once on PostgreSQL."""

    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        registry: JobRegistry,
        settings: JobSettings,
        worker_id: str | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.registry = registry
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{new_id('wrk')}"
        self.concurrency = max(1, concurrency or settings.concurrency)
        self._last_purge = 0.0

    async def run_once(self) -> int:
        """Lease one batch and run it, ``concurrency`` jobs at a time; how many were run."""
        jobs = await service.claim_jobs(
            uow=self.uow_factory(),
            worker_id=self.worker_id,
            limit=self.settings.batch_size,
            lease=timedelta(seconds=self.settings.lease_seconds),
        )
        if self.concurrency == 1 or len(jobs) <= 1:
            for job in jobs:
                await self._run(job)
            return len(jobs)
        slots = asyncio.Semaphore(self.concurrency)

        async def run_in_slot(job: Job) -> None:
            async with slots:
                await self._run(job)

        # _run records every handler failure itself; an error escaping it (the database gone)
        # leaves the job leased, to be retried when the lease ends.
        outcomes = await asyncio.gather(*(run_in_slot(job) for job in jobs), return_exceptions=True)
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error("job_outcome_not_recorded", job_id=job.id, error=repr(outcome))
        return len(jobs)

    async def run_until_idle(self, max_batches: int = 1000) -> int:
        """Run batches until nothing is due (tests and the CLI's ``--drain``)."""
        total = 0
        for _ in range(max_batches):
            ran = await self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; errors of the loop itself are logged and retried."""
        log.info("worker_started", worker_id=self.worker_id)
        while not stop.is_set():
            ran = 0
            try:
                ran = await self.run_once()
                await self._housekeeping()
            except Exception:
                log.exception("worker_loop_failed", worker_id=self.worker_id)
            if ran == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_interval_seconds)
        log.info("worker_stopped", worker_id=self.worker_id)

    async def _housekeeping(self) -> None:
        depth = await service.queue_depth(uow=self.uow_factory())
        for status, count in depth.items():
            JOB_QUEUE_DEPTH.labels(status=status).set(count)
        if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            await service.purge_succeeded_jobs(uow=self.uow_factory(), older_than=KEEP_SUCCEEDED)

    async def _run(self, job: Job) -> None:
        context = JobContext(job_id=job.id, attempt=job.attempts, uow_factory=self.uow_factory)
        bound = log.bind(job_id=job.id, job=job.name, attempt=job.attempts)
        started = time.perf_counter()
        try:
            handler = self.registry.get(job.name)
            await handler(dict(job.payload), context)
        except Exception as exc:
            JOB_FAILURES.labels(name=job.name).inc()
            error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            outcome = await service.fail_job(
                uow=self.uow_factory(),
                job=job,
                worker_id=self.worker_id,
                error=error,
                backoff_base=self.settings.backoff_base_seconds,
                backoff_cap=self.settings.backoff_max_seconds,
            )
            if outcome is JobStatus.DEAD:
                JOB_DEAD.labels(name=job.name).inc()
                bound.error("job_dead_lettered", error=error)
            else:
                bound.warning("job_failed_will_retry", error=error)
            JOB_RUNS.labels(name=job.name, outcome="failed").inc()
            return
        finally:
            JOB_DURATION.labels(name=job.name).observe(time.perf_counter() - started)
        await service.complete_job(uow=self.uow_factory(), job_id=job.id, worker_id=self.worker_id)
        JOB_RUNS.labels(name=job.name, outcome="succeeded").inc()
        bound.info("job_succeeded")
