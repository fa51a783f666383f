"""Device data when sharing ends with "keep my data", in the export, and in erasure."""

from __future__ import annotations

from typing import Any

from handshake.bootstrap import Container
from tests.devices_helpers import audit_kinds, detail, linked_maker, put
from tests.e2e.test_devices_gateway_http import EVENTS, change_report, prop, twin
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser

TEMPERATURE = prop("Alexa.TemperatureSensor", "temperature", {"value": 19.5, "scale": "CELSIUS"})


async def _streamed(app: Any, container: Container) -> Any:
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    async with browser(app) as maker:
        answer = await maker.post(
            EVENTS, json=change_report("thermo-1", TEMPERATURE), headers=bearer(linked.token)
        )
    assert answer.json()["stored"] == 1
    return linked


async def test_the_shopper_may_keep_what_was_shared_when_ending_it(
    app: Any, container: Container
) -> None:
    """keep_data=true: the grant ends and the maker is told, but the value stays (and shows in
    the export); without it, it is purged."""
    linked = await _streamed(app, container)
    async with shopper_browser(app, container, linked.login) as http:
        ended = await http.delete(
            linked.path + "?keep_data=true", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
        exported = (await http.get("/api/v1/me/export")).json()
    assert ended.json()["status"] == "revoked"
    assert [row[:2] for row in await twin(container)] == [("thermo-1", "temperature")]
    assert "purge" not in await audit_kinds(container, linked)
    [section] = exported["sections"]["device_sharing"]
    assert (section["status"], [v["name"] for v in section["stored_values"]]) == (
        "revoked", ["temperature"],
    )  # fmt: skip
    assert section["audit_log"][0]["text"] == "You started sharing (version 1)."


async def test_the_maker_cannot_choose_to_keep_the_shoppers_data(
    app: Any, container: Container
) -> None:
    """Ending from the maker's side always purges."""
    linked = await _streamed(app, container)
    async with browser(app) as maker:
        ended = await maker.delete(
            "/partner/v1/devices/grant?keep_data=true", headers=bearer(linked.token)
        )
    assert ended.json()["status"] == "revoked"
    assert await twin(container) == []


async def test_erasure_ends_sharing_and_forgets_devices_and_values(
    app: Any, container: Container
) -> None:
    """Deleting the account revokes the grant (the maker told), purges the values; the audit
    chain stays as the record of what was consented to."""
    linked = await _streamed(app, container)
    async with shopper_browser(app, container, linked.login) as http:
        erased = await http.delete("/api/v1/me", headers={"X-CSRF-Token": linked.login.csrf_token})
    assert erased.status_code == 204, erased.text
    assert await twin(container) == []
    kinds = await audit_kinds(container, linked)
    assert kinds[-2:] == ["grant_revoked", "purge"]
    async with browser(app) as maker:
        refused = await maker.post(
            EVENTS, json=change_report("thermo-1", TEMPERATURE), headers=bearer(linked.token)
        )
    assert refused.status_code in (401, 403)


async def test_kept_data_is_not_read_again_under_a_new_grant(
    app: Any, container: Container
) -> None:
    """Regression: kept values became readable (twin, reads for a purpose) once the shopper
    shared again; they belong to the ended grant and only show in the export."""
    linked = await _streamed(app, container)
    async with shopper_browser(app, container, linked.login) as http:
        await http.delete(
            linked.path + "?keep_data=true", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
    await put(app, container, linked, detail("stream_changes", "temperature"))
    async with shopper_browser(app, container, linked.login) as http:
        view = await http.get(f"/api/v1/me/devices/{linked.maker.partner_id}/thermo-1/twin")
    assert view.json()["reported"] == []
    assert [row[:2] for row in await twin(container)] == [("thermo-1", "temperature")]


async def test_removing_a_share_purges_what_was_stored_under_it(
    app: Any, container: Container
) -> None:
    """Regression: narrowing a grant kept the removed data type's values (readable again if
    it was shared again). Removing temperature deletes it; humidity stays."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature", "humidity"))
    humidity = prop("Alexa.HumiditySensor", "relativeHumidity", {"value": 40})
    async with browser(app) as maker:
        await maker.post(EVENTS, json=change_report("thermo-1", TEMPERATURE, humidity),
                         headers=bearer(linked.token))  # fmt: skip
    await put(app, container, linked, detail("stream_changes", "humidity"))
    assert [row[:2] for row in await twin(container)] == [("thermo-1", "relativeHumidity")]
    assert "purge" in await audit_kinds(container, linked)
