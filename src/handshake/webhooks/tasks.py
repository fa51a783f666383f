"""Job handler of the webhooks domain: one delivery try per ``webhooks.deliver`` job."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import BatchItem, JobContext, JobRegistry
from handshake.kernel import clock
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings
from handshake.webhooks import service
from handshake.webhooks.metrics import ATTEMPT_LATENCY, ATTEMPTS
from handshake.webhooks.models import AttemptOutcome
from handshake.webhooks.retry_policy import AttemptResult, Decision, RetryPolicy
from handshake.webhooks.sender import WebhookSender
from handshake.webhooks.targets import TargetGuard, private_targets_allowed

log = structlog.get_logger(__name__)
# Tries per chunk of a batch: chunks overlap, so the database and the network both stay busy.
CHUNK_SIZE = 25


class DeliveryJob:
    """Makes tries of deliveries; holds the process-wide sender (one shared HTTP client)."""

    def __init__(self, *, sender: WebhookSender, policy: RetryPolicy, concurrency: int = 8) -> None:
        self.sender = sender
        self.policy = policy
        self.concurrency = max(1, concurrency)
        self._slots: asyncio.Semaphore | None = None

    async def run_batch(
        self, items: list[BatchItem], uow_factory: Callable[[], UnitOfWork]
    ) -> dict[str, str]:
        """Many tries, in chunks that overlap: while one chunk records, another sends.

        A chunk is one transaction to prepare its tries, concurrent POSTs (at most
        ``concurrency`` in flight for the whole process) and one transaction to record them. A
        receiver's failure is an outcome (recorded, retried on the webhook schedule), not a job
        failure; an exception (the database gone) fails that chunk's jobs, whose tries rerun
        (at least once delivery: the same ``webhook-id``), and leaves the other chunks' alone.
        """
        chunks = [items[i : i + CHUNK_SIZE] for i in range(0, len(items), CHUNK_SIZE)]
        outcomes = await asyncio.gather(
            *(self._run_chunk(chunk, uow_factory) for chunk in chunks), return_exceptions=True
        )
        errors: dict[str, str] = {}
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            if isinstance(outcome, Exception):  # only this chunk's tries rerun
                errors.update({item.job_id: repr(outcome)[:2000] for item in chunk})
            elif isinstance(outcome, BaseException):
                raise outcome
        return errors

    async def _run_chunk(
        self, items: list[BatchItem], uow_factory: Callable[[], UnitOfWork]
    ) -> None:
        tries = [(str(i.payload["delivery_id"]), int(i.payload["attempt"])) for i in items]
        prepared = await service.prepare_attempts(uow=uow_factory(), tries=tries)
        tried = await asyncio.gather(*(self._send(p) for p in prepared if p is not None))
        decisions = await service.record_attempts(
            uow=uow_factory(), tries=tried, policy=self.policy
        )
        for attempt, decision in zip(tried, decisions, strict=True):
            self._observe(attempt.prepared, attempt.result, decision)

    async def _send(self, attempt: service.PreparedAttempt) -> service.TriedAttempt:
        if self._slots is None:  # created on the running loop
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            attempted_at = clock.now()
            result = await self.sender.send(attempt.message)
        return service.TriedAttempt(attempt, result, attempted_at)

    async def __call__(self, payload: dict[str, Any], context: JobContext) -> None:
        """Prepare, send and record try ``payload["attempt"]`` of ``payload["delivery_id"]``."""
        delivery_id = str(payload["delivery_id"])
        number = int(payload["attempt"])
        prepared = await service.prepare_attempt(
            uow=context.uow_factory(), delivery_id=delivery_id, number=number
        )
        if prepared is None:
            return
        attempted_at = clock.now()
        result = await self.sender.send(prepared.message)
        decision = await service.record_attempt(
            uow=context.uow_factory(),
            prepared=prepared,
            result=result,
            attempted_at=attempted_at,
            policy=self.policy,
        )
        self._observe(prepared, result, decision)

    def _observe(
        self, prepared: service.PreparedAttempt, result: AttemptResult, decision: Decision | None
    ) -> None:
        outcome = decision.outcome.value if decision else "superseded"
        ATTEMPTS.labels(outcome=outcome).inc()
        ATTEMPT_LATENCY.observe(result.latency_ms / 1000)
        if decision is not None and decision.outcome is not AttemptOutcome.SUCCEEDED:
            log.info(
                "webhook_attempt_failed",
                delivery_id=prepared.delivery_id,
                attempt=prepared.number,
                status_code=result.status_code,
                error=result.error,
                delivery_status=decision.status.value,
            )

    async def aclose(self) -> None:
        """Close the shared HTTP client."""
        await self.sender.aclose()


def build_delivery_job(settings: Settings) -> DeliveryJob:
    """The delivery handler configured by ``settings``."""
    guard = TargetGuard(allow_private=private_targets_allowed(settings))
    sender = WebhookSender(settings=settings.webhooks, guard=guard)
    return DeliveryJob(
        sender=sender,
        policy=RetryPolicy.from_settings(settings.webhooks),
        concurrency=settings.webhooks.max_in_flight,
    )


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the delivery job."""
    del bus, personal_data  # webhooks subscribes to nothing and holds no shopper data
    delivery = build_delivery_job(settings)
    jobs.register(service.DELIVER_JOB, delivery)
    jobs.register_batch(service.DELIVER_JOB, delivery.run_batch)
