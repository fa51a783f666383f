"""The social-feed story: sign up, link Picto, see the personalised ad, buy in the app, see the
order on both sides, the operator ships it, unlink, and the ad is anonymous again."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.journeys import (
    allow_on_the_store,
    reload_until_visible,
    sign_in_operator,
    sign_up,
)
from tests.browser.stack import StackUrls


def webhook_row(page: Page, event_type: str) -> Locator:
    """The row of Picto's webhook log for events of ``event_type``."""
    return page.locator(f'[data-testid="webhook-row"][data-type="{event_type}"]')


def test_link_buy_in_app_ship_and_unlink(page: Page, browser: Browser, demo: StackUrls) -> None:
    page.goto(demo.picto)
    first_ad = page.get_by_test_id("sponsored-post").first
    expect(first_ad.get_by_test_id("offer-price")).to_be_visible()
    expect(first_ad.get_by_test_id("buy")).to_have_count(0)
    expect(first_ad.get_by_role("link", name="Link your store account to buy")).to_be_visible()

    sign_up(page, demo, "Jeanne Journey")
    page.goto(demo.picto)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.picto)
    expect(page.get_by_test_id("linked-as")).to_be_visible()
    ad = page.get_by_test_id("sponsored-post").first
    expect(ad.get_by_test_id("delivery-promise")).to_be_visible()
    expect(ad.get_by_test_id("stock")).to_be_visible()

    ad.get_by_test_id("buy").click()
    expect(page).to_have_url(re.compile(rf"{demo.picto}/checkout/chk_\w+"))
    expect(page.get_by_test_id("checkout-total")).to_be_visible()
    page.get_by_test_id("confirm-purchase").click()
    expect(page).to_have_url(f"{demo.picto}/orders")
    row = page.get_by_test_id("order-row").first
    order_id = row.get_attribute("data-order-id")
    assert order_id is not None
    assert order_id.startswith("ord_")

    page.goto(f"{demo.picto}/webhooks")
    reload_until_visible(
        page, page.locator('[data-testid="webhook-row"][data-type="order.created"]')
    )
    page.goto(f"{demo.store}/account/orders")
    expect(page.locator(f'[data-testid="order-row"]:has-text("{order_id}")')).to_be_visible()

    operator = browser.new_context().new_page()
    sign_in_operator(operator, demo, f"/admin/orders/{order_id}")
    operator.get_by_label("Carrier").fill("Colissimo")
    operator.get_by_label("Tracking number").fill("6A0001JOURNEY")
    operator.get_by_test_id("ship").click()
    expect(operator.get_by_test_id("order-status")).to_have_attribute(
        "class", re.compile("shipped")
    )
    operator.context.close()
    page.goto(f"{demo.picto}/webhooks")
    reload_until_visible(
        page, page.locator('[data-testid="webhook-row"][data-type="order.shipped"]')
    )
    page.goto(f"{demo.picto}/orders")
    expect(page.get_by_test_id("order-row").first).to_have_attribute("data-status", "shipped")

    page.goto(f"{demo.store}/account/links")
    page.get_by_role("button", name="Unlink Picto").click()
    page.goto(f"{demo.picto}/webhooks")
    reload_until_visible(
        page, page.locator('[data-testid="webhook-row"][data-type="link.revoked"]')
    )
    page.goto(demo.picto)
    expect(page.get_by_test_id("link-account")).to_be_visible()
    anonymous_ad = page.get_by_test_id("sponsored-post").first
    expect(anonymous_ad.get_by_test_id("buy")).to_have_count(0)
    expect(page.get_by_test_id("linked-as")).to_have_count(0)
