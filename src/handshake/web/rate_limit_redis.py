"""The rate limiter shared by every API process: GCRA in one Lua script on Redis.

The script reads and writes a key's TAT in one atomic step, so concurrent requests on any
number of processes never both take the last slot. The time comes from the calling process
(``kernel.clock``): API hosts keep NTP time, and a skew of a few milliseconds only moves a
refill by as much.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from handshake.web.rate_limit import ALLOWED, Decision, Rate, now_ms

log = structlog.get_logger(__name__)
BACKEND_ERRORS = Counter(
    "handshake_rate_limit_backend_errors_total",
    "Rate-limit checks let through because Redis did not answer",
)

# KEYS[1]: the key. ARGV: now, interval, tolerance (integer milliseconds). Returns
# {1, 0} when admitted, {0, milliseconds until a request would be} when refused. Mirrors
# ``rate_limit.gcra``; the key expires when its bucket is full again (idle keys cost nothing).
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, allow_at - now}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', new_tat - now))
return {1, 0}
"""


class RedisRateLimiter:
    """Counters in Redis, shared by every process pointed at it."""

    def __init__(self, client: Redis, *, prefix: str, now: Callable[[], int] = now_ms) -> None:
        self.client = client
        self.prefix = prefix
        self._now = now
        self._script = client.register_script(GCRA_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_seconds: float) -> RedisRateLimiter:
        """A limiter on a new client; it connects on first use, in the serving event loop."""
        client = Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        return cls(client, prefix=prefix)

    async def hit(self, key: str, rate: Rate) -> Decision:
        """One atomic GCRA step; let the request through when Redis cannot answer."""
        try:
            allowed, retry_after_ms = await self._script(
                keys=[self.prefix + key],
                args=[self._now(), rate.interval_ms, rate.tolerance_ms],
            )
        except (RedisError, OSError) as exc:
            # Failing open: an outage of the limiter must not lock every shopper out, and
            # sign-in keeps its per-account lockout in the database meanwhile.
            BACKEND_ERRORS.inc()
            log.warning("rate_limit_backend_unavailable", error=type(exc).__name__)
            return ALLOWED
        if allowed:
            return ALLOWED
        return Decision(allowed=False, retry_after_ms=int(retry_after_ms))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()
