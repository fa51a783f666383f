"""Sign-in rate limits over HTTP: 429 problem+json or a friendly page, per client address.

The app here allows 3 sign-in attempts at once per address, then one every 6 seconds.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import event

from handshake.accounts.models import PrincipalKind
from handshake.accounts.repository import SessionRepository
from handshake.bootstrap import Container
from handshake.entrypoints.http import create_app
from handshake.kernel import clock
from handshake.settings import DatabaseSettings, RateLimitSettings, Settings
from tests.accounts_helpers import PASSWORD, ShopperLogin, signed_in_shopper
from tests.conftest import make_settings, redis_url_or_skip

PROBLEM = "application/problem+json"
BURST = 3
WRONG = "wrong password!"


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Tight sign-in limits: 3 at once, then 10 a minute."""
    limits = RateLimitSettings(sign_in_per_minute=10, sign_in_burst=BURST)
    return make_settings(database_settings, rate_limit=limits)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """A frozen clock, so refill times are exact."""
    with clock.frozen_at(datetime(2030, 5, 1, 10, 0, tzinfo=UTC)):
        yield


@pytest.fixture
async def shopper(client: httpx.AsyncClient, container: Container) -> ShopperLogin:
    """A shopper (signed up, not counted as a sign-in); the client forgets its cookies."""
    login = await signed_in_shopper(client, container)
    client.cookies.clear()
    return login


def _client(app: object, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _sign_in(
    client: httpx.AsyncClient, email: str, password: str = WRONG, **kwargs: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/signin", json={"email": email, "password": password}, **kwargs
    )


async def _exhaust(client: httpx.AsyncClient, email: str, **kwargs: Any) -> None:
    for _ in range(BURST):
        assert (await _sign_in(client, email, **kwargs)).status_code == 401


async def _sessions_of(container: Container, shopper_id: str) -> int:
    async with container.read_uow() as uow:
        found = await uow.repo(SessionRepository).of_principal(PrincipalKind.SHOPPER, shopper_id)
    return len(found)


async def test_json_sign_in_over_the_limit_is_a_429_problem_with_retry_after(
    client: httpx.AsyncClient, container: Container, shopper: ShopperLogin
) -> None:
    await _exhaust(client, shopper.email)
    refused = await _sign_in(client, shopper.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.headers["Retry-After"] == "6"
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert body["type"] == "https://handshake.dev/problems/rate-limited"
    assert body["retry_after_seconds"] == 6
    assert body["limit"] == "sign_in"
    assert body["instance"] == "/api/v1/auth/signin"
    # The right password did not help: no session was started.
    assert "hs_session" not in client.cookies
    assert "set-cookie" not in refused.headers or "hs_session" not in refused.headers["set-cookie"]
    assert await _sessions_of(container, shopper.shopper_id) == 1  # the sign-up's own

    clock.advance(timedelta(seconds=5))
    assert (await _sign_in(client, shopper.email, PASSWORD)).headers["Retry-After"] == "1"
    clock.advance(timedelta(seconds=1))
    admitted = await _sign_in(client, shopper.email, PASSWORD)
    assert admitted.status_code == 200, admitted.text
    assert await _sessions_of(container, shopper.shopper_id) == 2


async def test_a_limited_request_does_no_database_work(
    client: httpx.AsyncClient, container: Container, shopper: ShopperLogin
) -> None:
    await _exhaust(client, shopper.email)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(container.engine.sync_engine, "before_cursor_execute", record)
    try:
        refused = await _sign_in(client, shopper.email)
    finally:
        event.remove(container.engine.sync_engine, "before_cursor_execute", record)
    assert refused.status_code == 429
    assert statements == []


async def test_other_addresses_are_not_affected(
    app: object, client: httpx.AsyncClient, shopper: ShopperLogin
) -> None:
    await _exhaust(client, shopper.email)
    assert (await _sign_in(client, shopper.email)).status_code == 429
    async with _client(app, "198.51.100.20") as elsewhere:
        assert (await _sign_in(elsewhere, shopper.email, PASSWORD)).status_code == 200


async def test_operator_and_form_sign_ins_share_the_address_budget(
    client: httpx.AsyncClient, shopper: ShopperLogin
) -> None:
    await _sign_in(client, shopper.email)
    operator = await client.post(
        "/api/v1/admin/auth/signin", json={"email": "op@shop.example", "password": WRONG}
    )
    assert operator.status_code == 401
    token = await _csrf(client, "/signin")
    form = await client.post(
        "/signin", data={"csrf_token": token, "email": shopper.email, "password": WRONG}
    )
    assert form.status_code == 400
    refused = await client.post(
        "/api/v1/admin/auth/signin", json={"email": "op@shop.example", "password": WRONG}
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


async def _csrf(client: httpx.AsyncClient, page: str) -> str:
    response = await client.get(page)
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


async def _form_sign_ins(client: httpx.AsyncClient, email: str, n: int) -> httpx.Response:
    token = await _csrf(client, "/signin")
    data = {"csrf_token": token, "email": email, "password": PASSWORD, "next": "/account"}
    for _ in range(n):
        response = await client.post("/signin", data={**data, "password": WRONG})
        assert response.status_code == 400
    return await client.post("/signin", data=data)


async def test_the_sign_in_form_over_the_limit_shows_a_page_not_json(
    client: httpx.AsyncClient, container: Container, shopper: ShopperLogin
) -> None:
    refused = await _form_sign_ins(client, shopper.email, BURST)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert refused.headers["Retry-After"] == "6"
    assert 'role="alert"' in refused.text
    assert "Too many attempts from your connection. Try again in 6 seconds." in refused.text
    assert f'value="{shopper.email}"' in refused.text  # the form is back, filled in
    assert "hs_session" not in client.cookies
    assert await _sessions_of(container, shopper.shopper_id) == 1


async def test_the_refusal_page_speaks_french(
    client: httpx.AsyncClient, shopper: ShopperLogin
) -> None:
    await client.get("/signin?lang=fr")  # sets the language cookie
    await _exhaust(client, shopper.email)
    clock.advance(timedelta(seconds=5))
    refused = await _form_sign_ins(client, shopper.email, 0)
    assert refused.status_code == 429
    assert "Trop de tentatives depuis votre connexion. Réessayez dans 1 seconde." in refused.text


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    container: Container, shopper: ShopperLogin
) -> None:
    container.settings.http.trusted_proxies = ["127.0.0.0/8"]
    app = create_app(container=container, run_worker=False)
    async with _client(app, "127.0.0.1") as proxy:
        first = {"X-Forwarded-For": "198.51.100.1"}
        await _exhaust(proxy, shopper.email, headers=first)
        assert (await _sign_in(proxy, shopper.email, headers=first)).status_code == 429
        second = {"X-Forwarded-For": "198.51.100.2"}
        assert (await _sign_in(proxy, shopper.email, headers=second)).status_code == 401
        # A client cannot pick a fresh budget by writing the header itself.
        spoofed = {"X-Forwarded-For": "203.0.113.50, 198.51.100.1"}
        assert (await _sign_in(proxy, shopper.email, headers=spoofed)).status_code == 429


async def test_an_untrusted_peer_cannot_choose_its_address(
    client: httpx.AsyncClient, shopper: ShopperLogin
) -> None:
    await _exhaust(client, shopper.email)
    spoofed = {"X-Forwarded-For": "198.51.100.99"}
    assert (await _sign_in(client, shopper.email, headers=spoofed)).status_code == 429


def test_a_malformed_trusted_proxy_stops_the_app_from_starting(container: Container) -> None:
    container.settings.http.trusted_proxies = ["10.0.0.0/33"]
    with pytest.raises(ValueError, match="trusted_proxies"):
        create_app(container=container, run_worker=False)


@pytest.fixture
async def shared_redis(container: Container) -> AsyncIterator[str]:
    """Point the container's settings at the test Redis under a fresh key prefix."""
    url = redis_url_or_skip()
    prefix = f"handshake-test:{uuid.uuid4().hex}:"
    container.settings.rate_limit.redis_url = SecretStr(url)
    container.settings.rate_limit.key_prefix = prefix
    yield prefix
    client = Redis.from_url(url)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_processes_sharing_redis_share_the_budget(
    container: Container, shopper: ShopperLogin, shared_redis: str
) -> None:
    # Two apps with their own limiters stand for two API processes behind a load balancer.
    apps = [create_app(container=container, run_worker=False) for _ in range(2)]
    try:
        async with _client(apps[0], "198.51.100.5") as one, _client(apps[1], "198.51.100.5") as two:
            for client in (one, two, one):
                assert (await _sign_in(client, shopper.email)).status_code == 401
            refused = await _sign_in(two, shopper.email, PASSWORD)
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "6"
    finally:
        for app in apps:
            await app.state.rate_limiter.aclose()
