"""Every page a shopper, an operator or a partner app's user can reach renders without errors
in a browser, labelled for assistive technology; a member sees member prices everywhere."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from handshake.demo.people import SHOPPERS
from tests.browser.crawl import crawl
from tests.browser.journeys import allow_on_the_store, sign_in_operator
from tests.browser.stack import StackUrls

MEMBER = next(shopper for shopper in SHOPPERS if shopper.member)


def sign_in_member(page: Page, demo: StackUrls) -> None:
    """Sign in on the store as the demo member."""
    page.goto(f"{demo.store}/signin?lang=en")
    page.get_by_label("E-mail").fill(MEMBER.email)
    page.get_by_label("Password").fill(MEMBER.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{demo.store}/account")


def assert_clean(visited: dict[str, list[str]], at_least: int) -> None:
    """Enough pages were visited and none had a problem."""
    assert len(visited) >= at_least, sorted(visited)
    assert {url: problems for url, problems in visited.items() if problems} == {}


def test_store_pages_for_visitors_and_members(page: Page, demo: StackUrls) -> None:
    assert_clean(crawl(page, f"{demo.store}/", depth=2, limit=30), at_least=10)
    sign_in_member(page, demo)
    page.goto(f"{demo.store}/products?lang=fr")
    expect(page.get_by_test_id("member-price").first).to_be_visible()
    page.get_by_test_id("product-card").first.get_by_role("link").first.click()
    page.get_by_test_id("add-to-cart").click()
    assert_clean(crawl(page, f"{demo.store}/account", depth=2, limit=40), at_least=10)


def test_store_pages_fit_a_phone(page: Page, demo: StackUrls) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    assert_clean(crawl(page, f"{demo.store}/", depth=1, limit=15), at_least=5)
    sign_in_member(page, demo)
    assert_clean(crawl(page, f"{demo.store}/account", depth=1, limit=20), at_least=5)


def test_dashboard_pages(page: Page, demo: StackUrls) -> None:
    sign_in_operator(page, demo, "/admin")
    assert_clean(crawl(page, f"{demo.store}/admin", depth=2, limit=40), at_least=10)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_clean(crawl(page, f"{demo.store}/admin", depth=1, limit=15), at_least=5)


def test_partner_app_pages_and_a_members_personalised_ad(page: Page, demo: StackUrls) -> None:
    sign_in_member(page, demo)
    page.goto(demo.picto)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.picto)
    expect(page.get_by_test_id("member-price").first).to_be_visible()
    assert_clean(crawl(page, demo.picto, depth=1), at_least=3)
    assert_clean(crawl(page, demo.thermoco, depth=1), at_least=1)
    page.goto(demo.shoply)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.shoply)
    expect(page.get_by_test_id("linked-as")).to_be_visible()
    assert_clean(crawl(page, demo.shoply, depth=1), at_least=5)  # with its answers' cards
    page.set_viewport_size({"width": 390, "height": 844})
    assert_clean(crawl(page, demo.picto, depth=1), at_least=3)
    assert_clean(crawl(page, demo.shoply, depth=1), at_least=5)
    assert_clean(crawl(page, f"{demo.store}/docs", depth=0), at_least=1)
