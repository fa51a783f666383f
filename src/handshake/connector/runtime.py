"""Wires the connector together and runs it: directive endpoint, MQTT bridge, publisher.

Without ``mqtt_url`` an embedded broker (amqtt) is started on the configured local port, so a
maker can try the whole chain on one machine with ``handshake devices simulate``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog
import uvicorn
from amqtt.broker import Broker  # type: ignore[import-untyped]  # amqtt ships no type hints
from starlette.applications import Starlette

from handshake.connector.accounts import AccountStore
from handshake.connector.bridge import Bridge
from handshake.connector.directives import DirectiveHandler
from handshake.connector.grants import GrantCache
from handshake.connector.http import create_directive_app
from handshake.connector.publisher import Backoff, Publisher
from handshake.connector.settings import ConnectorSettings
from handshake.connector.significance import Coalescer, SignificanceFilter
from handshake.connector.state import StateBook
from handshake.connector.tokens import TokenKeeper
from handshake.kernel import clock

log = structlog.get_logger(__name__)


class ConfigurationError(ValueError):
    """The connector cannot start with these settings."""


@asynccontextmanager
async def embedded_broker(host: str = "127.0.0.1", port: int = 1883) -> AsyncIterator[str]:
    """An amqtt broker on ``host:port`` accepting anonymous clients; yields its mqtt:// URL."""
    config: dict[str, Any] = {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        # Only anonymous access: no $SYS topics, no packet logging.
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    broker = Broker(config)
    await broker.start()
    log.info("connector.embedded_broker_started", bind=f"{host}:{port}")
    try:
        yield f"mqtt://{host}:{port}"
    finally:
        await broker.shutdown()


@dataclass
class Connector:
    """Every part of a running connector."""

    settings: ConnectorSettings
    store: AccountStore
    tokens: TokenKeeper
    grants: GrantCache
    publisher: Publisher
    bridge: Bridge
    handler: DirectiveHandler


def build_connector(
    settings: ConnectorSettings, http: httpx.AsyncClient, *, store: AccountStore | None = None,
    now: Callable[[], datetime] = clock.now, monotonic: Callable[[], float] = time.monotonic,
) -> Connector:  # fmt: skip
    """The connector's parts for ``settings``, talking to the platform through ``http``."""
    store = store or AccountStore.load(settings.accounts_file)
    url = settings.platform_url
    tokens = TokenKeeper(
        store=store, http=http, platform_url=url, client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        margin_seconds=settings.refresh_margin_seconds, now=now,
    )  # fmt: skip
    grants = GrantCache(
        http=http, platform_url=url, tokens=tokens, ttl_seconds=settings.grant_cache_seconds,
        now=now, monotonic=monotonic,
    )  # fmt: skip
    states = StateBook()  # the bridge writes it, the publisher reads the unchanged context
    publisher = Publisher(
        http=http, platform_url=url, tokens=tokens, grants=grants, store=store,
        maker=settings.maker, state=states.get,
        backoff=Backoff(settings.backoff_base_seconds, settings.backoff_max_seconds),
        now=now, monotonic=monotonic,
    )  # fmt: skip
    grants.on_version_change = publisher.request_discovery
    bridge = Bridge(
        maker=settings.maker, store=store, states=states, publisher=publisher, grants=grants,
        significance=SignificanceFilter(settings.thresholds.as_mapping()),
        coalescer=Coalescer(settings.coalesce_seconds),
        grant_poll_seconds=settings.grant_poll_seconds, now=now, monotonic=monotonic,
    )  # fmt: skip
    handler = DirectiveHandler(
        store=store, grants=grants, devices=bridge, maker=settings.maker,
        timeout=settings.command_timeout_seconds, now=now,
    )  # fmt: skip
    return Connector(settings, store, tokens, grants, publisher, bridge, handler)


async def run_bridge(connector: Connector, mqtt_url: str) -> None:
    """Run the MQTT bridge and the publisher until cancelled (no directive endpoint)."""
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(connector.bridge.run(mqtt_url))
        tasks.create_task(connector.publisher.run())


def directive_app(connector: Connector) -> Starlette:
    """The directive endpoint of ``connector``."""
    secret = connector.settings.directive_secret.get_secret_value()
    return create_directive_app(connector.handler, secret)


def _check(settings: ConnectorSettings) -> None:
    missing = [
        name
        for name, value in (
            ("client_id", settings.client_id),
            ("client_secret", settings.client_secret.get_secret_value()),
            ("directive_secret", settings.directive_secret.get_secret_value()),
        )
        if not value
    ]
    if missing:
        names = ", ".join(f"HANDSHAKE_CONNECTOR__{n.upper()}" for n in missing)
        raise ConfigurationError(f"set {names}")
    if not settings.directive_secret.get_secret_value().startswith("whsec_"):
        raise ConfigurationError("the directive secret is the whsec_… secret the operator gave")


async def _serve(connector: Connector, mqtt_url: str) -> None:
    settings = connector.settings
    config = uvicorn.Config(
        directive_app(connector), host=settings.listen_host, port=settings.listen_port,
        log_config=None, access_log=False, lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    background = asyncio.create_task(run_bridge(connector, mqtt_url))
    try:
        await server.serve()  # returns on SIGINT/SIGTERM
    finally:
        background.cancel()
        await asyncio.gather(background, return_exceptions=True)


async def run_connector(settings: ConnectorSettings) -> None:
    """Run the connector until interrupted: directive endpoint, MQTT bridge, publisher."""
    _check(settings)
    timeout = httpx.Timeout(settings.http_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout) as http:
        connector = build_connector(settings, http)
        if settings.mqtt_url is not None:
            await _serve(connector, settings.mqtt_url)
            return
        host, port = settings.embedded_broker_host, settings.embedded_broker_port
        async with embedded_broker(host, port) as url:
            await _serve(connector, url)
