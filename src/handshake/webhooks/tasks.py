"""Job handler of the webhooks domain: one delivery try per ``webhooks.deliver`` job."""

from __future__ import annotations

from typing import Any

import structlog

from handshake.jobs.registry import JobContext, JobRegistry
from handshake.kernel import clock
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings
from handshake.webhooks import service
from handshake.webhooks.metrics import ATTEMPT_LATENCY, ATTEMPTS
from handshake.webhooks.models import AttemptOutcome
from handshake.webhooks.retry_policy import RetryPolicy
from handshake.webhooks.sender import WebhookSender
from handshake.webhooks.targets import TargetGuard

log = structlog.get_logger(__name__)


def private_targets_allowed(settings: Settings) -> bool:
    """Whether deliveries may go to internal addresses (by default only in development/test)."""
    configured = settings.webhooks.allow_private_targets
    if configured is not None:
        return configured
    return settings.environment in {"development", "test"}


class DeliveryJob:
    """Makes one try of a delivery; holds the process-wide sender (one shared HTTP client)."""

    def __init__(self, *, sender: WebhookSender, policy: RetryPolicy) -> None:
        self.sender = sender
        self.policy = policy

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
        outcome = decision.outcome.value if decision else "superseded"
        ATTEMPTS.labels(outcome=outcome).inc()
        ATTEMPT_LATENCY.observe(result.latency_ms / 1000)
        if decision is not None and decision.outcome is not AttemptOutcome.SUCCEEDED:
            log.info(
                "webhook_attempt_failed",
                delivery_id=delivery_id,
                attempt=number,
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
    return DeliveryJob(sender=sender, policy=RetryPolicy.from_settings(settings.webhooks))


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register the delivery job."""
    del bus, personal_data  # webhooks subscribes to nothing and holds no shopper data
    jobs.register(service.DELIVER_JOB, build_delivery_job(settings))
