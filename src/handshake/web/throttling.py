"""Rate limits as FastAPI dependencies, and the application's limiter.

``rate_limited("sign_in")`` goes in a route's ``dependencies=[...]``: route dependencies are
solved before the endpoint's own (sessions, units of work), so a refused request costs one
counter check and no database work. Refusals are ``RateLimited`` errors: 429 problem+json with
code ``rate_limited`` and a ``Retry-After`` header. HTML forms use ``rate_limit_check`` instead
and render their own page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import Request
from prometheus_client import Counter

from handshake.kernel.errors import RateLimited
from handshake.settings import RateLimitSettings
from handshake.web.client_address import client_network_key
from handshake.web.deps import app_services
from handshake.web.rate_limit import (
    DisabledRateLimiter,
    InProcessRateLimiter,
    LimitName,
    RateLimiter,
    rate_for,
)
from handshake.web.rate_limit_redis import RedisRateLimiter

KeyFunction = Callable[[Request], str | Awaitable[str]]
RateLimitCheck = Callable[[Request], Awaitable[RateLimited | None]]
REFUSED = Counter("handshake_rate_limited_total", "Requests refused by a rate limit", ["limit"])
# Longer keys (client ids and the like come from the request) are hashed so a caller cannot
# make us store arbitrarily large keys.
MAX_PLAIN_KEY_LENGTH = 128


def build_rate_limiter(settings: RateLimitSettings) -> RateLimiter:
    """The limiter ``settings`` ask for: disabled, shared through Redis, or in-process."""
    if not settings.enabled:
        return DisabledRateLimiter()
    if settings.redis_url is not None:
        return RedisRateLimiter.from_url(
            settings.redis_url.get_secret_value(),
            prefix=settings.key_prefix,
            timeout_seconds=settings.redis_timeout_seconds,
        )
    return InProcessRateLimiter(max_keys=settings.max_tracked_keys)


def rate_limiter_of(request: Request) -> RateLimiter:
    """The application's limiter (built once by the app factory)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def _bounded(subject: str) -> str:
    if len(subject) <= MAX_PLAIN_KEY_LENGTH:
        return subject
    return "sha256:" + hashlib.sha256(subject.encode("utf-8")).hexdigest()


def rate_limit_check(name: LimitName, *, key: KeyFunction = client_network_key) -> RateLimitCheck:
    """A dependency counting the request under limit ``name``: the refusal, or None when admitted.

    ``key`` maps the request to whom the limit applies (default: the client's address).
    """

    async def check(request: Request) -> RateLimited | None:
        subject = key(request)
        if not isinstance(subject, str):
            subject = await subject
        rate = rate_for(app_services(request).settings.rate_limit, name)
        decision = await rate_limiter_of(request).hit(f"{name}:{_bounded(subject)}", rate)
        if decision.allowed:
            return None
        REFUSED.labels(limit=name).inc()
        seconds = decision.retry_after_seconds
        return RateLimited(
            f"Too many requests; try again in {seconds} s.",
            retry_after_seconds=seconds,
            extra={"limit": name},
        )

    return check


def rate_limited(
    name: LimitName, *, key: KeyFunction = client_network_key
) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing the request with 429 ``rate_limited`` when over limit ``name``."""
    check = rate_limit_check(name, key=key)

    async def enforce(request: Request) -> None:
        refused = await check(request)
        if refused is not None:
            raise refused

    return enforce


def throttled_message(seconds: int) -> tuple[str, dict[str, str]]:
    """Page text (a catalog message id and its values) telling a person to slow down."""
    message = (
        "Too many attempts from your connection. Try again in %(seconds)s second."
        if seconds == 1
        else "Too many attempts from your connection. Try again in %(seconds)s seconds."
    )
    return message, {"seconds": str(seconds)}
