"""The GCRA rule and the in-process limiter, on a fake clock: exact counts and refill times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from handshake.kernel import clock
from handshake.settings import RateLimitSettings, Settings
from handshake.web.rate_limit import (
    Decision,
    DisabledRateLimiter,
    InProcessRateLimiter,
    Rate,
    gcra,
    now_ms,
    rate_for,
)
from handshake.web.rate_limit_redis import RedisRateLimiter
from handshake.web.throttling import build_rate_limiter, throttled_message

START = 1_900_000_000_000  # epoch milliseconds
TEN_A_MINUTE = Rate(per_minute=10, burst=3)  # one every 6 s, three at once


class FakeClock:
    """Epoch milliseconds that only move when told."""

    def __init__(self, start: int = START) -> None:
        self.ms = start

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


async def _hits(limiter: InProcessRateLimiter, key: str, n: int, rate: Rate) -> list[Decision]:
    return [await limiter.hit(key, rate) for _ in range(n)]


def test_rate_spacing_and_tolerance() -> None:
    assert TEN_A_MINUTE.interval_ms == 6_000
    assert TEN_A_MINUTE.tolerance_ms == 12_000
    assert Rate(per_minute=7, burst=1).interval_ms == 8_571
    assert Rate(per_minute=7, burst=1).tolerance_ms == 0


def test_gcra_admits_the_burst_then_refuses_until_exactly_one_interval() -> None:
    tat = None
    for _ in range(3):
        decision, tat = gcra(tat, START, TEN_A_MINUTE)
        assert decision == Decision(allowed=True)
    assert tat == START + 18_000
    refused, unchanged = gcra(tat, START, TEN_A_MINUTE)
    assert refused == Decision(allowed=False, retry_after_ms=6_000)
    assert unchanged is None
    assert gcra(tat, START + 5_999, TEN_A_MINUTE)[0] == Decision(False, retry_after_ms=1)
    assert gcra(tat, START + 6_000, TEN_A_MINUTE) == (Decision(True), START + 24_000)


@pytest.mark.parametrize(
    ("retry_ms", "seconds"), [(1, 1), (999, 1), (1_000, 1), (1_001, 2), (6_000, 6)]
)
def test_retry_after_is_whole_seconds_rounded_up_and_never_zero(
    retry_ms: int, seconds: int
) -> None:
    assert Decision(allowed=False, retry_after_ms=retry_ms).retry_after_seconds == seconds


async def test_the_burst_plus_one_request_is_refused_with_the_exact_refill_time() -> None:
    now = FakeClock()
    limiter = InProcessRateLimiter(max_keys=100, now=now)
    assert [d.allowed for d in await _hits(limiter, "sign_in:198.51.100.7", 3, TEN_A_MINUTE)] == [
        True,
        True,
        True,
    ]
    refused = await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE)
    assert refused == Decision(allowed=False, retry_after_ms=6_000)
    now.advance(5_999)
    assert await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) == Decision(False, 1)
    now.advance(1)
    assert (await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE)).allowed
    assert await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE) == Decision(False, 6_000)


async def test_refused_requests_do_not_push_the_refill_further() -> None:
    now = FakeClock()
    limiter = InProcessRateLimiter(max_keys=100, now=now)
    await _hits(limiter, "k", 3, TEN_A_MINUTE)
    for _ in range(50):
        assert not (await limiter.hit("k", TEN_A_MINUTE)).allowed
    now.advance(6_000)
    assert (await limiter.hit("k", TEN_A_MINUTE)).allowed


async def test_steady_rate_after_the_burst_is_per_minute() -> None:
    now = FakeClock()
    limiter = InProcessRateLimiter(max_keys=100, now=now)
    admitted = 0
    for _ in range(600):  # one try per 100 ms for a minute
        admitted += (await limiter.hit("k", TEN_A_MINUTE)).allowed
        now.advance(100)
    assert admitted == 3 + 9  # the burst at 0 s, then one at 6, 12, … 54 s


async def test_keys_are_counted_apart() -> None:
    limiter = InProcessRateLimiter(max_keys=100, now=FakeClock())
    await _hits(limiter, "sign_in:198.51.100.7", 3, TEN_A_MINUTE)
    assert not (await limiter.hit("sign_in:198.51.100.7", TEN_A_MINUTE)).allowed
    assert (await limiter.hit("sign_in:198.51.100.8", TEN_A_MINUTE)).allowed
    assert (await limiter.hit("token:198.51.100.7", TEN_A_MINUTE)).allowed


async def test_idle_keys_are_forgotten_once_their_bucket_is_full_again() -> None:
    now = FakeClock()
    limiter = InProcessRateLimiter(max_keys=100, now=now)
    await limiter.hit("a", TEN_A_MINUTE)
    await limiter.hit("b", TEN_A_MINUTE)
    assert len(limiter) == 2
    now.advance(6_000)  # both TATs reached: nothing left to remember
    await limiter.hit("c", TEN_A_MINUTE)
    assert len(limiter) == 1


async def test_memory_is_bounded_by_forgetting_the_least_recently_active_key() -> None:
    limiter = InProcessRateLimiter(max_keys=2, now=FakeClock())
    await _hits(limiter, "a", 3, TEN_A_MINUTE)
    await limiter.hit("b", TEN_A_MINUTE)
    await limiter.hit("c", TEN_A_MINUTE)
    assert len(limiter) == 2
    # "a" was dropped, so it starts over with a full burst.
    assert [d.allowed for d in await _hits(limiter, "a", 3, TEN_A_MINUTE)] == [True] * 3


def test_now_ms_reads_the_kernel_clock() -> None:
    with clock.frozen_at(datetime(2030, 1, 1, tzinfo=UTC)):
        before = now_ms()
        clock.advance(timedelta(seconds=6, milliseconds=1))
        assert now_ms() - before == 6_001
    assert before == 1_893_456_000_000


async def test_the_default_clock_is_the_kernel_clock() -> None:
    limiter = InProcessRateLimiter(max_keys=10)
    with clock.frozen_at(datetime(2030, 1, 1, tzinfo=UTC)):
        await _hits(limiter, "k", 3, TEN_A_MINUTE)
        assert await limiter.hit("k", TEN_A_MINUTE) == Decision(False, 6_000)
        clock.advance(timedelta(seconds=6))
        assert (await limiter.hit("k", TEN_A_MINUTE)).allowed


def test_named_rates_come_from_settings() -> None:
    settings = RateLimitSettings(
        sign_in_per_minute=12, sign_in_burst=4, token_per_minute=240, token_burst=40
    )
    assert rate_for(settings, "sign_in") == Rate(per_minute=12, burst=4)
    assert rate_for(settings, "token") == Rate(per_minute=240, burst=40)


def test_default_limits() -> None:
    defaults = RateLimitSettings()
    assert defaults.enabled
    assert defaults.redis_url is None
    assert rate_for(defaults, "sign_in") == Rate(per_minute=10, burst=5)
    assert rate_for(defaults, "token") == Rate(per_minute=300, burst=60)


def test_limits_come_from_the_environment_and_the_redis_url_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANDSHAKE_RATE_LIMIT__REDIS_URL", "redis://:hunter2@cache:6379/0")
    monkeypatch.setenv("HANDSHAKE_RATE_LIMIT__SIGN_IN_BURST", "7")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.rate_limit.sign_in_burst == 7
    assert settings.rate_limit.redis_url is not None
    assert settings.rate_limit.redis_url.get_secret_value() == "redis://:hunter2@cache:6379/0"
    assert settings.redacted()["rate_limit"]["redis_url"] == "**********"


async def test_settings_choose_the_implementation() -> None:
    assert isinstance(build_rate_limiter(RateLimitSettings()), InProcessRateLimiter)
    assert isinstance(build_rate_limiter(RateLimitSettings(enabled=False)), DisabledRateLimiter)
    shared = build_rate_limiter(
        RateLimitSettings(redis_url=SecretStr("redis://127.0.0.1:1/0"), key_prefix="hs:")
    )
    assert isinstance(shared, RedisRateLimiter)
    assert shared.prefix == "hs:"
    await shared.aclose()


async def test_disabled_limiter_admits_everything() -> None:
    limiter = DisabledRateLimiter()
    decisions = [await limiter.hit("k", Rate(per_minute=1, burst=1)) for _ in range(100)]
    assert all(d.allowed for d in decisions)


def test_throttled_message_says_second_or_seconds() -> None:
    assert throttled_message(1) == (
        "Too many attempts from your connection. Try again in %(seconds)s second.",
        {"seconds": "1"},
    )
    assert throttled_message(6)[0].endswith("%(seconds)s seconds.")
