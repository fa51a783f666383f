"""Use cases of idempotent requests (the Agentic Commerce Protocol's rules, §6 of its RFC).

A request carrying a key is first *claimed* (its own short transaction): a new key is stored as
in flight; a key seen with another body is refused (422); a key whose first request is still
running gets 409 with ``Retry-After``; a key already answered returns the stored answer to
replay, and the caller does nothing else. The answer is *recorded* inside the business
transaction (the order and its key commit together: no ghost order without a key, no key
without its order). A request that fails with no answer worth keeping (a 5xx, a crash) is
*released*, so a retry runs afresh; a key whose request died holding it is taken over once its
lock runs out (the lease must outlast the slowest request: a slow request that loses its key
cannot answer or release it, and its business transaction rolls back). Bodies are compared by
RFC 8785 canonical JSON (key order ignored, 1.0 == 1, null ≠ absent, arrays ordered).
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import rfc8785

from handshake.db.uow import UnitOfWork
from handshake.idempotency.errors import (
    IdempotencyConflict,
    IdempotencyInFlight,
    IdempotencyKeyRequired,
    UnrepresentableBody,
)
from handshake.idempotency.models import KeyStatus
from handshake.idempotency.repository import IdempotencyRepository
from handshake.kernel import clock

MAX_KEY_LENGTH = 255
DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class IdempotentRequest:
    """A keyed request: who on which endpoint (``scope``), the key, and its body's fingerprint."""

    scope: str
    key: str
    fingerprint: str
    # This attempt's own token: a retry that takes an abandoned key over gets the key, and the
    # first attempt, if it was only slow, can no longer answer or release it.
    claim_token: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given to the first request with a key, to replay as it was."""

    status_code: int
    body: Any


def stored_body(response: dict[str, Any]) -> Any:
    """The kept answer's body, key order as first sent (older rows kept the parsed body)."""
    if "text" in response:
        return json.loads(response["text"])
    return response["body"]


def fingerprint(body: Any) -> str:
    """SHA-256 of the RFC 8785 canonical form of a JSON body.

    RFC 8785 has no form for integers beyond ±2^53 or for infinities (``1e400`` parses as one):
    such a body is refused, as no two systems would agree on what it says.
    """
    try:
        return hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    except rfc8785.CanonicalizationError as exc:
        raise UnrepresentableBody(
            "The body holds a number JSON cannot carry exactly (beyond ±2^53, or infinite)."
        ) from exc


def keyed_request(*, scope: str, key: str | None, body: Any) -> IdempotentRequest:
    """The request to claim; :class:`IdempotencyKeyRequired` without a usable key."""
    if key is None or not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyRequired(
            "Send an Idempotency-Key header (1 to 255 printable characters, a UUID v4 is best)."
        )
    return IdempotentRequest(scope=scope, key=key, fingerprint=fingerprint(body))


async def claim(
    *,
    uow: UnitOfWork,
    request: IdempotentRequest,
    lease: timedelta = DEFAULT_LEASE,
    retention: timedelta = DEFAULT_RETENTION,
) -> StoredAnswer | None:
    """None when this request may run now; the stored answer when it ran already."""
    now = clock.now()
    async with uow:
        repo = uow.repo(IdempotencyRepository)
        values = {
            "scope": request.scope, "key": request.key, "fingerprint": request.fingerprint,
            "claim_token": request.claim_token,
            "status": KeyStatus.IN_FLIGHT, "locked_until": now + lease, "created_at": now,
            "expires_at": now + max(retention, DEFAULT_RETENTION),
        }  # fmt: skip
        if await repo.insert_in_flight(values):
            await uow.commit()
            return None
        record = await repo.get(request.scope, request.key)
        if record is None:  # purged between the insert and this read: ask for a retry
            raise _in_flight(now + timedelta(seconds=1), now)
        if record.fingerprint != request.fingerprint:
            raise IdempotencyConflict(
                "This Idempotency-Key was used for a request with another body."
            )
        if record.status == KeyStatus.ANSWERED:
            assert record.response_status is not None
            assert record.response is not None
            return StoredAnswer(record.response_status, stored_body(record.response))
        if record.locked_until > now:
            raise _in_flight(record.locked_until, now)
        taken = await repo.take_over(
            request.scope, request.key, now=now, locked_until=now + lease,
            claim_token=request.claim_token,
        )  # fmt: skip
        if not taken:
            raise _in_flight(now + timedelta(seconds=1), now)
        await uow.commit()
        return None


def _in_flight(locked_until: datetime, now: datetime) -> IdempotencyInFlight:
    wait = max(1, math.ceil((locked_until - now).total_seconds()))
    return IdempotencyInFlight(
        "The first request with this Idempotency-Key is still running.", retry_after_seconds=wait
    )


async def record_answer(
    *, uow: UnitOfWork, request: IdempotentRequest, status_code: int, body: Any
) -> None:
    """Keep the answer to replay; call it inside the transaction of the business change.

    Raises :class:`IdempotencyInFlight` when this request no longer holds its key (it ran past
    its lease and a retry took the key over): the business transaction must then roll back, the
    retry does the work. 5xx answers are never kept (a retry must run afresh).
    """
    if status_code >= 500:
        raise ValueError("5xx answers are not kept: release the key instead")
    async with uow:
        kept = await uow.repo(IdempotencyRepository).answer(
            request.scope, request.key, claim_token=request.claim_token, status=status_code,
            body=body,
        )  # fmt: skip
        if not kept:
            raise IdempotencyInFlight(
                "Another request with this Idempotency-Key took it over; it does the work.",
                retry_after_seconds=1,
            )
        await uow.commit()


async def release(*, uow: UnitOfWork, request: IdempotentRequest) -> None:
    """The request failed with nothing to replay (5xx, crash): a retry with the key runs anew.

    Only the holder releases: a slow first attempt cannot free a key a retry took over.
    """
    async with uow:
        await uow.repo(IdempotencyRepository).release(
            request.scope, request.key, claim_token=request.claim_token
        )
        await uow.commit()


async def purge_expired_keys(*, uow: UnitOfWork) -> int:
    """Delete keys past their retention (at least 24 h); how many."""
    async with uow:
        purged = await uow.repo(IdempotencyRepository).purge_expired(clock.now())
        await uow.commit()
    return purged
