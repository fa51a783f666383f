"""The video tag editor in a browser: the clip plays in Chromium, dragging a bar saves the range
moved by as much as the pointer moved, a range past the end is refused and the bar snaps back,
a caption seeks, and a suggestion is approved with a click.

The platform (no worker: the suggestions stay as seeded) runs here over the kitchen shop; the
clip is the demo's 18-second sample, which the platform serves with range requests (so the
browser can seek it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.entrypoints.http import create_app
from handshake.video import service as videos
from handshake.video import suggesting, tagging
from handshake.video.deps import suggestion_matcher
from tests.accounts_helpers import PASSWORD, policy_of
from tests.assistant_helpers import kitchen_shop
from tests.browser.crawl import crawl
from tests.browser.served import SAMPLE_VIDEO_MS, SAMPLE_VIDEO_PATH, Apps, ServedStack

DURATION_MS = SAMPLE_VIDEO_MS
SNAP_MS = 100  # editor.js rounds a drag to tenths of a second
LANES_WIDTH = "document.getElementById('vt-lanes').getBoundingClientRect().width"  # as editor.js
OPERATOR_EMAIL = "editor@shop.example"
REFUSED_CALL = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)
# KITCHEN_CAPTIONS fitted to the 18-second clip; suggested from them (a suggestion shows 4 s at
# least, cut at the video's end): BRW-GLASS 1–5 s, BRW-TOAST 12–16 s and KTL-TRAVEL 14–18 s.
CAPTIONS = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Host>Morning! Water goes into the Brewell glass kettle first.

2
00:00:05.000 --> 00:00:08.000
It boils fast, and the glass lets you watch it.

3
00:00:12.000 --> 00:00:13.800
For bread, this Brewell two-slice toaster browns it evenly.

4
00:00:14.000 --> 00:00:16.000
Travelling? I pack the Kettlo Travel kettle.
"""


@dataclass(frozen=True)
class EditorSite:
    """The running platform and the video to edit."""

    store: str
    video_id: str
    media_url: str


async def seed(container: Container, media_url: str) -> str:
    """The kitchen shop, an operator, and a captioned video with a person's tag (VAP-TEMPO,
    6–10 s) and the captions' three suggestions; the video's id."""
    await kitchen_shop(container)
    await accounts.create_operator(
        uow=container.uow(), email=OPERATOR_EMAIL, password=PASSWORD, name="Eddie Editor",
        password_policy=policy_of(container),
    )  # fmt: skip
    settings = container.settings.video
    video = await videos.create_video(
        uow=container.uow(), settings=settings,
        values={"title": "Kitchen morning", "media_url": media_url, "duration_ms": DURATION_MS,
                "language": "en", "captions_vtt": CAPTIONS},
    )  # fmt: skip
    fields = tagging.TagFields(start_ms=6000, end_ms=10_000, sku="VAP-TEMPO")
    await tagging.add_tag(uow=container.uow(), settings=settings, video_id=video.id, fields=fields)
    uow = container.uow()
    await suggesting.suggest_tags(
        uow=uow, settings=settings, video_id=video.id, matcher=suggestion_matcher(uow)
    )
    return video.id


class EditorStack(ServedStack[EditorSite]):
    """The platform alone, without its worker, the video seeded."""

    name = "editor"
    worker = False

    async def _serve(self, container: Container) -> tuple[EditorSite, Apps]:
        media_url = f"{self.store}{SAMPLE_VIDEO_PATH}"
        video_id = await seed(container, media_url)
        platform = create_app(container=container, run_worker=False)
        return EditorSite(self.store, video_id, media_url), ((platform, self.ports[0]),)


@pytest.fixture(scope="module")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditorSite]:
    """The running editor stack with its clip."""
    del browser  # no browser, no journey: skipped (or failed in CI) before anything starts
    stack = EditorStack(tmp_path_factory.mktemp("video-editor"))
    try:
        yield stack.start()
    finally:
        stack.stop()


def open_editor(page: Page, site: EditorSite) -> None:
    """Sign in as the operator, land on the editor, wait for the clip's metadata."""
    target = f"/admin/videos/{site.video_id}"
    page.goto(f"{site.store}/admin/signin?next={target}&lang=en")
    page.get_by_label("E-mail").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.store}{target}")
    page.wait_for_function("document.getElementById('vt-video').readyState >= 1")


def saved_tags(page: Page, site: EditorSite) -> dict[str, dict[str, Any]]:
    """The video's tags by SKU, read through the operator API with the page's session."""
    answer = page.request.get(f"{site.store}/api/v1/admin/videos/{site.video_id}")
    assert answer.ok, answer.text()
    return {tag["sku"]: tag for tag in answer.json()["tags"]}


def drag_bar(page: Page, tag_id: str, pixels: int) -> int:
    """Drag the middle of a tag's bar sideways; the move in ms editor.js computes from it."""
    bar = page.locator(f'.vt-bar[data-tag-id="{tag_id}"]')
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    x, y = round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)
    width: float = page.evaluate(LANES_WIDTH)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels / 2, y)
    page.mouse.move(x + pixels, y)
    page.mouse.up()
    return math.floor(pixels / width * DURATION_MS / SNAP_MS + 0.5) * SNAP_MS


def picture(page: Page) -> tuple[float, float, float, float]:
    """Left, top, width and height of the picture inside the <video> box (letterboxed)."""
    left, top, width, height, video_width, video_height = page.evaluate(
        "(() => { const v = document.getElementById('vt-video'), r = v.getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height, v.videoWidth, v.videoHeight]; })()"
    )
    scale = min(width / video_width, height / video_height)
    shown_width, shown_height = video_width * scale, video_height * scale
    return (
        left + (width - shown_width) / 2, top + (height - shown_height) / 2,
        shown_width, shown_height,
    )  # fmt: skip


def test_dragging_a_bar_saves_the_moved_range(page: Page, site: EditorSite) -> None:
    open_editor(page, site)
    assert page.evaluate("Math.round(document.getElementById('vt-video').duration)") == 18
    tempo = saved_tags(page, site)["VAP-TEMPO"]
    moved = drag_bar(page, tempo["id"], 80)
    assert moved > 0
    expect(page.get_by_test_id("editor-message")).to_have_text("Saved.")
    saved = saved_tags(page, site)["VAP-TEMPO"]
    assert (saved["start_ms"], saved["end_ms"]) == (6000 + moved, 10_000 + moved)
    card = page.locator(f'[data-testid="tag"][data-tag-id="{tempo["id"]}"]')
    expect(card.locator('input[name="start_s"]')).to_have_value(str((6000 + moved) / 1000))

    page.get_by_test_id("cue").nth(2).get_by_role("button").click()  # 0:12.0, the toaster
    expect(page.get_by_test_id("current-time")).to_have_text("0:12.0")
    assert page.evaluate("document.getElementById('vt-video').currentTime") == 12


def test_a_range_past_the_end_is_refused_and_the_bar_snaps_back(
    browser: Browser, site: EditorSite
) -> None:
    # Its own page: Chromium logs the refused call (422) as a console error, which the shared
    # page fixture counts as a failure; every other console error still fails this test.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    logged: list[str] = []
    context.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    try:
        page = context.new_page()
        open_editor(page, site)
        travel = saved_tags(page, site)["KTL-TRAVEL"]
        bar = page.locator(f'.vt-bar[data-tag-id="{travel["id"]}"]')
        bar.scroll_into_view_if_needed()
        before = bar.bounding_box()
        width = page.evaluate(LANES_WIDTH)
        assert (travel["start_ms"], travel["end_ms"]) == (14_000, 18_000)
        drag_bar(page, travel["id"], math.ceil(1000 / DURATION_MS * width))  # would end at 19 s
        expect(page.get_by_test_id("editor-message")).to_have_text(
            "Not saved: A tag cannot end after the video (18000 ms). (invalid_tag_timing)"
        )
        assert bar.bounding_box() == before
        saved = saved_tags(page, site)["KTL-TRAVEL"]
        assert (saved["start_ms"], saved["end_ms"]) == (travel["start_ms"], travel["end_ms"])
    finally:
        context.close()
    assert logged == [REFUSED_CALL]


def test_approving_a_suggestion_is_one_click(page: Page, site: EditorSite) -> None:
    open_editor(page, site)
    glass = saved_tags(page, site)["BRW-GLASS"]
    assert glass["status"] == "suggested"
    card = page.locator(f'[data-testid="tag"][data-tag-id="{glass["id"]}"]')
    expect(card.get_by_test_id("tag-evidence")).to_contain_text("Brewell glass kettle")
    card.get_by_test_id("approve").click()
    expect(page.get_by_test_id("flash")).to_have_text("Tag approved.")
    expect(card.get_by_test_id("tag-status")).to_have_text("approved")
    assert saved_tags(page, site)["BRW-GLASS"]["status"] == "approved"


def test_drawing_a_box_on_the_video_places_the_selected_tags_hotspot(
    page: Page, site: EditorSite
) -> None:
    open_editor(page, site)
    toast = saved_tags(page, site)["BRW-TOAST"]
    page.locator(f'.vt-bar[data-tag-id="{toast["id"]}"]').click()  # selects it, seeks to its start
    expect(page.get_by_test_id("selected-tag")).to_contain_text("BRW-TOAST")
    page.get_by_test_id("draw-hotspot").click()
    expect(page.get_by_test_id("draw-hotspot")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("player").scroll_into_view_if_needed()
    left, top, width, height = picture(page)
    corners = [(round(left + width * 0.25), round(top + height * 0.2)),
               (round(left + width * 0.5), round(top + height * 0.6))]  # fmt: skip
    page.mouse.move(*corners[0])
    page.mouse.down()
    page.mouse.move(*corners[1], steps=4)
    page.mouse.up()
    expect(page.get_by_test_id("editor-message")).to_have_text("Hotspot saved.")
    expect(page.locator(".vt-hotspot")).to_have_count(1)
    [frame] = saved_tags(page, site)["BRW-TOAST"]["hotspots"]
    assert frame["at_ms"] == toast["start_ms"]
    expected = {
        "x": (corners[0][0] - left) / width, "y": (corners[0][1] - top) / height,
        "w": (corners[1][0] - corners[0][0]) / width, "h": (corners[1][1] - corners[0][1]) / height,
    }  # fmt: skip
    # As editor.js computes it (floating point: equal to the ninth decimal).
    assert {k: round(frame[k], 9) for k in expected} == {
        k: round(v, 9) for k, v in expected.items()
    }


def test_the_video_pages_pass_the_audit_on_a_desktop_and_a_phone(
    page: Page, site: EditorSite
) -> None:
    open_editor(page, site)
    pages = [f"{site.store}/admin/videos", f"{site.store}/admin/videos/{site.video_id}"]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        for url in pages:
            assert crawl(page, url, depth=0) == {url: []}, width


def test_adding_a_video_with_a_captions_file(page: Page, site: EditorSite) -> None:
    open_editor(page, site)
    page.goto(f"{site.store}/admin/videos?lang=en")
    captions = "WEBVTT\n\n00:00:02.000 --> 00:00:04.500\nThe Kettlo Mini kettle.\n"
    upload = FilePayload(name="mini.vtt", mimeType="text/vtt", buffer=captions.encode())
    page.get_by_label("Captions file (WebVTT)").set_input_files(files=[upload])
    expect(page.get_by_label("Captions (WebVTT, optional)")).to_have_value(captions)
    page.get_by_label("Title").fill("Mini kettle")
    page.get_by_label("Media URL").fill(site.media_url)
    page.get_by_label("Duration in seconds").fill("18")
    page.get_by_test_id("add-video").click()
    expect(page.get_by_test_id("flash")).to_have_text("Video added.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mini kettle")
    expect(page.get_by_test_id("cue")).to_have_count(1)
    expect(page.get_by_test_id("cue")).to_contain_text("0:02.0–0:04.5")
    page.wait_for_function("document.getElementById('vt-video').readyState >= 1")
