"""The smart-home story: link ThermoCo, stream the thermostat's temperature only, see the state
arrive, command the setpoint under report_on_command, revoke, and sharing stops."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.journeys import allow_on_the_store, reload_until_visible, sign_up
from tests.browser.stack import StackUrls

LIVE_SECONDS = 20_000  # ThermoCo's view refreshes every 2 s; reports follow the simulated drift


def test_stream_temperature_only_command_and_revoke(page: Page, demo: StackUrls) -> None:
    sign_up(page, demo, "Hugo Home")
    page.goto(demo.thermoco)
    page.get_by_test_id("link-account").click()
    allow_on_the_store(page, demo.thermoco)
    expect(page.get_by_test_id("linked-as")).to_be_visible()

    page.get_by_test_id("choose-sharing").click()
    expect(page).to_have_url(f"{demo.store}/account/devices/{demo.thermoco_partner_id}")
    thermostat = page.locator("fieldset", has=page.locator('select[name$="_setpoint"]')).first
    thermostat.locator('select[name$="_temperature"]').select_option("stream_changes")
    thermostat.locator('select[name$="_setpoint"]').select_option("report_on_command")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator(".notice")).to_be_visible()

    page.goto(demo.thermoco)
    rows = page.get_by_test_id("shared-row")
    streamed = rows.and_(page.locator('[data-type="temperature"][data-mode="stream_changes"]'))
    expect(streamed).to_have_count(1, timeout=LIVE_SECONDS)
    shared_humidity = '[data-testid="shared-row"][data-type="humidity"]:not([data-mode=""])'
    expect(page.locator(shared_humidity)).to_have_count(0)
    expect(streamed.get_by_test_id("last-sent")).not_to_have_text("never", timeout=LIVE_SECONDS)

    page.goto(f"{demo.store}/account/devices/{demo.thermoco_partner_id}/home")
    reported = page.locator('[data-testid="reported"][data-type="temperature"]')
    reload_until_visible(page, reported)
    expect(page.locator('[data-testid="reported"][data-type="humidity"]')).to_have_count(0)
    command = page.locator('[data-testid="command"][data-command="SetTargetTemperature"]').first
    command.get_by_label("Target temperature (°C)").fill("22.5")
    command.get_by_role("button", name="Set").click()
    expect(page.get_by_test_id("command-done")).to_be_visible()

    page.goto(f"{demo.store}/account/links")
    page.get_by_test_id("device-sharing").click()
    expect(page).to_have_url(f"{demo.store}/account/devices/{demo.thermoco_partner_id}")
    page.get_by_role("button", name="Stop all sharing with ThermoCo").click()
    page.goto(demo.thermoco)
    expect(
        page.get_by_test_id("shared-row").and_(page.locator('[data-mode="stream_changes"]'))
    ).to_have_count(0, timeout=LIVE_SECONDS)
