"""Property tests through the event gateway and the database, over random grants and random
streams of ChangeReports: exactly what the grant streams (and keeps) is stored, nothing else;
revoking stops the flow at once and purging leaves nothing of the shopper behind.

The oracle restates the rule on its own: a property is kept when its device and data type are
shared in ``stream_changes`` with a retention above zero; device health when any share of the
device streams (kept as long as the longest of them).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices.consent import DataType
from handshake.devices.models import DesiredProperty, PropertyHistory, ReportedProperty
from tests.devices_helpers import ALEXA, HEALTH, detail, linked_maker, prop, put
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser

DEVICES = ("thermo-1", "lock-2", "sensor-3")
MODES = ("report_on_command", "query_current", "stream_changes")
CAUSES = ("PHYSICAL_INTERACTION", "APP_INTERACTION", "PERIODIC_POLL")
UNKNOWN = ("Vendor.Energy", "watts")
EVENTS = "/partner/v1/devices/events"

shares = st.dictionaries(
    st.tuples(st.sampled_from(DEVICES), st.sampled_from(list(DataType))),
    st.tuples(st.sampled_from(MODES), st.sampled_from((0, 1, 30))),
    max_size=6,
)
properties = st.sampled_from([*ALEXA.values(), HEALTH, UNKNOWN])
reports = st.lists(
    st.tuples(st.sampled_from(DEVICES), st.lists(properties, min_size=1, max_size=4, unique=True),
              st.sampled_from(CAUSES)),
    min_size=1, max_size=10,
)  # fmt: skip


class _Stored(Repository):
    async def keys(self, shopper_id: str) -> set[tuple[str, str, str]]:
        rows = await self.session.execute(
            select(
                ReportedProperty.device_id, ReportedProperty.namespace, ReportedProperty.name
            ).where(ReportedProperty.shopper_id == shopper_id)
        )
        return {(r[0], r[1], r[2]) for r in rows}

    async def count(self, shopper_id: str) -> int:
        total = 0
        for model in (ReportedProperty, PropertyHistory, DesiredProperty):
            statement = select(func.count()).where(model.shopper_id == shopper_id)
            total += int((await self.session.execute(statement)).scalar_one())
        return total


def _expected(granted: dict[Any, tuple[str, int]], sent: list[Any]) -> set[tuple[str, str, str]]:
    streamed = {key for key, (mode, days) in granted.items() if mode == "stream_changes"}
    kept = set()
    for device, props, _ in sent:
        for namespace, name in props:
            kind = next((k for k, alexa in ALEXA.items() if alexa == (namespace, name)), None)
            if (namespace, name) == HEALTH:
                days = [granted[k][1] for k in streamed if k[0] == device]
                ok = max(days, default=0) > 0
            else:
                ok = (
                    kind is not None
                    and (device, kind) in streamed
                    and granted[(device, kind)][1] > 0
                )
            if ok:
                kept.add((device, namespace, name))
    return kept


def _batch(sent: list[Any]) -> dict[str, Any]:
    events = []
    for device, props, cause in sent:
        changed = [prop(namespace, name, {"value": 1}) for namespace, name in props]
        events.append({"event": {
            "header": {"namespace": "Alexa", "name": "ChangeReport", "messageId": "m",
                       "payloadVersion": "3"},
            "endpoint": {"endpointId": device},
            "payload": {"change": {"cause": {"type": cause}, "properties": changed}}}})  # fmt: skip
    return {"events": events}


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(granted=shares, sent=reports)
async def test_only_the_grant_is_stored_and_revocation_leaves_nothing(
    app: Any, container: Container, granted: dict[Any, tuple[str, int]], sent: list[Any]
) -> None:
    linked = await linked_maker(app, container, "devices.command devices.query devices.stream")
    details = [detail(mode, kind.value, device=device, retention_days=days)
               for (device, kind), (mode, days) in granted.items()]  # fmt: skip
    if details:
        assert (await put(app, container, linked, *details)).status_code == 200
    async with browser(app) as maker:
        answer = await maker.post(EVENTS, json=_batch(sent), headers=bearer(linked.token))
    uow = container.read_uow()
    async with uow:
        stored = await uow.repo(_Stored).keys(linked.login.shopper_id)
    assert stored == _expected(granted, sent)
    assert answer.status_code == (202 if details else 403)

    if details:
        async with shopper_browser(app, container, linked.login) as http:
            ended = await http.delete(
                linked.path, headers={"X-CSRF-Token": linked.login.csrf_token}
            )
        assert ended.status_code == 200
        async with browser(app) as maker:
            after = await maker.post(EVENTS, json=_batch(sent), headers=bearer(linked.token))
        assert after.json()["payload"]["code"] == "SKILL_DISABLED_EXCEPTION"
    uow = container.read_uow()
    async with uow:
        assert await uow.repo(_Stored).count(linked.login.shopper_id) == (
            0 if details else len(stored)
        )
