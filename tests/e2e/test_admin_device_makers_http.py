"""Dashboard device-maker pages: directive endpoint (secret shown once) and sharing statistics."""

from __future__ import annotations

from datetime import timedelta

import httpx

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.devices import sharing_stats
from handshake.devices.models import DeviceEndpoint, PropertyHistory
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from tests.admin_helpers import post_form, signed_in_operator, text_of
from tests.devices_helpers import LinkedMaker, detail, linked_maker, put

SCOPE = "devices.command devices.query devices.stream"


class _DeviceRows(Repository):
    """Writes a discovered device and received values the way the gateway would have."""

    def device(self, linked: LinkedMaker, device_id: str) -> None:
        self.add(DeviceEndpoint(
            id=new_id("dep"), shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id, device_id=device_id, friendly_name=device_id,
            category="THERMOSTAT", data_types=["temperature"], discovered_at=clock.now(),
        ))  # fmt: skip

    def value(self, linked: LinkedMaker, hours_ago: int) -> None:
        at = clock.now() - timedelta(hours=hours_ago)
        self.add(PropertyHistory(
            id=new_id("dph"), shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id, device_id="thermo-1",
            namespace="Alexa.TemperatureSensor", name="temperature", data_type="temperature",
            value={"value": 20.5, "scale": "CELSIUS"}, time_of_sample=at, cause="physical",
            received_at=at, keep_until=at + timedelta(days=30),
        ))  # fmt: skip


async def test_statistics_count_shares_devices_purposes_and_recent_values(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    linked = await linked_maker(app, container, SCOPE)
    chosen = await put(
        app, container, linked,
        detail("query_current", "temperature", "humidity", device="thermo-1",
               purposes=["service_operation", "recommendations"]),
        detail("report_on_command", "temperature", device="thermo-2"),
    )  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    uow = container.uow()
    async with uow:
        rows = uow.repo(_DeviceRows)
        rows.device(linked, "thermo-1")
        rows.device(linked, "thermo-2")
        rows.value(linked, hours_ago=1)
        rows.value(linked, hours_ago=2)
        rows.value(linked, hours_ago=30)  # older than a day
        await uow.commit()
    maker = linked.maker.partner_id
    await signed_in_operator(client, container)
    listed = await client.get("/admin/device-makers")
    assert f'data-testid="maker-row" data-partner-id="{maker}"' in listed.text
    page = await client.get(f"/admin/device-makers/{maker}")
    assert page.status_code == 200
    figures = {
        name: text_of(page.text, name)
        for name in [
            "stat-shoppers", "stat-devices", "stat-recent", "share-temperature-query_current",
            "share-humidity-query_current", "share-temperature-report_on_command",
            "share-temperature-stream_changes", "purpose-service_operation",
            "purpose-recommendations", "purpose-product_development",
        ]
    }  # fmt: skip
    assert figures == {
        "stat-shoppers": "1", "stat-devices": "2", "stat-recent": "2",
        "share-temperature-query_current": "1", "share-humidity-query_current": "1",
        "share-temperature-report_on_command": "1", "share-temperature-stream_changes": "0",
        "purpose-service_operation": "3", "purpose-recommendations": "2",
        "purpose-product_development": "0",
    }  # fmt: skip


async def test_directive_endpoint_is_set_with_a_secret_shown_once(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    linked = await linked_maker(app, container, SCOPE)
    maker = linked.maker.partner_id
    token = await signed_in_operator(client, container)
    url = "https://thermo.example/directives"
    saved = await post_form(
        client, f"/admin/device-makers/{maker}/directive-endpoint", token, url=url
    )
    assert saved.status_code == 201
    assert saved.headers["cache-control"] == "no-store"
    row = await sharing_stats.directive_endpoint(uow=container.read_uow(), partner_id=maker)
    assert row is not None
    assert (row.url, text_of(saved.text, "directive-secret")) == (url, row.signing_secret)
    bad = await post_form(
        client, f"/admin/device-makers/{maker}/directive-endpoint", token, url="ftp://x.example"
    )
    assert bad.status_code == 422
    assert 'data-testid="form-error"' in bad.text
    unchanged = await sharing_stats.directive_endpoint(uow=container.read_uow(), partner_id=maker)
    assert unchanged is not None
    assert (unchanged.url, unchanged.signing_secret) == (url, row.signing_secret)
