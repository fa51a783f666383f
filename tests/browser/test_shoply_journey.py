"""The AI-agent story: ask Shoply, link it, buy through the store's ACP checkout with express
delivery and the sandbox card, see the order, and its signed order event arrive verified."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.crawl import crawl
from tests.browser.journeys import allow_on_the_store, reload_until_visible, sign_up
from tests.browser.stack import StackUrls


def ask(page: Page, question: str) -> None:
    """Type a question into "Ask Shoply" and wait for the answer."""
    page.get_by_label("What are you looking for?").fill(question)
    page.get_by_test_id("ask").click()
    expect(page.get_by_test_id("answer")).to_be_visible()


def test_ask_link_buy_with_express_and_hear_of_the_order(page: Page, demo: StackUrls) -> None:
    page.goto(demo.shoply)
    ask(page, "a smart thermostat please")
    card = page.get_by_test_id("product-card").first
    expect(card.get_by_test_id("public-price")).to_be_visible()
    expect(page.get_by_test_id("buy-with-shoply")).to_have_count(0)

    sign_up(page, demo, "Ada Agent")
    page.goto(demo.shoply)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.shoply)
    expect(page.get_by_test_id("linked-as")).to_be_visible()
    ask(page, "thermostat")
    page.get_by_test_id("buy-with-shoply").first.click()

    expect(page).to_have_url(re.compile(rf"{demo.shoply}/checkout/chk_\w+"))
    checkout = page.url
    status = page.get_by_test_id("session-status")
    expect(status).to_have_attribute("data-status", "ready_for_payment")
    expect(page.get_by_test_id("delivery-window").first).to_be_visible()
    page.get_by_label(re.compile("Express")).check()
    page.get_by_test_id("choose-delivery").click()
    expect(page.get_by_label(re.compile("Express"))).to_be_checked()
    problems = crawl(page, checkout, depth=0)
    assert problems == {checkout: []}

    page.get_by_test_id("confirm-pay").click()
    order = page.get_by_test_id("order")
    expect(order).to_be_visible()
    expect(status).to_have_attribute("data-status", "completed")
    order_id = order.get_attribute("data-order-id")
    assert order_id is not None
    assert order_id.startswith("ord_")

    page.goto(f"{demo.shoply}/events")
    reload_until_visible(
        page,
        page.locator(
            f'[data-testid="event-row"][data-type="order_create"][data-order-id="{order_id}"]'
            '[data-verified="yes"]'
        ),
    )
    page.goto(f"{demo.shoply}/orders")
    expect(page.locator(f'[data-testid="order-row"][data-order-id="{order_id}"]')).to_be_visible()
    page.goto(f"{demo.store}/account/orders")
    expect(page.locator(f'[data-testid="order-row"]:has-text("{order_id}")')).to_be_visible()


def test_not_now_cancels_the_checkout(page: Page, demo: StackUrls) -> None:
    sign_up(page, demo, "Noa Notnow")
    page.goto(demo.shoply)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.shoply)
    ask(page, "thermostat")
    page.get_by_test_id("buy-with-shoply").first.click()
    page.get_by_test_id("not-now").click()
    expect(page.get_by_test_id("session-status")).to_have_attribute("data-status", "canceled")
    expect(page.get_by_test_id("confirm-pay")).to_have_count(0)
