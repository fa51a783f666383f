"""Take the README's screenshots from a running demo (`make demo` in another terminal).

    make screenshots            # or: .venv/bin/python scripts/readme_screenshots.py

Signs in as the demo member, links Picto if needed, and saves the personalised feed ad, Picto's
in-app checkout and the store's consent center under docs/images/. Nothing is bought.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from handshake.demo.people import PARTNERS, SHOPPERS

STORE = os.environ.get("HANDSHAKE_DEMO_STORE", "http://127.0.0.1:8000")
PICTO = next(p for p in PARTNERS if p.name == "Picto").base_url
MEMBER = next(s for s in SHOPPERS if s.member)
IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
CHROMIUM = os.environ.get("HANDSHAKE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def sign_in(page: Page) -> None:
    """Sign in on the store as the demo member, in English."""
    page.goto(f"{STORE}/signin?lang=en")
    page.get_by_label("E-mail").fill(MEMBER.email)
    page.get_by_label("Password").fill(MEMBER.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{STORE}/account")


def linked_feed(page: Page) -> None:
    """Picto's feed, linked to the member's store account."""
    page.goto(PICTO)
    if page.get_by_test_id("link-account").count():
        page.get_by_test_id("link-account").click()
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{PICTO}/**")
    page.get_by_test_id("linked-as").wait_for()


def main() -> int:
    """Save the three screenshots; 1 when the demo does not answer."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="en-GB")
        try:
            sign_in(page)
        except Exception as exc:
            print(f"the demo does not answer at {STORE} (run `make demo`): {exc}", file=sys.stderr)
            return 1
        linked_feed(page)
        ad = page.get_by_test_id("sponsored-post").filter(has=page.get_by_test_id("member-price"))
        ad.first.scroll_into_view_if_needed()
        ad.first.screenshot(path=str(IMAGES / "feed-ad.png"))
        ad.first.get_by_test_id("buy").click()
        page.get_by_test_id("confirm-purchase").wait_for()
        page.screenshot(path=str(IMAGES / "in-app-checkout.png"), full_page=True)
        page.goto(f"{STORE}/account/links")
        page.screenshot(path=str(IMAGES / "consent-center.png"), full_page=True)
        browser.close()
    print(f"saved feed-ad.png, in-app-checkout.png and consent-center.png in {IMAGES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
