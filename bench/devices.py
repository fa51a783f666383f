"""Device events: ChangeReports ingested per second through the event gateway, against bare
asyncpg inserts of the same rows; and how fast a revocation is refused at the gateway.

Gateway: ``clients`` tasks POST batches (``{"events": [...]}``) of Alexa ChangeReports over HTTP
to the real app under uvicorn (production settings, PostgreSQL), each for its own linked shopper
whose grant streams temperature and humidity of ten thermostats: the consent enforcer checks
every property, the twin keeps the latest value, the history every value, and each device of a
batch gets one hash-chained audit entry. A change is one property stored.

Baseline in the same run: the same clients, each batch one asyncpg transaction with the least the
same data needs: ``INSERT`` of every history row plus an upsert of the latest values (executemany),
no HTTP, no enforcement, no audit. Target (issue): ≥ 0.5 of the baseline and ≥ 5,000 changes/s.

Revocation: a shopper revokes (``DELETE`` of the grant) while a maker keeps pushing; the time
from the revocation's answer to the first refused report (``SKILL_DISABLED_EXCEPTION``).
Target p99 < 1 s.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
from rich.console import Console

from bench.bare_app import asyncpg_dsn
from bench.oauth_tokens import OAUTH_ENV
from bench.prepare import BenchData, loader_settings
from bench.product_read import REAL_FACTORY, real_app_env
from bench.results import machine_info, median, utc_timestamp
from bench.servers import uvicorn_server

NAME = "devices"
TARGET_RATIO = 0.5
TARGET_PER_SECOND = 5000.0
TARGET_REVOCATION_P99_SECONDS = 1.0
REDIRECT_URI = "https://bench.example/devices/callback"
SCOPES = "devices.command devices.stream"
DEVICES = 10
BARE_HISTORY = "bench_device_history"
BARE_TWIN = "bench_device_twin"


@dataclass(frozen=True)
class Options:
    """Clients, batch size, duration, rounds, revocation samples."""

    clients: int = 32
    batch: int = 500  # ChangeReports per request (the most one may carry), two properties each
    seconds: float = 8.0
    rounds: int = 3
    revocations: int = 40


@dataclass
class Linked:
    """A linked shopper: the maker's access token and the shopper's browser session."""

    token: str
    cookies: dict[str, str]
    csrf: str
    grant_path: str = ""


@dataclass
class Maker:
    """The bench's device maker: its id and OAuth client."""

    partner_id: str
    client_id: str
    client_secret: str
    shoppers: list[Linked] = field(default_factory=list)

    def basic(self) -> dict[str, str]:
        """HTTP Basic client authentication."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def _register_maker(data: BenchData) -> Maker:
    from handshake.bootstrap import build_container
    from handshake.partners import service as partners

    container = build_container(loader_settings(data.database))
    try:
        partner, issued = await partners.register_partner(
            uow=container.uow(), name=f"Bench maker {secrets.token_hex(3)}", kind="device_maker",
            contact_email="devices@bench.example", redirect_uris=[REDIRECT_URI],
            scopes=SCOPES.split(),
        )  # fmt: skip
    finally:
        await container.dispose()
    assert issued.client_secret is not None
    return Maker(partner.id, issued.client_id, issued.client_secret)


def _code(browser: httpx.Client, maker: Maker) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code", "client_id": maker.client_id, "redirect_uri": REDIRECT_URI,
        "scope": SCOPES, "state": "bench", "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }  # fmt: skip
    answer = browser.get("/oauth/authorize", params=params)
    if answer.status_code == 200:
        form = {
            **params,
            "decision": "allow",
            "csrf_token": browser.cookies["hs_csrf"],
            "scope_choice": SCOPES.split(),
        }  # the optional scopes are ticked too
        answer = browser.post("/oauth/authorize", data=form)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"authorize -> {answer.status_code}: {answer.text[:300]}")
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0], verifier


def _details() -> list[dict[str, Any]]:
    return [
        {"type": "handshake_device_sharing", "identifier": f"thermo-{n}",
         "datatypes": ["temperature", "humidity"], "actions": ["stream_changes"],
         "purposes": ["service_operation"], "retention_days": 30,
         "expires_at": "2099-01-01T00:00:00Z"}
        for n in range(DEVICES)
    ]  # fmt: skip


def link_shopper(
    base_url: str, maker: Maker, details: list[dict[str, Any]] | None = None
) -> tuple[Linked, str]:
    """Sign a new shopper up, link the maker, grant ``details`` (default: streaming of ten
    thermostats); the link and the subject the maker knows the shopper by."""
    with httpx.Client(base_url=base_url, timeout=10.0) as browser:
        email = f"bench-{secrets.token_hex(5)}@bench.example"
        signup = browser.post("/api/v1/auth/signup", json={
            "email": email, "password": "Bench-password-2024!", "name": "Bench",
        })  # fmt: skip
        if signup.status_code != 201:
            raise RuntimeError(f"signup -> {signup.status_code}: {signup.text[:300]}")
        code, verifier = _code(browser, maker)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier}  # fmt: skip
        token = browser.post("/oauth/token", data=form, headers=maker.basic())
        if token.status_code != 200:
            raise RuntimeError(f"token -> {token.status_code}: {token.text[:300]}")
        csrf = browser.cookies["hs_csrf"]
        path = f"/api/v1/me/device-sharing/{maker.partner_id}"
        granted = browser.put(path, json={"authorization_details": details or _details()},
                              headers={"X-CSRF-Token": csrf})  # fmt: skip
        if granted.status_code != 200:
            raise RuntimeError(f"grant -> {granted.status_code}: {granted.text[:300]}")
        access = token.json()["access_token"]
        seen = browser.post("/oauth/introspect", data={"token": access}, headers=maker.basic())
        return Linked(access, dict(browser.cookies), csrf, path), str(seen.json()["sub"])


def _batch(size: int, sequence: int) -> dict[str, Any]:
    at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    events = []
    for n in range(size):
        temperature = {
            "namespace": "Alexa.TemperatureSensor",
            "name": "temperature",
            "value": {"value": 18 + (sequence + n) % 60 / 10, "scale": "CELSIUS"},
            "timeOfSample": at,
            "uncertaintyInMilliseconds": 0,
        }
        humidity = {"namespace": "Alexa.HumiditySensor", "name": "relativeHumidity",
                    "value": {"value": 40 + (sequence + n) % 20}, "timeOfSample": at,
                    "uncertaintyInMilliseconds": 0}  # fmt: skip
        events.append({
            "event": {"header": {"namespace": "Alexa", "name": "ChangeReport",
                                 "messageId": str(uuid.uuid4()), "payloadVersion": "3"},
                      "endpoint": {"endpointId": f"thermo-{n % DEVICES}"},
                      "payload": {"change": {"cause": {"type": "PHYSICAL_INTERACTION"},
                                             "properties": [temperature, humidity]}}},
        })  # fmt: skip
    return {"events": events}


async def _gateway_round(base_url: str, maker: Maker, options: Options) -> float:
    """Changes stored per second by ``clients`` tasks posting batches for ``seconds``."""
    stored = 0
    limits = httpx.Limits(max_connections=options.clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as http:

        async def client(linked: Linked, deadline: float) -> None:
            nonlocal stored
            sequence = 0
            headers = {"Authorization": f"Bearer {linked.token}"}
            while time.perf_counter() < deadline:
                sequence += 1
                answer = await http.post(
                    "/partner/v1/devices/events",
                    json=_batch(options.batch, sequence),
                    headers=headers,
                )
                if answer.status_code != 202:
                    raise RuntimeError(f"gateway -> {answer.status_code}: {answer.text[:300]}")
                stored += answer.json()["stored"]  # fmt: skip

        started = time.perf_counter()
        deadline = started + options.seconds
        await asyncio.gather(*(client(s, deadline) for s in maker.shoppers[: options.clients]))
        return stored / (time.perf_counter() - started)


Row = tuple[Any, ...]


def _bare_rows(batch: dict[str, Any], shopper: str) -> tuple[list[Row], list[Row]]:
    now = datetime.now(UTC)
    history, latest = [], {}
    for event in batch["events"]:
        device = event["event"]["endpoint"]["endpointId"]
        for prop in event["event"]["payload"]["change"]["properties"]:
            row = (uuid.uuid4().hex, shopper, device, prop["namespace"], prop["name"],
                   json.dumps(prop["value"]), now)  # fmt: skip
            history.append(row)
            latest[(device, prop["name"])] = row
    return history, list(latest.values())


async def _bare_round(dsn: str, schema: str, options: Options) -> float:
    """Rows written per second by the same number of clients with bare asyncpg transactions."""
    pool = await asyncpg.create_pool(dsn, min_size=options.clients, max_size=options.clients,
                                     server_settings={"search_path": schema})  # fmt: skip
    written = 0
    insert = (
        f"INSERT INTO {BARE_HISTORY} (id, shopper_id, device_id, namespace, name, value,"
        " received_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)"
    )
    upsert = (f"INSERT INTO {BARE_TWIN} (id, shopper_id, device_id, namespace, name, value,"
              " received_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (shopper_id,"
              " device_id, namespace, name) DO UPDATE SET value = excluded.value,"
              " received_at = excluded.received_at")  # fmt: skip

    async def client(number: int, deadline: float) -> None:
        nonlocal written
        sequence, shopper = 0, f"shp_bench_{number}"
        while time.perf_counter() < deadline:
            sequence += 1
            history, latest = _bare_rows(_batch(options.batch, sequence), shopper)
            async with pool.acquire() as connection, connection.transaction():
                await connection.executemany(insert, history)
                await connection.executemany(upsert, latest)
            written += len(history)

    try:
        started = time.perf_counter()
        deadline = started + options.seconds
        await asyncio.gather(*(client(n, deadline) for n in range(options.clients)))
        return written / (time.perf_counter() - started)
    finally:
        await pool.close()


async def _bare_tables(dsn: str, schema: str) -> None:
    connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    columns = ("id text NOT NULL, shopper_id text NOT NULL, device_id text NOT NULL,"
               " namespace text NOT NULL, name text NOT NULL, value jsonb NOT NULL,"
               " received_at timestamptz NOT NULL")  # fmt: skip
    try:
        for table, key in (
            (BARE_HISTORY, "PRIMARY KEY (id)"),
            (BARE_TWIN, "UNIQUE (shopper_id, device_id, namespace, name)"),
        ):
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
            await connection.execute(f"CREATE TABLE {table} ({columns}, {key})")  # fmt: skip
    finally:
        await connection.close()


async def _revocation_latency(base_url: str, linked: Linked) -> float:
    """Seconds from the revocation's answer to the first refused report of a pushing maker."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0, cookies=linked.cookies) as http:
        headers = {"Authorization": f"Bearer {linked.token}"}
        revoked_at: list[float] = []

        async def push() -> float:
            while True:
                answer = await http.post("/partner/v1/devices/events", json=_batch(1, 1),
                                         headers=headers)  # fmt: skip
                if answer.status_code == 403 and revoked_at:
                    return time.perf_counter() - revoked_at[0]
                if answer.status_code not in (202, 403):
                    raise RuntimeError(f"gateway -> {answer.status_code}: {answer.text[:200]}")

        pusher = asyncio.create_task(push())
        await asyncio.sleep(0.05)
        answer = await http.delete(linked.grant_path, headers={"X-CSRF-Token": linked.csrf})
        if answer.status_code != 200:
            raise RuntimeError(f"revoke -> {answer.status_code}: {answer.text[:200]}")
        revoked_at.append(time.perf_counter())
        return await asyncio.wait_for(pusher, 10.0)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """Alternate gateway and bare rounds, then revocations; the report."""
    dsn, schema = asyncpg_dsn(data.database.url), data.database.schema_name or "public"
    maker = asyncio.run(_register_maker(data))
    asyncio.run(_bare_tables(dsn, schema))
    rounds: list[dict[str, float]] = []
    env = real_app_env(data) | OAUTH_ENV
    with uvicorn_server("devices", REAL_FACTORY, env) as real:
        needed = options.clients + options.revocations
        console.print(f"  linking {needed} shoppers to a device maker…")
        maker.shoppers = [link_shopper(real.base_url, maker)[0] for _ in range(needed)]
        for number in range(1, options.rounds + 1):
            gateway = asyncio.run(_gateway_round(real.base_url, maker, options))
            bare = asyncio.run(_bare_round(dsn, schema, options))
            rounds.append({"gateway_per_second": round(gateway, 1),
                           "bare_per_second": round(bare, 1)})  # fmt: skip
            console.print(f"  round {number}/{options.rounds}: gateway {gateway:.0f} changes/s,"
                          f" bare {bare:.0f}/s")  # fmt: skip
        latencies = [
            asyncio.run(_revocation_latency(real.base_url, linked))
            for linked in maker.shoppers[options.clients :]
        ]
    gateway_rate = median([r["gateway_per_second"] for r in rounds])
    bare_rate = median([r["bare_per_second"] for r in rounds])
    ratio = round(gateway_rate / bare_rate, 4) if bare_rate else 0.0
    p99 = _p99(latencies)
    return {
        "benchmark": NAME, "timestamp": utc_timestamp(), "machine": machine_info(),
        "settings": {**asdict(options), "properties_per_report": 2, "devices_per_shopper": DEVICES,
                     "gateway": "real app under uvicorn, production settings, PostgreSQL",
                     "bare": "asyncpg executemany INSERT history + upsert latest, one tx/batch"},
        "rounds": rounds, "median_gateway_per_second": gateway_rate,
        "median_bare_per_second": bare_rate, "ratio_gateway_over_bare": ratio,
        "target_ratio": TARGET_RATIO, "target_per_second": TARGET_PER_SECOND,
        "revocation_to_refusal_seconds": {"p50": round(median(latencies), 4),
                                          "p99": round(p99, 4), "samples": len(latencies)},
        "target_revocation_p99_seconds": TARGET_REVOCATION_P99_SECONDS,
        "passed": ratio >= TARGET_RATIO and gateway_rate >= TARGET_PER_SECOND
        and p99 < TARGET_REVOCATION_P99_SECONDS,
    }  # fmt: skip


def print_summary(report: dict[str, Any], console: Console) -> None:
    """One paragraph: rates, ratio, revocation latency, verdict."""
    latency = report["revocation_to_refusal_seconds"]
    console.print(
        f"[bold]devices[/bold]: gateway {report['median_gateway_per_second']:.0f} changes/s vs"
        f" bare {report['median_bare_per_second']:.0f}/s → ratio"
        f" {report['ratio_gateway_over_bare']:.2f} (target ≥ {TARGET_RATIO},"
        f" ≥ {TARGET_PER_SECOND:.0f}/s); revocation → refusal p50 {latency['p50'] * 1000:.0f} ms,"
        f" p99 {latency['p99'] * 1000:.0f} ms (target < 1 s):"
        f" {'[green]passed[/green]' if report['passed'] else '[red]missed[/red]'}"
    )
