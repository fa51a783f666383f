"""Steps the journeys share: signing up and in on the store, linking an app, reloading until a
webhook's effect shows."""

from __future__ import annotations

import itertools
import time

from playwright.sync_api import Locator, Page, expect

from tests.browser.stack import StackUrls

PASSWORD = "Browser-journey-2026!"
_numbers = itertools.count(1)


def sign_up(page: Page, demo: StackUrls, name: str) -> str:
    """Create a store account through the sign-up page, with a Paris address and a card."""
    email = f"journey{next(_numbers)}.{int(time.time())}@example.com"
    page.goto(f"{demo.store}/signup?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{demo.store}/account")
    page.get_by_label("Address line 1").fill("12 rue Oberkampf")
    page.get_by_label("Postal code").fill("75011")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country code").fill("FR")
    page.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("12 rue Oberkampf")).to_be_visible()
    page.goto(f"{demo.store}/account/cards/new")
    page.get_by_test_id("save-card").click()
    expect(page.get_by_test_id("saved-card")).to_have_count(1)
    return email


def sign_in_operator(page: Page, demo: StackUrls, next_page: str) -> None:
    """Sign in on the dashboard as the demo operator; land on ``next_page``."""
    page.goto(f"{demo.store}/admin/signin?next={next_page}")
    page.get_by_label("E-mail").fill(demo.operator_email)
    page.get_by_label("Password").fill(demo.operator_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{demo.store}{next_page}")


def allow_on_the_store(page: Page, app_url: str) -> None:
    """On the store's consent page (reached from an app's Link button), allow; back in the app."""
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{app_url}/**")


def reload_until_visible(page: Page, target: Locator, seconds: float = 20.0) -> None:
    """Reload until ``target`` shows (what a webhook or a report changes arrives later)."""
    deadline = time.monotonic() + seconds
    while target.count() == 0:
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
        page.reload()
    expect(target.first).to_be_visible()
