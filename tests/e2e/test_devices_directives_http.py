"""Commands, state queries and discovery to a maker: the enforcer on the way out and back."""

from __future__ import annotations

from typing import Any

import httpx

from handshake.bootstrap import Container
from handshake.devices import service
from tests.accounts_helpers import operator_headers
from tests.devices_helpers import LinkedMaker, audit_kinds, detail, linked_maker, put
from tests.e2e.test_devices_gateway_http import twin
from tests.fake_maker import (
    CONNECTIVITY,
    HUMIDITY,
    SETPOINT,
    TEMPERATURE,
    URL,
    FakeMaker,
    endpoint,
)
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser

SET_21 = {"namespace": "Alexa.ThermostatController", "name": "SetTargetTemperature",
          "payload": {"targetSetpoint": {"value": 21.0, "scale": "CELSIUS"}}}  # fmt: skip


async def _maker(app: Any, container: Container, linked: LinkedMaker) -> FakeMaker:
    async with browser(app) as ops:
        answer = await ops.put(
            f"/api/v1/admin/device-makers/{linked.maker.partner_id}/directive-endpoint",
            json={"url": URL}, headers=await operator_headers(container),
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["signing_secret"].startswith("whsec_")
    maker = FakeMaker(secret=answer.json()["signing_secret"])
    maker.install(app)
    return maker


async def _call(
    app: Any, container: Container, linked: LinkedMaker, path: str, body: Any = None
) -> httpx.Response:
    base = f"/api/v1/me/devices/{linked.maker.partner_id}"
    async with shopper_browser(app, container, linked.login) as http:
        return await http.post(
            base + path, json=body, headers={"X-CSRF-Token": linked.login.csrf_token}
        )


async def test_a_command_answer_keeps_only_what_the_command_affected(
    app: Any, container: Container
) -> None:
    """SetTargetTemperature's answer may disclose the setpoint and health; the temperature the
    maker added is dropped and never stored, even though the grant lets it be queried."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    await put(app, container, linked, detail("report_on_command", "setpoint"),
              detail("query_current", "temperature", device="thermo-2"))  # fmt: skip
    maker = await _maker(app, container, linked)
    maker.properties = [SETPOINT, TEMPERATURE, CONNECTIVITY]
    answer = await _call(app, container, linked, "/thermo-1/directives", SET_21)
    assert answer.status_code == 200, answer.text
    assert [p["name"] for p in answer.json()["properties"]] == ["targetSetpoint", "connectivity"]
    assert answer.json()["dropped"] == {"not_affected_by_command": 1}
    sent = maker.received[0]
    assert sent["header"]["name"] == "SetTargetTemperature"
    assert sent["endpoint"]["scope"]["type"] == "LinkSubject"
    assert sent["payload"] == SET_21["payload"]
    assert await twin(container) == [
        ("thermo-1", "connectivity", {"value": "OK"}, "app"),
        ("thermo-1", "targetSetpoint", {"value": 21.0, "scale": "CELSIUS"}, "app"),
    ]


async def test_the_twin_shows_desired_and_reported_with_age_and_provenance(
    app: Any, container: Container
) -> None:
    """After a command, desired = what was asked (done), reported = what came back."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    maker = await _maker(app, container, linked)
    maker.properties = [SETPOINT]
    assert (await _call(app, container, linked, "/thermo-1/directives", SET_21)).status_code == 200
    async with shopper_browser(app, container, linked.login) as http:
        view = await http.get(f"/api/v1/me/devices/{linked.maker.partner_id}/thermo-1/twin")
    assert view.status_code == 200, view.text
    document = view.json()
    assert [(d["name"], d["value"], d["status"]) for d in document["desired"]] == [
        ("targetSetpoint", {"value": 21.0, "scale": "CELSIUS"}, "done")
    ]
    [reported] = document["reported"]
    assert (reported["name"], reported["cause"], reported["uncertainty_ms"]) == (
        "targetSetpoint", "app", 500,
    )  # fmt: skip


async def test_a_command_for_a_device_not_shared_never_leaves(
    app: Any, container: Container
) -> None:
    """No share of the device: 403 before anything is sent; audited as refused."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    maker = await _maker(app, container, linked)
    answer = await _call(app, container, linked, "/lock-9/directives", SET_21)
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_allowed_by_grant"
    assert maker.received == []
    assert "command_refused" in await audit_kinds(container, linked)


async def test_a_state_query_needs_query_current_and_is_filtered(
    app: Any, container: Container
) -> None:
    """Only report_on_command: ReportState is refused before it leaves. With query_current for
    temperature: the StateReport keeps temperature and health, drops the humidity."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    await put(app, container, linked, detail("report_on_command", "temperature"))
    maker = await _maker(app, container, linked)
    refused = await _call(app, container, linked, "/thermo-1/state")
    assert refused.status_code == 403
    assert refused.json()["refused"] == {"temperature": "mode_not_granted"}
    assert maker.received == []
    await put(app, container, linked, detail("query_current", "temperature"))
    maker.properties = [TEMPERATURE, HUMIDITY, CONNECTIVITY]
    answer = await _call(app, container, linked, "/thermo-1/state")
    assert answer.status_code == 200, answer.text
    assert [p["name"] for p in answer.json()["properties"]] == ["temperature", "connectivity"]
    assert answer.json()["dropped"] == {"data_type_not_shared": 1}
    assert [d["header"]["name"] for d in maker.received] == ["ReportState"]
    assert [r[1] for r in await twin(container)] == ["connectivity", "temperature"]


async def test_a_device_refusal_is_a_409_with_its_alexa_type(
    app: Any, container: Container
) -> None:
    """An ErrorResponse comes back as device_refused; the desired value is marked failed."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    maker = await _maker(app, container, linked)
    maker.error = "TEMPERATURE_VALUE_OUT_OF_RANGE"
    answer = await _call(app, container, linked, "/thermo-1/directives", SET_21)
    assert answer.status_code == 409
    assert (answer.json()["code"], answer.json()["device_error"]) == (
        "device_refused", "TEMPERATURE_VALUE_OUT_OF_RANGE",
    )  # fmt: skip
    async with shopper_browser(app, container, linked.login) as http:
        view = await http.get(f"/api/v1/me/devices/{linked.maker.partner_id}/thermo-1/twin")
    assert [d["status"] for d in view.json()["desired"]] == ["failed"]
    assert await twin(container) == []


async def test_unknown_directives_and_bad_payloads_are_422(app: Any, container: Container) -> None:
    """Nothing the platform does not send, and no setpoint without a number."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    maker = await _maker(app, container, linked)
    for body in (
        {"namespace": "Alexa.PowerController", "name": "TurnOn"},
        {**SET_21, "payload": {"targetSetpoint": {"value": "hot", "scale": "CELSIUS"}}},
    ):
        answer = await _call(app, container, linked, "/thermo-1/directives", body)
        assert (answer.status_code, answer.json()["code"]) == (422, "unknown_directive")
    assert maker.received == []


async def test_no_directive_endpoint_is_a_clear_conflict(app: Any, container: Container) -> None:
    """A maker that never registered where it receives directives: 409, nothing stored."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    answer = await _call(app, container, linked, "/thermo-1/directives", SET_21)
    assert (answer.status_code, answer.json()["code"]) == (409, "no_directive_endpoint")


async def test_discovery_lists_devices_and_reports_flags_beyond_the_grant(
    app: Any, container: Container
) -> None:
    """Discover.Response is stored for the consent page; a retrievable flag on a data type
    shared only on command is reported as inconsistent (and not trusted)."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    maker = await _maker(app, container, linked)
    setpoint = ("Alexa.ThermostatController", "targetSetpoint", True, False)
    maker.endpoints = [
        endpoint("thermo-1", setpoint, ("Alexa.TemperatureSensor", "temperature", False, False))
    ]
    answer = await _call(app, container, linked, "/discover")
    assert answer.status_code == 200, answer.text
    [device] = answer.json()["items"]
    assert (device["device_id"], device["name"], device["data_types"]) == (
        "thermo-1", "Device thermo-1", ["setpoint", "temperature"],
    )  # fmt: skip
    assert answer.json()["inconsistent"] == [
        {"device_id": "thermo-1", "data_type": "setpoint", "flag": "retrievable"}
    ]
    devices = await service.list_devices(
        uow=container.read_uow(), shopper_id=linked.login.shopper_id,
        partner_id=linked.maker.partner_id,
    )  # fmt: skip
    assert [d.device_id for d in devices] == ["thermo-1"]


async def test_the_maker_can_push_discovery_and_delete_devices(
    app: Any, container: Container
) -> None:
    """AddOrUpdateReport / DeleteReport on the event gateway with the link's token."""
    linked = await linked_maker(app, container, "devices.command")
    header = {"namespace": "Alexa.Discovery", "messageId": "m", "payloadVersion": "3"}
    add = {
        "event": {
            "header": {**header, "name": "AddOrUpdateReport"},
            "payload": {
                "endpoints": [
                    endpoint("lock-1", ("Alexa.LockController", "lockState", False, False))
                ]
            },
        }
    }
    delete = {"event": {"header": {**header, "name": "DeleteReport"},
                        "payload": {"endpoints": [{"endpointId": "lock-1"}]}}}  # fmt: skip
    async with browser(app) as maker:
        added = await maker.post(
            "/partner/v1/devices/events", json=add, headers=bearer(linked.token)
        )
        assert (added.status_code, added.json()["stored"]) == (202, 1)
        path = f"/api/v1/me/devices/{linked.maker.partner_id}"
        async with shopper_browser(app, container, linked.login) as http:
            listed = (await http.get(path)).json()["items"]
        assert [(d["device_id"], d["data_types"]) for d in listed] == [("lock-1", ["lock_state"])]
        gone = await maker.post(
            "/partner/v1/devices/events", json=delete, headers=bearer(linked.token)
        )
        assert (gone.status_code, gone.json()["removed"]) == (202, 1)
