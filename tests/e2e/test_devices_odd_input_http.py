"""Odd input from a maker never becomes a server error nor a poisoned twin (review findings)."""

from __future__ import annotations

from typing import Any

from handshake.bootstrap import Container
from tests.devices_helpers import detail, linked_maker, put
from tests.e2e.test_devices_gateway_http import EVENTS, change_report, prop
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser


def _discovery(capabilities: Any) -> dict[str, Any]:
    header = {"namespace": "Alexa.Discovery", "name": "AddOrUpdateReport", "messageId": "m",
              "payloadVersion": "3"}  # fmt: skip
    endpoint = {"endpointId": "thermo-1", "friendlyName": "Hall", "capabilities": capabilities}
    return {"event": {"header": header, "payload": {"endpoints": [endpoint]}}}


async def test_odd_capability_shapes_are_ignored_not_crashed_on(
    app: Any, container: Container
) -> None:
    linked = await linked_maker(app, container, "devices.command")
    odd = [
        [{"interface": "Alexa.TemperatureSensor", "properties": {"supported": ["temperature"]}}],
        [{"interface": "Alexa.TemperatureSensor", "properties": {"supported": 5}}],
        [{"interface": "Alexa.TemperatureSensor", "properties": []}],
        "all",
    ]
    async with browser(app) as maker:
        for capabilities in odd:
            answer = await maker.post(
                EVENTS, json=_discovery(capabilities), headers=bearer(linked.token)
            )
            assert (answer.status_code, answer.json()["stored"]) == (202, 1), answer.text


async def test_nan_ancient_times_and_huge_uncertainty_do_not_poison_the_twin(
    app: Any, container: Container
) -> None:
    """NaN is refused (400); a year-1 sample time becomes the arrival time; an absurd
    uncertainty is clamped; the twin still reads afterwards."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    ancient = {**prop("Alexa.TemperatureSensor", "temperature", {"value": 20.0}),
               "timeOfSample": "0001-01-01T00:00:00+01:00",
               "uncertaintyInMilliseconds": 10**20}  # fmt: skip
    async with browser(app) as maker:
        nan = await maker.post(
            EVENTS, headers={**bearer(linked.token), "content-type": "application/json"},
            content=b'{"event": {"header": {"namespace": "Alexa"}}, "x": NaN}',
        )  # fmt: skip
        odd = await maker.post(
            EVENTS, json=change_report("thermo-1", ancient), headers=bearer(linked.token)
        )
    assert (nan.status_code, nan.json()["payload"]["code"]) == (400, "INVALID_REQUEST_EXCEPTION")
    assert (odd.status_code, odd.json()["stored"]) == (202, 1), odd.text
    async with shopper_browser(app, container, linked.login) as http:
        view = await http.get(f"/api/v1/me/devices/{linked.maker.partner_id}/thermo-1/twin")
    assert view.status_code == 200, view.text
    [reported] = view.json()["reported"]
    assert reported["uncertainty_ms"] == 2**31 - 1
    assert not reported["time_of_sample"].startswith("0001")
