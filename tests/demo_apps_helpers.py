"""Shared helpers of the demo-app tests: the platform and partner apps on free loopback ports
(real HTTP, so the platform's webhooks and directives reach the apps), a browser that follows
the OAuth flow across them, and small page readers."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.serve import DemoServer
from handshake.entrypoints.http import create_app
from handshake.partners import service as partners
from tests.accounts_helpers import ShopperLogin, signed_in_shopper
from tests.linking_helpers import consent

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def base_url(port: int) -> str:
    """``http://127.0.0.1:<port>``."""
    return f"http://{LOOPBACK}:{port}"


@asynccontextmanager
async def serving(*apps: tuple[Any, int]) -> AsyncIterator[None]:
    """Serve each ``(app, port)`` with uvicorn (lifespan on) until the block ends."""
    servers = [
        # A connection left open (a live page's stream) must not hold the teardown forever.
        DemoServer(uvicorn.Config(app, host=LOOPBACK, port=port, log_config=None,
                                  access_log=False, lifespan="on", timeout_graceful_shutdown=5))
        for app, port in apps
    ]  # fmt: skip
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        async with asyncio.timeout(15):
            while not all(server.started for server in servers):  # noqa: ASYNC110  # uvicorn offers no event
                await asyncio.sleep(0.02)
        yield
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


def platform_app(container: Container) -> Any:
    """The platform with its embedded worker (webhooks are delivered while tests run)."""
    return create_app(container=container, run_worker=True)


@dataclass(frozen=True)
class DemoPartnerClient:
    """A freshly registered partner for a demo app on ``port``, and the app's config."""

    partner_id: str
    config: PartnerAppConfig


async def register_demo_partner(
    container: Container, *, kind: str, port: int, platform_port: int, scopes: tuple[str, ...],
    events: list[str], name: str,
) -> DemoPartnerClient:  # fmt: skip
    """Register a partner whose client redirects to (and whose webhooks go to) the app."""
    app_url = base_url(port)
    partner, issued = await partners.register_partner(
        uow=container.uow(), name=name, kind=kind, contact_email="dev@demo.example",
        redirect_uris=[f"{app_url}/oauth/callback"], scopes=list(scopes),
    )  # fmt: skip
    endpoint = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner.id, url=f"{app_url}/webhooks/handshake",
        event_types=events,
    )  # fmt: skip
    config = PartnerAppConfig(
        platform_url=base_url(platform_port), public_url=app_url, client_id=issued.client_id,
        client_secret=issued.client_secret or "", webhook_secret=endpoint.secret, scopes=scopes,
    )  # fmt: skip
    return DemoPartnerClient(partner.id, config)


async def demo_shopper(
    browser: httpx.AsyncClient, container: Container, *, member: bool = True
) -> ShopperLogin:
    """A signed-in shopper (on the platform) with a Paris address and a sandbox card."""
    login = await signed_in_shopper(browser, container, member=member, name="Camille Test")
    await accounts.add_address(
        uow=container.uow(), shopper_id=login.shopper_id, line1="12 rue Oberkampf",
        city="Paris", postal_code="75011", country="FR",
    )  # fmt: skip
    await accounts.add_payment_method(
        uow=container.uow(), shopper_id=login.shopper_id, provider="sandbox",
        token="tok_visa_demo", brand="visa", last4="4242", exp_month=12, exp_year=2035,
    )  # fmt: skip
    return login


async def link_through_app(browser: httpx.AsyncClient, app_url: str) -> httpx.Response:
    """Click "Link your store account" in the app, allow on the store, come back; the app's
    page after the callback."""
    to_store = await browser.get(f"{app_url}/link")
    assert to_store.status_code == 303, to_store.text
    authorize = to_store.headers["location"]
    page = await browser.get(authorize)
    if page.status_code == 200:  # the consent page
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        page = await consent(browser, params)
    assert page.status_code in (302, 303), page.text
    back = page.headers["location"]
    assert back.startswith(f"{app_url}/oauth/callback"), back
    done = await browser.get(back)
    assert done.status_code == 303, done.text
    return await browser.get(app_url + done.headers["location"])


def by_testid(html: str, testid: str) -> list[str]:
    """The opening tags carrying ``data-testid="<testid>"``."""
    return re.findall(rf'<[^>]*data-testid="{re.escape(testid)}"[^>]*>', html)


def hidden(html: str, name: str) -> str:
    """The value of the first hidden input called ``name``."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found is not None, f"no hidden {name}"
    return found.group(1)


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 15.0) -> Any:
    """Poll ``check`` until it answers something truthy; that answer."""
    async with asyncio.timeout(seconds):
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(0.1)


async def register_thermoco(
    container: Container, *, port: int, platform_port: int
) -> DemoPartnerClient:
    """ThermoCo registered for ``port`` with its directive endpoint, as the demo load does; its
    config carries the directive secret."""
    from dataclasses import replace

    from handshake.demo.people import DEVICE_EVENTS, DEVICE_SCOPES
    from handshake.devices import service as devices

    client = await register_demo_partner(
        container, kind="device_maker", port=port, platform_port=platform_port,
        scopes=DEVICE_SCOPES, events=list(DEVICE_EVENTS), name="ThermoCo",
    )  # fmt: skip
    endpoint = await devices.set_directive_endpoint(
        uow=container.uow(), partner_id=client.partner_id,
        url=f"{base_url(port)}/connector/directives",
    )  # fmt: skip
    config = replace(client.config, directive_secret=endpoint.signing_secret)
    return DemoPartnerClient(client.partner_id, config)


@dataclass
class RunningMaker:
    """The platform and ThermoCo, served; ThermoCo's engine for white-box checks."""

    platform: str
    app_url: str
    partner_id: str
    maker: Any  # handshake.demo.thermoco.app.ThermoCo


@asynccontextmanager
async def thermoco_running(container: Container) -> AsyncIterator[RunningMaker]:
    """The platform (with its worker) and ThermoCo, its directive endpoint registered as the
    demo load does; devices drift every 0.1 s and every temperature change streams."""
    from handshake.demo.thermoco.web import create_thermoco_app

    platform_port, port = free_port(), free_port()
    client = await register_thermoco(container, port=port, platform_port=platform_port)
    app = create_thermoco_app(
        client.config, tick_seconds=0.1, seed=7, thresholds={"temperature": 0.05, "humidity": 1.0}
    )
    async with serving((platform_app(container), platform_port), (app, port)):
        yield RunningMaker(
            base_url(platform_port), base_url(port), client.partner_id, app.state.thermoco
        )
