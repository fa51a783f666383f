"""The Redis limiter against a real Redis (``HANDSHAKE_TEST_REDIS_URL``), on a fake clock.

Each test uses its own key prefix and deletes its keys afterwards, so runs never collide.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from handshake.web.rate_limit import Decision, InProcessRateLimiter, Rate
from handshake.web.rate_limit_redis import RedisRateLimiter
from tests.conftest import redis_url_or_skip

START = 1_900_000_000_000
TEN_A_MINUTE = Rate(per_minute=10, burst=3)


class FakeClock:
    """Epoch milliseconds that only move when told."""

    def __init__(self) -> None:
        self.ms = START

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    """A client of the test Redis; the test's keys are removed afterwards."""
    client = Redis.from_url(redis_url_or_skip())
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test (or run) uses."""
    return f"handshake-test:{uuid.uuid4().hex}:"


@pytest.fixture
async def cleanup(redis_client: Redis, prefix: str) -> AsyncIterator[None]:
    """Delete this test's keys."""
    yield
    keys = [key async for key in redis_client.scan_iter(match=prefix + "*")]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture
def now() -> FakeClock:
    """The limiter's clock."""
    return FakeClock()


@pytest.fixture
def limiter(redis_client: Redis, prefix: str, now: FakeClock, cleanup: None) -> RedisRateLimiter:
    """A Redis limiter on the fake clock."""
    return RedisRateLimiter(redis_client, prefix=prefix, now=now)


async def test_the_burst_plus_one_request_is_refused_with_the_exact_refill_time(
    limiter: RedisRateLimiter, now: FakeClock
) -> None:
    decisions = [await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) for _ in range(4)]
    assert decisions == [Decision(True)] * 3 + [Decision(False, retry_after_ms=6_000)]
    now.ms += 5_999
    assert await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) == Decision(False, 1)
    now.ms += 1
    assert await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) == Decision(True)
    assert await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) == Decision(False, 6_000)
    assert await limiter.hit("sign_in:198.51.100.8", TEN_A_MINUTE) == Decision(True)


async def test_a_key_expires_when_its_bucket_is_full_again(
    limiter: RedisRateLimiter, redis_client: Redis, prefix: str
) -> None:
    for _ in range(3):
        await limiter.hit("k", TEN_A_MINUTE)
    assert await redis_client.get(prefix + "k") == str(START + 18_000).encode()
    ttl = await redis_client.pttl(prefix + "k")
    assert 17_000 < ttl <= 18_000


async def test_concurrent_requests_never_exceed_the_burst(
    redis_client: Redis, prefix: str, now: FakeClock, cleanup: None
) -> None:
    # Two limiters stand for two API processes sharing the Redis.
    first = RedisRateLimiter(redis_client, prefix=prefix, now=now)
    second = RedisRateLimiter(Redis.from_url(redis_url_or_skip()), prefix=prefix, now=now)
    try:
        decisions = await asyncio.gather(
            *(limiter.hit("k", TEN_A_MINUTE) for limiter in [first, second] * 20)
        )
    finally:
        await second.aclose()
    assert sum(d.allowed for d in decisions) == 3


async def test_decisions_match_the_in_process_limiter_step_for_step(
    limiter: RedisRateLimiter, now: FakeClock
) -> None:
    local_now = FakeClock()
    local = InProcessRateLimiter(max_keys=100, now=local_now)
    steps = random.Random(7)  # reproducible test data
    rate = Rate(per_minute=7, burst=2)
    for _ in range(300):
        elapsed = steps.choice([0, 0, 1, 500, 3_000, 8_571, 20_000])
        now.ms += elapsed
        local_now.ms += elapsed
        key = steps.choice(["a", "b"])
        assert await limiter.hit(key, rate) == await local.hit(key, rate)


async def test_an_unreachable_redis_lets_requests_through_and_counts_it() -> None:
    unreachable = RedisRateLimiter.from_url(
        "redis://127.0.0.1:1/0", prefix="handshake-test:", timeout_seconds=0.2
    )
    before = _backend_errors()
    try:
        assert await unreachable.hit("k", Rate(per_minute=1, burst=1)) == Decision(True)
    finally:
        await unreachable.aclose()
    assert _backend_errors() == before + 1


def _backend_errors() -> float:
    return REGISTRY.get_sample_value("handshake_rate_limit_backend_errors_total") or 0.0
