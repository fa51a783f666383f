"""The connector's publisher against a scripted event gateway (httpx.MockTransport)."""

from __future__ import annotations

import base64
import itertools
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.connector.publisher import Backoff
from handshake.devices.consent import DataType, DeviceGrant
from tests.connector_helpers import (
    QUERY,
    STREAM,
    SUBJECT,
    FakePlatform,
    account,
    grant_document,
    names,
    parts,
    problem,
    sample,
    share,
)

T, S, H, M = DataType.TEMPERATURE, DataType.SETPOINT, DataType.HUMIDITY, DataType.MODE
L = DataType.LOCK_STATE


def streaming_thermostat() -> FakePlatform:
    """Temperature and setpoint streamed, humidity on query only, mode not shared."""
    return FakePlatform(
        grant_document(
            [share("thermostat-1", T, STREAM), share("thermostat-1", S, STREAM),
             share("thermostat-1", H, QUERY)]
        )
    )  # fmt: skip


def unavailable() -> httpx.Response:
    return httpx.Response(503, headers={"retry-after": "2"})


def changed(report: dict[str, object]) -> list[str]:
    return names(report["event"]["payload"]["change"]["properties"])  # type: ignore[index]


async def test_retries_keep_the_latest_values_and_send_them_once_when_the_gateway_is_back() -> None:
    platform = streaming_thermostat()
    platform.event_answers = [unavailable, unavailable]
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    retry_at = await p.publisher.pump()
    assert retry_at is not None
    assert retry_at - p.clock.now >= 2.0  # Retry-After honoured
    for value in (20.5, 21.0, 21.5):  # the outage goes on: newer values replace older ones
        p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(value)}, "physical")
    p.publisher.submit(SUBJECT, "thermostat-1", {"setpoint": sample(19.0)}, "app")
    assert await p.publisher.pump() == retry_at  # not before the backoff is over
    assert (len(platform.attempts), p.publisher.pending_properties()) == (1, 2)

    p.clock.now = retry_at
    second = await p.publisher.pump()
    assert second is not None
    assert second - retry_at >= 2.0
    p.clock.now = second
    assert await p.publisher.pump() is None

    assert [a[0] for a in platform.attempts] == [1000.0, retry_at, second]
    [report] = platform.change_reports()
    assert report["event"]["payload"]["change"]["properties"] == [
        {"namespace": "Alexa.TemperatureSensor", "name": "temperature",
         "value": {"value": 21.5, "scale": "CELSIUS"}, "timeOfSample": "2030-06-01T12:00:00Z",
         "uncertaintyInMilliseconds": 0},
        {"namespace": "Alexa.ThermostatController", "name": "targetSetpoint",
         "value": {"value": 19.0, "scale": "CELSIUS"}, "timeOfSample": "2030-06-01T12:00:00Z",
         "uncertaintyInMilliseconds": 0},
    ]  # fmt: skip
    assert report["event"]["payload"]["change"]["cause"] == {"type": "APP_INTERACTION"}
    assert (p.publisher.stats.retries, p.publisher.stats.reports_sent) == (2, 1)
    assert p.publisher.pending_properties() == 0


async def test_a_long_outage_keeps_one_value_per_property() -> None:
    platform = streaming_thermostat()
    platform.event_answers = [lambda: problem(500)] * 50
    p = parts(platform)
    for step in range(50):
        p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(step / 2)}, "poll")
        p.publisher.submit(SUBJECT, "thermostat-1", {"setpoint": sample(step / 2)}, "poll")
        retry_at = await p.publisher.pump()
        assert retry_at is not None
        p.clock.now = retry_at
        assert p.publisher.pending_properties() == 2

    assert len(platform.attempts) == 50
    attempts = [a[0] for a in platform.attempts]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(attempts))
    assert all(b - a <= 60.0 for a, b in itertools.pairwise(attempts))


async def test_a_network_failure_is_retried_too() -> None:
    platform = streaming_thermostat()

    def refuse() -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    platform.event_answers = [refuse]
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")
    retry_at = await p.publisher.pump()
    assert retry_at is not None
    p.clock.now = retry_at
    assert await p.publisher.pump() is None
    assert [changed(r) for r in platform.change_reports()] == [
        ["Alexa.TemperatureSensor.temperature"]
    ]


async def test_401_refreshes_the_token_then_retries_once(tmp_path: Path) -> None:
    platform = streaming_thermostat()
    platform.event_tokens = {"access-2"}  # the token on file is no longer good
    path = tmp_path / "accounts.json"
    p = parts(platform, path=path)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    assert await p.publisher.pump() is None
    assert [(a[1], changed(a[2])) for a in platform.attempts] == [
        ("access-1", ["Alexa.TemperatureSensor.temperature"]),
        ("access-2", ["Alexa.TemperatureSensor.temperature"]),
    ]
    [refresh] = platform.token_requests
    assert refresh.content == b"grant_type=refresh_token&refresh_token=refresh-1"
    basic = base64.b64encode(b"maker-app:maker-secret").decode()
    assert refresh.headers["authorization"] == f"Basic {basic}"
    saved = p.store.load(path).get(SUBJECT)
    assert saved is not None
    assert (saved.access_token, saved.refresh_token) == ("access-2", "refresh-2")


async def test_a_second_401_drops_the_report_without_another_refresh() -> None:
    platform = streaming_thermostat()
    platform.event_tokens = set()
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    assert await p.publisher.pump() is None
    assert ([a[1] for a in platform.attempts], len(platform.token_requests)) == (
        ["access-1", "access-2"], 1,
    )  # fmt: skip
    assert (p.publisher.stats.rejected, p.publisher.pending_properties()) == (1, 0)


async def test_skill_disabled_ends_sharing_for_that_shopper() -> None:
    platform = streaming_thermostat()
    platform.event_answers = [lambda: problem(403, "SKILL_DISABLED_EXCEPTION")]
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    assert await p.publisher.pump() is None
    account = p.store.get(SUBJECT)
    assert account is not None
    assert (account.relink_needed, account.access_token, account.refresh_token) == (True, "", "")
    assert p.publisher.stats.accounts_ended == 1

    reads = platform.grant_reads
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(25.0)}, "poll")
    p.publisher.request_discovery(SUBJECT)
    assert await p.publisher.pump() is None
    assert (len(platform.attempts), platform.grant_reads) == (1, reads)  # nothing more sent
    assert p.grants._fresh(SUBJECT) is None  # the cached grant is forgotten at once


async def test_insufficient_permission_keeps_the_grant_but_stops_streaming() -> None:
    platform = streaming_thermostat()
    platform.event_answers = [lambda: problem(403, "INSUFFICIENT_PERMISSION_EXCEPTION")]
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")
    assert await p.publisher.pump() is None

    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(25.0)}, "poll")
    assert await p.publisher.pump() is None
    account = p.store.get(SUBJECT)
    assert (len(platform.attempts), account is not None and account.relink_needed) == (1, False)
    assert p.grants._fresh(SUBJECT) is not None


async def test_a_400_is_dropped_not_retried() -> None:
    platform = streaming_thermostat()
    platform.event_answers = [lambda: problem(400, "INVALID_REQUEST_EXCEPTION")]
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    assert await p.publisher.pump() is None
    assert (len(platform.attempts), p.publisher.stats.rejected) == (1, 1)
    assert p.publisher.pending_properties() == 0


async def test_properties_outside_the_grant_never_reach_the_gateway() -> None:
    platform = streaming_thermostat()
    p = parts(platform)
    p.states.update(
        "thermostat-1",
        {"temperature": sample(20.0, 5), "setpoint": sample(20.0, 5), "mode": sample("HEAT", 5),
         "humidity": sample(44, 5), "connectivity": sample("OK", 5)},
    )  # fmt: skip
    p.publisher.submit(
        SUBJECT, "thermostat-1",
        {"temperature": sample(21.0), "humidity": sample(50), "mode": sample("ECO")}, "physical",
    )  # fmt: skip
    assert await p.publisher.pump() is None

    [report] = platform.change_reports()
    assert changed(report) == ["Alexa.TemperatureSensor.temperature"]
    assert names(report["context"]["properties"]) == [
        "Alexa.ThermostatController.targetSetpoint", "Alexa.EndpointHealth.connectivity",
    ]  # fmt: skip
    assert report["context"]["properties"][0]["uncertaintyInMilliseconds"] == 5000
    # The changed humidity (query only) and mode (not shared) were held back; their older
    # values are not context since they changed.
    assert p.publisher.stats.properties_withheld == 2


async def test_a_report_with_nothing_granted_is_not_sent() -> None:
    platform = streaming_thermostat()
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"humidity": sample(50)}, "poll")
    p.publisher.submit(SUBJECT, "lock-3", {"lock_state": sample("UNLOCKED")}, "physical")

    assert await p.publisher.pump() is None
    assert (platform.attempts, p.publisher.stats.nothing_kept) == ([], 2)


@pytest.mark.parametrize("document", [None, grant_document([], version=4, status="revoked")])
async def test_no_grant_or_a_revoked_one_shares_nothing(document: dict[str, object] | None) -> None:
    platform = FakePlatform(document)
    p = parts(platform)
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    assert await p.publisher.pump() is None
    assert (platform.attempts, p.publisher.stats.nothing_kept) == ([], 1)


def _flags(event: dict[str, Any]) -> dict[str, set[str]]:
    """Per endpoint of a discovery event, the interfaces it may be asked about (retrievable)."""
    return {
        e["endpointId"]: {
            c["interface"] for c in e["capabilities"] if c.get("properties", {}).get("retrievable")
        }
        for e in event["event"]["payload"]["endpoints"]
    }


async def test_discovery_lists_every_device_and_follows_the_grant_as_its_version_changes() -> None:
    platform = streaming_thermostat()
    p = parts(platform)
    p.grants.on_version_change = p.publisher.request_discovery
    p.publisher.request_discovery(SUBJECT)
    assert await p.publisher.pump() is None
    [first] = platform.discovery()  # no DeleteReport: unshared devices stay on the platform
    assert first["event"]["header"]["name"] == "AddOrUpdateReport"
    assert _flags(first) == {
        "thermostat-1": {"Alexa.TemperatureSensor", "Alexa.HumiditySensor",
                         "Alexa.EndpointHealth"},
        "sensor-2": set(), "lock-3": set(),
    }  # fmt: skip

    platform.grant = grant_document([share("lock-3", DataType.LOCK_STATE, QUERY)], version=2)
    p.clock.now += 1.0  # the cached grant is now too old
    await p.grants.read(SUBJECT)
    assert await p.publisher.pump() is None
    [second] = platform.discovery()[1:]
    assert second["event"]["header"]["name"] == "AddOrUpdateReport"
    assert _flags(second) == {
        "thermostat-1": set(), "sensor-2": set(), "lock-3": {"Alexa.LockController"},
    }  # fmt: skip


async def test_discovery_deletes_a_device_once_it_leaves_the_account() -> None:
    platform = streaming_thermostat()
    p = parts(platform)
    p.publisher.request_discovery(SUBJECT)
    assert await p.publisher.pump() is None
    account = p.store.get(SUBJECT)
    assert account is not None
    account.devices = [d for d in account.devices if d.device_id != "sensor-2"]

    p.publisher.request_discovery(SUBJECT)
    assert await p.publisher.pump() is None
    added, deleted = platform.discovery()[1:]
    assert [e["endpointId"] for e in added["event"]["payload"]["endpoints"]] == [
        "thermostat-1", "lock-3",
    ]  # fmt: skip
    assert deleted["event"]["header"]["name"] == "DeleteReport"
    assert deleted["event"]["payload"]["endpoints"] == [{"endpointId": "sensor-2"}]
    p.publisher.request_discovery(SUBJECT)
    assert await p.publisher.pump() is None
    assert [e["event"]["header"]["name"] for e in platform.discovery()[3:]] == ["AddOrUpdateReport"]


async def test_a_report_that_cannot_be_built_costs_no_other_device_its_changes() -> None:
    platform = FakePlatform(
        grant_document([share("thermostat-1", T, STREAM), share("lock-3", L, STREAM)])
    )
    p = parts(platform)
    # A value no device should send (parse_state drops it): the report cannot be built.
    p.publisher.submit(SUBJECT, "thermostat-1", {"temperature": sample("warm")}, "physical")
    p.publisher.submit(SUBJECT, "lock-3", {"lock_state": sample("UNLOCKED")}, "physical")

    assert await p.publisher.pump() is None
    [report] = platform.change_reports()
    assert report["event"]["endpoint"]["endpointId"] == "lock-3"
    stats = p.publisher.stats
    assert (stats.unbuildable, stats.reports_sent, p.publisher.pending_properties()) == (1, 1, 0)


async def test_an_unexpected_failure_for_one_shopper_keeps_its_changes_and_sends_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform = streaming_thermostat()
    p = parts(platform, accounts=[account("sub-a"), account("sub-b")])
    read = p.grants.grant
    failed: list[str] = []

    async def failing(subject: str) -> DeviceGrant:
        if subject == "sub-a" and not failed:  # once: a passing trouble (a full disk…)
            failed.append(subject)
            raise RuntimeError("disk full")
        return await read(subject)

    monkeypatch.setattr(p.grants, "grant", failing)
    for subject in ("sub-a", "sub-b"):
        p.publisher.submit(subject, "thermostat-1", {"temperature": sample(20.0)}, "poll")

    retry_at = await p.publisher.pump()
    assert retry_at is not None
    assert (len(platform.change_reports()), p.publisher.stats.failures) == (1, 1)
    assert p.publisher.pending_properties() == 1  # sub-a's change is kept
    p.clock.now = retry_at
    assert await p.publisher.pump() is None
    assert len(platform.change_reports()) == 2


@given(st.integers(1, 40), st.none() | st.floats(0, 10_000), st.integers(0, 2**32))
def test_backoff_waits_at_least_a_second_and_never_beyond_the_cap(
    attempt: int, retry_after: float | None, seed: int
) -> None:
    backoff = Backoff(1.0, 60.0, random.Random(seed))
    wait = backoff.delay(attempt, retry_after)

    assert 1.0 <= wait <= 60.0
    assert wait >= min(2.0 ** (attempt - 1), 60.0) / 2
    if retry_after is not None:
        assert wait >= min(retry_after, 60.0)
