"""What devices say on their state topic: values checked against their data type, times kept
sane, and a bridge that no single message can stop."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.connector.bridge import Bridge
from handshake.connector.messages import property_objects
from handshake.connector.publisher import Publisher
from handshake.connector.significance import Coalescer, SignificanceFilter
from handshake.connector.state import KEYS, parse_state
from handshake.devices.consent import DataType
from tests.connector_helpers import (
    NOW,
    STREAM,
    FakePlatform,
    grant_document,
    parts,
    sample,
    share,
)

FITTING = [
    ("temperature", 21.5), ("temperature", -3), ("setpoint", 20),
    ("setpoint", {"value": 68, "scale": "FAHRENHEIT"}), ("humidity", 45.5), ("battery", 80),
    ("mode", "heat"), ("mode", "OFF"), ("lock_state", "JAMMED"), ("occupancy", True),
    ("occupancy", "NOT_DETECTED"), ("connectivity", False), ("connectivity", "ok"),
    ("connectivity", {"value": "UNREACHABLE"}), ("battery", {"value": 80}),
]  # fmt: skip
UNFIT = [
    ("temperature", "warm"), ("temperature", True), ("temperature", float("nan")),
    ("setpoint", float("inf")), ("setpoint", {"value": "warm", "scale": "CELSIUS"}),
    ("setpoint", {"value": 20.0}), ("setpoint", {"value": 20.0, "scale": ["CELSIUS"]}),
    ("humidity", 10**400), ("humidity", "45"), ("battery", [80]), ("battery", {"value": None}),
    ("mode", "warm"), ("mode", 1), ("lock_state", "MAYBE"), ("lock_state", False),
    ("occupancy", "SOMETIMES"), ("occupancy", 1), ("connectivity", "FINE"),
    ("connectivity", {"value": ["OK"]}), ("connectivity", {"value": True}),
    ("temperature", {"value": 21, "scale": "CELSIUS", "note": float("nan")}),
    ("mode", {"value": "HEAT"}), ("humidity", {"value": 45, "scale": "CELSIUS"}),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value"), FITTING)
def test_a_value_fitting_its_data_type_is_kept(key: str, value: Any) -> None:
    message = parse_state({"properties": {key: value}}, NOW)
    assert message is not None
    assert (message.samples, message.unfit) == ({key: sample(value)}, ())


@pytest.mark.parametrize(("key", "value"), UNFIT)
def test_a_value_not_fitting_its_data_type_is_dropped_alone(key: str, value: Any) -> None:
    other = "lock_state" if key != "lock_state" else "battery"
    kept = {"lock_state": "LOCKED", "battery": 50}[other]
    message = parse_state({"properties": {key: value, other: kept}}, NOW)
    assert message is not None
    assert (message.samples, message.unfit) == ({other: sample(kept)}, (key,))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from(sorted(KEYS)), JSON), JSON)
def test_whatever_a_device_sends_makes_alexa_properties(properties: Any, at: Any) -> None:
    message = parse_state({"properties": properties, "at": at}, NOW)
    assert message is not None
    for prop in property_objects(message.samples, NOW):
        json.dumps(prop, allow_nan=False)  # and the platform can read them


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+01:00",  # no UTC time before year 1: OverflowError once
        "9999-12-31T23:59:59-01:00",  # nor after year 9999
        "0001-01-01T00:00:00",
        "1999-12-31T23:59:59Z",  # no connected device's clock is right before 2000
        "yesterday",
        None,
    ],
)
def test_an_absurd_or_unreadable_time_counts_as_now(at: Any) -> None:
    message = parse_state({"properties": {"temperature": 21.5}, "at": at}, NOW)
    assert message is not None
    assert message.samples == {"temperature": sample(21.5)}


def bridge_of(platform: FakePlatform) -> tuple[Bridge, Publisher]:
    p = parts(platform)
    return Bridge(
        maker="thermoco", store=p.store, states=p.states, publisher=p.publisher, grants=p.grants,
        significance=SignificanceFilter(), coalescer=Coalescer(0.0), now=lambda: NOW,
        monotonic=p.clock,
    ), p.publisher  # fmt: skip


def state(properties: dict[str, Any], at: str = "2030-06-01T11:59:59Z") -> bytes:
    return json.dumps({"properties": properties, "cause": "physical", "at": at}).encode()


async def test_the_bridge_keeps_going_past_bad_values_and_absurd_times() -> None:
    platform = FakePlatform(grant_document([share("thermostat-1", DataType.TEMPERATURE, STREAM)]))
    bridge, publisher = bridge_of(platform)
    topic = "handshake/thermoco/thermostat-1/state"

    bridge.handle_message(topic, state({"temperature": 21.5}, at="0001-01-01T00:00:00+01:00"))
    bridge.handle_message(topic, state({"temperature": "warm", "mode": "HEAT"}))

    assert bridge.state("thermostat-1") == {"temperature": sample(21.5), "mode": sample("HEAT", 1)}
    assert (bridge.stats.states, bridge.stats.unfit_values, bridge.stats.failed) == (2, 1, 0)
    bridge.flush_due()
    assert await publisher.pump() is None
    [report] = platform.change_reports()
    assert report["event"]["payload"]["change"]["properties"][0]["value"] == {
        "value": 21.5, "scale": "CELSIUS",
    }  # fmt: skip


async def test_a_message_that_fails_unexpectedly_is_skipped_not_fatal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bridge, _ = bridge_of(FakePlatform(grant_document([])))
    topic = "handshake/thermoco/thermostat-1/state"

    def broken(document: Any, now: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("handshake.connector.bridge.parse_state", broken)
    bridge.handle_message(topic, state({"temperature": 21.0}))
    monkeypatch.undo()
    bridge.handle_message(topic, state({"temperature": 22.0}))

    assert bridge.stats.failed == 1
    assert bridge.state("thermostat-1") == {"temperature": sample(22.0, 1)}
