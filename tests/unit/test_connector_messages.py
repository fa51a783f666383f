"""Alexa-shaped messages the connector builds: properties, ChangeReports, discovery, answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.connector.accounts import Device
from handshake.connector.messages import (
    ALEXA,
    answer,
    change_report,
    discover_response,
    discovery_endpoint,
    discovery_events,
    error_response,
    key_of,
    property_object,
    property_objects,
)
from handshake.connector.state import parse_state
from handshake.devices.consent import DEVICE_HEALTH, DataType, DeviceGrant, data_type_of, new_grant
from handshake.devices.gateway import parse_change_report
from tests.connector_helpers import COMMAND, DEVICES, NOW, QUERY, STREAM, names, sample, share

THERMOSTAT = DEVICES[0]


@pytest.mark.parametrize(
    ("key", "value", "alexa"),
    [
        ("temperature", 21.5, ("Alexa.TemperatureSensor", "temperature",
                               {"value": 21.5, "scale": "CELSIUS"})),
        ("setpoint", 20, ("Alexa.ThermostatController", "targetSetpoint",
                          {"value": 20.0, "scale": "CELSIUS"})),
        ("mode", "heat", ("Alexa.ThermostatController", "thermostatMode", "HEAT")),
        ("humidity", 45, ("Alexa.HumiditySensor", "relativeHumidity", {"value": 45})),
        ("lock_state", "LOCKED", ("Alexa.LockController", "lockState", "LOCKED")),
        ("battery", 80, ("Alexa.EndpointHealth", "battery", {"value": 80})),
        ("occupancy", True, ("Alexa.MotionSensor", "detectionState", "DETECTED")),
        ("occupancy", "NOT_DETECTED", ("Alexa.MotionSensor", "detectionState", "NOT_DETECTED")),
        ("connectivity", "OK", ("Alexa.EndpointHealth", "connectivity", {"value": "OK"})),
        ("connectivity", False, ("Alexa.EndpointHealth", "connectivity",
                                 {"value": "UNREACHABLE"})),
    ],
)  # fmt: skip
def test_state_values_become_the_documented_alexa_properties(
    key: str, value: Any, alexa: tuple[str, str, Any]
) -> None:
    """docs/device-makers.md's table; uncertainty is the sample's age in milliseconds."""
    namespace, name, shaped = alexa
    assert property_object(key, sample(value, seconds_ago=2.5), NOW) == {
        "namespace": namespace, "name": name, "value": shaped,
        "timeOfSample": "2030-06-01T11:59:57.500000Z", "uncertaintyInMilliseconds": 2500,
    }  # fmt: skip


def test_the_connector_table_agrees_with_the_platform_data_types() -> None:
    for key, (namespace, name) in ALEXA.items():
        if key == "connectivity":
            assert (namespace, name) == DEVICE_HEALTH
        else:
            assert data_type_of(namespace, name) == DataType(key)


@given(st.sampled_from(sorted(ALEXA)), st.integers(0, 100))
def test_a_property_object_names_its_state_key(key: str, value: int) -> None:
    assert key_of(property_object(key, sample(value), NOW)) == key


def test_a_state_message_keeps_known_keys_and_clamps_a_future_time() -> None:
    message = parse_state(
        {"properties": {"temperature": 21.5, "colour": "red", "mode": None},
         "cause": "voice", "at": "2030-06-01T12:00:05Z"},
        NOW,
    )  # fmt: skip
    assert message is not None
    assert (message.samples, message.cause) == ({"temperature": sample(21.5)}, "voice")
    assert parse_state({"properties": []}, NOW) is None


@pytest.mark.parametrize(
    ("cause", "alexa", "platform"),
    [
        ("physical", "PHYSICAL_INTERACTION", "physical"),
        ("app", "APP_INTERACTION", "app"),
        ("voice", "VOICE_INTERACTION", "voice"),
        ("rule", "RULE_TRIGGER", "rule"),
        ("poll", "PERIODIC_POLL", "poll"),
    ],
)
def test_a_change_report_splits_changed_and_context_and_the_platform_reads_it(
    cause: str, alexa: str, platform: str
) -> None:
    changed = property_objects({"temperature": sample(21.5)}, NOW)
    unchanged = property_objects(
        {"temperature": sample(21.0), "mode": sample("HEAT"), "connectivity": sample("OK")}, NOW
    )
    report = change_report("thermostat-1", changed, unchanged, cause, message_id="m-1")

    assert report == {
        "event": {
            "header": {"namespace": "Alexa", "name": "ChangeReport", "payloadVersion": "3",
                       "messageId": "m-1"},
            "endpoint": {"endpointId": "thermostat-1"},
            "payload": {"change": {"cause": {"type": alexa}, "properties": changed}},
        },
        "context": {"properties": unchanged[1:]},
    }  # fmt: skip
    parsed = parse_change_report(report)
    assert (parsed.device_id, parsed.cause, len(parsed.properties)) == ("thermostat-1", platform, 3)


def _capabilities(endpoint: dict[str, Any]) -> dict[str, tuple[list[str], bool, bool]]:
    return {
        c["interface"]: (
            [p["name"] for p in c["properties"]["supported"]],
            c["properties"]["retrievable"],
            c["properties"]["proactivelyReported"],
        )
        for c in endpoint["capabilities"]
        if "properties" in c
    }


def test_discovery_lists_every_property_of_the_kind_flagged_by_the_sharing_mode() -> None:
    grant = new_grant(
        [share("thermostat-1", DataType.TEMPERATURE, STREAM),
         share("thermostat-1", DataType.HUMIDITY, QUERY),
         share("thermostat-1", DataType.SETPOINT, COMMAND)],
        now=NOW,
    )  # fmt: skip
    endpoint = discovery_endpoint(THERMOSTAT, grant, "thermoco", NOW)

    assert {k: v for k, v in endpoint.items() if k != "capabilities"} == {
        "endpointId": "thermostat-1", "manufacturerName": "thermoco", "friendlyName": "Hall",
        "description": "thermoco thermostat",
        "displayCategories": ["THERMOSTAT", "TEMPERATURE_SENSOR"],
    }  # fmt: skip
    assert endpoint["capabilities"][0] == {
        "type": "AlexaInterface", "interface": "Alexa", "version": "3"
    }  # fmt: skip
    assert _capabilities(endpoint) == {
        "Alexa.TemperatureSensor": (["temperature"], True, True),
        # The unshared mode is listed too (the shopper may share it later): no flag for either.
        "Alexa.ThermostatController": (["targetSetpoint", "thermostatMode"], False, False),
        "Alexa.HumiditySensor": (["relativeHumidity"], True, False),
        # Connectivity travels with the device's highest live share.
        "Alexa.EndpointHealth": (["connectivity"], True, True),
    }


def test_an_interface_promises_a_flag_only_when_every_listed_property_honours_it() -> None:
    grant = new_grant(
        [share("thermostat-1", DataType.SETPOINT, STREAM),
         share("thermostat-1", DataType.MODE, QUERY)],
        now=NOW,
    )  # fmt: skip
    endpoint = discovery_endpoint(THERMOSTAT, grant, "thermoco", NOW)

    assert endpoint is not None
    assert _capabilities(endpoint)["Alexa.ThermostatController"] == (
        ["targetSetpoint", "thermostatMode"], True, False,
    )  # fmt: skip
    controller = next(
        c for c in endpoint["capabilities"] if c["interface"] == "Alexa.ThermostatController"
    )
    assert [m["value"] for m in controller["configuration"]["supportedModes"]] == [
        "HEAT", "COOL", "AUTO", "ECO", "OFF",
    ]  # fmt: skip


def test_an_unshared_expired_or_revoked_device_is_described_without_any_flag() -> None:
    grant = new_grant([share("sensor-2", DataType.BATTERY, QUERY)], now=NOW)
    cases = [
        (THERMOSTAT, grant, NOW),
        (DEVICES[1], grant, NOW + timedelta(days=366)),
        (DEVICES[1], DeviceGrant(grant.shares, revoked=True), NOW),
    ]
    for device, given_grant, at in cases:
        endpoint = discovery_endpoint(device, given_grant, "thermoco", at)
        assert endpoint["endpointId"] == device.device_id
        assert {flags[1:] for flags in _capabilities(endpoint).values()} == {(False, False)}


def test_discovery_adds_every_device_and_deletes_only_removed_ones() -> None:
    """The platform's consent page lists discovered devices: an unshared one must stay there."""
    grant = new_grant([share("sensor-2", DataType.BATTERY, QUERY)], now=NOW)
    [event] = discovery_events(DEVICES, grant, "thermoco", NOW)

    assert event["event"]["header"]["name"] == "AddOrUpdateReport"
    added = event["event"]["payload"]["endpoints"]
    assert [e["endpointId"] for e in added] == ["thermostat-1", "sensor-2", "lock-3"]
    assert _capabilities(added[1]) == {
        "Alexa.HumiditySensor": (["relativeHumidity"], False, False),
        "Alexa.MotionSensor": (["detectionState"], False, False),
        "Alexa.EndpointHealth": (["battery", "connectivity"], True, False),
    }
    assert _capabilities(added[2]) == {
        "Alexa.LockController": (["lockState"], False, False),
        "Alexa.EndpointHealth": (["battery", "connectivity"], False, False),
    }
    # lock-3 left the account; sensor-2 is still in it, so never deleted.
    removed = ["lock-3", "sensor-2", "lock-3"]
    events = discovery_events(DEVICES[:2], grant, "thermoco", NOW, removed=removed)
    assert [e["event"]["header"]["name"] for e in events] == ["AddOrUpdateReport", "DeleteReport"]
    assert events[1]["event"]["payload"]["endpoints"] == [{"endpointId": "lock-3"}]


def test_discovery_events_hold_at_most_300_endpoints() -> None:
    devices = [Device(device_id=f"lock-{i}", kind="lock") for i in range(301)]
    grant = new_grant([share(d.device_id, DataType.LOCK_STATE, COMMAND) for d in devices], now=NOW)
    events = discovery_events(devices, grant, "thermoco", NOW)

    assert [len(e["event"]["payload"]["endpoints"]) for e in events] == [300, 1]
    assert {e["event"]["header"]["name"] for e in events} == {"AddOrUpdateReport"}


def test_directive_answers_echo_the_correlation_token() -> None:
    props = property_objects({"setpoint": sample(21.0), "connectivity": sample("OK")}, NOW)

    assert answer("Response", "thermostat-1", props, correlation_token="c-1", message_id="m") == {
        "event": {
            "header": {"namespace": "Alexa", "name": "Response", "payloadVersion": "3",
                       "messageId": "m", "correlationToken": "c-1"},
            "endpoint": {"endpointId": "thermostat-1"}, "payload": {},
        },
        "context": {"properties": props},
    }  # fmt: skip
    assert names(props) == ["Alexa.ThermostatController.targetSetpoint",
                            "Alexa.EndpointHealth.connectivity"]  # fmt: skip
    assert error_response(
        "lock-3", "ENDPOINT_UNREACHABLE", "gone", correlation_token=None, message_id="m"
    ) == {
        "event": {
            "header": {"namespace": "Alexa", "name": "ErrorResponse", "payloadVersion": "3",
                       "messageId": "m"},
            "endpoint": {"endpointId": "lock-3"},
            "payload": {"type": "ENDPOINT_UNREACHABLE", "message": "gone"},
        }
    }  # fmt: skip
    response = discover_response([{"endpointId": "x"}])["event"]
    assert (response["header"]["name"], response["payload"]) == (
        "Discover.Response", {"endpoints": [{"endpointId": "x"}]},
    )  # fmt: skip
