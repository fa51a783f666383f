"""ThermoCo, the demo device maker, against the real platform over loopback HTTP: linking,
discovery, streaming only what the grant allows, the live view following consent, and sharing
stopping at once on revocation."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.people import DEVICE_SCOPES
from handshake.demo.thermoco.web import create_thermoco_app
from handshake.devices import service
from handshake.devices.models import PropertyHistory
from tests.accounts_helpers import ShopperLogin
from tests.demo_apps_helpers import (
    RunningMaker,
    base_url,
    by_testid,
    demo_shopper,
    eventually,
    free_port,
    link_through_app,
    thermoco_running,
)
from tests.devices_helpers import detail


class _History(Repository):
    async def data_types(self, partner_id: str) -> list[str | None]:
        rows = await self.session.scalars(
            select(PropertyHistory.data_type).where(PropertyHistory.partner_id == partner_id)
        )
        return list(rows)


async def stored_types(container: Container, partner_id: str) -> list[str | None]:
    """The data type of every history row the platform stored from the maker."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(_History).data_types(partner_id)


async def linked_home(
    browser: httpx.AsyncClient, container: Container, running: RunningMaker
) -> ShopperLogin:
    """A shopper linked to ThermoCo whose three devices the platform discovered."""
    login = await demo_shopper(browser, container)
    page = await link_through_app(browser, running.app_url)
    assert by_testid(page.text, "linked-as")

    async def discovered() -> bool:
        rows = await service.list_devices(
            uow=container.read_uow(), shopper_id=login.shopper_id, partner_id=running.partner_id
        )
        return len(rows) == 3

    await eventually(discovered)
    return login


def _row(html: str, device: str, kind: str) -> str:
    found = re.search(
        rf'<tr data-testid="shared-row" data-device="{device}" data-type="{kind}".*?</tr>',
        html, re.S,
    )  # fmt: skip
    assert found is not None, html
    return found.group(0)


async def test_streams_only_what_the_grant_allows_and_stops_on_revoke(
    container: Container,
) -> None:
    async with (
        thermoco_running(container) as running,
        httpx.AsyncClient(base_url=running.platform, timeout=20) as browser,
    ):
        login = await linked_home(browser, container, running)
        view = await browser.get(f"{running.app_url}/shared")
        assert 'data-testid="not-shared"' in _row(view.text, "thermostat-1", "temperature")
        assert running.maker.sent.reports == 0  # nothing shared: nothing left ThermoCo

        path = f"/api/v1/me/device-sharing/{running.partner_id}"
        chosen = await browser.put(
            path, headers=login.csrf_headers,
            json={"authorization_details": [
                detail("stream_changes", "temperature", device="thermostat-1")]},
        )  # fmt: skip
        assert chosen.status_code == 200, chosen.text

        async def temperatures() -> int:
            found = await stored_types(container, running.partner_id)
            return found.count("temperature") >= 3

        await eventually(temperatures)
        assert set(await stored_types(container, running.partner_id)) <= {"temperature", None}
        view = await browser.get(f"{running.app_url}/shared")
        row = _row(view.text, "thermostat-1", "temperature")
        assert 'data-mode="stream_changes"' in row
        assert "°C" in row
        assert 'data-testid="not-shared"' in _row(view.text, "thermostat-1", "humidity")
        assert 'data-testid="not-shared"' in _row(view.text, "lock-3", "lock_state")

        ended = await browser.delete(path, headers=login.csrf_headers)
        assert ended.status_code == 200
        await asyncio.sleep(0.7)  # ThermoCo reads the grant again within 0.5 s
        sent = running.maker.publisher.stats.reports_sent
        await asyncio.sleep(1.0)  # ten more drift steps
        assert running.maker.publisher.stats.reports_sent == sent
        assert await stored_types(container, running.partner_id) == []  # purged, none since
        view = await browser.get(f"{running.app_url}/shared")
        assert 'data-testid="not-shared"' in _row(view.text, "thermostat-1", "temperature")


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_a_callback_while_the_store_is_down_says_so() -> None:
    config = PartnerAppConfig(
        platform_url=base_url(free_port()), public_url="http://thermoco.test",  # nobody listens
        client_id="cli_thermoco", client_secret="secret",
        webhook_secret=SECRET, directive_secret=SECRET, scopes=DEVICE_SCOPES,
    )  # fmt: skip
    app = create_thermoco_app(config)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://thermoco.test") as browser:
        to_store = await browser.get("/link")
        state = parse_qs(urlsplit(to_store.headers["location"]).query)["state"][0]
        back = await browser.get("/oauth/callback", params={"code": "c", "state": state})
        assert (back.status_code, back.headers["location"]) == (303, "/")
        home = await browser.get("/")
        assert home.status_code == 200
        assert "Your store account was not linked: " in by_testid(home.text, "error")[0] + home.text
        assert by_testid(home.text, "link-account")
    await app.state.thermoco.http.aclose()
