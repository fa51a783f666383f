"""The assistant story in a browser: ask, narrow, buy with the Confirm button, see the order."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.journeys import sign_up
from tests.browser.stack import StackUrls


def _ask(page: Page, text: str) -> None:
    """Send a message and wait for its turn in the transcript."""
    turns = page.get_by_test_id("turn")
    before = turns.count()
    page.get_by_label("Your message").fill(text)
    page.get_by_test_id("send").click()
    expect(turns).to_have_count(before + 1)


def test_ask_narrow_and_buy_only_with_the_confirm_button(page: Page, demo: StackUrls) -> None:
    sign_up(page, demo, "Alix Assistant")
    page.goto(f"{demo.store}/assistant?lang=en")
    _ask(page, "a smart thermostat under 150 euros")
    turn = page.get_by_test_id("turn").last
    expect(turn.get_by_test_id("assistant-card").first).to_be_visible()

    _ask(page, "yes")  # nothing is waiting and a typed yes never buys
    expect(page.get_by_test_id("reply-text").last).to_contain_text("Nothing is waiting")
    _ask(page, "buy the first one")
    confirmation = page.get_by_test_id("confirmation").last
    expect(confirmation.get_by_test_id("confirmation-total")).to_be_visible()
    total = confirmation.get_by_test_id("confirmation-total").inner_text()
    page.goto(f"{demo.store}/account/orders")
    expect(page.get_by_test_id("order-row")).to_have_count(0)

    page.goto(f"{demo.store}/assistant?lang=en")
    _ask(page, "buy the first one")
    confirm = page.get_by_test_id("confirm-purchase").last
    expect(confirm).to_contain_text(re.compile(r"Confirm and pay"))
    new_total = page.get_by_test_id("confirmation-total").last.inner_text()
    assert new_total == total  # the same exact summary for the same cart
    confirm.click()
    expect(page.get_by_test_id("reply-text").last).to_contain_text("Done: order ord_")
    page.goto(f"{demo.store}/account/orders")
    expect(page.get_by_test_id("order-row")).to_have_count(1)
