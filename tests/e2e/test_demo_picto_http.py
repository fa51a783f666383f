"""Picto, the demo social feed, against the real platform over loopback HTTP: anonymous ads,
linking through the OAuth flow, the personalised offer, buying in the app, the order arriving
by signed webhook, refreshed tokens, unlinking, and refused forged webhooks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from standardwebhooks.webhooks import Webhook
from starlette.requests import Request

from handshake.bootstrap import Container
from handshake.connector.accounts import Account
from handshake.demo.partner_kit import webhooks as partner_webhooks
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.sessions import SessionBook
from handshake.demo.people import SHOPPING_EVENTS, SHOPPING_SCOPES
from handshake.demo.picto import orders as picto_orders
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


# Picto alone, in process, its platform answered by a stand-in (store up, then down).
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class StandIn:
    """Answers Picto's platform calls like the store, until ``down``."""

    down: bool = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        answers = {
            "/api/v1/products": {"items": [{"id": "prd_1"}]},
            "/api/v1/products/prd_1": {
                "variants": [{"sku": "SKU-1", "availability": {"status": "in_stock"}}]},
            "/oauth/token": {"access_token": "app-token", "expires_in": 3600},
            "/partner/v1/offers": {"items": [{"reference": {"sku": "SKU-1"}, "status": "ok",
                "offer": {"title": "Kettle", "price": {"amount": "20.00", "currency": "EUR"},
                          "availability": {"status": "in_stock"}}}]},
        }  # fmt: skip
        found = answers.get(request.url.path)
        return httpx.Response(200, json=found) if found else httpx.Response(404)


@asynccontextmanager
async def picto_alone(store: StandIn) -> AsyncIterator[tuple[httpx.AsyncClient, Picto]]:
    """Picto over ASGI (a browser client keeping its cookie) and its state."""
    config = PartnerAppConfig(
        platform_url="http://store.test", public_url="http://picto.test", client_id="cli_picto",
        client_secret="secret", webhook_secret=WHSEC, scopes=SHOPPING_SCOPES,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=httpx.MockTransport(store))
    app = create_picto_app(config, http=http)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with http, httpx.AsyncClient(transport=transport, base_url="http://picto.test") as b:
        yield b, app.state.picto


async def test_the_feed_and_checkout_say_the_store_is_down_instead_of_failing() -> None:
    store = StandIn()
    async with picto_alone(store) as (browser, picto):
        up = await browser.get("/")
        assert (up.status_code, by_testid(up.text, "sponsored-post")[0]) == (
            200, '<li class="post sponsored card" data-testid="sponsored-post" data-sku="SKU-1">',
        )  # fmt: skip
        store.down = True  # the catalog and the app's token are still cached
        down = await browser.get("/")
        assert down.status_code == 200
        assert "The store is not answering right now; try again in a moment." in down.text

        account = Account(subject="sub_1", access_token="t", refresh_token="r",
                          expires_at=clock.now() + timedelta(hours=1))  # fmt: skip
        session = next(iter(picto.sessions))
        picto.linked.link(session, account, "Camille")
        csrf = session.csrf_token
        for path, form, then in (
            ("/checkout/chk_1", {"address_id": "adr_1"}, "/"),
            ("/checkout/chk_1/confirm", {"total_minor": "2000", "currency": "EUR",
                                         "idempotency_key": "k1"}, "/checkout/chk_1"),
        ):  # fmt: skip
            answer = await browser.post(path, data={"csrf_token": csrf, **form})
            assert (answer.status_code, answer.headers["location"]) == (303, then), answer.text
            assert session.values.pop("flash_error") == (
                "The store is not answering right now; nothing was bought. Try again."
            )


async def test_a_callback_is_judged_by_its_state_first() -> None:
    async with picto_alone(StandIn()) as (browser, _):
        to_store = await browser.get("/link")
        state = parse_qs(urlsplit(to_store.headers["location"]).query)["state"][0]
        forged = await browser.get("/oauth/callback", params={
            "error": "access_denied", "error_description": "Call 0800 000 000 now",
            "state": "not-the-state"})  # fmt: skip
        assert forged.status_code == 303
        page = await browser.get("/")
        assert "This link attempt is unknown or expired: start again." in page.text
        assert "0800" not in page.text

        to_store = await browser.get("/link")
        state = parse_qs(urlsplit(to_store.headers["location"]).query)["state"][0]
        await browser.get("/oauth/callback", params={
            "error": "access_denied", "error_description": "The shopper did not allow the link.",
            "state": state})  # fmt: skip
        page = await browser.get("/")
        assert "Your store account was not linked: The shopper did not allow the link." in page.text
        assert by_testid(page.text, "link-account")


def _signed(message_id: str, body: bytes, at: datetime) -> dict[str, str]:
    signature = Webhook(WHSEC).sign(message_id, at, body.decode())
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature, "content-type": "application/json"}  # fmt: skip


async def test_webhooks_are_taken_once_recent_only_and_remembered_boundedly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(partner_webhooks, "MAX_SEEN", 2)
    body = b'{"type":"order.created","timestamp":"2030-01-01T00:00:00Z","data":{}}'
    now = datetime.now(UTC)
    async with picto_alone(StandIn()) as (browser, picto):
        for message_id in ("msg_1", "msg_1", "msg_2", "msg_3"):
            taken = await browser.post(
                "/webhooks/handshake", content=body, headers=_signed(message_id, body, now)
            )
            assert taken.json() == {"received": True}
        stale = await browser.post(
            "/webhooks/handshake", content=body,
            headers=_signed("msg_4", body, now - timedelta(minutes=10)),
        )  # fmt: skip
        assert stale.status_code == 401  # outside the 5 minutes' tolerance: a replay
        assert [e.id for e in picto.inbox.log] == ["msg_3", "msg_2", "msg_1"]
        assert list(picto.inbox._seen) == ["msg_2", "msg_3"]  # the oldest forgotten


def test_sessions_and_orders_are_bounded() -> None:
    book = SessionBook("s", limit=2)
    first = book.of(_cookie_request("s", ""))
    second = book.of(_cookie_request("s", ""))
    assert book.of(_cookie_request("s", first.id)) is first  # used: now the most recent
    third = book.of(_cookie_request("s", ""))
    assert [s.id for s in book] == [first.id, third.id]  # the least recently used went
    assert book.get(second.id) is None

    orders = picto_orders.OrderBook()
    for index in range(picto_orders.MAX_CHECKOUTS + 5):
        orders.started(f"chk_{index}", "app_session")
    assert len(orders._owners) == picto_orders.MAX_CHECKOUTS
    assert orders.record({"id": "ord_1", "checkout_session_id": "chk_0"}, "placed") is None


def _cookie_request(name: str, value: str) -> Request:
    headers = [(b"cookie", f"{name}={value}".encode())] if value else []
    return Request({"type": "http", "headers": headers})


async def test_a_double_click_on_confirm_buys_once(running: Running, container: Container) -> None:
    picto = running.picto_url
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        await demo_shopper(browser, container)
        linked = await link_through_app(browser, picto)
        post = _member_post(linked.text)
        bought = await browser.post(f"{picto}/buy", data={
            "csrf_token": hidden(linked.text, "csrf_token"),
            "offer_token": hidden(post, "offer_token"),
        })  # fmt: skip
        checkout_path = bought.headers["location"]
        screen = await browser.get(picto + checkout_path)
        other_tab = await browser.get(picto + checkout_path)
        fields = ("csrf_token", "total_minor", "currency", "idempotency_key")
        form = {name: hidden(screen.text, name) for name in fields}
        confirm = f"{picto}{checkout_path}/confirm"
        moved = await browser.post(
            confirm,
            data={  # the price moved since the screen was shown
                **form,
                "total_minor": str(int(form["total_minor"]) - 100),
                "idempotency_key": "k0",
            },
        )
        assert moved.status_code == 409
        [said] = re.findall(r'data-testid="error">([^<]*)<', moved.text)
        assert said == "The shopper confirmed another total than this session&#39;s."
        assert by_testid(moved.text, "confirm-purchase")  # confirm again at the price shown now
        assert hidden(moved.text, "total_minor") == form["total_minor"]
        clicks = await asyncio.gather(*(browser.post(confirm, data=form) for _ in range(3)))
        # The second waits for the first's answer (same key): the shopper sees the order.
        assert [(c.status_code, c.headers["location"]) for c in clicks] == [(303, "/orders")] * 3
        again = await browser.post(confirm, data={
            **form, "idempotency_key": hidden(other_tab.text, "idempotency_key")})  # fmt: skip
        assert again.status_code == 409  # another tab's key: the checkout is completed already
        assert "This checkout is completed." in again.text
        mine = await browser.get("/api/v1/me/orders")
        assert len(mine.json()["items"]) == 1
        orders = await browser.get(f"{picto}/orders")
        assert len(by_testid(orders.text, "order-row")) == 1
