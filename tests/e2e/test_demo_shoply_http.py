"""Shoply, the demo AI shopping agent, against the real platform over loopback HTTP: asking the
public catalog, linking, buying through the store's ACP checkout (express delivery, the sandbox
card delegated for the total shown), the order shown and its signed order event verified, "Not
now" cancelling, the store's refusals shown as they come, and forged events refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_seed import ensure_partners
from handshake.demo.people import ACP_EVENTS, PARTNERS
from handshake.demo.report import DemoReport
from handshake.demo.shoply.app import Shoply, create_shoply_app, day, window
from handshake.demo.shoply.catalog import Question, understand
from handshake.kernel import clock
from handshake.partners import service as partners
from handshake.webhooks import acp_signature
from tests.browser.stack import register_shoply
from tests.checkout_state_helpers import holds, set_price
from tests.demo_apps_helpers import (
    base_url,
    by_testid,
    demo_shopper,
    eventually,
    free_port,
    hidden,
    link_through_app,
    platform_app,
    serving,
)
from tests.offers_helpers import MEMBER_SKU, OUT_SKU, offer_catalog

SHOPLY = next(p for p in PARTNERS if p.kind == "assistant")


@dataclass
class Running:
    """The platform and Shoply, served; Shoply's state for white-box checks."""

    platform: str
    shoply_url: str
    shoply: Shoply


@pytest.fixture
async def running(container: Container) -> AsyncIterator[Running]:
    """The platform (with its worker) and Shoply on free ports, the offers catalog loaded."""
    await offer_catalog(container)
    platform_port, shoply_port = free_port(), free_port()
    config = await register_shoply(container, shoply_port, platform_port)
    app = create_shoply_app(config)
    async with serving((platform_app(container), platform_port), (app, shoply_port)):
        yield Running(base_url(platform_port), config.public_url, app.state.shoply)


def _card(html: str, sku: str) -> str:
    """The product card of ``sku`` on Shoply's answer."""
    found = re.search(rf'<li[^>]*data-testid="product-card" data-sku="{sku}".*?</li>', html, re.S)
    assert found is not None, html
    return found.group(0)


def _attr(html: str, testid: str, name: str) -> list[str]:
    """The ``name`` attribute of each element carrying ``data-testid="<testid>"``."""
    tags = by_testid(html, testid)
    return [found.group(1) for tag in tags if (found := re.search(rf' {name}="([^"]*)"', tag))]


def _text(html: str, testid: str, end: str) -> str:
    """The text of the first element carrying ``testid``, up to ``end`` (tags stripped)."""
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?){re.escape(end)}', html, re.S)
    assert found is not None, f"no {testid}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def _linked_and_buying(
    browser: httpx.AsyncClient, container: Container, shoply: str, sku: str = MEMBER_SKU
) -> str:
    """Sign in, link Shoply, ask for thermostats and buy ``sku``; the checkout screen's URL."""
    await demo_shopper(browser, container)
    await link_through_app(browser, shoply)
    asked = await browser.get(f"{shoply}/", params={"q": "thermostat"})
    card = _card(asked.text, sku)
    # Out of stock, the card has no button: an agent acting on what it read before asks anyway.
    amount = hidden(card, "unit_amount") if by_testid(card, "buy-with-shoply") else "12999"
    bought = await browser.post(f"{shoply}/buy", data={
        "csrf_token": hidden(asked.text, "csrf_token"), "sku": sku, "unit_amount": amount,
        "currency": "eur",
    })  # fmt: skip
    assert bought.status_code == 303, bought.text
    assert bought.headers["location"].startswith("/checkout/")
    return shoply + bought.headers["location"]


async def _pay(browser: httpx.AsyncClient, checkout: str, screen: str) -> httpx.Response:
    """Click "Confirm and pay" on ``screen``."""
    return await browser.post(f"{checkout}/pay", data={
        "csrf_token": hidden(screen, "csrf_token"),
        "idempotency_key": hidden(screen, "idempotency_key"),
    })  # fmt: skip


async def test_ask_link_buy_express_pay_and_hear_of_the_order(
    running: Running, container: Container
) -> None:
    shoply = running.shoply_url
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        anonymous = await browser.get(f"{shoply}/", params={"q": "a smart thermostat please"})
        assert anonymous.status_code == 200
        assert _text(anonymous.text, "question", "</li>") == "You a smart thermostat please"
        card = _card(anonymous.text, MEMBER_SKU)
        assert 'data-testid="public-price">129.99 EUR<' in card  # public: no member price
        assert "buy-with-shoply" not in card
        assert by_testid(anonymous.text, "link-account")
        assert len(by_testid(anonymous.text, "product-card")) <= 4
        out = _card(anonymous.text, OUT_SKU)
        assert by_testid(out, "out-of-stock")

        checkout = await _linked_and_buying(browser, container, shoply)
        screen = await browser.get(checkout)
        assert _attr(screen.text, "session-status", "data-status") == ["ready_for_payment"]
        # Shoply showed the public price; the store sells at the member's own: a warning.
        assert _attr(screen.text, "acp-message", "data-code") == ["price_change"]
        assert _attr(screen.text, "delivery-option", "data-option") == ["standard", "express"]
        windows = re.findall(r'data-testid="delivery-window">([^<]+)<', screen.text)
        assert all(re.fullmatch(r"\w{3} \d{1,2} \w{3}, \d\d:\d\d–\d\d:\d\d", w) for w in windows)
        assert len(windows) == 2
        assert _text(screen.text, "total-total", "</dd>") == "119.99 EUR"
        assert by_testid(screen.text, "confirm-pay")
        assert "sandbox test card" in _text(screen.text, "sandbox-card", "</p>")

        chose = await browser.post(f"{checkout}/delivery", data={
            "csrf_token": hidden(screen.text, "csrf_token"), "option_id": "express"})  # fmt: skip
        assert (chose.status_code, shoply + chose.headers["location"]) == (303, checkout)
        screen = await browser.get(checkout)
        assert re.search(r'value="express" checked', screen.text)
        assert _text(screen.text, "total-total", "</dd>") == "124.89 EUR"  # members' express: 4.90

        paid = await _pay(browser, checkout, screen.text)
        assert (paid.status_code, shoply + paid.headers["location"]) == (303, checkout)
        done = await browser.get(checkout)
        assert _attr(done.text, "session-status", "data-status") == ["completed"]
        [order_id] = _attr(done.text, "order", "data-order-id")
        assert _attr(done.text, "order", "data-status") == ["confirmed"]
        assert f"Paid: the store placed order {order_id}." in done.text
        [permalink] = _attr(done.text, "order-permalink", "href")
        assert permalink.endswith(f"/account/orders/{order_id}")
        assert not by_testid(done.text, "confirm-pay")

        async def order_event() -> list[str]:
            page = await browser.get(f"{shoply}/events")
            return re.findall(
                rf'data-type="order_create" data-order-id="{order_id}" data-verified="(\w+)"',
                page.text,
            )

        assert await eventually(order_event) == ["yes"]
        orders = await browser.get(f"{shoply}/orders")
        assert _attr(orders.text, "order-row", "data-order-id") == [order_id]
        mine = (await browser.get("/api/v1/me/orders")).json()["items"]
        assert [(o["id"], o["totals"]["total_minor"], o["channel"]) for o in mine] == [
            (order_id, 12489, "Shoply Assistant")
        ]


async def test_not_now_cancels_and_the_store_releases_the_items(
    running: Running, container: Container
) -> None:
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        checkout = await _linked_and_buying(browser, container, running.shoply_url)
        screen = await browser.get(checkout)
        session_id = checkout.rsplit("/", 1)[1]
        assert await holds(container, session_id) == [("PAR1", 1)]

        cancelled = await browser.post(f"{checkout}/cancel", data={
            "csrf_token": hidden(screen.text, "csrf_token")})  # fmt: skip
        assert cancelled.status_code == 303
        page = await browser.get(checkout)
        assert _attr(page.text, "session-status", "data-status") == ["canceled"]
        assert "Not now: Shoply cancelled this checkout; nothing was bought." in page.text
        assert not by_testid(page.text, "confirm-pay")
        assert not by_testid(page.text, "not-now")
        assert await holds(container, session_id) == []

        again = await browser.post(f"{checkout}/cancel", data={
            "csrf_token": hidden(screen.text, "csrf_token")})  # fmt: skip
        assert again.status_code == 405  # the store's status, its error on the screen
        assert _attr(again.text, "acp-error", "data-code") == ["session_not_cancelable"]


async def test_a_price_moved_before_paying_is_refused_then_paid_at_the_new_total(
    running: Running, container: Container
) -> None:
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        checkout = await _linked_and_buying(browser, container, running.shoply_url)
        screen = await browser.get(checkout)
        await set_price(container, MEMBER_SKU, 13999, None)  # the operator, meanwhile

        refused = await _pay(browser, checkout, screen.text)
        assert refused.status_code == 409
        assert _attr(refused.text, "acp-error", "data-code") == ["price_changed"]
        assert "A price changed since the shopper saw it" in _text(
            refused.text, "acp-error", "</div>"
        )
        assert _text(refused.text, "total-total", "</dd>") == "139.99 EUR"  # the new total, shown
        assert "price_change" in _attr(refused.text, "acp-message", "data-code")
        nothing = await browser.get(f"{running.shoply_url}/orders")
        assert not by_testid(nothing.text, "order-row")

        paid = await _pay(browser, checkout, refused.text)  # confirmed again, at 139.99
        assert paid.status_code == 303
        done = await browser.get(checkout)
        assert _attr(done.text, "order", "data-status") == ["confirmed"]
        mine = (await browser.get("/api/v1/me/orders")).json()["items"]
        assert [o["totals"]["total_minor"] for o in mine] == [13999]


async def test_an_out_of_stock_item_cannot_be_paid(running: Running, container: Container) -> None:
    async with httpx.AsyncClient(base_url=running.platform, timeout=20) as browser:
        checkout = await _linked_and_buying(browser, container, running.shoply_url, OUT_SKU)
        screen = await browser.get(checkout)
        assert _attr(screen.text, "session-status", "data-status") == ["not_ready_for_payment"]
        errors = re.findall(r'data-type="error" data-code="(\w+)"', screen.text)
        assert "out_of_stock" in errors
        assert not by_testid(screen.text, "confirm-pay")
        assert by_testid(screen.text, "not-now")


async def test_order_events_are_verified_taken_once_and_forgeries_refused(
    running: Running,
) -> None:
    secret = running.shoply.config.webhook_secret
    body = '{"type":"order_update","data":{"id":"ord_x","status":"shipped"}}'
    now = int(clock.now().timestamp())
    signed = {acp_signature.HEADER: acp_signature.signature_header([secret], now, body),
              "webhook-id": "evt_1", "content-type": "application/json"}  # fmt: skip
    forged = {**signed, acp_signature.HEADER: f"t={now},v1={'0' * 64}", "webhook-id": "evt_2"}
    stale = acp_signature.signature_header([secret], now - 600, body)
    async with httpx.AsyncClient(base_url=running.shoply_url, timeout=10) as http:
        first = await http.post("/webhooks/acp", content=body, headers=signed)
        retry = await http.post("/webhooks/acp", content=body, headers=signed)
        refused = await http.post("/webhooks/acp", content=body, headers=forged)
        unsigned = await http.post("/webhooks/acp", content=body)
        late = await http.post("/webhooks/acp", content=body, headers={
            **signed, acp_signature.HEADER: stale, "webhook-id": "evt_3"})  # fmt: skip
        log = await http.get("/events")
    assert [a.status_code for a in (first, retry, refused, unsigned, late)] == [
        200, 200, 401, 401, 401]  # fmt: skip
    assert _attr(log.text, "event-row", "data-verified") == ["no", "no", "no", "yes"]
    assert _attr(log.text, "event-row", "data-order-id") == ["ord_x"] * 4


async def test_the_demo_load_gives_shoply_an_acp_endpoint_and_removes_an_older_one(
    container: Container,
) -> None:
    partner, _ = await partners.register_partner(
        uow=container.uow(), name=SHOPLY.name, kind=SHOPLY.kind,
        contact_email=SHOPLY.contact_email, redirect_uris=[SHOPLY.redirect_uri],
        scopes=list(SHOPLY.scopes),
    )  # fmt: skip
    await partners.add_webhook_endpoint(  # where an older demo sent Standard Webhooks
        uow=container.uow(), partner_id=partner.id,
        url=f"{SHOPLY.base_url}/webhooks/handshake", event_types=["order.created"],
    )  # fmt: skip
    for _ in range(2):
        await ensure_partners(container, DemoReport())
        endpoints = await partners.list_webhook_endpoints(
            uow=container.read_uow(), partner_id=partner.id
        )
        assert [(e.url, e.signature_scheme, e.event_types) for e in endpoints] == [
            (f"{SHOPLY.base_url}/webhooks/acp", "acp", list(ACP_EVENTS))
        ]


def test_a_question_becomes_search_words_and_a_price_limit() -> None:
    assert understand("I'm looking for a kettle under 40 €, please") == Question(("kettle",), "40")
    assert understand("smart thermostat less than 99,90") == Question(
        ("smart", "thermostat"), "99.90"
    )
    assert understand("hello!") == Question(())


def test_delivery_times_read_in_store_time() -> None:
    assert window("2029-03-02T07:00:00Z", "2029-03-02T21:00:00Z") == "Fri 2 Mar, 08:00–22:00"
    assert window("2029-03-02T07:00:00Z", "2029-03-03T21:00:00Z") == (
        "between Fri 2 Mar, 08:00 and Sat 3 Mar, 22:00"
    )
    assert (window("soon", None), day("2029-03-02T00:00:00Z"), day(None)) == ("", "Fri 2 Mar", "")


@asynccontextmanager
async def shoply_alone(store: httpx.MockTransport) -> AsyncIterator[httpx.AsyncClient]:
    """Shoply over ASGI, its platform answered by ``store``."""
    config = PartnerAppConfig(
        platform_url="http://store.test", public_url="http://shoply.test", client_id="cli",
        client_secret="secret", webhook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        scopes=SHOPLY.scopes,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=store)
    app = create_shoply_app(config, http=http)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with http, httpx.AsyncClient(transport=transport, base_url="http://shoply.test") as b:
        yield b


async def test_a_store_that_does_not_answer_is_said_not_crashed() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with shoply_alone(httpx.MockTransport(down)) as browser:
        page = await browser.get("/", params={"q": "kettle"})
    assert page.status_code == 200
    assert "The store is not answering right now; try again in a moment." in page.text
    assert not by_testid(page.text, "product-card")
