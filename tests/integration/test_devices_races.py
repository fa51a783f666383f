"""Reports racing a revocation: never a server error, and nothing stored once sharing ended.

Regression: the gateway wrote the twin, then locked the audit chain, while a revocation held the
chain and deleted the twin: on PostgreSQL one of them died in a deadlock (500), and a report
whose grant was read before the revocation could be stored after the purge.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices.models import PropertyHistory, ReportedProperty
from tests.devices_helpers import detail, linked_maker, put
from tests.e2e.test_devices_gateway_http import change_report, prop
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser


class _Count(Repository):
    async def rows(self, shopper_id: str) -> int:
        total = 0
        for model in (ReportedProperty, PropertyHistory):
            statement = select(func.count()).where(model.shopper_id == shopper_id)
            total += int((await self.session.execute(statement)).scalar_one())
        return total


async def test_reports_racing_a_revocation_never_fail_and_leave_nothing(
    app: Any, container: Container
) -> None:
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature", "humidity"))
    temperature = prop("Alexa.TemperatureSensor", "temperature", {"value": 20.5})
    humidity = prop("Alexa.HumiditySensor", "relativeHumidity", {"value": 40})
    batch = {"events": [change_report("thermo-1", temperature, humidity)] * 20}
    async with browser(app) as maker, shopper_browser(app, container, linked.login) as shopper:

        async def push() -> int:
            answer = await maker.post("/partner/v1/devices/events", json=batch,
                                      headers=bearer(linked.token))  # fmt: skip
            return answer.status_code

        async def revoke() -> int:
            await asyncio.sleep(0.01)
            answer = await shopper.delete(
                linked.path, headers={"X-CSRF-Token": linked.login.csrf_token}
            )
            return answer.status_code

        statuses = await asyncio.gather(*(push() for _ in range(12)), revoke())
    assert statuses[-1] == 200
    assert set(statuses[:-1]) <= {202, 403}
    uow = container.read_uow()
    async with uow:
        assert await uow.repo(_Count).rows(linked.login.shopper_id) == 0
