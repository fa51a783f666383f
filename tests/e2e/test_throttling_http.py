"""The ``rate_limited`` dependency on a small app: custom keys, form bodies, 429 problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import Depends, FastAPI, Form, Request

from handshake.settings import RateLimitSettings, Settings
from handshake.web.client_address import client_network_key
from handshake.web.problems import install_problem_handlers
from handshake.web.rate_limit import Decision, InProcessRateLimiter, Rate
from handshake.web.throttling import rate_limited

LIMITS = RateLimitSettings(token_per_minute=60, token_burst=2)


@dataclass
class Services:
    """Just what the dependency reads from the running application."""

    settings: Settings


@dataclass
class RecordingLimiter:
    """The in-process limiter, remembering the keys it was asked about."""

    inner: InProcessRateLimiter = field(default_factory=lambda: InProcessRateLimiter(max_keys=99))
    keys: list[str] = field(default_factory=list)

    async def hit(self, key: str, rate: Rate) -> Decision:
        self.keys.append(key)
        return await self.inner.hit(key, rate)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def client_and_address(request: Request) -> str:
    """Like the token endpoint's key: the form's client_id and the caller's address."""
    form = await request.form()
    return f"{form.get('client_id', '-')}|{client_network_key(request)}"


@pytest.fixture
def limiter() -> RecordingLimiter:
    """The app's limiter."""
    return RecordingLimiter()


@pytest.fixture
async def http(limiter: RecordingLimiter) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with one rate-limited form endpoint."""
    app = FastAPI()
    install_problem_handlers(app)
    app.state.services = Services(settings=Settings(_env_file=None, rate_limit=LIMITS))  # type: ignore[call-arg]
    app.state.rate_limiter = limiter

    @app.post("/token", dependencies=[Depends(rate_limited("token", key=client_and_address))])
    async def token(client_id: str = Form()) -> dict[str, str]:
        return {"client_id": client_id}

    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_an_async_key_may_read_the_form_and_the_endpoint_still_gets_it(
    http: httpx.AsyncClient, limiter: RecordingLimiter
) -> None:
    for _ in range(2):
        ok = await http.post("/token", data={"client_id": "picto"})
        assert ok.json() == {"client_id": "picto"}
    refused = await http.post("/token", data={"client_id": "picto"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "rate_limited"
    assert limiter.keys == ["token:picto|198.51.100.4"] * 3
    assert (await http.post("/token", data={"client_id": "other"})).status_code == 200


async def test_long_keys_are_stored_hashed(
    http: httpx.AsyncClient, limiter: RecordingLimiter
) -> None:
    await http.post("/token", data={"client_id": "x" * 5000})
    assert len(limiter.keys[0]) == len("token:sha256:") + 64
    assert limiter.keys[0].startswith("token:sha256:")
