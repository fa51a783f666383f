"""The shopper's device home on the platform (``/account/devices/{maker}/home``) with ThermoCo
as the maker: commands work under ``report_on_command``; without a share they are refused with
the reason and nothing is sent."""

from __future__ import annotations

import re

import httpx

from handshake.bootstrap import Container
from tests.demo_apps_helpers import by_testid, eventually, hidden, thermoco_running
from tests.devices_helpers import LinkedMaker, audit_kinds, detail
from tests.e2e.test_demo_thermoco_http import linked_home
from tests.linking_helpers import PartnerApp, row_count


async def test_commands_need_a_share_and_work_under_report_on_command(
    container: Container,
) -> None:
    async with (
        thermoco_running(container) as running,
        httpx.AsyncClient(base_url=running.platform, timeout=20) as browser,
    ):
        login = await linked_home(browser, container, running)
        home = f"/account/devices/{running.partner_id}/home"
        page = await browser.get(home)
        assert page.status_code == 200
        assert len(by_testid(page.text, "device-row")) == 3
        assert len(by_testid(page.text, "command")) == 2  # thermostat target, lock
        csrf = hidden(page.text, "csrf_token")
        thermostat = running.maker.fleet.devices["thermostat-1"]
        setpoint = thermostat.state["setpoint"]

        refused = await browser.post(
            f"{home}/thermostat-1/command",
            data={"csrf_token": csrf, "name": "SetTargetTemperature", "target": "23.5"},
        )
        assert refused.status_code == 403
        assert by_testid(refused.text, "command-refused")
        assert "you do not share this device" in refused.text
        assert thermostat.state["setpoint"] == setpoint  # nothing reached the device
        assert running.maker.sent.last.get(("thermostat-1", "setpoint")) is None
        assert await row_count(container, "device_desired_properties") == 0

        granted = await browser.put(
            f"/api/v1/me/device-sharing/{running.partner_id}", headers=login.csrf_headers,
            json={"authorization_details": [
                detail("report_on_command", "setpoint", device="thermostat-1")]},
        )  # fmt: skip
        assert granted.status_code == 200
        done = await browser.post(
            f"{home}/thermostat-1/command",
            data={"csrf_token": csrf, "name": "SetTargetTemperature", "target": "23.5"},
        )
        assert (done.status_code, done.headers["location"]) == (
            303, f"{home}?done=SetTargetTemperature",
        )  # fmt: skip
        assert thermostat.state["setpoint"] == 23.5
        shown = await browser.get(done.headers["location"])
        assert by_testid(shown.text, "command-done")
        row = re.search(r'data-device="thermostat-1".*?</li>', shown.text, re.S)
        assert row is not None
        assert "23.5 °C" in row.group(0)

        locked = await browser.post(
            f"{home}/lock-3/command", data={"csrf_token": csrf, "name": "Unlock"}
        )
        assert locked.status_code == 403  # the lock shares nothing
        assert running.maker.sent.last.get(("lock-3", "lock_state")) is None
        linked = LinkedMaker(login, PartnerApp(running.partner_id, "", None, ""), "")
        kinds = await audit_kinds(container, linked)
        assert kinds.count("command_refused") == 2
        assert kinds.count("command") == 1


async def test_signed_out_and_unknown_maker(container: Container) -> None:
    async with (
        thermoco_running(container) as running,
        httpx.AsyncClient(base_url=running.platform, timeout=20) as browser,
    ):
        signed_out = await browser.get(f"/account/devices/{running.partner_id}/home")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/signin?next=")
        await linked_home(browser, container, running)
        unknown = await browser.get("/account/devices/prt_nobody/home")
        assert unknown.status_code == 404
        assert await eventually(lambda: _page_ok(browser, running.partner_id))


async def _page_ok(browser: httpx.AsyncClient, partner_id: str) -> bool:
    page = await browser.get(f"/account/devices/{partner_id}")
    return 'data-testid="devices-home"' in page.text


async def test_another_shoppers_device_and_a_missing_csrf_token_send_nothing(
    container: Container,
) -> None:
    async with (
        thermoco_running(container) as running,
        httpx.AsyncClient(base_url=running.platform, timeout=20) as owner,
        httpx.AsyncClient(base_url=running.platform, timeout=20) as other,
    ):
        owner_login = await linked_home(owner, container, running)
        other_login = await linked_home(other, container, running)
        sharing = f"/api/v1/me/device-sharing/{running.partner_id}"
        home = f"/account/devices/{running.partner_id}/home"
        theirs = next(d.device_id for a in running.maker.linked.store for d in a.devices
                      if d.kind == "thermostat" and d.device_id != "thermostat-1")  # fmt: skip
        for browser, login, device in ((owner, owner_login, "thermostat-1"),
                                       (other, other_login, theirs)):  # fmt: skip
            granted = await browser.put(sharing, headers=login.csrf_headers, json={
                "authorization_details": [detail("report_on_command", "setpoint", device=device)]
            })  # fmt: skip
            assert granted.status_code == 200, granted.text
        thermostat = running.maker.fleet.devices["thermostat-1"]
        setpoint = thermostat.state["setpoint"]
        command = {"name": "SetTargetTemperature", "target": "27"}

        page = await other.get(home)
        listed = sorted(re.findall(r'data-device="([^"]+)"', page.text))
        assert "thermostat-1" not in listed  # only their own devices are listed
        assert theirs in listed
        stolen = await other.post(
            f"{home}/thermostat-1/command", data={"csrf_token": hidden(page.text, "csrf_token"),
                                                  **command},
        )  # fmt: skip
        assert stolen.status_code == 403
        assert "you do not share this device" in stolen.text

        forged = await owner.post(f"{home}/thermostat-1/command", data=command)  # no token
        assert forged.status_code == 403

        assert thermostat.state["setpoint"] == setpoint  # nothing reached the device
        assert running.maker.sent.last.get(("thermostat-1", "setpoint")) is None
        assert await row_count(container, "device_desired_properties") == 0
