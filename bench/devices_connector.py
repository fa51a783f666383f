"""The maker side, measured end to end on loopback: simulated devices → MQTT → the maker
connector → the platform's event gateway (real app under uvicorn, PostgreSQL); directive round
trips (shopper → platform → signed directive → connector → MQTT → device → back); and how late a
revocation is refused at the connector.

Throughput: ``devices`` simulated thermostats, sensors and locks publish state ``rate`` times a
second over MQTT (Mosquitto when ``HANDSHAKE_MQTT__URL`` names it, else the embedded amqtt
broker); the connector enforces each shopper's grant, batches a shopper's devices into one
gateway request and the platform stores what passes. Significance thresholds are set tiny so
every tick is a change: this measures the pipeline, not the filter. A change is one history row.

Directive: ``SetTargetTemperature`` sent by the shopper through ``POST /api/v1/me/devices/…``;
p50/p99 of the HTTP round trip. Target p99 < 700 ms.

Revocation at the connector: the shopper revokes; the time until the connector's grant check
(the one every report and directive goes through) says nothing is shared. Target p99 < 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import uvicorn
from rich.console import Console

from bench.bare_app import asyncpg_dsn
from bench.devices import Linked, Maker, _register_maker, link_shopper
from bench.oauth_tokens import OAUTH_ENV
from bench.prepare import BenchData, loader_settings
from bench.product_read import REAL_FACTORY, real_app_env
from bench.results import machine_info, median, utc_timestamp
from bench.servers import free_port, uvicorn_server

NAME = "devices_connector"
TARGET_DIRECTIVE_P99_SECONDS = 0.7
TARGET_REVOCATION_P99_SECONDS = 1.0
SECRET_ENV = {"HANDSHAKE_WEBHOOKS__ALLOW_PRIVATE_TARGETS": "true"}  # the connector is on loopback
KIND_TYPES = {
    "thermostat": ["temperature", "setpoint", "mode", "humidity"],
    "sensor": ["humidity", "battery", "occupancy"],
    "lock": ["lock_state", "battery"],
}


@dataclass(frozen=True)
class Options:
    """Shoppers, devices, publishing rate, duration, samples."""

    shoppers: int = 8
    devices: int = 192
    rate: float = 30.0  # state messages per device per second
    seconds: float = 8.0
    directives: int = 100
    revocations: int = 8


def _details(device_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"type": "handshake_device_sharing", "identifier": device,
         "datatypes": KIND_TYPES[device.rsplit("-", 1)[0]], "actions": ["stream_changes"],
         "purposes": ["service_operation"], "retention_days": 30,
         "expires_at": "2099-01-01T00:00:00Z"}
        for device in device_ids
    ]  # fmt: skip


async def _directive_endpoint(data: BenchData, maker: Maker, url: str) -> str:
    from handshake.bootstrap import build_container
    from handshake.devices import service as devices

    container = build_container(loader_settings(data.database))
    try:
        row = await devices.set_directive_endpoint(
            uow=container.uow(), partner_id=maker.partner_id, url=url
        )
    finally:
        await container.dispose()
    return row.signing_secret


@contextlib.asynccontextmanager
async def _broker() -> AsyncIterator[str]:
    from handshake.connector.runtime import embedded_broker

    external = os.environ.get("HANDSHAKE_MQTT__URL")
    if external:
        yield external
        return
    async with embedded_broker("127.0.0.1", free_port()) as url:
        yield url


@dataclass
class Setup:
    """Everything a measurement needs."""

    base_url: str
    maker: Maker
    accounts: list[Any]
    secret: str
    connector_port: int
    topic: str


@contextlib.asynccontextmanager
async def _running(setup: Setup, mqtt_url: str, options: Options) -> AsyncIterator[Any]:
    from handshake.connector.accounts import AccountStore
    from handshake.connector.runtime import build_connector, directive_app, run_bridge
    from handshake.connector.settings import ConnectorSettings, Thresholds

    settings = ConnectorSettings(
        platform_url=setup.base_url, client_id=setup.maker.client_id,
        client_secret=setup.maker.client_secret, maker=setup.topic,
        directive_secret=setup.secret, coalesce_seconds=0.0,
        thresholds=Thresholds(temperature=0.01, setpoint=0.01, humidity=0.01, battery=0.01),
    )  # fmt: skip
    async with httpx.AsyncClient(timeout=30.0) as http, asyncio.TaskGroup() as tasks:
        connector = build_connector(settings, http, store=AccountStore(setup.accounts))
        config = uvicorn.Config(directive_app(connector), host="127.0.0.1",
                                port=setup.connector_port, log_config=None, access_log=False,
                                lifespan="off")  # fmt: skip
        server = uvicorn.Server(config)
        background = [
            tasks.create_task(run_bridge(connector, mqtt_url)),
            tasks.create_task(server.serve()),
        ]
        await asyncio.wait_for(connector.bridge.connected.wait(), 30)
        try:
            yield connector
        finally:
            server.should_exit = True
            for task in background:
                task.cancel()


@contextlib.asynccontextmanager
async def _fleet(mqtt_url: str, topic: str, count: int, rate: float) -> AsyncIterator[None]:
    """Simulated devices in their own process, as a fleet would be: the connector keeps its
    core."""
    devices = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handshake.entrypoints.cli", "devices", "simulate",
        "--count", str(count), "--mqtt-url", mqtt_url, "--maker", topic, "--rate", str(rate),
        "--seed", "11", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await asyncio.sleep(2.0)  # warm-up: every device heard once, discovery sent
        yield
    finally:
        devices.terminate()
        await devices.wait()


async def _history_rows(dsn: str, schema: str, partner_id: str) -> int:
    connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM device_property_history WHERE partner_id = $1", partner_id
        )
        return int(count)
    finally:
        await connection.close()


async def _directive_latencies(setup: Setup, linked: Linked, count: int) -> list[float]:
    path = f"/api/v1/me/devices/{setup.maker.partner_id}/thermostat-1/directives"
    latencies = []
    async with httpx.AsyncClient(base_url=setup.base_url, cookies=linked.cookies,
                                 timeout=15.0) as http:  # fmt: skip
        for n in range(count):
            body = {
                "namespace": "Alexa.ThermostatController",
                "name": "SetTargetTemperature",
                "payload": {"targetSetpoint": {"value": 19 + n % 6, "scale": "CELSIUS"}},
            }
            started = time.perf_counter()
            answer = await http.post(path, json=body, headers={"X-CSRF-Token": linked.csrf})
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"directive -> {answer.status_code}: {answer.text[:300]}")
    return latencies


async def _revocation_latency(setup: Setup, connector: Any, linked: Linked, subject: str) -> float:
    async with httpx.AsyncClient(base_url=setup.base_url, cookies=linked.cookies) as http:
        await connector.grants.grant(subject)  # cached, as it is while reports flow
        answer = await http.delete(linked.grant_path, headers={"X-CSRF-Token": linked.csrf})
        if answer.status_code != 200:
            raise RuntimeError(f"revoke -> {answer.status_code}: {answer.text[:200]}")
        revoked = time.perf_counter()
        while (await connector.grants.grant(subject)).shares:  # noqa: ASYNC110  # polls a cache
            await asyncio.sleep(0.005)
        return time.perf_counter() - revoked


async def _measure(data: BenchData, setup: Setup, links: list[tuple[Linked, str]],
                   options: Options) -> dict[str, Any]:  # fmt: skip
    dsn, schema = asyncpg_dsn(data.database.url), data.database.schema_name or "public"
    async with _broker() as mqtt_url, _running(setup, mqtt_url, options) as connector:
        # Directives with the fleet reporting once a second; then the fleet at full rate.
        async with _fleet(mqtt_url, setup.topic, options.devices, 1.0):
            directives = await _directive_latencies(setup, links[0][0], options.directives)
        async with _fleet(mqtt_url, setup.topic, options.devices, options.rate):
            before = await _history_rows(dsn, schema, setup.maker.partner_id)
            started = time.time()
            await asyncio.sleep(options.seconds)
            after, ended = await _history_rows(dsn, schema, setup.maker.partner_id), time.time()
        revocations = [
            await _revocation_latency(setup, connector, linked, subject)
            for linked, subject in links[: options.revocations]
        ]
        stats = asdict(connector.publisher.stats)
    return {"changes_per_second": round((after - before) / (ended - started), 1),
            "directive_seconds": directives, "revocation_seconds": revocations,
            "publisher": stats}  # fmt: skip


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """One long round: throughput, then directives, then revocations; the report."""
    from handshake.connector.accounts import Account, Device
    from handshake.connector.simulator import device_ids

    maker = asyncio.run(_register_maker(data))
    port = free_port()
    secret = asyncio.run(_directive_endpoint(data, maker, f"http://127.0.0.1:{port}/directives"))
    ids = list(device_ids(options.devices))
    owned = [ids[n :: options.shoppers] for n in range(options.shoppers)]
    with uvicorn_server("devices-connector", REAL_FACTORY,
                        real_app_env(data) | OAUTH_ENV | SECRET_ENV) as real:  # fmt: skip
        console.print(f"  linking {options.shoppers} shoppers sharing {options.devices} devices…")
        links = [link_shopper(real.base_url, maker, _details(devices)) for devices in owned]
        accounts = [
            Account(subject=subject, access_token=linked.token, refresh_token="",
                    expires_at=_in_an_hour(),
                    devices=[Device(device_id=d, kind=d.rsplit("-", 1)[0]) for d in devices])
            for (linked, subject), devices in zip(links, owned, strict=True)
        ]  # fmt: skip
        setup = Setup(real.base_url, maker, accounts, secret, port, f"bench{secrets.token_hex(3)}")
        measured = asyncio.run(_measure(data, setup, links, options))
    directive_p99, revocation_p99 = (
        _p99(measured["directive_seconds"]),
        _p99(measured["revocation_seconds"]),
    )
    console.print(
        f"  {measured['changes_per_second']:.0f} changes/s stored via MQTT; directive p99"
        f" {directive_p99 * 1000:.0f} ms; revocation at the connector p99"
        f" {revocation_p99 * 1000:.0f} ms"
    )
    return {
        "benchmark": NAME, "timestamp": utc_timestamp(), "machine": machine_info(),
        "settings": {**asdict(options), "broker": os.environ.get("HANDSHAKE_MQTT__URL")
                     or "embedded amqtt", "thresholds": "0.01 (every tick a change)",
                     "grant_cache_seconds": 0.5},
        "changes_per_second_via_mqtt": measured["changes_per_second"],
        "directive_round_trip_seconds": {
            "p50": round(median(measured["directive_seconds"]), 4), "p99": round(directive_p99, 4),
            "samples": len(measured["directive_seconds"])},
        "revocation_at_connector_seconds": {
            "p50": round(median(measured["revocation_seconds"]), 4),
            "p99": round(revocation_p99, 4), "samples": len(measured["revocation_seconds"])},
        "publisher": measured["publisher"],
        "target_directive_p99_seconds": TARGET_DIRECTIVE_P99_SECONDS,
        "target_revocation_p99_seconds": TARGET_REVOCATION_P99_SECONDS,
        "passed": directive_p99 < TARGET_DIRECTIVE_P99_SECONDS
        and revocation_p99 < TARGET_REVOCATION_P99_SECONDS,
    }  # fmt: skip


def _in_an_hour() -> Any:
    from handshake.kernel import clock

    return clock.now() + timedelta(hours=1)


def print_summary(report: dict[str, Any], console: Console) -> None:
    """One paragraph."""
    directive = report["directive_round_trip_seconds"]
    revocation = report["revocation_at_connector_seconds"]
    console.print(
        f"[bold]devices_connector[/bold]: {report['changes_per_second_via_mqtt']:.0f} changes/s"
        f" via MQTT; directive p50 {directive['p50'] * 1000:.0f} ms / p99"
        f" {directive['p99'] * 1000:.0f} ms (target < 700 ms); revocation at the connector p99"
        f" {revocation['p99'] * 1000:.0f} ms (target < 1 s):"
        f" {'[green]passed[/green]' if report['passed'] else '[red]missed[/red]'}"
    )
