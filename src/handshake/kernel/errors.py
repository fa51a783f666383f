"""The error tree every domain raises from; the HTTP layer maps categories to statuses.

Each concrete error carries a stable machine-readable ``code`` (snake_case) that clients may
switch on, a human ``detail`` and optional structured ``extra`` data that ends up in the
problem+json body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    category: ClassVar[str] = "domain_error"
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Request failed"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code  # type: ignore[misc]  # per-instance override of the class default
        self.extra: dict[str, Any] = dict(extra or {})


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    category = "not_found"
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, stale, already done)."""

    category = "conflict"
    code = "conflict"
    title = "Conflict"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    category = "permission_denied"
    code = "permission_denied"
    title = "Permission denied"


class Unauthenticated(DomainError):
    """The caller could not be identified (missing or bad credentials)."""

    category = "unauthenticated"
    code = "unauthenticated"
    title = "Authentication required"
    # The WWW-Authenticate challenge of the 401 (RFC 9110 §11.6.1); Basic for OAuth clients.
    challenge: ClassVar[str] = 'Bearer realm="handshake"'


class BadRequest(DomainError):
    """The request lacks something every such request must carry (a required header…)."""

    category = "bad_request"
    code = "bad_request"
    title = "Bad request"


class InvalidInput(DomainError):
    """The request is well-formed but breaks a business rule."""

    category = "invalid_input"
    code = "invalid_input"
    title = "Invalid input"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after_seconds`` says when to try again."""

    category = "rate_limited"
    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self,
        detail: str,
        *,
        retry_after_seconds: int,
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, code=code, extra=extra)
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        self.extra.setdefault("retry_after_seconds", self.retry_after_seconds)


class Unavailable(DomainError):
    """A dependency (database, provider, partner endpoint) cannot serve right now."""

    category = "unavailable"
    code = "unavailable"
    title = "Service unavailable"
