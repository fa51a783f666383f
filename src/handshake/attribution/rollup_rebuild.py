"""Rebuilding the daily rollups from the stored ad events, set-based.

The worker keeps ``ad_event_days`` and ``engaged_shopper_days`` up to date as it stores events
(``service.store_events``). An operator rebuilds them after restoring a backup, or for events
stored before the rollups existed: one transaction deletes the rows of the days and counts the
events of those days again with ``INSERT … SELECT … GROUP BY``. The result equals what the
worker would have added. On PostgreSQL, writers of ``ad_events`` wait while it runs (their
batches stay queued in the outbox), so no event is counted twice or missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from handshake.attribution.errors import InvalidRebuildRange
from handshake.attribution.rebuild_repository import RollupRebuildRepository
from handshake.db.uow import UnitOfWork

MAX_DAYS = 366


@dataclass(frozen=True)
class RebuildOutcome:
    """What a rebuild replaced and wrote."""

    first: date
    last: date
    removed_day_rows: int
    removed_engaged_rows: int
    day_rows: int
    engaged_rows: int
    events: int

    @property
    def days(self) -> int:
        """How many days were rebuilt."""
        return (self.last - self.first).days + 1


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """[since, until) of the whole UTC days ``first`` to ``last``; a clear error when bad."""
    if first > last:
        raise InvalidRebuildRange(
            f"The range must start on or before its last day ({first} > {last}).",
            extra={"start": first.isoformat(), "end": last.isoformat()},
        )
    if (last - first).days >= MAX_DAYS:
        raise InvalidRebuildRange(
            f"A rebuild covers at most {MAX_DAYS} days; rebuild a longer history in parts.",
            extra={"start": first.isoformat(), "end": last.isoformat(), "limit": MAX_DAYS},
        )
    if last == date.max:
        raise InvalidRebuildRange("Give days within the years 1 to 9999.")
    since = datetime.combine(first, time.min, tzinfo=UTC)
    return since, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


async def rebuild_rollups(*, uow: UnitOfWork, first: date, last: date) -> RebuildOutcome:
    """Replace the daily counts and engaged shoppers of the days ``first`` to ``last`` (UTC,
    both included) with a recount of ``ad_events``, in one transaction."""
    since, until = _window(first, last)
    async with uow:
        repo = uow.repo(RollupRebuildRepository)
        await repo.hold_event_writers()
        removed_days, removed_engaged = await repo.delete_days(first=first, last=last)
        day_rows = await repo.insert_day_counts(since=since, until=until)
        engaged_rows = await repo.insert_engaged_shoppers(since=since, until=until)
        events = await repo.events_counted(first=first, last=last)
        await uow.commit()
    return RebuildOutcome(
        first=first, last=last, removed_day_rows=removed_days,
        removed_engaged_rows=removed_engaged, day_rows=day_rows, engaged_rows=engaged_rows,
        events=events,
    )  # fmt: skip
