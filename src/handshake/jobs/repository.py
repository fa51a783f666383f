"""Every query of the jobs outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from handshake.db.uow import Repository
from handshake.jobs.models import Job, JobStatus


class JobRepository(Repository):
    """Outbox rows: insert, claim with SKIP LOCKED, finish, retry."""

    async def insert(self, job: Job) -> bool:
        """Insert ``job``; with a dedupe key already present, insert nothing and return False."""
        if job.dedupe_key is None:
            self.session.add(job)
            return True
        values: dict[str, Any] = {
            c.key: getattr(job, c.key)
            for c in Job.__table__.columns
            if getattr(job, c.key, None) is not None
        }
        statement = (
            self.conflict_insert(Job)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def get(self, job_id: str) -> Job | None:
        """One job by id."""
        return await self.session.get(Job, job_id)

    async def _bury_abandoned(self, now: datetime) -> None:
        """Dead-letter running jobs whose lease ran out on their last attempt."""
        abandoned = (
            select(Job.id)
            .where(
                Job.status == JobStatus.RUNNING,
                Job.locked_until < now,
                Job.attempts >= Job.max_attempts,
            )
            .order_by(Job.id)
            .with_for_update(skip_locked=True)
        )
        dead = list((await self.session.scalars(abandoned)).all())
        if dead:
            await self.session.execute(
                update(Job)
                .where(Job.id.in_(dead))
                .values(
                    status=JobStatus.DEAD,
                    finished_at=now,
                    locked_until=None,
                    updated_at=now,
                    last_error="The lease ran out on the last attempt: the worker died running it.",
                )
                .execution_options(synchronize_session=False)
            )

    async def claim_due(
        self, *, now: datetime, limit: int, lease_until: datetime, worker_id: str
    ) -> Sequence[Job]:
        """Lease up to ``limit`` due jobs (and jobs whose lease expired) to ``worker_id``.

        A job whose lease ran out on its last attempt is dead-lettered instead: it took its
        worker down (killed, out of memory) every time, and would otherwise loop forever.
        """
        await self._bury_abandoned(now)
        due = or_(
            and_(Job.status == JobStatus.PENDING, Job.run_after <= now),
            and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),
        )
        ids_query = (
            select(Job.id)
            .where(due)
            .order_by(Job.run_after, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self.session.scalars(ids_query)).all())
        if not ids:
            return []
        await self.session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(
                status=JobStatus.RUNNING,
                locked_until=lease_until,
                locked_by=worker_id,
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        rows = await self.session.scalars(
            select(Job)
            .where(Job.id.in_(ids))
            .order_by(Job.run_after, Job.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def finish(self, *, job_id: str, worker_id: str, now: datetime) -> bool:
        """Mark a leased job succeeded; False when the lease was lost to another worker."""
        return await self.finish_many(job_ids=[job_id], worker_id=worker_id, now=now) == 1

    async def finish_many(self, *, job_ids: Sequence[str], worker_id: str, now: datetime) -> int:
        """Mark leased jobs succeeded in one statement; how many this worker still held."""
        if not job_ids:
            return 0
        result = await self.session.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.SUCCEEDED,
                finished_at=now,
                locked_until=None,
                last_error=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def reschedule(
        self, *, job_id: str, worker_id: str, run_after: datetime, error: str, now: datetime
    ) -> bool:
        """Put a failed job back in the queue for a later try."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.PENDING,
                run_after=run_after,
                locked_until=None,
                locked_by=None,
                last_error=error,
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def bury(self, *, job_id: str, worker_id: str, error: str, now: datetime) -> bool:
        """Dead-letter a job after its last try."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.DEAD,
                finished_at=now,
                locked_until=None,
                last_error=error,
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def revive(self, *, job_id: str, now: datetime) -> bool:
        """Give a dead job a fresh set of tries."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.DEAD)
            .values(
                status=JobStatus.PENDING,
                attempts=0,
                run_after=now,
                finished_at=None,
                locked_by=None,
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def count_by_status(self) -> dict[str, int]:
        """How many jobs are in each status."""
        rows = await self.session.execute(select(Job.status, func.count()).group_by(Job.status))
        return dict(rows.all())

    async def list_by_status(self, status: str, *, limit: int) -> Sequence[Job]:
        """Newest jobs in ``status``."""
        rows = await self.session.scalars(
            select(Job).where(Job.status == status).order_by(Job.id.desc()).limit(limit)
        )
        return list(rows.all())

    async def purge_succeeded(self, *, before: datetime) -> int:
        """Delete succeeded jobs finished before ``before``."""
        result = await self.session.execute(
            delete(Job).where(Job.status == JobStatus.SUCCEEDED, Job.finished_at < before)
        )
        return int(getattr(result, "rowcount", 0))
