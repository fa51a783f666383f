"""ThermoCo's engine: simulated homes, account linking, directives, and a live view of what
is being shared. The data path reuses the maker connector (token keeper, grant cache, publisher,
directive handler), so the grant is enforced on ThermoCo's side before anything leaves.

Its pages and routes are in :mod:`handshake.demo.thermoco.web`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import structlog

from handshake.connector.grants import GrantCache, GrantUnavailable
from handshake.connector.publisher import Publisher
from handshake.connector.significance import DEFAULT_THRESHOLDS, significant
from handshake.connector.state import Sample
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import LinkedShoppers
from handshake.demo.partner_kit.pages import Pages
from handshake.demo.partner_kit.sessions import SessionBook
from handshake.demo.partner_kit.webhooks import WebhookInbox
from handshake.demo.thermoco.fleet import Fleet
from handshake.demo.thermoco.sharing import RecordingDirectives, SentLog

log = structlog.get_logger(__name__)
HERE = Path(__file__).parent
MAKER = "thermoco"
# Finer than the connector's defaults, so the demo's slow drift visibly streams.
DEMO_THRESHOLDS = {**DEFAULT_THRESHOLDS, "temperature": 0.2}


def _plain(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) else value


class ThermoCo:
    """The maker's state: homes, linked shoppers, the connector's parts, sent values."""

    def __init__(
        self, config: PartnerAppConfig, *, tick_seconds: float = 1.0, seed: int = 0,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:  # fmt: skip
        self.config, self.tick_seconds = config, tick_seconds
        self.thresholds = dict(thresholds or DEMO_THRESHOLDS)
        self.sent = SentLog()
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0), event_hooks={"response": [self.sent.observe]}
        )
        self.sessions = SessionBook("thermoco_session")
        self.pages = Pages(HERE, self.sessions, "ThermoCo")
        self.linked = LinkedShoppers(self.http, config)
        store, tokens = self.linked.store, self.linked.tokens
        self.fleet = Fleet(seed)
        self.grants = GrantCache(
            http=self.http, platform_url=config.platform_url, tokens=tokens, ttl_seconds=0.5
        )
        self.publisher = Publisher(
            http=self.http, platform_url=config.platform_url, tokens=tokens, grants=self.grants,
            store=store, maker=MAKER, state=self.fleet.states.get,
        )  # fmt: skip
        self.grants.on_version_change = self.publisher.request_discovery
        self.directives = RecordingDirectives(
            self.sent, store=store, grants=self.grants, devices=self.fleet, maker=MAKER
        )
        self.inbox = WebhookInbox(config.webhook_secret)
        self.partner_id: str | None = None

    def _changes(self, device_id: str, state: dict[str, Sample]) -> dict[str, Sample]:
        """What moved enough since it was last sent (never sent: everything)."""

        def before(key: str) -> Any:
            """The value last sent for ``key`` (None: never)."""
            sent = self.sent.last.get((device_id, key))
            return None if sent is None else _plain(sent.value)

        return {k: s for k, s in state.items()
                if significant(k, before(k), s.value, self.thresholds)}  # fmt: skip

    async def step(self) -> None:
        """Devices drift; changes go to the publisher, which keeps only what grants allow."""
        for account in self.linked.store:
            if account.relink_needed:
                continue
            with contextlib.suppress(GrantUnavailable):  # notices grant changes between webhooks
                await self.grants.read(account.subject)
            stepped = self.fleet.tick([d.device_id for d in account.devices])
            for device_id, (state, cause) in stepped.items():
                changed = self._changes(device_id, state)
                self.publisher.submit(account.subject, device_id, changed, cause)

    async def run(self) -> None:
        """Drift and publish until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.publisher.run())
            while True:
                try:
                    await self.step()
                except Exception:  # one bad step must not stop the homes
                    log.exception("thermoco.step_failed")
                await asyncio.sleep(self.tick_seconds)

    async def maker_partner_id(self) -> str | None:
        """ThermoCo's partner id at the store (for links to its consent pages)."""
        if self.partner_id is None:
            with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
                answer = await self.http.get(
                    self.config.platform("/partner/v1/me"),
                    auth=(self.config.client_id, self.config.client_secret),
                )
                self.partner_id = str(answer.json()["partner"]["id"])
        return self.partner_id
