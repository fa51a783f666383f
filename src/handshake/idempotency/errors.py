"""Errors of idempotent requests (codes from the Agentic Commerce Protocol's rules)."""

from __future__ import annotations

from handshake.kernel.errors import BadRequest, Conflict, InvalidInput


class IdempotencyKeyRequired(BadRequest):
    """This call must carry an ``Idempotency-Key`` header (1 to 255 printable characters)."""

    code = "idempotency_key_required"


class IdempotencyConflict(InvalidInput):
    """The key was used for a request with another body: use a new key for a new request."""

    code = "idempotency_conflict"


class IdempotencyInFlight(Conflict):
    """The first request with this key is still running: retry after ``retry_after_seconds``."""

    code = "idempotency_in_flight"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, extra={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = max(1, retry_after_seconds)


class UnrepresentableBody(BadRequest):
    """A body with a number JSON cannot carry exactly (beyond ±2^53, or infinite)."""

    code = "unrepresentable_number"
