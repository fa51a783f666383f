"""The shoppable-video story: watch a Reels video, the product tag shows at its moment and place,
tap it, link the store account from the product sheet, see the member price, buy in the app,
confirm, and be back on the video at the same moment with the order placed.

The platform (with its worker) and Reels run on free loopback ports in a thread; the video is the
demo's 18-second sample, which the platform serves itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from handshake.bootstrap import Container
from handshake.demo.account_seed import ensure_accounts
from handshake.demo.people import SHOPPERS, SHOPPING_EVENTS, SHOPPING_SCOPES
from handshake.demo.reels.app import create_reels_app
from handshake.demo.report import DemoReport
from handshake.entrypoints.http import create_app
from tests.assistant_helpers import kitchen_shop
from tests.browser.crawl import crawl
from tests.browser.journeys import allow_on_the_store
from tests.browser.served import SAMPLE_VIDEO_MS, SAMPLE_VIDEO_PATH, Apps, ServedStack
from tests.demo_apps_helpers import base_url, platform_app, register_demo_partner
from tests.video_helpers import create_video, tag_video

MEMBER = next(shopper for shopper in SHOPPERS if shopper.member)
FRAMES = [{"at_ms": 1000, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25},
          {"at_ms": 3000, "x": 0.5, "y": 0.4, "w": 0.3, "h": 0.25}]  # fmt: skip


@dataclass(frozen=True)
class ReelsUrls:
    """Where the store and Reels answer."""

    store: str
    reels: str


class ReelsStack(ServedStack[ReelsUrls]):
    """The platform (with its worker) and Reels, one tagged video published."""

    name = "reels"
    port_count = 2

    async def _serve(self, container: Container) -> tuple[ReelsUrls, Apps]:
        store_port, reels_port = self.ports
        await kitchen_shop(container)
        await ensure_accounts(container, DemoReport())
        reels = await register_demo_partner(
            container, kind="video", port=reels_port, platform_port=store_port,
            scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Reels",
        )  # fmt: skip
        transport = httpx.ASGITransport(app=create_app(container=container, run_worker=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
            video = await create_video(
                admin, container, media_url=f"{self.store}{SAMPLE_VIDEO_PATH}",
                duration_ms=SAMPLE_VIDEO_MS, captions_vtt=None,
            )  # fmt: skip
            await tag_video(admin, container, video["id"], sku="BRW-STEEL", hotspots=FRAMES)
        apps = ((platform_app(container), store_port), (create_reels_app(reels.config), reels_port))
        return ReelsUrls(self.store, base_url(reels_port)), apps


@pytest.fixture(scope="module")
def stack(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReelsUrls]:
    """The running Reels stack with one tagged video."""
    del browser  # no browser, no journey: skip (or fail in CI) before starting servers
    running = ReelsStack(tmp_path_factory.mktemp("reels"))
    try:
        yield running.start()
    finally:
        running.stop()


def seek(page: Page, seconds: float) -> None:
    """Pause the player at ``seconds`` (driven, since headless playback may crawl)."""
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate(
        "(at) => { const v = document.getElementById('player'); v.pause(); v.currentTime = at; }",
        seconds,
    )
    page.wait_for_function(
        "(at) => { const v = document.getElementById('player');"
        " return !v.seeking && Math.abs(v.currentTime - at) < 0.01; }",
        arg=seconds,
    )


def share_of_stage(page: Page, spot: Locator) -> tuple[float, float, float, float]:
    """The tag button's box as shares of the player's (x, y, width, height)."""
    box, stage = spot.bounding_box(), page.locator("#stage").bounding_box()
    assert box is not None
    assert stage is not None
    return (round((box["x"] - stage["x"]) / stage["width"], 2),
            round((box["y"] - stage["y"]) / stage["height"], 2),
            round(box["width"] / stage["width"], 2),
            round(box["height"] / stage["height"], 2))  # fmt: skip


def sign_in_member(page: Page, store: str) -> None:
    """Sign in on the store as the demo member."""
    page.goto(f"{store}/signin?lang=en")
    page.get_by_label("E-mail").fill(MEMBER.email)
    page.get_by_label("Password").fill(MEMBER.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{store}/account")


def test_watch_tap_link_buy_and_back_at_the_moment(page: Page, stack: ReelsUrls) -> None:
    sign_in_member(page, stack.store)
    page.goto(stack.reels)
    expect(page.get_by_test_id("video-title")).to_have_text("Kitchen morning")
    spot = page.get_by_test_id("tag-overlay")
    seek(page, 0.5)
    expect(spot).to_have_count(0)  # before the tag's time: nothing over the video
    seek(page, 2.0)
    expect(spot).to_be_visible()
    expect(spot).to_have_text("Brewell Steel kettle 1.7 L · 39.00 EUR")
    assert share_of_stage(page, spot) == (0.3, 0.3, 0.3, 0.25)  # halfway between key frames
    seek(page, 9.0)
    expect(spot).to_be_hidden()
    seek(page, 2.0)

    spot.click()
    sheet = page.get_by_test_id("product-sheet")
    expect(sheet.get_by_test_id("sheet-price")).to_have_text("39.00 EUR")
    assert page.evaluate("document.getElementById('player').paused") is True
    sheet.get_by_test_id("sheet-link-account").click()
    allow_on_the_store(page, stack.reels)
    expect(page).to_have_url(re.compile(rf"{stack.reels}/watch/vid_\w+\?t=2\.0$"))
    expect(page.get_by_test_id("linked-as")).to_be_visible()

    seek(page, 2.5)
    expect(spot).to_have_text("Brewell Steel kettle 1.7 L · 35.00 EUR")
    spot.click()
    expect(sheet.get_by_test_id("sheet-price")).to_have_text("35.00 EUR")
    expect(sheet.get_by_test_id("sheet-member-price")).to_be_visible()
    expect(sheet.get_by_test_id("sheet-saving")).to_have_text("You save 4.00 EUR.")
    expect(sheet.get_by_test_id("sheet-delivery")).to_be_visible()
    sheet.get_by_test_id("sheet-buy").click()
    expect(page).to_have_url(re.compile(rf"{stack.reels}/checkout/chk_\w+"))
    expect(page.get_by_test_id("checkout-total")).to_be_visible()
    page.get_by_test_id("confirm-purchase").click()

    expect(page).to_have_url(re.compile(rf"{stack.reels}/watch/vid_\w+\?t=2\.5$"))
    notice = page.get_by_role("status").filter(has_text="placed")
    expect(notice).to_have_text(re.compile(r"^Order ord_\w+ placed\.$"))
    page.wait_for_function(
        "document.getElementById('player').readyState >= 1"
        " && document.getElementById('player').currentTime >= 2.5"
    )
    watching = urlsplit(page.url).path
    order_id = re.sub(r"^Order (ord_\w+) placed\.$", r"\1", notice.inner_text())
    page.get_by_test_id("nav-orders").click()
    expect(page.locator(f'[data-testid="order-row"][data-order-id="{order_id}"]')).to_be_visible()

    for width, height in ((1280, 900), (390, 844)):  # every page, on a desktop and a phone
        page.set_viewport_size({"width": width, "height": height})
        visited = crawl(page, f"{stack.reels}/", depth=1)
        paths = ["/", "/insights", "/orders", f"{watching}?t=1.0", "/webhooks"]  # nav + moment
        assert sorted(visited) == [stack.reels + path for path in paths]
        assert {url: problems for url, problems in visited.items() if problems} == {}
