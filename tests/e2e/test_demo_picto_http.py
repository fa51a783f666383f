"""Picto, the demo social feed, against the real platform over loopback HTTP: anonymous ads,
linking through the OAuth flow, the personalised offer, buying in the app, the order arriving
by signed webhook, refreshed tokens, unlinking, and refused forged webhooks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.demo.people import SHOPPING_EVENTS, SHOPPING_SCOPES
from handshake.demo.picto.app import Picto, create_picto_app
from handshake.kernel import clock
from tests.demo_apps_helpers import (
    base_url,
    by_testid,
    demo_shopper,
    eventually,
    free_port,
    hidden,
    link_through_app,
    platform_app,
    register_demo_partner,
    serving,
)
from tests.offers_helpers import MEMBER_SKU, offer_catalog


@dataclass
class Running:
    """The platform and Picto, served; Picto's state for white-box checks."""

    platform: str
    picto_url: str
    picto: Picto


@pytest.fixture
async def running(container: Container) -> AsyncIterator[Running]:
    """The platform (with its worker) and Picto on free ports, the demo catalog loaded."""
    await offer_catalog(container)
    platform_port, picto_port = free_port(), free_port()
    client = await register_demo_partner(
        container, kind="social", port=picto_port, platform_port=platform_port,
        scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Picto",
    )  # fmt: skip
    picto_app = create_picto_app(client.config, feed_size=4)
    async with serving((platform_app(container), platform_port), (picto_app, picto_port)):
        yield Running(base_url(platform_port), base_url(picto_port), picto_app.state.picto)


def _member_post(html: str) -> str:
    """The sponsored post of the member-priced SKU."""
    found = re.search(
        rf'<li[^>]*data-testid="sponsored-post" data-sku="{MEMBER_SKU}".*?</li>', html, re.S
    )
    assert found is not None, html
    return found.group(0)


async def _webhook_types(browser: httpx.AsyncClient, picto_url: str) -> list[str]:
    page = await browser.get(f"{picto_url}/webhooks")
    return re.findall(r'data-testid="webhook-row" data-type="([^"]+)"', page.text)


async def test_link_personalised_offer_buy_webhook_then_unlink(
    running: Running, container: Container
) -> None:
    picto = running.picto_url
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        anonymous = await browser.get(f"{picto}/")
        assert anonymous.status_code == 200
        post = _member_post(anonymous.text)
        assert re.search(r'data-testid="offer-price">129\.99 EUR<', post)
        assert 'data-testid="member-price"' not in post
        assert 'data-testid="buy"' not in post
        assert by_testid(anonymous.text, "link-account")

        await demo_shopper(browser, container)
        linked = await link_through_app(browser, picto)
        assert "Camille Test" in by_testid(linked.text, "linked-as")[0] + linked.text
        post = _member_post(linked.text)
        assert re.search(r'data-testid="offer-price">119\.99 EUR<', post)
        assert 'data-testid="member-price"' in post
        assert re.search(r'data-testid="delivery-promise">[^<]+<', post)

        bought = await browser.post(f"{picto}/buy", data={
            "csrf_token": hidden(linked.text, "csrf_token"),
            "offer_token": hidden(post, "offer_token"),
        })  # fmt: skip
        assert bought.status_code == 303
        screen = await browser.get(picto + bought.headers["location"])
        assert screen.status_code == 200
        assert by_testid(screen.text, "confirm-purchase")
        total = hidden(screen.text, "total_minor")
        checkout_path = bought.headers["location"]
        placed = await browser.post(f"{picto}{checkout_path}/confirm", data={
            "csrf_token": hidden(screen.text, "csrf_token"), "total_minor": total,
            "currency": "EUR", "idempotency_key": hidden(screen.text, "idempotency_key"),
        })  # fmt: skip
        assert (placed.status_code, placed.headers["location"]) == (303, "/orders")

        async def created() -> bool:
            return "order.created" in await _webhook_types(browser, picto)

        await eventually(created)
        orders = await browser.get(f"{picto}/orders")
        [row] = by_testid(orders.text, "order-row")
        assert 'data-status="paid"' in row or 'data-status="placed"' in row
        mine = await browser.get("/api/v1/me/orders")
        assert [o["channel"] for o in mine.json()["items"]] == ["Picto"]

        before = await browser.get(f"{picto}/")
        unlinked = await browser.post(f"{picto}/unlink", data={
            "csrf_token": hidden(before.text, "csrf_token")})  # fmt: skip
        assert unlinked.status_code == 303
        feed = await browser.get(f"{picto}/")
        assert by_testid(feed.text, "link-account")
        assert not by_testid(feed.text, "linked-as")
        assert re.search(r'data-testid="offer-price">129\.99 EUR<', _member_post(feed.text))

        async def revoked() -> bool:
            return "link.revoked" in await _webhook_types(browser, picto)

        await eventually(revoked)


async def test_store_side_unlink_and_expired_token(running: Running, container: Container) -> None:
    picto = running.picto_url
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        login = await demo_shopper(browser, container)
        await link_through_app(browser, picto)
        [account] = list(running.picto.linked.store)
        stale = account.access_token
        account.expires_at = clock.now() - timedelta(seconds=1)  # the access token expired
        feed = await browser.get(f"{picto}/")
        assert 'data-testid="member-price"' in _member_post(feed.text)
        assert account.access_token != stale  # refreshed with the refresh token

        links = (await browser.get("/api/v1/me/links")).json()
        ended = await browser.delete(
            f"/api/v1/me/links/{links[0]['id']}", headers=login.csrf_headers
        )
        assert ended.status_code == 200

        async def anonymous_again() -> bool:
            page = await browser.get(f"{picto}/")
            return bool(by_testid(page.text, "link-account"))

        await eventually(anonymous_again)  # link.revoked made Picto forget the tokens
        assert account.relink_needed
        assert not account.refresh_token


async def test_forged_webhooks_are_refused(running: Running) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        forged = await http.post(
            f"{running.picto_url}/webhooks/handshake",
            content=b'{"type":"link.revoked","timestamp":"2030-01-01T00:00:00Z","data":{}}',
            headers={"webhook-id": "msg_1", "webhook-timestamp": str(int(clock.now().timestamp())),
                     "webhook-signature": "v1,bm90LWEtc2lnbmF0dXJl"},
        )  # fmt: skip
        unsigned = await http.post(f"{running.picto_url}/webhooks/handshake", content=b"{}")
        log = await http.get(f"{running.picto_url}/webhooks")
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert not by_testid(log.text, "webhook-row")
