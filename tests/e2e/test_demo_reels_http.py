"""Reels, the demo video app, against the platform in process (ASGI transports by host): the
player's tags with anonymous or personalised offers, impressions and taps reported as ad events,
the product sheet, buying with the tap's click id back to the same moment of the video, hidden
videos and tags, and refused requests that leave nothing behind."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.checkout.models import Order
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.people import SHOPPING_EVENTS, SHOPPING_SCOPES
from handshake.demo.reels import player, viewings
from handshake.demo.reels.app import Reels, create_reels_app
from handshake.entrypoints.http import create_app
from tests.assistant_helpers import kitchen_shop
from tests.demo_apps_helpers import base_url, by_testid, demo_shopper, hidden, register_demo_partner
from tests.linking_helpers import consent, row_count
from tests.video_helpers import admin, create_video, tag_video

PLATFORM_PORT, REELS_PORT = 18000, 18002  # names only: no socket is opened
STORE, REELS = base_url(PLATFORM_PORT), base_url(REELS_PORT)
FRAMES = [{"at_ms": 1000, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25},
          {"at_ms": 3000, "x": 0.5, "y": 0.4, "w": 0.3, "h": 0.25}]  # fmt: skip
STEEL = "Brewell Steel kettle 1.7 L"


class Hosts(httpx.AsyncBaseTransport):
    """Each request to the ASGI app of its host (``http://127.0.0.1:<port>``)."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.transports = {url: httpx.ASGITransport(app=app) for url, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to its host's app."""
        url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        return await self.transports[url].handle_async_request(request)


@dataclass
class Stage:
    """A browser on the store and Reels, Reels' state, and the partner behind it."""

    browser: httpx.AsyncClient
    reels: Reels
    partner_id: str
    config: PartnerAppConfig

    async def watch(self, path: str) -> tuple[httpx.Response, dict[str, Any]]:
        """A Reels page and its player's JSON block."""
        page = await self.browser.get(REELS + path)
        found = re.search(r'<script type="application/json" id="reels-player">(.*?)</script>',
                          page.text, re.S)  # fmt: skip
        return page, json.loads(found.group(1)) if found else {}

    async def tap(self, page: httpx.Response, video_id: str, tag_id: str, **body: Any) -> Any:
        """Tap a tag of the player on ``page``."""
        return await self.browser.post(
            f"{REELS}/watch/{video_id}/tags/{tag_id}/tap", json=body,
            headers={"X-CSRF-Token": csrf_of(page)},
        )  # fmt: skip

    async def platform_event(self, event_id: str) -> httpx.Response:
        """``GET /partner/v1/events/{id}`` with Reels' client credentials."""
        token = await self.browser.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "offers"},
            auth=(self.config.client_id, self.config.client_secret),
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return await self.browser.get(f"/partner/v1/events/{event_id}", headers=headers)

    def event_id(self, viewing: int, tag_id: str, kind: str) -> str:
        """The id Reels gives the browser's ``kind`` event about a tag in a viewing."""
        [session] = list(self.reels.sessions)
        return player.event_id(viewings.viewer(session), viewing, tag_id, kind)


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token the player sends in its header."""
    found = re.search(r'data-csrf="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


@pytest.fixture
async def stage(container: Container) -> AsyncIterator[Stage]:
    """The platform (no worker) and Reels, the kitchen catalog loaded, Reels registered."""
    await kitchen_shop(container)
    partner = await register_demo_partner(
        container, kind="video", port=REELS_PORT, platform_port=PLATFORM_PORT,
        scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Reels",
    )  # fmt: skip
    platform = create_app(container=container, run_worker=False)
    to_store = httpx.AsyncClient(transport=Hosts({STORE: platform}))
    app = create_reels_app(partner.config, http=to_store)
    transport = Hosts({STORE: platform, REELS: app})
    async with to_store, httpx.AsyncClient(transport=transport, base_url=STORE) as browser:
        yield Stage(browser, app.state.reels, partner.partner_id, partner.config)


async def _link_from(browser: httpx.AsyncClient, path: str) -> httpx.Response:
    """Follow a Reels "Link your store account" link (``path``), allow, and come back."""
    to_store = await browser.get(REELS + path)
    authorize = to_store.headers["location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    await browser.get(authorize)  # the consent page sets its CSRF cookie
    allowed = await consent(browser, params)
    done = await browser.get(allowed.headers["location"])
    assert done.status_code == 303, done.text
    return done


def _sheet_form(sheet: str) -> dict[str, str]:
    names = ("csrf_token", "offer_token", "click_id", "return_to", "video_id", "tag_id",
             "viewing", "intent")  # fmt: skip
    return {name: hidden(sheet, name) for name in names}


async def test_anonymous_viewers_see_list_prices_a_link_prompt_and_report_events(
    stage: Stage, client: httpx.AsyncClient, container: Container
) -> None:
    older = await create_video(client, container, title="Older")
    video = await create_video(client, container)
    tag = await tag_video(client, container, video["id"], sku="BRW-STEEL", hotspots=FRAMES)

    page, data = await stage.watch(f"/watch/{video['id']}?t=2")

    assert page.status_code == 200
    [next_video] = by_testid(page.text, "next-video")
    assert f'href="/watch/{older["id"]}" rel="next"' in next_video
    assert not by_testid(page.text, "previous-video")  # the newest video comes first
    shown = {"id": tag["id"], "start_ms": 1000, "end_ms": 8000, "hotspots": FRAMES,
             "call_to_action": "buy_now", "title": STEEL, "sku": "BRW-STEEL",
             "price": "39.00 EUR", "list_price": "39.00 EUR", "member_price_applied": False,
             "offer_token": None}  # fmt: skip
    assert data == {"video_id": video["id"], "viewing": 1, "start_at": 2.0, "tags": [shown]}
    public = container.settings.http.public_url  # the store's address in its documents
    assert f'src="{public}/static/demo/videos/kitchen.webm"' in page.text
    assert re.findall(r'data-testid="tag-price">([^<]+)<', page.text) == ["39.00 EUR"]
    assert not by_testid(page.text, "member-price")
    here = quote(f"/watch/{video['id']}")
    assert by_testid(page.text, "link-account") == [
        f'<a class="button" href="/link?next={here}" data-testid="link-account">'
    ]
    impression = {"tag_id": tag["id"], "viewing": 1}
    as_true = await stage.browser.post(
        f"{REELS}/watch/{video['id']}/impressions", json={**impression, "viewing": True},
        headers={"X-CSRF-Token": csrf_of(page)},
    )  # fmt: skip
    assert as_true.status_code == 400
    headers = {"X-CSRF-Token": csrf_of(page)}
    first = await stage.browser.post(
        f"{REELS}/watch/{video['id']}/impressions", json=impression, headers=headers
    )
    retried = await stage.browser.post(
        f"{REELS}/watch/{video['id']}/impressions", json=impression, headers=headers
    )
    impression_id = stage.event_id(1, tag["id"], "impression")
    assert (first.status_code, first.json()) == (
        202, {"event_id": impression_id, "accepted": 1, "duplicates": 0})  # fmt: skip
    assert retried.json() == {"event_id": impression_id, "accepted": 0, "duplicates": 1}

    sheet = await stage.tap(page, video["id"], tag["id"], viewing=1, at_ms=2500)

    assert sheet.status_code == 200
    assert re.findall(r'data-testid="sheet-price">([^<]+)<', sheet.text) == ["39.00 EUR"]
    assert not by_testid(sheet.text, "sheet-buy")
    moment = quote(f"/watch/{video['id']}?t=2.5")
    assert by_testid(sheet.text, "sheet-link-account") == [
        f'<a class="button" href="/link?next={moment}" data-testid="sheet-link-account">'
    ]
    click = await stage.platform_event(stage.event_id(1, tag["id"], "click"))
    assert (click.json()["type"], click.json()["click_id"]) == (
        "click", sheet.headers["x-click-id"])  # fmt: skip
    assert (await stage.platform_event(impression_id)).json()["type"] == "impression"


async def test_a_linked_shopper_taps_buys_with_the_click_id_and_is_back_at_the_moment(
    stage: Stage, client: httpx.AsyncClient, container: Container
) -> None:
    video = await create_video(client, container)
    tag = await tag_video(client, container, video["id"], sku="BRW-STEEL", hotspots=FRAMES)
    await demo_shopper(stage.browser, container, member=True)
    back = await _link_from(stage.browser, f"/link?next=/watch/{video['id']}%3Ft%3D2.5")
    assert back.headers["location"] == f"/watch/{video['id']}?t=2.5"

    page, data = await stage.watch(back.headers["location"])

    assert "Camille Test" in by_testid(page.text, "linked-as")[0] + page.text
    [shown] = data["tags"]
    assert (shown["price"], shown["list_price"], shown["member_price_applied"]) == (
        "35.00 EUR", "39.00 EUR", True)  # fmt: skip
    assert shown["offer_token"]
    assert (data["start_at"], data["viewing"]) == (2.5, 1)
    assert by_testid(page.text, "member-price")

    sheet = await stage.tap(page, video["id"], tag["id"], viewing=1, at_ms=2500)
    click_id = sheet.headers["x-click-id"]
    assert re.findall(r'data-testid="sheet-price">([^<]+)<', sheet.text) == ["35.00 EUR"]
    assert by_testid(sheet.text, "sheet-member-price")
    assert re.findall(r'data-testid="sheet-saving">([^<]+)<', sheet.text) == ["You save 4.00 EUR."]
    assert re.search(r'data-testid="sheet-delivery">[^<]+<', sheet.text)
    form = _sheet_form(sheet.text)
    assert (form["click_id"], form["return_to"], form["intent"]) == (
        click_id, f"/watch/{video['id']}?t=2.5", "buy")  # fmt: skip
    receipt = (await stage.platform_event(stage.event_id(1, tag["id"], "click"))).json()
    assert (receipt["type"], receipt["click_id"]) == ("click", click_id)

    bought = await stage.browser.post(f"{REELS}/buy", data=form)
    assert bought.status_code == 303
    assert bought.headers["location"].startswith("/checkout/chk_")
    screen = await stage.browser.get(REELS + bought.headers["location"])
    moment = form["return_to"]
    assert by_testid(screen.text, "checkout-back") == [
        f'<a href="{moment}" data-testid="checkout-back">'
    ]
    placed = await stage.browser.post(f"{REELS}{bought.headers['location']}/confirm", data={
        name: hidden(screen.text, name)
        for name in ("csrf_token", "total_minor", "currency", "idempotency_key")
    })  # fmt: skip
    assert (placed.status_code, placed.headers["location"]) == (
        303, f"/watch/{video['id']}?t=2.5")  # fmt: skip

    again, resumed = await stage.watch(placed.headers["location"])
    [order_id] = re.findall(r"Order (ord_\w+) placed\.", again.text)
    assert (resumed["start_at"], resumed["viewing"]) == (2.5, 2)
    async with container.read_uow() as uow:
        order = await uow.session.get(Order, order_id)  # type: ignore[attr-defined]
    assert order is not None
    assert (order.click_id, order.partner_id) == (click_id, stage.partner_id)
    mine = await stage.browser.get("/api/v1/me/orders")
    assert [o["channel"] for o in mine.json()["items"]] == ["Reels"]
    orders = await stage.browser.get(f"{REELS}/orders")
    [row] = by_testid(orders.text, "order-row")
    assert f'data-order-id="{order_id}"' in row


async def test_add_to_cart_is_reported_then_the_same_checkout_starts(
    stage: Stage, client: httpx.AsyncClient, container: Container
) -> None:
    video = await create_video(client, container)
    tag = await tag_video(
        client, container, video["id"], sku="BRW-GLASS", call_to_action="add_to_cart"
    )
    await demo_shopper(stage.browser, container, member=False)
    await _link_from(stage.browser, "/link")
    page, data = await stage.watch("/")
    assert [t["hotspots"] for t in data["tags"]] == [[]]  # no hotspot: a chip at the bottom

    sheet = await stage.tap(page, video["id"], tag["id"], viewing=1, at_ms=1000)
    assert re.findall(r'data-testid="sheet-buy">([^<]+)<', sheet.text) == ["Add to cart"]
    bought = await stage.browser.post(f"{REELS}/buy", data=_sheet_form(sheet.text))

    assert bought.headers["location"].startswith("/checkout/chk_")
    added = await stage.platform_event(stage.event_id(1, tag["id"], "add_to_cart"))
    assert (added.status_code, added.json()["type"]) == (200, "add_to_cart")
    screen = await stage.browser.get(REELS + bought.headers["location"])
    assert re.findall(r'data-testid="checkout-total">([^<]+)<', screen.text)


async def test_drafts_other_apps_videos_and_withdrawn_tags_are_not_shown(
    stage: Stage, client: httpx.AsyncClient, container: Container
) -> None:
    other = await register_demo_partner(
        container, kind="video", port=18009, platform_port=PLATFORM_PORT,
        scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Other videos",
    )  # fmt: skip
    shown = await create_video(client, container, title="Shown")
    tag = await tag_video(client, container, shown["id"], sku="BRW-STEEL")
    draft = await create_video(client, container, title="Draft", status="draft")
    theirs = await create_video(
        client, container, title="Theirs", owner_partner_id=other.partner_id
    )
    for hidden_video in (draft, theirs):
        await tag_video(client, container, hidden_video["id"], sku="BRW-STEEL")
        page, data = await stage.watch(f"/watch/{hidden_video['id']}")
        assert (page.status_code, data) == (404, {})
        assert by_testid(page.text, "video-gone")
    odd = await stage.browser.get(f"{REELS}/watch/vid%3Cx%3E")
    assert (odd.status_code, by_testid(odd.text, "video-gone") != []) == (404, True)

    page, data = await stage.watch("/")
    assert [t["id"] for t in data["tags"]] == [tag["id"]]
    assert not by_testid(page.text, "next-video")  # the only video Reels may show
    withdrawn = await client.post(
        f"/api/v1/admin/videos/{shown['id']}/tags/{tag['id']}/review",
        json={"status": "rejected"}, headers=await admin(client, container),
    )  # fmt: skip
    assert withdrawn.status_code == 200
    sheet = await stage.tap(page, shown["id"], tag["id"], viewing=1, at_ms=2000)
    assert (sheet.status_code, by_testid(sheet.text, "sheet-gone") != []) == (404, True)
    assert await row_count(container, "ad_event_receipts") == 0


async def test_refused_requests_create_nothing(
    stage: Stage, client: httpx.AsyncClient, container: Container
) -> None:
    video = await create_video(client, container)
    tag = await tag_video(client, container, video["id"], sku="BRW-STEEL")
    await demo_shopper(stage.browser, container, member=True)
    await _link_from(stage.browser, "/link")
    page, _ = await stage.watch(f"/watch/{video['id']}")
    path = f"{REELS}/watch/{video['id']}"
    forged = await stage.browser.post(f"{path}/tags/{tag['id']}/tap",
                                      json={"viewing": 1, "at_ms": 0})  # fmt: skip
    unknown_viewing = await stage.tap(page, video["id"], tag["id"], viewing=7, at_ms=0)
    unknown_tag = await stage.browser.post(
        f"{path}/impressions", json={"tag_id": "vtag_nope", "viewing": 1},
        headers={"X-CSRF-Token": csrf_of(page)},
    )  # fmt: skip
    assert [forged.status_code, unknown_viewing.status_code, unknown_tag.status_code] == [
        400, 400, 404]  # fmt: skip
    assert await row_count(container, "ad_event_receipts") == 0

    sheet = await stage.tap(page, video["id"], tag["id"], viewing=1, at_ms=0)
    form = {**_sheet_form(sheet.text), "click_id": "clk_forged.0000"}
    refused = await stage.browser.post(f"{REELS}/buy", data=form)
    assert refused.headers["location"] == f"/watch/{video['id']}?t=0.0"
    back = await stage.browser.get(REELS + refused.headers["location"])
    [said] = re.findall(r'data-testid="error">([^<]*)<', back.text)
    assert said.startswith("Checkout could not start: ")
    no_csrf = await stage.browser.post(f"{REELS}/buy", data={**form, "csrf_token": "x"})
    assert no_csrf.headers["location"] == "/"
    assert await row_count(container, "checkout_sessions") == 0
    assert await row_count(container, "orders") == 0


async def test_the_player_says_the_store_is_down_instead_of_failing() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    config = PartnerAppConfig(
        platform_url="http://store.test", public_url="http://reels.test", client_id="cli_reels",
        client_secret="secret", webhook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        scopes=SHOPPING_SCOPES,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    app = create_reels_app(config, http=http)
    transport = httpx.ASGITransport(app=app)
    async with http, httpx.AsyncClient(transport=transport, base_url="http://reels.test") as b:
        page = await b.get("/watch/vid_1")
    assert page.status_code == 503
    assert "The store is not answering right now; try again in a moment." in page.text


def test_resume_points_and_event_ids() -> None:
    assert [player.resume_at(t, 30_000) for t in ("12.34", None, "-1", "nan", "x", "30")] == [
        12.3, 0.0, 0.0, 0.0, 0.0, 0.0]  # fmt: skip
    assert [player.return_path("vid_1", at) for at in (2500, "x", -5, float("inf"))] == [
        "/watch/vid_1?t=2.5",
        *["/watch/vid_1?t=0.0"] * 3,
    ]
    assert player.event_id("ab12", 3, "vtag_1", "click") == "reels-ab12-3-vtag_1-click"
    videos = [{"id": "vid_a"}, {"id": "vid_b"}, {"id": "vid_c"}]
    assert [player.neighbours(videos, v) for v in ("vid_a", "vid_b", "vid_c", "vid_x")] == [
        (None, "vid_b"), ("vid_a", "vid_c"), ("vid_b", None), (None, "vid_a")]  # fmt: skip
