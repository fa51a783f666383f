"""Use cases of one delivery try, run by the ``webhooks.deliver`` job (re-exported by service).

A try is three steps so no transaction stays open during the HTTP call: :func:`prepare_attempt`
reads what to send (or cancels a delivery whose endpoint went away), the sender posts it, and
:func:`record_attempt` stores the answer and, in the same transaction, queues the next try, or
dead-letters the delivery, or disables the endpoint on 410 Gone.

Both steps are idempotent. A job carries the delivery and the try number; a rerun of a try that
was already recorded (a worker killed after recording, before marking the job done) finds the
delivery moved on and does nothing. A worker killed before recording leaves the delivery as it
was, so the rerun sends again: every event is delivered at least once, always with the same
``webhook-id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.jobs import service as jobs
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.partners import service as partners
from handshake.partners.errors import WebhookEndpointNotFound
from handshake.partners.models import SignatureScheme, WebhookEndpoint
from handshake.webhooks import acp_signature
from handshake.webhooks.events import WebhookDeliveryDeadLettered, WebhookEndpointGone
from handshake.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookEvent
from handshake.webhooks.repository import DeliveryTarget, WebhookRepository
from handshake.webhooks.retry_policy import AttemptResult, Decision, RetryPolicy
from handshake.webhooks.sender import OutgoingWebhook

DELIVER_JOB = "webhooks.deliver"
# Job-level retries cover infrastructure failures only (the database down while recording);
# receiver failures are retried on the webhook schedule, one job per try.
JOB_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class PreparedAttempt:
    """A try that is due: which delivery, which try, and the signed message to send."""

    delivery_id: str
    partner_id: str
    event_id: str
    endpoint_id: str
    number: int
    message: OutgoingWebhook


async def queue_attempt(
    *, uow: UnitOfWork, delivery_id: str, number: int, delay_seconds: float = 0.0
) -> None:
    """Enqueue try ``number`` of a delivery inside the open transaction."""
    await jobs.enqueue(
        uow=uow,
        name=DELIVER_JOB,
        payload={"delivery_id": delivery_id, "attempt": number},
        delay=timedelta(seconds=delay_seconds),
        max_attempts=JOB_MAX_ATTEMPTS,
    )


def _unsendable(target: DeliveryTarget) -> str | None:
    """Why the delivery must be cancelled instead of sent, or None."""
    endpoint = target.endpoint
    if endpoint is None:
        return "the endpoint was deleted"
    if not target.partner_active:
        return "the partner is suspended"
    if not endpoint.enabled:
        return "the endpoint is disabled"
    if not endpoint.subscribes_to(target.event.event_type):
        return f"the endpoint no longer subscribes to {target.event.event_type}"
    return None


async def prepare_attempt(
    *, uow: UnitOfWork, delivery_id: str, number: int
) -> PreparedAttempt | None:
    """The message for try ``number``, or None when it is not due (already made, cancelled)."""
    return (await prepare_attempts(uow=uow, tries=[(delivery_id, number)]))[0]


async def prepare_attempts(
    *, uow: UnitOfWork, tries: Sequence[tuple[str, int]]
) -> list[PreparedAttempt | None]:
    """:func:`prepare_attempt` for many (delivery id, try number) pairs in one transaction."""
    now = clock.now()
    prepared: list[PreparedAttempt | None] = []
    async with uow:
        repo = uow.repo(WebhookRepository)
        targets = await repo.delivery_targets({delivery_id for delivery_id, _ in tries})
        cancelled = False
        for delivery_id, number in tries:
            target = targets.get(delivery_id)
            if (
                target is None
                or not target.delivery.is_pending
                or target.delivery.attempt_count != number - 1
            ):
                prepared.append(None)
            elif (reason := _unsendable(target)) is not None:
                cancelled |= await repo.advance_delivery(
                    delivery_id=delivery_id,
                    from_attempt_count=number - 1,
                    values=_finished(DeliveryStatus.CANCELLED, now, last_error=reason),
                )
                prepared.append(None)
            else:
                prepared.append(_prepared(target, number=number, now=now))
        if cancelled:
            await uow.commit()
    return prepared


def _wire_body(event: WebhookEvent, endpoint: WebhookEndpoint) -> str:
    """The stored body, or for ACP endpoints its ACP form (derived the same way every try)."""
    if endpoint.scheme is SignatureScheme.ACP:
        return acp_signature.event_body(event.event_type, event.body)
    return event.body


def _prepared(target: DeliveryTarget, *, number: int, now: datetime) -> PreparedAttempt:
    endpoint = target.endpoint
    assert endpoint is not None  # checked by _unsendable
    message = OutgoingWebhook(
        message_id=target.event.id,
        url=endpoint.url,
        body=_wire_body(target.event, endpoint),
        secrets=tuple(endpoint.signing_secrets(now=now)),
        scheme=endpoint.scheme,
    )
    return PreparedAttempt(
        delivery_id=target.delivery.id,
        partner_id=target.event.partner_id,
        event_id=target.event.id,
        endpoint_id=endpoint.id,
        number=number,
        message=message,
    )


def _finished(status: DeliveryStatus, now: datetime, **values: Any) -> dict[str, Any]:
    return {
        "status": status,
        "next_attempt_at": None,
        "finished_at": now,
        "updated_at": now,
        **values,
    }


def _delivery_changes(
    decision: Decision, result: AttemptResult, number: int, now: datetime
) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "attempt_count": number,
        "last_status_code": result.status_code,
        "last_error": result.error,
    }
    if decision.status is DeliveryStatus.PENDING:
        wait = timedelta(seconds=decision.retry_in_seconds or 0.0)
        return {**changes, "next_attempt_at": now + wait, "updated_at": now}
    return {**changes, **_finished(decision.status, now)}


async def record_attempt(
    *,
    uow: UnitOfWork,
    prepared: PreparedAttempt,
    result: AttemptResult,
    attempted_at: datetime,
    policy: RetryPolicy,
) -> Decision | None:
    """Store the try's answer and act on it; None when another run already recorded it."""
    tried = TriedAttempt(prepared, result, attempted_at)
    return (await record_attempts(uow=uow, tries=[tried], policy=policy))[0]


@dataclass(frozen=True)
class TriedAttempt:
    """A try that was made: what was sent, the answer, and when."""

    prepared: PreparedAttempt
    result: AttemptResult
    attempted_at: datetime


async def record_attempts(
    *, uow: UnitOfWork, tries: Sequence[TriedAttempt], policy: RetryPolicy
) -> list[Decision | None]:
    """:func:`record_attempt` for many tries in one transaction, in order."""
    now = clock.now()
    decisions: list[Decision | None] = []
    disabled: set[str] = set()  # endpoints this transaction already disabled (410)
    async with uow:
        repo = uow.repo(WebhookRepository)
        for tried in tries:
            prepared = tried.prepared
            decision = policy.decide(tried.result, attempt_number=prepared.number)
            moved = await repo.advance_delivery(
                delivery_id=prepared.delivery_id,
                from_attempt_count=prepared.number - 1,
                values=_delivery_changes(decision, tried.result, prepared.number, now),
            )
            decisions.append(decision if moved else None)
            if not moved:
                continue
            repo.add(_attempt_row(prepared, tried.result, decision, tried.attempted_at))
            if decision.status is DeliveryStatus.GONE:
                if prepared.endpoint_id in disabled:
                    continue
                disabled.add(prepared.endpoint_id)
            await _follow_up(uow, prepared, decision)
        await uow.commit()
    return decisions


def _attempt_row(
    prepared: PreparedAttempt, result: AttemptResult, decision: Decision, attempted_at: datetime
) -> WebhookAttempt:
    return WebhookAttempt(
        id=new_id("wha"),
        delivery_id=prepared.delivery_id,
        number=prepared.number,
        url=prepared.message.url,
        attempted_at=attempted_at,
        outcome=decision.outcome,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        error=result.error,
        response_body=result.response_body,
    )


async def _follow_up(uow: UnitOfWork, prepared: PreparedAttempt, decision: Decision) -> None:
    if decision.status is DeliveryStatus.PENDING:
        await queue_attempt(
            uow=uow,
            delivery_id=prepared.delivery_id,
            number=prepared.number + 1,
            delay_seconds=decision.retry_in_seconds or 0.0,
        )
    elif decision.status is DeliveryStatus.GONE:
        await _disable_endpoint(uow, prepared)
    elif decision.status is DeliveryStatus.DEAD:
        uow.record(
            WebhookDeliveryDeadLettered(
                partner_id=prepared.partner_id,
                event_id=prepared.event_id,
                delivery_id=prepared.delivery_id,
                endpoint_id=prepared.endpoint_id,
            )
        )


async def _disable_endpoint(uow: UnitOfWork, prepared: PreparedAttempt) -> None:
    """410 Gone: the receiver asks for no more deliveries (Standard Webhooks)."""
    try:
        await partners.update_webhook_endpoint(
            uow=uow,
            partner_id=prepared.partner_id,
            endpoint_id=prepared.endpoint_id,
            enabled=False,
        )
    except WebhookEndpointNotFound:
        return  # deleted meanwhile: nothing left to disable
    uow.record(
        WebhookEndpointGone(
            partner_id=prepared.partner_id,
            endpoint_id=prepared.endpoint_id,
            delivery_id=prepared.delivery_id,
        )
    )
