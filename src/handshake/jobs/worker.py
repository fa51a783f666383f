"""The outbox worker: lease due jobs, run their handlers, record the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog

from handshake.db.uow import UnitOfWork
from handshake.jobs import service
from handshake.jobs.metrics import JOB_DEAD, JOB_DURATION, JOB_FAILURES, JOB_QUEUE_DEPTH, JOB_RUNS
from handshake.jobs.models import Job, JobStatus
from handshake.jobs.registry import BatchHandler, BatchItem, JobContext, JobRegistry
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
        maintenance: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        self.uow_factory = uow_factory
        self.registry = registry
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{new_id('wrk')}"
        self.concurrency = max(1, concurrency or settings.concurrency)
        # Hourly clean-ups of other modules (expired idempotency keys…), given by the process root.
        self.maintenance = tuple(maintenance)
        self._last_purge = float("-inf")  # the first loop cleans up at once

    async def run_once(self) -> int:
        """Lease one batch and run it, ``concurrency`` jobs at a time; how many were run."""
        jobs = await service.claim_jobs(
            uow=self.uow_factory(),
            worker_id=self.worker_id,
            limit=self.settings.batch_size,
            lease=timedelta(seconds=self.settings.lease_seconds),
        )
        singles: list[Job] = []
        for name, group in _by_name(jobs).items():
            batch = self.registry.batch_handler(name)
            if batch is not None and len(group) > 1:
                await self._run_batch(name, batch, group)
            else:
                singles.extend(group)
        await self._run_concurrently(singles)
        return len(jobs)

    async def _run_concurrently(self, jobs: list[Job]) -> None:
        if self.concurrency == 1 or len(jobs) <= 1:
            for job in jobs:
                await self._run(job)
            return
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

    async def _run_batch(self, name: str, batch: BatchHandler, jobs: list[Job]) -> None:
        """One call for every leased job of ``name``; successes are completed in one statement."""
        items = [BatchItem(job.id, job.attempts, dict(job.payload)) for job in jobs]
        started = time.perf_counter()
        try:
            errors = await batch(items, self.uow_factory)
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            errors = {job.id: error for job in jobs}
        JOB_DURATION.labels(name=name).observe(time.perf_counter() - started)
        succeeded = [job.id for job in jobs if job.id not in errors]
        try:
            done = await service.complete_jobs(
                uow=self.uow_factory(), job_ids=succeeded, worker_id=self.worker_id
            )
        except Exception:
            # They stay leased and run again when the lease ends (handlers are idempotent).
            log.exception("batch_completion_not_recorded", job=name, jobs=len(succeeded))
            done = 0
        JOB_RUNS.labels(name=name, outcome="succeeded").inc(done)
        for job in jobs:
            if job.id in errors:
                try:
                    await self._record_failure(job, errors[job.id][:2000])
                except Exception:
                    log.exception("job_outcome_not_recorded", job_id=job.id)

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
            for clean_up in self.maintenance:
                try:
                    await clean_up()
                except Exception:
                    log.exception("maintenance_failed", worker_id=self.worker_id)

    async def _run(self, job: Job) -> None:
        context = JobContext(job_id=job.id, attempt=job.attempts, uow_factory=self.uow_factory)
        bound = log.bind(job_id=job.id, job=job.name, attempt=job.attempts)
        started = time.perf_counter()
        try:
            handler = self.registry.get(job.name)
            await handler(dict(job.payload), context)
        except Exception as exc:
            await self._record_failure(
                job, "".join(traceback.format_exception_only(exc)).strip()[:2000]
            )
            return
        finally:
            JOB_DURATION.labels(name=job.name).observe(time.perf_counter() - started)
        await service.complete_job(uow=self.uow_factory(), job_id=job.id, worker_id=self.worker_id)
        JOB_RUNS.labels(name=job.name, outcome="succeeded").inc()
        bound.info("job_succeeded")

    async def _record_failure(self, job: Job, error: str) -> None:
        """Reschedule a failed job with backoff, or dead-letter it after its last try."""
        JOB_FAILURES.labels(name=job.name).inc()
        outcome = await service.fail_job(
            uow=self.uow_factory(),
            job=job,
            worker_id=self.worker_id,
            error=error,
            backoff_base=self.settings.backoff_base_seconds,
            backoff_cap=self.settings.backoff_max_seconds,
        )
        bound = log.bind(job_id=job.id, job=job.name, attempt=job.attempts)
        if outcome is JobStatus.DEAD:
            JOB_DEAD.labels(name=job.name).inc()
            bound.error("job_dead_lettered", error=error)
        else:
            bound.warning("job_failed_will_retry", error=error)
        JOB_RUNS.labels(name=job.name, outcome="failed").inc()


def _by_name(jobs: Sequence[Job]) -> dict[str, list[Job]]:
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.name, []).append(job)
    return groups
