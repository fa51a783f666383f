"""End to end over a real MQTT broker: simulated devices → maker connector → the platform's
event gateway → device twin → recommendation; then revocation stops the flow on both sides.

The broker is Mosquitto when ``HANDSHAKE_TEST_MQTT_URL`` names it (CI), else the embedded amqtt
broker. The connector talks to the real platform app over HTTP (in process), like a maker would.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiomqtt
import httpx
import pytest

from handshake.bootstrap import Container
from handshake.connector.accounts import Account, AccountStore, Device
from handshake.connector.runtime import Connector, build_connector, embedded_broker, run_bridge
from handshake.connector.settings import ConnectorSettings
from handshake.connector.simulator import simulate
from handshake.devices import service
from handshake.devices.consent import DataType, Purpose
from handshake.devices.errors import PurposeNotGranted
from handshake.kernel import clock
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy
from tests.devices_helpers import LinkedMaker, detail, linked_maker, put
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser

SECRET = "whsec_Y29ubmVjdG9yLWUyZS1kaXJlY3RpdmUtc2VjcmV0IQ=="
BOTH = ["service_operation", "recommendations"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def _broker() -> AsyncIterator[str]:
    external = os.environ.get("HANDSHAKE_TEST_MQTT_URL")
    if external:
        yield external
        return
    if os.environ.get("HANDSHAKE_REQUIRE_SERVICES") == "1":
        pytest.fail("HANDSHAKE_TEST_MQTT_URL must name the CI broker (Mosquitto)")
    async with embedded_broker("127.0.0.1", _free_port()) as url:
        yield url


async def _eventually(check: Callable[[], Any], seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110  # polls the database and the connector
            await asyncio.sleep(0.05)


def _account(container: Container, linked: LinkedMaker) -> Account:
    subject = linking.subject_of(
        LinkingPolicy.from_settings(container.settings), partner_id=linked.maker.partner_id,
        shopper_id=linked.login.shopper_id,
    )  # fmt: skip
    devices = [Device(device_id="thermostat-1", kind="thermostat", name="Hall thermostat"),
               Device(device_id="lock-9", kind="lock", name="Front door")]  # fmt: skip
    return Account(
        subject=subject, access_token=linked.token, refresh_token="unused",
        expires_at=clock.now() + timedelta(hours=1), devices=devices,
    )  # fmt: skip


@asynccontextmanager
async def _connector(
    app: Any, container: Container, linked: LinkedMaker, maker: str, url: str
) -> AsyncIterator[Connector]:
    settings = ConnectorSettings(
        platform_url="http://testserver", client_id=linked.maker.client_id,
        client_secret=linked.maker.client_secret or "", maker=maker, directive_secret=SECRET,
        coalesce_seconds=0.0,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http, asyncio.TaskGroup() as tasks:
        store = AccountStore([_account(container, linked)])
        connector = build_connector(settings, http, store=store)
        bridge = tasks.create_task(run_bridge(connector, url))
        await asyncio.wait_for(connector.bridge.connected.wait(), 10)
        devices = tasks.create_task(simulate(1, url, maker, rate=5.0, seed=3))
        try:
            yield connector
        finally:
            bridge.cancel()
            devices.cancel()


async def _publish_lock(url: str, maker: str, battery: int) -> None:
    host, port = url.removeprefix("mqtt://").split(":")
    state = {"properties": {"battery": battery, "lock_state": "LOCKED", "connectivity": "OK"},
             "cause": "physical", "at": clock.iso_z(clock.now())}  # fmt: skip
    async with aiomqtt.Client(host, int(port)) as client:
        await client.publish(f"handshake/{maker}/lock-9/state", json.dumps(state), qos=1)


async def _stored(
    container: Container, linked: LinkedMaker, device: str, kind: DataType
) -> list[Any]:
    try:
        rows = await service.read_device_state(
            uow=container.uow(), shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id, device_id=device,
            purpose=Purpose.SERVICE_OPERATION, data_types=[kind],
        )  # fmt: skip
    except PurposeNotGranted:
        return []
    return [row.value for row in rows]


async def test_device_to_recommendation_then_revocation_stops_both_sides(
    app: Any, container: Container
) -> None:
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(
        app, container, linked,
        detail("stream_changes", "temperature", device="thermostat-1"),
        detail("stream_changes", "battery", "lock_state", device="lock-9", purposes=BOTH),
    )  # fmt: skip
    maker = f"e2e{uuid.uuid4().hex[:8]}"
    async with _broker() as url, _connector(app, container, linked, maker, url) as connector:
        # The simulated thermostat streams: its temperature reaches the twin.
        await _eventually(lambda: _stored(container, linked, "thermostat-1", DataType.TEMPERATURE))
        await _publish_lock(url, maker, battery=15)
        await _eventually(
            lambda: _has(_stored(container, linked, "lock-9", DataType.BATTERY), {"value": 15})
        )
        async with shopper_browser(app, container, linked.login) as http:
            found = (await http.get("/api/v1/me/recommendations")).json()
        [suggestion] = [s for s in found["items"] if s["rule"] == "lock_battery_low"]
        assert suggestion["reason"] == "The battery of Front door is at 15 %."

        async with shopper_browser(app, container, linked.login) as http:
            ended = await http.delete(
                linked.path, headers={"X-CSRF-Token": linked.login.csrf_token}
            )
        assert ended.status_code == 200
        await asyncio.sleep(1.1)  # the connector's grant cache lives at most 1 s
        stats = connector.publisher.stats
        sent, withheld = stats.reports_sent, stats.nothing_kept
        await _publish_lock(url, maker, battery=14)
        await asyncio.sleep(1.0)
        # Refused at the connector: withheld by its own grant check, or the account ended
        # (a report in flight at revocation got SKILL_DISABLED); nothing more reaches the gateway.
        assert stats.reports_sent == sent
        assert stats.nothing_kept > withheld or stats.accounts_ended == 1
    assert await _stored(container, linked, "lock-9", DataType.BATTERY) == []
    async with browser(app) as maker_http:
        refused = await maker_http.post(
            "/partner/v1/devices/events", headers=bearer(linked.token),
            json=_change_report("lock-9"),
        )  # fmt: skip
    assert (refused.status_code, refused.json()["payload"]["code"]) == (
        403, "SKILL_DISABLED_EXCEPTION",
    )  # fmt: skip


async def _has(values: Any, wanted: Any) -> bool:
    return wanted in await values


async def _more(count: Callable[[], int], than: int) -> bool:
    return count() > than


def _change_report(device: str) -> dict[str, Any]:
    prop = {"namespace": "Alexa.EndpointHealth", "name": "battery", "value": {"value": 13},
            "timeOfSample": clock.iso_z(clock.now()), "uncertaintyInMilliseconds": 0}  # fmt: skip
    return {"event": {"header": {"namespace": "Alexa", "name": "ChangeReport", "messageId": "x",
                                 "payloadVersion": "3"},
                      "endpoint": {"endpointId": device},
                      "payload": {"change": {"cause": {"type": "PHYSICAL_INTERACTION"},
                                             "properties": [prop]}}}}  # fmt: skip
