"""Request rate limiting: the GCRA rule, the limiter protocol and its in-process implementation.

GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp per key) admits
``burst`` requests at once, then one every ``60 / per_minute`` seconds. A key's only state is its
*theoretical arrival time* (TAT); once the TAT is in the past the bucket is full again and the key
can be forgotten, which keeps memory bounded. Times are integer milliseconds so the Redis script
(``rate_limit_redis``) computes exactly what this module does.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, assert_never

from handshake.kernel import clock
from handshake.settings import RateLimitSettings

LimitName = Literal["sign_in", "token"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Idle keys dropped per request: a little more than the one a request may add, so the table
# shrinks back after a spike without any request paying for a full sweep.
_IDLE_EVICTIONS_PER_HIT = 4


def now_ms() -> int:
    """The current time (``kernel.clock``, so tests can freeze it) in epoch milliseconds."""
    return (clock.now() - _EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: int
    burst: int

    @property
    def interval_ms(self) -> int:
        """Time for one request's worth of budget to come back."""
        return max(1, round(60_000 / self.per_minute))

    @property
    def tolerance_ms(self) -> int:
        """How far ahead of now the TAT may run before a request is refused."""
        return self.interval_ms * (max(1, self.burst) - 1)


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go on and, if not, how long until one would be admitted."""

    allowed: bool
    retry_after_ms: int = 0

    @property
    def retry_after_seconds(self) -> int:
        """``retry_after_ms`` rounded up to whole seconds, at least 1 (for ``Retry-After``)."""
        return max(1, math.ceil(self.retry_after_ms / 1000))


ALLOWED = Decision(allowed=True)


def gcra(tat_ms: int | None, now: int, rate: Rate) -> tuple[Decision, int | None]:
    """The decision for one request and the key's new TAT (None when refused: state unchanged)."""
    tat = now if tat_ms is None else max(tat_ms, now)
    allow_at = tat - rate.tolerance_ms
    if now < allow_at:
        return Decision(allowed=False, retry_after_ms=allow_at - now), None
    return ALLOWED, tat + rate.interval_ms


def rate_for(settings: RateLimitSettings, name: LimitName) -> Rate:
    """The configured rate of the limit called ``name``."""
    if name == "sign_in":
        return Rate(settings.sign_in_per_minute, settings.sign_in_burst)
    if name == "token":
        return Rate(settings.token_per_minute, settings.token_burst)
    assert_never(name)  # a new LimitName needs its settings here (mypy checks)


class RateLimiter(Protocol):
    """Counts requests per key; implementations must be safe for concurrent requests."""

    async def hit(self, key: str, rate: Rate) -> Decision:
        """Count one request for ``key`` unless it is over ``rate``; say which."""
        ...

    async def aclose(self) -> None:
        """Release connections (on application shutdown)."""
        ...


class DisabledRateLimiter:
    """Admits everything (``rate_limit.enabled = false``)."""

    async def hit(self, key: str, rate: Rate) -> Decision:
        """Always allowed."""
        del key, rate
        return ALLOWED

    async def aclose(self) -> None:
        """Nothing to release."""


class InProcessRateLimiter:
    """Counters in this process's memory: right only when a single process serves requests."""

    def __init__(self, *, max_keys: int, now: Callable[[], int] = now_ms) -> None:
        self.max_keys = max(1, max_keys)
        self._now = now
        # Least recently admitted first: idle keys gather at the front.
        self._tats: OrderedDict[str, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tats)

    async def hit(self, key: str, rate: Rate) -> Decision:
        """GCRA on the key's TAT; no await inside, so concurrent requests cannot interleave."""
        now = self._now()
        self._evict_idle(now)
        decision, new_tat = gcra(self._tats.get(key), now, rate)
        if new_tat is not None:
            self._tats[key] = new_tat
            self._tats.move_to_end(key)
            while len(self._tats) > self.max_keys:
                # Forgetting the least recently active key only loosens its limit; memory stays
                # bounded however many addresses a flood comes from.
                self._tats.popitem(last=False)
        return decision

    def _evict_idle(self, now: int) -> None:
        for _ in range(_IDLE_EVICTIONS_PER_HIT):
            oldest = next(iter(self._tats.items()), None)
            if oldest is None or oldest[1] > now:
                return
            del self._tats[oldest[0]]

    async def aclose(self) -> None:
        """Nothing to release."""
