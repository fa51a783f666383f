"""Device-sharing grants over HTTP: the shopper sets, amends and ends them; the maker reads and
ends its own; each change is audited (only what changed) and sent as ``consent.updated``."""

from __future__ import annotations

import asyncio

from handshake.bootstrap import Container
from handshake.devices import service
from tests.checkout_helpers import partner_events
from tests.checkout_state_helpers import problem
from tests.devices_helpers import detail, linked_maker, put
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser


async def test_grant_then_amend_lists_only_changes_and_tells_the_maker(
    app: object, container: Container
) -> None:
    """Created with two shares, amended on one: the answer, audit and webhook say exactly that."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    first = await put(app, container, linked, detail("query_current", "temperature", "setpoint"))
    assert first.status_code == 200, first.text
    assert (first.json()["version"], len(first.json()["changes"])) == (1, 2)
    second = await put(
        app, container, linked,
        detail("query_current", "temperature"), detail("report_on_command", "setpoint"),
    )  # fmt: skip
    body = second.json()
    assert body["version"] == 2
    moved = [
        (c["data_type"], c["change"], c["before"]["mode"], c["after"]["mode"])
        for c in body["changes"]
    ]
    assert moved == [("setpoint", "changed", "query_current", "report_on_command")]
    events = [kind for kind, _ in await partner_events(container, linked.maker.partner_id)]
    assert events == ["consent.updated", "consent.updated"]
    assert await service.verify_audit(uow=container.read_uow()) == (2, [])


async def test_a_mode_the_link_does_not_allow_is_refused(app: object, container: Container) -> None:
    """Streaming needs devices.stream on the link: 403, nothing stored, nothing sent."""
    linked = await linked_maker(app, container, "devices.command")
    refused = await put(app, container, linked, detail("stream_changes", "temperature"))
    problem(refused, 403, "sharing_mode_not_linked")
    assert await partner_events(container, linked.maker.partner_id) == []
    async with shopper_browser(app, container, linked.login) as http:
        problem(await http.get(linked.path), 404, "device_grant_not_found")


async def test_product_development_is_never_granted(app: object, container: Container) -> None:
    """A purpose never offered to the platform: 422 invalid_device_grant."""
    linked = await linked_maker(app, container, "devices.command")
    bad = detail("report_on_command", "temperature", purposes=["product_development"])
    problem(await put(app, container, linked, bad), 422, "invalid_device_grant")


async def test_the_maker_reads_and_ends_the_grant(app: object, container: Container) -> None:
    """The maker sees the same details; its revocation ends sharing on the platform too."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    await put(app, container, linked, detail("query_current", "temperature"))
    async with browser(app) as maker:
        seen = await maker.get("/partner/v1/devices/grant", headers=bearer(linked.token))
        ended = await maker.delete("/partner/v1/devices/grant", headers=bearer(linked.token))
    assert seen.json()["authorization_details"] == [detail("query_current", "temperature")]
    assert (ended.json()["status"], ended.json()["revoked_by"]) == ("revoked", "maker")
    view = await service.get_device_grant(
        uow=container.read_uow(), shopper_id=linked.login.shopper_id,
        partner_id=linked.maker.partner_id,
    )  # fmt: skip
    assert view.grant.revoked
    assert view.grant.shares == ()


async def test_unlinking_the_maker_ends_sharing_at_once(app: object, container: Container) -> None:
    """The consent center's unlink: the enforced grant is empty from the next call on."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    await put(app, container, linked, detail("query_current", "temperature"))
    ids = {"shopper_id": linked.login.shopper_id, "partner_id": linked.maker.partner_id}
    before = await service.enforceable_grant(uow=container.read_uow(), **ids)
    async with shopper_browser(app, container, linked.login) as http:
        links = (await http.get("/api/v1/me/links")).json()
        ended = await http.delete(
            f"/api/v1/me/links/{links[0]['id']}", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
    assert ended.status_code in (200, 204), ended.text
    after = await service.enforceable_grant(uow=container.read_uow(), **ids)
    assert [s.data_type.value for s in before.shares] == ["temperature"]
    assert (after.revoked, after.shares) == (True, ())


async def test_two_first_grants_at_once_store_one(app: object, container: Container) -> None:
    """Racing first PUTs: one grant, one audit entry; a loser gets 409 device_grant_conflict."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    choice = detail("query_current", "temperature")
    answers = await asyncio.gather(*(put(app, container, linked, choice) for _ in range(2)))
    codes = sorted(a.status_code for a in answers)
    assert codes in ([200, 200], [200, 409]), [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            problem(answer, 409, "device_grant_conflict")
    view = await service.get_device_grant(
        uow=container.read_uow(), shopper_id=linked.login.shopper_id,
        partner_id=linked.maker.partner_id,
    )  # fmt: skip
    assert view.record.version == 1
    assert await service.verify_audit(uow=container.read_uow()) == (1, [])
