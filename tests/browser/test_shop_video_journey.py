"""The shop's own video player: a tag shows at its moment, tapping it opens the product sheet
with the visitor's price (the member price once signed in), and Add to cart puts it in the cart."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.stack import StackUrls
from tests.browser.test_pages import sign_in_member

ESPRESSO = "Cuisto Duo Espresso Machine"
MORNING = "A slow morning: coffee and music"
LIVING_ROOM = "Un salon douillet pour l'hiver"
VALVE = "Calora Flow Smart Radiator Valve"


def _watch_at(page: Page, demo: StackUrls, seconds: float, title: str = MORNING) -> None:
    page.goto(f"{demo.store}/videos?lang=en")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_test_id("video")).to_be_visible()
    page.evaluate(
        "s => { const v = document.getElementById('shoppable-video'); v.pause();"
        " v.currentTime = s; v.dispatchEvent(new Event('timeupdate')); }",
        seconds,
    )


def test_a_visitor_sees_the_tag_at_its_moment_and_the_list_price(
    page: Page, demo: StackUrls
) -> None:
    _watch_at(page, demo, 0.5)
    expect(page.get_by_test_id("tag-button")).to_have_count(0)

    _watch_at(page, demo, 3.0)
    tag = page.get_by_test_id("tag-button")
    expect(tag).to_have_count(1)
    expect(tag).to_contain_text(ESPRESSO)
    tag.click()

    sheet = page.get_by_test_id("tag-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("heading", name=ESPRESSO)).to_be_visible()
    expect(sheet.get_by_text("Member price")).to_be_hidden()
    expect(sheet.locator('[data-field="price"]')).to_have_text(re.compile(r"^\d+\.\d\d EUR$"))


def test_a_member_adds_the_tagged_product_to_the_cart_from_the_video(
    page: Page, demo: StackUrls
) -> None:
    sign_in_member(page, demo)
    _watch_at(page, demo, 3.0, LIVING_ROOM)
    page.get_by_test_id("tag-button").click()
    sheet = page.get_by_test_id("tag-sheet")
    expect(sheet.get_by_role("heading", name=VALVE)).to_be_visible()
    expect(sheet.get_by_text("Member price")).to_be_visible()
    expect(sheet.locator('[data-field="price"]')).to_have_text("37.99 EUR")
    expect(sheet.locator('[data-field="list_price"]')).to_have_text("42.99 EUR")
    sheet.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart"))
    expect(page.get_by_text(VALVE).first).to_be_visible()
