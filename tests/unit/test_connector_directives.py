"""The connector's directive endpoint: signatures, the grant on the maker's side, answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from handshake.connector.directives import CommandReply, DirectiveHandler
from handshake.connector.http import create_directive_app
from handshake.connector.state import Sample
from handshake.devices.consent import DataType
from tests.connector_helpers import (
    COMMAND,
    NOW,
    QUERY,
    SECRET,
    STREAM,
    FakePlatform,
    directive,
    grant_document,
    names,
    parts,
    sample,
    share,
    signed,
)

T, S, M, H = DataType.TEMPERATURE, DataType.SETPOINT, DataType.MODE, DataType.HUMIDITY
SETPOINT = "Alexa.ThermostatController.targetSetpoint"
HEALTH = "Alexa.EndpointHealth.connectivity"


@dataclass
class FakeDevices:
    """Devices that answer commands from a script, with a known last state."""

    replies: dict[str, CommandReply | Exception] = field(default_factory=dict)
    states: dict[str, dict[str, Sample]] = field(default_factory=dict)
    sent: list[tuple[str, str, dict[str, Any], float]] = field(default_factory=list)

    async def command(
        self, device_id: str, name: str, payload: dict[str, Any], within: float
    ) -> CommandReply:
        self.sent.append((device_id, name, payload, within))
        reply = self.replies.get(device_id, TimeoutError())
        if isinstance(reply, Exception):
            raise reply
        return reply

    def state(self, device_id: str) -> Mapping[str, Sample]:
        return self.states.get(device_id, {})


THERMOSTAT_STATE = {
    "temperature": sample(19.5, 3), "setpoint": sample(20.0, 3), "mode": sample("HEAT", 3),
    "humidity": sample(40, 3), "connectivity": sample("OK", 3),
}  # fmt: skip


@dataclass
class Setup:
    client: httpx.AsyncClient
    devices: FakeDevices
    platform: FakePlatform

    async def send(self, document: dict[str, Any]) -> dict[str, Any]:
        body, headers = signed(document)
        response = await self.client.post("/directives", content=body, headers=headers)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result


def setup(shares: list[Any], devices: FakeDevices | None = None) -> Setup:
    platform = FakePlatform(grant_document(shares))
    p = parts(platform)
    fleet = devices or FakeDevices(states={"thermostat-1": dict(THERMOSTAT_STATE)})
    handler = DirectiveHandler(store=p.store, grants=p.grants, devices=fleet, maker="thermoco",
                               timeout=30.0, now=lambda: NOW)  # fmt: skip
    app = create_directive_app(handler, SECRET)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c.test")
    return Setup(client, fleet, platform)


def error_type(answer: dict[str, Any]) -> str:
    assert answer["event"]["header"]["name"] == "ErrorResponse"
    return str(answer["event"]["payload"]["type"])


@pytest.mark.parametrize("tamper", ["secret", "body", "headers"])
async def test_a_directive_without_a_valid_signature_is_refused(tamper: str) -> None:
    s = setup([share("thermostat-1", S, COMMAND)])
    document = directive("Alexa.ThermostatController", "SetTargetTemperature")
    body, headers = signed(document, "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==")
    if tamper != "secret":
        body, headers = signed(document)
    if tamper == "body":
        body = body.replace(b"SetTarget", b"AdjustTarget")
    if tamper == "headers":
        del headers["webhook-signature"]

    response = await s.client.post("/directives", content=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "invalid_signature")
    assert s.devices.sent == []


async def test_a_replayed_directive_is_refused() -> None:
    s = setup([share("thermostat-1", S, COMMAND)])
    body, headers = signed(directive("Alexa", "ReportState"))
    first = await s.client.post("/directives", content=body, headers=headers)
    again = await s.client.post("/directives", content=body, headers=headers)
    assert (first.status_code, again.status_code, again.json()["code"]) == (200, 409, "replayed")


async def test_a_command_answer_holds_only_the_affected_property_and_connectivity() -> None:
    devices = FakeDevices(
        replies={"thermostat-1": CommandReply(True, {"setpoint": 21.0, "temperature": 19.6,
                                                     "mode": "HEAT"})},
        states={"thermostat-1": dict(THERMOSTAT_STATE)},
    )  # fmt: skip
    s = setup([share("thermostat-1", S, COMMAND), share("thermostat-1", T, STREAM)], devices)
    target = {"targetSetpoint": {"value": 21.0, "scale": "CELSIUS"}}

    answer = await s.send(directive("Alexa.ThermostatController", "SetTargetTemperature",
                                    payload=target))  # fmt: skip

    assert devices.sent == [("thermostat-1", "SetTargetTemperature", target, 7.0)]
    header = answer["event"]["header"]
    assert (header["namespace"], header["name"], header["correlationToken"]) == (
        "Alexa", "Response", "corr-1",
    )  # fmt: skip
    assert answer["event"]["endpoint"] == {"endpointId": "thermostat-1"}
    assert answer["context"]["properties"] == [
        {"namespace": "Alexa.ThermostatController", "name": "targetSetpoint",
         "value": {"value": 21.0, "scale": "CELSIUS"}, "timeOfSample": "2030-06-01T12:00:00Z",
         "uncertaintyInMilliseconds": 0},
        {"namespace": "Alexa.EndpointHealth", "name": "connectivity", "value": {"value": "OK"},
         "timeOfSample": "2030-06-01T12:00:00Z", "uncertaintyInMilliseconds": 0},
    ]  # fmt: skip


async def test_an_affected_property_outside_the_grant_is_not_disclosed() -> None:
    devices = FakeDevices(
        replies={"thermostat-1": CommandReply(True, {"mode": "ECO"})},
        states={"thermostat-1": dict(THERMOSTAT_STATE)},
    )
    s = setup([share("thermostat-1", T, QUERY)], devices)

    answer = await s.send(directive("Alexa.ThermostatController", "SetThermostatMode",
                                    payload={"thermostatMode": {"value": "ECO"}}))  # fmt: skip
    assert names(answer["context"]["properties"]) == [HEALTH]


@pytest.mark.parametrize(
    ("shares", "document", "expected"),
    [
        ([share("sensor-2", H, STREAM)], directive("Alexa.ThermostatController",
         "SetTargetTemperature"), "INSUFFICIENT_PERMISSIONS"),
        ([], directive("Alexa.LockController", "Unlock", "lock-3"), "INSUFFICIENT_PERMISSIONS"),
        ([share("thermostat-1", T, STREAM)], directive("Alexa.LockController", "Lock"),
         "INVALID_DIRECTIVE"),
        ([share("thermostat-1", T, STREAM)], directive("Alexa.ThermostatController",
         "SetTargetTemperature", "thermostat-9"), "NO_SUCH_ENDPOINT"),
        ([share("thermostat-1", T, STREAM)], directive("Alexa.ThermostatController",
         "SetTargetTemperature", subject="sub-unknown"), "INVALID_AUTHORIZATION_CREDENTIAL"),
        ([share("thermostat-1", T, STREAM)], directive("Alexa.ColorController", "SetColor"),
         "INVALID_DIRECTIVE"),
        ([share("thermostat-1", T, STREAM)], {"directive": {}}, "INVALID_DIRECTIVE"),
    ],
)  # fmt: skip
async def test_commands_the_grant_or_the_fleet_do_not_allow_never_reach_a_device(
    shares: list[Any], document: dict[str, Any], expected: str
) -> None:
    s = setup(shares)
    assert error_type(await s.send(document)) == expected
    assert s.devices.sent == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (TimeoutError(), "ENDPOINT_UNREACHABLE"),
        (CommandReply(False, error="TEMPERATURE_VALUE_OUT_OF_RANGE"),
         "TEMPERATURE_VALUE_OUT_OF_RANGE"),
        (CommandReply(False, error="<script>"), "ENDPOINT_UNREACHABLE"),
    ],
)  # fmt: skip
async def test_a_silent_or_failing_device_gets_an_error_response(
    reply: CommandReply | Exception, expected: str
) -> None:
    s = setup([share("thermostat-1", S, COMMAND)], FakeDevices(replies={"thermostat-1": reply}))
    answer = await s.send(directive("Alexa.ThermostatController", "AdjustTargetTemperature",
                                    payload={"targetSetpointDelta": {"value": 1.0}}))  # fmt: skip
    assert error_type(answer) == expected
    assert answer["event"]["header"]["correlationToken"] == "corr-1"


async def test_report_state_answers_only_what_query_current_allows() -> None:
    s = setup(
        [share("thermostat-1", T, STREAM), share("thermostat-1", H, QUERY),
         share("thermostat-1", S, COMMAND)]
    )  # fmt: skip
    answer = await s.send(directive("Alexa", "ReportState"))

    assert answer["event"]["header"]["name"] == "StateReport"
    assert names(answer["context"]["properties"]) == [
        "Alexa.TemperatureSensor.temperature", "Alexa.HumiditySensor.relativeHumidity", HEALTH,
    ]  # fmt: skip
    assert answer["context"]["properties"][0]["uncertaintyInMilliseconds"] == 3000
    assert s.devices.sent == []


@pytest.mark.parametrize(
    ("shares", "states", "expected"),
    [
        ([share("thermostat-1", S, COMMAND)], {"thermostat-1": THERMOSTAT_STATE},
         "INSUFFICIENT_PERMISSIONS"),
        ([share("thermostat-1", T, QUERY)], {}, "ENDPOINT_UNREACHABLE"),
    ],
)  # fmt: skip
async def test_report_state_refused_without_query_current_or_any_state(
    shares: list[Any], states: dict[str, dict[str, Sample]], expected: str
) -> None:
    s = setup(shares, FakeDevices(states=states))
    assert error_type(await s.send(directive("Alexa", "ReportState"))) == expected


async def test_discover_lists_every_device_and_flags_only_what_the_grant_shares() -> None:
    s = setup([share("lock-3", DataType.LOCK_STATE, QUERY)])
    answer = await s.send(directive("Alexa.Discovery", "Discover", endpoint=None))

    assert answer["event"]["header"]["name"] == "Discover.Response"
    endpoints = answer["event"]["payload"]["endpoints"]
    assert [(e["endpointId"], e["displayCategories"][0]) for e in endpoints] == [
        ("thermostat-1", "THERMOSTAT"), ("sensor-2", "MOTION_SENSOR"), ("lock-3", "SMARTLOCK"),
    ]  # fmt: skip
    flags = {
        (e["endpointId"], c["interface"]): c["properties"]["retrievable"]
        for e in endpoints for c in e["capabilities"] if "properties" in c
    }  # fmt: skip
    assert {key for key, retrievable in flags.items() if retrievable} == {
        ("lock-3", "Alexa.LockController")
    }


async def test_a_reply_value_that_does_not_fit_its_data_type_is_left_out() -> None:
    devices = FakeDevices(
        replies={"thermostat-1": CommandReply(True, {"setpoint": "warm", "mode": "HEAT"})},
        states={"thermostat-1": dict(THERMOSTAT_STATE)},
    )  # fmt: skip
    s = setup([share("thermostat-1", S, COMMAND)], devices)
    target = {"targetSetpoint": {"value": 21.0, "scale": "CELSIUS"}}

    answer = await s.send(directive("Alexa.ThermostatController", "SetTargetTemperature",
                                    payload=target))  # fmt: skip

    # The last value heard stands in for the unreadable one.
    assert [(p["name"], p["value"]) for p in answer["context"]["properties"]] == [
        ("targetSetpoint", {"value": 20.0, "scale": "CELSIUS"}), ("connectivity", {"value": "OK"}),
    ]  # fmt: skip
