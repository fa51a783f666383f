"""Streaming's 90-day confirmation period: remind the shopper 7 days before, record the pause.

The enforcer pauses streaming by itself at the end of the period (``Share.allows``); this round
of the worker makes it visible: a reminder in the consent center a week before (audited), and at
the end a ``stream_paused`` change — audited, with a receipt and ``consent.updated`` so the maker
stops pushing — while the grant and its other modes stay. Confirming again clears both marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import STREAM_REMINDER_BEFORE, DeviceGrant
from handshake.devices.grants import announce_change, grant_of
from handshake.devices.models import DeviceGrantRecord
from handshake.devices.repository import DeviceGrantRepository
from handshake.kernel import clock
from handshake.linking.policy import LinkingPolicy

BATCH = 500


@dataclass(frozen=True)
class StreamingReview:
    """How many grants got a reminder, and how many had streaming paused."""

    reminded: int
    paused: int


def streaming_until(grant: DeviceGrant) -> datetime | None:
    """When the first streaming share of the grant pauses (None: nothing streams)."""
    return grant.streaming_until()


def reminder_due(record: DeviceGrantRecord, now: datetime) -> bool:
    """Whether the consent center shows the "streaming ends soon" reminder."""
    until = streaming_until(grant_of(record))
    return until is not None and until - STREAM_REMINDER_BEFORE <= now < until


async def _review(
    uow: UnitOfWork, policy: LinkingPolicy, record: DeviceGrantRecord, now: datetime
) -> str | None:
    until = streaming_until(grant_of(record))
    if until is None:
        return None
    if now >= until and record.stream_paused_at is None:
        record.stream_paused_at, record.version = now, record.version + 1
        await uow.flush()
        await announce_change(
            uow, policy, record, "stream_paused", "system", {"paused_at": clock.iso_z(now)}
        )
        return "paused"
    if reminder_due(record, now) and record.stream_reminded_at is None:
        record.stream_reminded_at = now
        await audit.append_audit_entry(
            uow, shopper_id=record.shopper_id, partner_id=record.partner_id,
            kind="stream_reminder", actor="system", detail={"pauses_at": clock.iso_z(until)},
        )  # fmt: skip
        return "reminded"
    return None


async def review_streaming(*, uow: UnitOfWork, policy: LinkingPolicy) -> StreamingReview:
    """Remind and pause where due (the worker's hourly round)."""
    now, reminded, paused, after = clock.now(), 0, 0, ""
    while True:
        async with uow:
            batch = await uow.repo(DeviceGrantRepository).active_grant_keys(
                after=after, limit=BATCH
            )
        for grant_id, shopper_id, partner_id in batch:
            # One grant per transaction (grant row, then its chain): never two chains at once.
            async with uow:
                repo = uow.repo(DeviceGrantRepository)
                record = await repo.grant_of(shopper_id, partner_id, lock=True)
                outcome = None
                if record is not None and record.id == grant_id:
                    outcome = await _review(uow, policy, record, now)
                await uow.commit()
            reminded += outcome == "reminded"
            paused += outcome == "paused"
        if len(batch) < BATCH:
            return StreamingReview(reminded, paused)
        after = batch[-1][0]
