"""The consent center's device page: per device and data type choices, saved as a grant."""

from __future__ import annotations

from typing import Any

import httpx

from handshake.bootstrap import Container
from tests.devices_helpers import LinkedMaker, detail, linked_maker, put
from tests.fake_maker import endpoint
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser

THERMO = endpoint(
    "thermo-1", ("Alexa.TemperatureSensor", "temperature", False, False),
    ("Alexa.ThermostatController", "targetSetpoint", False, False),
)  # fmt: skip
LOCK = endpoint("lock-1", ("Alexa.LockController", "lockState", False, False))


async def _discovered(app: Any, linked: LinkedMaker) -> None:
    header = {"namespace": "Alexa.Discovery", "name": "AddOrUpdateReport", "messageId": "m",
              "payloadVersion": "3"}  # fmt: skip
    report = {"event": {"header": header, "payload": {"endpoints": [THERMO, LOCK]}}}
    async with browser(app) as maker:
        answer = await maker.post(
            "/partner/v1/devices/events", json=report, headers=bearer(linked.token)
        )
    assert answer.status_code == 202, answer.text


async def _post(
    app: Any, container: Container, linked: LinkedMaker, form: dict[str, Any], path: str = ""
) -> httpx.Response:
    page = f"/account/devices/{linked.maker.partner_id}{path}"
    async with shopper_browser(app, container, linked.login) as http:
        return await http.post(page, data={**form, "csrf_token": linked.login.csrf_token})


async def _grant(app: Any, container: Container, linked: LinkedMaker) -> Any:
    async with shopper_browser(app, container, linked.login) as http:
        return (await http.get(linked.path)).json()


async def test_the_page_lists_discovered_devices_and_saves_choices_per_data_type(
    app: Any, container: Container
) -> None:
    """Temperature streamed and setpoint on command for the thermostat, the lock not shared:
    two details for one device, purposes as ticked; the answer lists what changed."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await _discovered(app, linked)
    async with shopper_browser(app, container, linked.login) as http:
        page = await http.get(f"/account/devices/{linked.maker.partner_id}")
    assert page.status_code == 200
    assert 'name="mode_0_lock_state"' in page.text  # devices by id: lock-1, then thermo-1
    assert 'name="mode_1_temperature"' in page.text
    saved = await _post(app, container, linked, {
        "device": ["lock-1", "thermo-1"], "mode_1_temperature": "stream_changes",
        "mode_1_setpoint": "report_on_command", "mode_0_lock_state": "",
        "purpose_1_temperature": ["service_operation", "recommendations"],
        "purpose_1_setpoint": ["service_operation", "recommendations"], "retention_days": "7",
        "until": "2031-06-30",
    })  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert "Saved." in saved.text
    assert "thermo-1 · temperature: not shared → stream_changes" in saved.text
    details = (await _grant(app, container, linked))["authorization_details"]
    assert [(d["identifier"], d["datatypes"], d["actions"], d["purposes"], d["retention_days"],
             d["expires_at"]) for d in details] == [
        ("thermo-1", ["setpoint"], ["report_on_command"],
         ["recommendations", "service_operation"], 7, "2031-06-30T23:59:59Z"),
        ("thermo-1", ["temperature"], ["stream_changes"],
         ["recommendations", "service_operation"], 7, "2031-06-30T23:59:59Z"),
    ]  # fmt: skip


async def test_a_bad_choice_is_shown_and_changes_nothing(app: Any, container: Container) -> None:
    """An unknown mode or a past end date: 422 with the reason, the grant untouched."""
    linked = await linked_maker(app, container, "devices.command")
    await _discovered(app, linked)
    first = {"device": ["lock-1"], "mode_0_lock_state": "report_on_command",
             "purpose_0_lock_state": "service_operation"}  # fmt: skip
    assert (await _post(app, container, linked, first)).status_code == 200
    before = await _grant(app, container, linked)
    for bad in ({**first, "mode_0_lock_state": "everything"}, {**first, "until": "2001-01-01"}):
        answer = await _post(app, container, linked, bad)
        assert answer.status_code == 422
        assert 'role="alert"' in answer.text
    assert await _grant(app, container, linked) == before


async def test_sharing_nothing_or_the_stop_button_ends_sharing(
    app: Any, container: Container
) -> None:
    """Clearing every choice revokes; so does the Stop button; a signed-out visitor is sent to
    sign in."""
    linked = await linked_maker(app, container, "devices.command")
    await _discovered(app, linked)
    first = {"device": ["lock-1"], "mode_0_lock_state": "report_on_command",
             "purpose_0_lock_state": "service_operation"}  # fmt: skip
    await _post(app, container, linked, first)
    await _post(app, container, linked, {"device": ["lock-1"], "mode_0_lock_state": ""})
    assert (await _grant(app, container, linked))["status"] == "revoked"
    await _post(app, container, linked, first)
    stopped = await _post(app, container, linked, {}, "/revoke")
    assert stopped.status_code == 303
    assert (await _grant(app, container, linked))["status"] == "revoked"
    async with browser(app) as anonymous:
        answer = await anonymous.get(f"/account/devices/{linked.maker.partner_id}")
    assert (answer.status_code, answer.headers["location"]) == (
        303, f"/signin?next=/account/devices/{linked.maker.partner_id}",
    )  # fmt: skip


async def test_saving_the_page_unchanged_changes_nothing(app: Any, container: Container) -> None:
    """Regression: saving re-applied one device's purposes to every data type, reset retention
    0 to 30 and the end date to a year, and restarted streaming's 90 days."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await _discovered(app, linked)
    await put(
        app, container, linked,
        detail("stream_changes", "temperature", device="thermo-1", retention_days=0,
               purposes=["service_operation", "recommendations"]),
        detail("report_on_command", "setpoint", device="thermo-1"),
    )  # fmt: skip
    before = await _grant(app, container, linked)
    async with shopper_browser(app, container, linked.login) as http:
        page = await http.get(f"/account/devices/{linked.maker.partner_id}")
    form = _form_of(page.text)
    saved = await _post(app, container, linked, form)
    assert saved.status_code == 200, saved.text
    after = await _grant(app, container, linked)
    assert after["version"] == before["version"]  # nothing changed: no new version
    assert after["authorization_details"] == before["authorization_details"]


def _form_of(html: str) -> dict[str, Any]:
    """The fields a browser would send for the page as shown (selected options, ticked boxes)."""
    import re

    form: dict[str, Any] = {"device": re.findall(r'name="device" value="([^"]+)"', html)}
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', body)
        form[name] = chosen[0] if chosen else ""
    for name, value in re.findall(
        r'<input type="checkbox" name="([^"]+)" value="([^"]+)" checked>', html
    ):
        form.setdefault(name, []).append(value)
    return form
