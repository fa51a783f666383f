"""Sends change reports and discovery to the platform's event gateway, without losing changes.

Before anything leaves, the grant is enforced here too (``stream_changes``): only the
properties it lets through are sent, and a report with no changed property left is not sent at
all. Gateway answers follow docs/device-makers.md: 400 drop; 401 refresh and retry once;
``SKILL_DISABLED`` stop for the shopper and forget their tokens; ``INSUFFICIENT_PERMISSION``
keep the grant but stop streaming; 429/5xx/network errors retry with exponential backoff. While
the gateway is away each device keeps one pending value per property (newer replaces older), so
an outage of any length costs at most one value per property in memory. A refused batch does not
hold back the next ones, and one device's report that cannot be built (or one shopper's failure)
never costs the others their changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import httpx
import structlog

from handshake.connector.accounts import AccountStore
from handshake.connector.grants import GrantCache, GrantUnavailable
from handshake.connector.messages import change_report, discovery_events, property_objects
from handshake.connector.state import Sample
from handshake.connector.tokens import RelinkNeeded, TokenKeeper, TokenUnavailable
from handshake.devices.consent import DeviceGrant, SharingMode
from handshake.devices.enforcement import admit_report
from handshake.kernel import clock

MAX_BATCH = 500  # ChangeReports per gateway request (the gateway's limit)

log = structlog.get_logger(__name__)
EVENTS_PATH = "/partner/v1/devices/events"


class Verdict(Enum):
    """What became of one message."""

    SENT = "sent"
    DROPPED = "dropped"  # not to be sent again (refused, or nothing left to send)
    RETRY = "retry"  # the gateway is away: keep it and try later
    ENDED = "ended"  # sharing ended for this shopper


@dataclass(frozen=True)
class Outcome:
    """A verdict, and how long the gateway asked us to wait."""

    verdict: Verdict
    retry_after: float | None = None
    # On RETRY, the devices whose changes to keep for later (None: every device of the job).
    keep: frozenset[str] | None = None


@dataclass
class PublisherStats:
    """Counters of what the publisher did (exposed in logs and tests)."""

    reports_sent: int = 0
    discovery_sent: int = 0
    nothing_kept: int = 0  # reports whose changes the grant withheld entirely: not sent
    properties_withheld: int = 0  # properties the maker-side enforcement held back
    rejected: int = 0  # refused by the gateway (400, second 401): dropped
    unbuildable: int = 0  # reports a device's values could not make: dropped, others sent
    failures: int = 0  # a shopper's job failed unexpectedly: kept for a retry
    retries: int = 0
    accounts_ended: int = 0


@dataclass
class Backoff:
    """Exponential backoff with jitter, never under ``base`` seconds nor over ``cap``."""

    base: float = 1.0
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1``; the gateway's Retry-After when longer."""
        ceiling = min(self.cap, self.base * 2.0 ** max(attempt - 1, 0))
        # Jitter spreads connectors that failed together, but never below the base.
        wait = max(self.base, ceiling * (0.5 + self.rng.random() / 2))
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait


@dataclass
class _Pending:
    changed: dict[str, Sample]
    cause: str


StateOf = Callable[[str], Mapping[str, Sample]]


class Publisher:
    """Per-device pending changes and per-shopper discovery, sent when due."""

    def __init__(
        self, *, http: httpx.AsyncClient, platform_url: str, tokens: TokenKeeper,
        grants: GrantCache, store: AccountStore, maker: str, state: StateOf,
        backoff: Backoff | None = None, now: Callable[[], datetime] = clock.now,
        monotonic: Callable[[], float] = time.monotonic, concurrency: int = 16,
    ) -> None:  # fmt: skip
        self._http, self._url = http, platform_url + EVENTS_PATH
        self._tokens, self._grants, self._store, self._maker = tokens, grants, store, maker
        self._state, self._backoff = state, backoff or Backoff()
        self._now, self._monotonic = now, monotonic
        self._slots = asyncio.Semaphore(concurrency)
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._discovery: set[str] = set()
        self._described: dict[str, set[str]] = {}  # devices each shopper's discovery listed
        self._no_stream: set[str] = set()  # links without devices.stream
        self._attempt, self._retry_at = 0, 0.0
        self._wake = asyncio.Event()
        self.stats = PublisherStats()

    def submit(
        self, subject: str, device_id: str, changed: Mapping[str, Sample], cause: str
    ) -> None:
        """Queue a device's changes; newer values replace pending ones of the same property."""
        if subject in self._no_stream or not self._tokens.active(subject) or not changed:
            return
        pending = self._pending.setdefault((subject, device_id), _Pending({}, cause))
        pending.changed.update(changed)
        pending.cause = cause
        self._wake.set()

    def request_discovery(self, subject: str) -> None:
        """Send the shopper's devices again (the grant changed, or the connector started)."""
        self._no_stream.discard(subject)  # a new grant may come with a new link: try again
        self._discovery.add(subject)
        self._wake.set()

    def pending_properties(self) -> int:
        """Values waiting to be sent, all devices together."""
        return sum(len(p.changed) for p in self._pending.values())

    async def run(self) -> None:
        """Send what is due, forever; wakes on new work or when a retry is due."""
        while True:
            self._wake.clear()
            deadline = await self.pump()
            timeout = None if deadline is None else max(deadline - self._monotonic(), 0.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def pump(self) -> float | None:
        """Send everything due now; the monotonic time of the next retry (None: nothing left)."""
        if self._monotonic() < self._retry_at:
            return self._retry_at
        reports, self._pending = self._pending, {}
        discoveries, self._discovery = self._discovery, set()
        by_subject: dict[str, dict[str, _Pending]] = {}
        for (subject, device_id), pending in reports.items():
            by_subject.setdefault(subject, {})[device_id] = pending
        jobs = [self._guarded(self._report(s, devices)) for s, devices in by_subject.items()]
        jobs += [self._guarded(self._discover(subject)) for subject in discoveries]
        outcomes = list(await asyncio.gather(*jobs))
        split = len(by_subject)
        for (subject, devices), outcome in zip(by_subject.items(), outcomes[:split], strict=True):
            if outcome.verdict is Verdict.RETRY:
                for device_id, pending in devices.items():
                    if outcome.keep is None or device_id in outcome.keep:
                        self._requeue((subject, device_id), pending)
        for subject, outcome in zip(discoveries, outcomes[split:], strict=True):
            if outcome.verdict is Verdict.RETRY:
                self._discovery.add(subject)
        return self._schedule(outcomes)

    def _schedule(self, outcomes: list[Outcome]) -> float | None:
        retries = [o for o in outcomes if o.verdict is Verdict.RETRY]
        if retries:
            self._attempt += 1
            self.stats.retries += 1
            waits = [o.retry_after for o in retries if o.retry_after is not None]
            delay = self._backoff.delay(self._attempt, max(waits, default=None))
            self._retry_at = self._monotonic() + delay
            log.info("connector.gateway_backoff", attempt=self._attempt, seconds=round(delay, 2))
            return self._retry_at
        if outcomes:
            self._attempt = 0
        return None if not (self._pending or self._discovery) else self._monotonic()

    def _requeue(self, key: tuple[str, str], failed: _Pending) -> None:
        if key[0] in self._no_stream or not self._tokens.active(key[0]):
            return
        current = self._pending.get(key)
        if current is None:
            self._pending[key] = failed
            return
        for name, sample in failed.changed.items():
            current.changed.setdefault(name, sample)  # what arrived meanwhile is newer

    async def _guarded(self, job: Coroutine[Any, Any, Outcome]) -> Outcome:
        async with self._slots:
            try:
                return await job
            except Exception:  # one shopper's failure must not cost the others their changes
                log.exception("connector.publish_failed")
                self.stats.failures += 1
                return Outcome(Verdict.RETRY)

    async def _report(self, subject: str, devices: dict[str, _Pending]) -> Outcome:
        """All of a shopper's pending devices, in batches of at most 500 reports."""
        if subject in self._no_stream or not self._tokens.active(subject):
            return Outcome(Verdict.DROPPED)
        try:
            grant = await self._grants.grant(subject)
        except GrantUnavailable:
            return Outcome(Verdict.RETRY)
        events = self._change_reports(grant, devices)
        if not events:
            return Outcome(Verdict.DROPPED)
        return await self._send_reports(subject, events)

    def _change_reports(
        self, grant: DeviceGrant, devices: dict[str, _Pending]
    ) -> list[tuple[str, dict[str, Any]]]:
        """``(device, ChangeReport)`` of each device with something to send."""
        now, events = self._now(), []
        for device_id, pending in devices.items():
            try:
                event = self._change_report(grant, device_id, pending, now)
            except Exception:  # a bad value of one device must not hold back the others
                log.exception("connector.report_unbuildable", device=device_id)
                self.stats.unbuildable += 1
                continue
            if event is not None:
                events.append((device_id, event))
        return events

    async def _send_reports(
        self, subject: str, events: list[tuple[str, dict[str, Any]]]
    ) -> Outcome:
        """Each batch in turn; a refused one does not stop the next, retried ones are kept."""
        keep: set[str] = set()
        waits: list[float] = []
        sent = False
        for start in range(0, len(events), MAX_BATCH):  # the gateway takes 500 at most
            chunk = events[start : start + MAX_BATCH]
            body = chunk[0][1] if len(chunk) == 1 else {"events": [e for _, e in chunk]}
            outcome = await self._post(subject, body, streaming=True)
            if outcome.verdict is Verdict.ENDED or subject in self._no_stream:
                return outcome  # nothing more may be sent for this shopper
            if outcome.verdict is Verdict.RETRY:
                keep.update(device_id for device_id, _ in chunk)
                waits += [] if outcome.retry_after is None else [outcome.retry_after]
            elif outcome.verdict is Verdict.SENT:
                sent = True
                self.stats.reports_sent += len(chunk)
        if keep:  # only the batches that did not get through are sent again
            return Outcome(Verdict.RETRY, max(waits, default=None), frozenset(keep))
        return Outcome(Verdict.SENT if sent else Verdict.DROPPED)

    def _change_report(
        self, grant: DeviceGrant, device_id: str, pending: _Pending, now: datetime
    ) -> dict[str, Any] | None:
        """The device's ChangeReport with only what the grant allows (None: nothing)."""
        context = {k: s for k, s in self._state(device_id).items() if k not in pending.changed}
        stream = SharingMode.STREAM_CHANGES
        changed = admit_report(
            grant, device_id, property_objects(pending.changed, now), mode=stream, now=now
        )
        unchanged = admit_report(
            grant, device_id, property_objects(context, now), mode=stream, now=now
        )
        self.stats.properties_withheld += len(changed.dropped) + len(unchanged.dropped)
        if not changed.kept:
            self.stats.nothing_kept += 1
            return None
        return change_report(device_id, changed.kept, unchanged.kept, pending.cause)

    async def _discover(self, subject: str) -> Outcome:
        """Every device of the account, flagged from the grant; removed devices deleted."""
        account = self._store.get(subject)
        if account is None or not self._tokens.active(subject):
            return Outcome(Verdict.DROPPED)
        try:
            grant = await self._grants.grant(subject)
        except GrantUnavailable:
            return Outcome(Verdict.RETRY)
        listed = {d.device_id for d in account.devices}
        removed = sorted(self._described.get(subject, set()) - listed)
        now = self._now()
        for event in discovery_events(account.devices, grant, self._maker, now, removed=removed):
            outcome = await self._post(subject, event, streaming=False)
            if outcome.verdict in {Verdict.RETRY, Verdict.ENDED}:
                return outcome  # RETRY resends the whole discovery, rebuilt from the grant then
            if outcome.verdict is Verdict.SENT:  # a refused event does not stop the next
                self.stats.discovery_sent += 1
        self._described[subject] = listed
        return Outcome(Verdict.SENT)

    async def _post(self, subject: str, body: dict[str, Any], *, streaming: bool) -> Outcome:
        try:
            token = await self._tokens.access_token(subject)
            response = await self._http.post(self._url, json=body, headers=_bearer(token))
            if response.status_code == 401:  # refresh and retry once
                token = await self._tokens.refreshed(subject, token)
                response = await self._http.post(self._url, json=body, headers=_bearer(token))
        except RelinkNeeded:
            await self._end(subject)
            return Outcome(Verdict.ENDED)
        except (httpx.HTTPError, TokenUnavailable) as exc:
            log.info("connector.gateway_unreachable", error=repr(exc))
            return Outcome(Verdict.RETRY)
        return await self._judge(subject, response, streaming=streaming)

    async def _judge(self, subject: str, response: httpx.Response, *, streaming: bool) -> Outcome:
        status, code = response.status_code, _alexa_code(response)
        if 200 <= status < 300:
            return Outcome(Verdict.SENT)
        if status == 429 or status >= 500:
            return Outcome(Verdict.RETRY, _retry_after(response))
        if status == 403 and code == "SKILL_DISABLED_EXCEPTION":
            await self._end(subject)
            return Outcome(Verdict.ENDED)
        if status == 403 and code == "INSUFFICIENT_PERMISSION_EXCEPTION" and streaming:
            # The link lacks devices.stream: keep the grant, stop streaming for this shopper.
            self._no_stream.add(subject)
            self._drop_pending(subject)
        log.warning("connector.gateway_refused", subject=subject, status=status, code=code)
        self.stats.rejected += 1
        return Outcome(Verdict.DROPPED)

    async def _end(self, subject: str) -> None:
        self._grants.invalidate(subject)
        self._drop_pending(subject)
        self._discovery.discard(subject)
        self._described.pop(subject, None)
        if self._tokens.active(subject):  # several reports may learn it at once: count it once
            log.warning("connector.sharing_ended", subject=subject)
            self.stats.accounts_ended += 1
            await self._tokens.forget(subject)

    def _drop_pending(self, subject: str) -> None:
        for key in [k for k in self._pending if k[0] == subject]:
            del self._pending[key]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _alexa_code(response: httpx.Response) -> str | None:
    try:
        payload = response.json().get("payload")
    except (ValueError, AttributeError):
        return None
    return str(payload.get("code")) if isinstance(payload, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers.get("retry-after", "")), 0.0)
    except ValueError:
        return None
