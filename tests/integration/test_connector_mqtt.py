"""The maker connector over a real MQTT broker, with simulated devices and a fake platform.

The broker is the embedded amqtt one on a free port, or the one ``HANDSHAKE_TEST_MQTT_URL``
names (``mqtt://127.0.0.1:1883``). Each test uses its own maker topic segment, so a shared broker
never mixes runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiomqtt
import httpx

from handshake.connector.accounts import AccountStore
from handshake.connector.runtime import (
    Connector,
    build_connector,
    directive_app,
    embedded_broker,
    run_bridge,
)
from handshake.connector.settings import ConnectorSettings
from handshake.connector.simulator import drift, make_fleet, simulate
from handshake.devices.consent import DataType
from tests.connector_helpers import (
    COMMAND,
    NOW,
    PLATFORM,
    QUERY,
    SECRET,
    STREAM,
    FakePlatform,
    account,
    directive,
    grant_document,
    names,
    share,
    signed,
)

MQTT_URL_ENV = "HANDSHAKE_TEST_MQTT_URL"
SEED = 7


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def broker() -> AsyncIterator[str]:
    external = os.environ.get(MQTT_URL_ENV)
    if external:
        yield external
        return
    async with embedded_broker("127.0.0.1", free_port()) as url:
        yield url


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110  # the condition is data a fake gathers, no event
            await asyncio.sleep(0.02)


@asynccontextmanager
async def running(platform: FakePlatform, maker: str) -> AsyncIterator[tuple[Connector, str]]:
    """A connector and three simulated devices (thermostat-1, sensor-2, lock-3) on a broker."""
    settings = ConnectorSettings(
        platform_url=PLATFORM, client_id="maker-app", client_secret="maker-secret",
        maker=maker, directive_secret=SECRET, coalesce_seconds=0.0,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=httpx.MockTransport(platform.handler))
    connector = build_connector(settings, http, store=AccountStore([account()]), now=lambda: NOW)
    async with broker() as url, asyncio.TaskGroup() as tasks:
        bridge = tasks.create_task(run_bridge(connector, url))
        await asyncio.wait_for(connector.bridge.connected.wait(), 10)
        devices = tasks.create_task(simulate(3, url, maker, rate=1.0, seed=SEED, lock_delay=0.05))
        try:
            yield connector, url
        finally:
            bridge.cancel()
            devices.cancel()


def first_temperature() -> float:
    """thermostat-1's temperature after the simulator's first step with SEED."""
    rng = random.Random(SEED)
    fleet = make_fleet(3, rng)
    for device in fleet:
        drift(device, rng)
    value: float = fleet[0].state["temperature"]
    return value


async def test_simulated_changes_reach_the_gateway_with_only_granted_properties() -> None:
    platform = FakePlatform(
        grant_document(
            [share("thermostat-1", DataType.TEMPERATURE, STREAM),
             share("thermostat-1", DataType.HUMIDITY, QUERY),
             share("lock-3", DataType.LOCK_STATE, COMMAND)]
        )
    )  # fmt: skip
    async with running(platform, f"maker{uuid.uuid4().hex[:8]}") as (connector, _):
        stats = connector.publisher.stats
        # sensor-2 (not shared) and lock-3 (commands only) report too, and are held back.
        await eventually(lambda: bool(platform.change_reports()) and stats.nothing_kept >= 2)

    reports: list[dict[str, Any]] = platform.change_reports()
    assert {r["event"]["endpoint"]["endpointId"] for r in reports} == {"thermostat-1"}
    first = reports[0]
    assert names(first["event"]["payload"]["change"]["properties"]) == [
        "Alexa.TemperatureSensor.temperature", "Alexa.EndpointHealth.connectivity",
    ]  # fmt: skip
    assert first["event"]["payload"]["change"]["properties"][0]["value"] == {
        "value": first_temperature(), "scale": "CELSIUS",
    }  # fmt: skip
    assert first["event"]["payload"]["change"]["cause"] == {"type": "PERIODIC_POLL"}
    allowed = {"Alexa.TemperatureSensor.temperature", "Alexa.EndpointHealth.connectivity"}
    for report in reports:
        everything = [*report["event"]["payload"]["change"]["properties"],
                      *report["context"]["properties"]]  # fmt: skip
        assert set(names(everything)) <= allowed
    # Every device is described, sensor-2 (not shared) too; none is deleted.
    discovery = platform.discovery()
    assert {e["event"]["header"]["name"] for e in discovery} == {"AddOrUpdateReport"}
    assert [e["endpointId"] for e in discovery[0]["event"]["payload"]["endpoints"]] == [
        "thermostat-1", "sensor-2", "lock-3",
    ]  # fmt: skip


def changes(platform: FakePlatform) -> list[tuple[str, str, Any]]:
    """``(device, property, value)`` of every change the gateway accepted, in order."""
    return [
        (r["event"]["endpoint"]["endpointId"], p["name"], p["value"])
        for r in platform.change_reports()
        for p in r["event"]["payload"]["change"]["properties"]
    ]


async def test_bad_values_and_absurd_times_neither_stop_the_bridge_nor_lose_reports() -> None:
    platform = FakePlatform(
        grant_document(
            [share("thermostat-1", DataType.TEMPERATURE, STREAM),
             share("lock-3", DataType.LOCK_STATE, STREAM)]
        )
    )  # fmt: skip
    maker = f"bad{uuid.uuid4().hex[:8]}"
    settings = ConnectorSettings(
        platform_url=PLATFORM, maker=maker, directive_secret=SECRET, coalesce_seconds=0.0,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=httpx.MockTransport(platform.handler))
    connector = build_connector(settings, http, store=AccountStore([account()]), now=lambda: NOW)
    messages = [
        ("thermostat-1", {"temperature": "warm", "connectivity": "OK"}, "2030-06-01T11:59:00Z"),
        ("thermostat-1", {"temperature": 21.5}, "0001-01-01T00:00:00+01:00"),
        ("lock-3", {"lock_state": "UNLOCKED"}, "2030-06-01T11:59:30Z"),
    ]
    async with broker() as url, asyncio.TaskGroup() as tasks:
        bridge = tasks.create_task(run_bridge(connector, url))
        await asyncio.wait_for(connector.bridge.connected.wait(), 10)
        host, port = url.removeprefix("mqtt://").split(":")
        async with aiomqtt.Client(host, int(port)) as client:
            for device, properties, at in messages:
                body = json.dumps({"properties": properties, "cause": "physical", "at": at})
                await client.publish(f"handshake/{maker}/{device}/state", body, qos=1)
        await eventually(lambda: len(changes(platform)) == 3)
        assert not bridge.done()
        bridge.cancel()

    # One report or two for the thermostat, as the coalescer merged them or not.
    assert sorted(changes(platform), key=lambda c: (c[0], c[1])) == [
        ("lock-3", "lockState", "UNLOCKED"),
        ("thermostat-1", "connectivity", {"value": "OK"}),
        ("thermostat-1", "temperature", {"value": 21.5, "scale": "CELSIUS"}),
    ]
    assert connector.bridge.stats.unfit_values == 1


async def test_a_signed_command_travels_to_the_device_and_back() -> None:
    platform = FakePlatform(
        grant_document(
            [share("thermostat-1", DataType.SETPOINT, COMMAND),
             share("lock-3", DataType.LOCK_STATE, COMMAND)]
        )
    )  # fmt: skip
    async with running(platform, f"maker{uuid.uuid4().hex[:8]}") as (connector, _):
        app = directive_app(connector)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
            await eventually(lambda: bool(connector.bridge.state("lock-3")))
            answers = []
            for document in (
                directive("Alexa.ThermostatController", "SetTargetTemperature",
                          payload={"targetSetpoint": {"value": 22.5, "scale": "CELSIUS"}}),
                directive("Alexa.LockController", "Unlock", "lock-3"),
                directive("Alexa.ThermostatController", "SetTargetTemperature",
                          payload={"targetSetpoint": {"value": 45.0, "scale": "CELSIUS"}}),
            ):  # fmt: skip
                body, headers = signed(document)
                response = await client.post("/directives", content=body, headers=headers)
                answers.append(response.json())

    thermostat, lock, too_hot = answers
    assert [(p["name"], p["value"]) for p in thermostat["context"]["properties"]] == [
        ("targetSetpoint", {"value": 22.5, "scale": "CELSIUS"}), ("connectivity", {"value": "OK"}),
    ]  # fmt: skip
    assert [(p["name"], p["value"]) for p in lock["context"]["properties"]] == [
        ("lockState", "UNLOCKED"), ("connectivity", {"value": "OK"}),
    ]  # fmt: skip
    assert too_hot["event"]["payload"]["type"] == "TEMPERATURE_VALUE_OUT_OF_RANGE"
    assert platform.change_reports() == []  # nothing streams under report_on_command


async def test_a_command_with_no_device_listening_is_unreachable() -> None:
    platform = FakePlatform(grant_document([share("lock-3", DataType.LOCK_STATE, COMMAND)]))
    settings = ConnectorSettings(
        platform_url=PLATFORM, maker=f"lonely{uuid.uuid4().hex[:8]}", directive_secret=SECRET,
        command_timeout_seconds=0.3,
    )  # fmt: skip
    http = httpx.AsyncClient(transport=httpx.MockTransport(platform.handler))
    connector = build_connector(settings, http, store=AccountStore([account()]), now=lambda: NOW)
    async with broker() as url, asyncio.TaskGroup() as tasks:
        bridge = tasks.create_task(run_bridge(connector, url))
        await asyncio.wait_for(connector.bridge.connected.wait(), 10)
        answer = await connector.handler.handle(directive("Alexa.LockController", "Lock", "lock-3"))
        bridge.cancel()
    assert answer["event"]["payload"]["type"] == "ENDPOINT_UNREACHABLE"
