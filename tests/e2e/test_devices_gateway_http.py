"""The event gateway: ChangeReports pass the consent enforcer; what it refuses is never stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices import service
from handshake.devices.consent import DataType, Purpose
from handshake.devices.errors import PurposeNotGranted
from handshake.devices.models import ReportedProperty
from handshake.kernel import clock
from handshake.linking.policy import LinkingPolicy
from tests.devices_helpers import detail, linked_maker, put
from tests.linking_helpers import FROZEN_START, bearer, browser
from tests.offers_helpers import shopper_browser

EVENTS = "/partner/v1/devices/events"


class _Twin(Repository):
    async def rows(self) -> list[ReportedProperty]:
        return list((await self.session.scalars(select(ReportedProperty))).all())


async def twin(container: Container) -> list[tuple[str, str, Any, str]]:
    """(device, property name, value, cause) of every stored reported property."""
    uow = container.read_uow()
    async with uow:
        rows = await uow.repo(_Twin).rows()
    return sorted((r.device_id, r.name, r.value, r.cause) for r in rows)


def prop(namespace: str, name: str, value: Any) -> dict[str, Any]:
    """An Alexa property object."""
    return {"namespace": namespace, "name": name, "value": value,
            "timeOfSample": "2026-11-30T07:00:00Z", "uncertaintyInMilliseconds": 0}  # fmt: skip


def change_report(
    device: str, *changed: dict[str, Any], context: list[Any] | None = None
) -> dict[str, Any]:
    """An Alexa ChangeReport envelope."""
    return {
        "event": {
            "header": {"namespace": "Alexa", "name": "ChangeReport", "messageId": "m-1",
                       "payloadVersion": "3"},
            "endpoint": {"endpointId": device},
            "payload": {"change": {"cause": {"type": "PHYSICAL_INTERACTION"},
                                   "properties": list(changed)}},
        },
        "context": {"properties": context or []},
    }  # fmt: skip


TEMPERATURE = prop("Alexa.TemperatureSensor", "temperature", {"value": 20.5, "scale": "CELSIUS"})
SETPOINT = prop("Alexa.ThermostatController", "targetSetpoint", {"value": 21, "scale": "CELSIUS"})
HEALTH = prop("Alexa.EndpointHealth", "connectivity", {"value": "OK"})


async def test_only_streamed_data_types_are_stored(app: object, container: Container) -> None:
    """temperature streams, setpoint only on query: the setpoint is dropped and counted."""
    linked = await linked_maker(app, container, "devices.command devices.query devices.stream")
    await put(
        app, container, linked,
        detail("stream_changes", "temperature"), detail("query_current", "setpoint"),
    )  # fmt: skip
    async with browser(app) as maker:
        answer = await maker.post(
            EVENTS, headers=bearer(linked.token),
            json=change_report("thermo-1", TEMPERATURE, SETPOINT, context=[HEALTH]),
        )  # fmt: skip
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"stored": 2, "dropped": {"mode_not_granted": 1}}
    assert await twin(container) == [
        ("thermo-1", "connectivity", {"value": "OK"}, "physical"),
        ("thermo-1", "temperature", {"value": 20.5, "scale": "CELSIUS"}, "physical"),
    ]
    assert (await service.verify_audit(uow=container.read_uow()))[1] == []


async def test_other_devices_and_unknown_properties_are_dropped(
    app: object, container: Container
) -> None:
    """A device outside the grant: nothing stored, the drop is audited."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    async with browser(app) as maker:
        other = await maker.post(
            EVENTS, headers=bearer(linked.token), json=change_report("lock-7", TEMPERATURE)
        )
        odd = await maker.post(
            EVENTS, headers=bearer(linked.token),
            json=change_report("thermo-1", prop("Acme.Secret", "floorPlan", "…")),
        )  # fmt: skip
    assert other.json() == {"stored": 0, "dropped": {"device_not_shared": 1}}
    assert odd.json() == {"stored": 0, "dropped": {"unknown_property": 1}}
    assert await twin(container) == []


async def test_gateway_errors_speak_alexa(app: object, container: Container) -> None:
    """Bad event 400, no token 401, no devices.stream 403, ended sharing 403 — with Alexa codes."""
    linked = await linked_maker(app, container, "devices.command")
    streaming = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, streaming, detail("stream_changes", "temperature"))
    async with browser(app) as maker:
        revoked = await maker.delete("/partner/v1/devices/grant", headers=bearer(streaming.token))
        assert revoked.status_code == 200
        answers = [
            await maker.post(EVENTS, headers=bearer(streaming.token), json={"event": {}}),
            await maker.post(EVENTS, json=change_report("thermo-1", TEMPERATURE)),
            await maker.post(
                EVENTS, headers=bearer(linked.token), json=change_report("t", TEMPERATURE)
            ),
            await maker.post(
                EVENTS, headers=bearer(streaming.token), json=change_report("thermo-1", TEMPERATURE)
            ),
        ]
    assert [(a.status_code, a.json()["payload"]["code"]) for a in answers] == [
        (400, "INVALID_REQUEST_EXCEPTION"),
        (401, "INVALID_ACCESS_TOKEN_EXCEPTION"),
        (403, "INSUFFICIENT_PERMISSION_EXCEPTION"),
        (403, "SKILL_DISABLED_EXCEPTION"),
    ]
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert await twin(container) == []


async def _stream_one(app: object, container: Container, linked: object) -> None:
    async with browser(app) as maker:
        answer = await maker.post(
            EVENTS, headers=bearer(linked.token),  # type: ignore[attr-defined]
            json=change_report("thermo-1", TEMPERATURE),
        )  # fmt: skip
    assert answer.json() == {"stored": 1, "dropped": {}}


async def test_ending_sharing_purges_what_was_stored(app: object, container: Container) -> None:
    """The shopper's revocation deletes the twin's values at once, and says so in the audit."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    await _stream_one(app, container, linked)
    async with shopper_browser(app, container, linked.login) as http:
        ended = await http.delete(linked.path, headers={"X-CSRF-Token": linked.login.csrf_token})
    assert ended.json()["status"] == "revoked"
    assert await twin(container) == []
    # grant_created, change_report, grant_revoked, purge
    assert (await service.verify_audit(uow=container.read_uow())) == (4, [])


async def test_values_past_their_retention_are_purged(app: object, container: Container) -> None:
    """30 days of retention: the hourly purge leaves nothing on day 31 (value and history)."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    await _stream_one(app, container, linked)
    assert await service.purge_expired_device_data(uow=container.uow()) == 0
    with clock.frozen_at(clock.now() + timedelta(days=30, seconds=1)):
        assert await service.purge_expired_device_data(uow=container.uow()) == 2
    assert await twin(container) == []


async def test_malformed_events_are_refused_not_crashed_on(
    app: object, container: Container
) -> None:
    """Odd shapes get 400 INVALID_REQUEST_EXCEPTION (never a 500), nothing stored."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    odd_bodies = [
        {"event": {"header": ["Alexa"]}},
        change_report("x" * 257, TEMPERATURE),
        {**change_report("thermo-1", TEMPERATURE), "context": {"properties": "all"}},
        change_report("thermo-1"),
    ]
    async with browser(app) as maker:
        answers = [
            await maker.post(EVENTS, headers=bearer(linked.token), json=body) for body in odd_bodies
        ]
        not_json = await maker.post(
            EVENTS, headers={**bearer(linked.token), "content-type": "application/json"},
            content=b"{not json",
        )  # fmt: skip
    for answer in [*answers, not_json]:
        assert answer.status_code == 400, answer.text
        assert answer.json()["payload"]["code"] == "INVALID_REQUEST_EXCEPTION"
    assert await twin(container) == []


async def test_reads_name_a_purpose_the_grant_holds(app: object, container: Container) -> None:
    """Service operation may read the temperature; recommendations may not; both audited."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    await _stream_one(app, container, linked)
    ids = {
        "shopper_id": linked.login.shopper_id, "partner_id": linked.maker.partner_id,
        "device_id": "thermo-1", "data_types": [DataType.TEMPERATURE],
    }  # fmt: skip
    rows = await service.read_device_state(
        uow=container.uow(), purpose=Purpose.SERVICE_OPERATION, **ids
    )
    assert [(r.name, r.value) for r in rows] == [
        ("temperature", {"value": 20.5, "scale": "CELSIUS"})
    ]
    with pytest.raises(PurposeNotGranted):
        await service.read_device_state(uow=container.uow(), purpose=Purpose.RECOMMENDATIONS, **ids)
    # grant_created, change_report, read, read_refused
    assert await service.verify_audit(uow=container.read_uow()) == (4, [])


async def test_streaming_pauses_after_90_days_until_reconfirmed(
    app: object, container: Container
) -> None:
    """Day 91 after the last confirmation: changes dropped (stream_paused) until reconfirmed."""
    policy = LinkingPolicy.from_settings(container.settings)
    with clock.frozen_at(FROZEN_START):
        linked = await linked_maker(app, container, "devices.command devices.stream")
        await put(app, container, linked, detail("stream_changes", "temperature"))
        ids = {"shopper_id": linked.login.shopper_id, "partner_id": linked.maker.partner_id}
        async with shopper_browser(app, container, linked.login) as http:
            early = await http.post(
                f"{linked.path}/reconfirm", headers={"X-CSRF-Token": linked.login.csrf_token}
            )
        clock.advance(timedelta(days=91))
        paused = await service.ingest_change_report(
            uow=container.uow(), body=change_report("thermo-1", TEMPERATURE), **ids
        )
        again = await service.reconfirm_streaming(uow=container.uow(), policy=policy, **ids)
        resumed = await service.ingest_change_report(
            uow=container.uow(), body=change_report("thermo-1", TEMPERATURE), **ids
        )
    assert (early.status_code, early.json()["version"]) == (200, 2)
    assert (paused.stored, paused.dropped) == (0, {"stream_paused": 1})
    assert again.record.version == 3
    assert (resumed.stored, resumed.dropped) == (1, {})
