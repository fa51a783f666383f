"""What a try's answer means for the delivery (Standard Webhooks), and when to try again.

The first try is immediate. 2xx is success; 410 Gone disables the endpoint; 429/502/503/504
are throttling, whose ``Retry-After`` is honoured (never retried sooner than it asks, up to a
cap); anything else, timeouts and connection errors included, is a failure retried after the
next wait of the schedule. When the schedule is used up the delivery is dead-lettered.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from handshake.kernel import clock
from handshake.settings import WebhookSettings
from handshake.webhooks.models import AttemptOutcome, DeliveryStatus

THROTTLE_STATUSES = frozenset({429, 502, 503, 504})
GONE_STATUS = 410

Jitter = Callable[[float, float], float]


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP try yielded; ``status_code`` is None when no answer came."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    response_body: str | None = None
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class Decision:
    """The try's outcome, the delivery's status after it, and the wait before the next try."""

    outcome: AttemptOutcome
    status: DeliveryStatus
    retry_in_seconds: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Waits before each retry (the first try is immediate) and the limits on them."""

    retries: Sequence[float]
    jitter: float = 0.0
    max_retry_after_seconds: float = 86400.0
    draw: Jitter = random.uniform

    @classmethod
    def from_settings(cls, settings: WebhookSettings) -> RetryPolicy:
        """The policy configured in ``settings``."""
        return cls(
            retries=tuple(settings.retry_schedule_seconds),
            jitter=settings.retry_jitter,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        )

    @property
    def max_attempts(self) -> int:
        """How many tries a delivery gets."""
        return len(self.retries) + 1

    def wait_after(self, attempt_number: int) -> float:
        """Seconds between failed try ``attempt_number`` (1-based) and the next, with jitter."""
        base = float(self.retries[attempt_number - 1])
        if base == 0 or self.jitter == 0:
            return base
        return max(0.0, base * self.draw(1 - self.jitter, 1 + self.jitter))

    def decide(self, result: AttemptResult, *, attempt_number: int) -> Decision:
        """The decision after try ``attempt_number`` (1-based) answered ``result``."""
        code = result.status_code
        if code is not None and 200 <= code < 300:
            return Decision(AttemptOutcome.SUCCEEDED, DeliveryStatus.SUCCEEDED)
        if code == GONE_STATUS:
            return Decision(AttemptOutcome.GONE, DeliveryStatus.GONE)
        throttled = code in THROTTLE_STATUSES
        outcome = AttemptOutcome.THROTTLED if throttled else AttemptOutcome.FAILED
        if attempt_number >= self.max_attempts:
            return Decision(outcome, DeliveryStatus.DEAD)
        wait = self.wait_after(attempt_number)
        if throttled and result.retry_after_seconds is not None:
            wait = max(wait, min(result.retry_after_seconds, self.max_retry_after_seconds))
        return Decision(outcome, DeliveryStatus.PENDING, wait)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delay-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (clock.ensure_utc(moment) - (now or clock.now())).total_seconds())
