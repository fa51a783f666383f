"""Consent receipts, the streaming period's reminder and pause, and both sides' audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet

from handshake.bootstrap import Container
from handshake.devices import service
from handshake.devices.schemas import grant_document
from handshake.kernel import clock
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy
from tests.devices_helpers import LinkedMaker, audit_kinds, detail, linked_maker, put
from tests.linking_helpers import bearer, browser
from tests.offers_helpers import shopper_browser


async def _get(app: Any, container: Container, linked: LinkedMaker, path: str) -> Any:
    async with shopper_browser(app, container, linked.login) as http:
        answer = await http.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _document(container: Container, linked: LinkedMaker) -> dict[str, Any]:
    view = await service.get_device_grant(
        uow=container.read_uow(), shopper_id=linked.login.shopper_id,
        partner_id=linked.maker.partner_id,
    )  # fmt: skip
    return grant_document(view)


def _policy(container: Container) -> LinkingPolicy:
    return LinkingPolicy.from_settings(container.settings)


async def test_every_grant_change_issues_a_signed_receipt_both_sides_can_download(
    app: Any, container: Container
) -> None:
    """Create, amend, revoke: three receipts, newest first, each a JWS verifying with the
    published key, naming the shopper by the maker's pairwise subject; the maker has the same."""
    linked = await linked_maker(app, container, "devices.command devices.query")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    await put(app, container, linked, detail("query_current", "setpoint"))
    async with shopper_browser(app, container, linked.login) as http:
        revoked = await http.delete(linked.path, headers={"X-CSRF-Token": linked.login.csrf_token})
    assert revoked.status_code == 200
    listed = await _get(app, container, linked, linked.path + "/receipts")
    assert [(r["event"], r["version"]) for r in listed["items"]] == [
        ("grant_revoked", 3), ("grant_amended", 2), ("grant_created", 1),
    ]  # fmt: skip
    first = listed["items"][-1]["receipt_id"]
    mine = await _get(app, container, linked, f"{linked.path}/receipts/{first}")
    async with browser(app) as maker:
        theirs = (await maker.get(f"/partner/v1/devices/receipts/{first}",
                                  headers=bearer(linked.token))).json()  # fmt: skip
        keys = (await maker.get("/.well-known/device-receipt-keys.json")).json()
    assert theirs["jws"] == mine["jws"]
    claims = jws.deserialize_compact(mine["jws"], KeySet.import_key_set(keys), ["Ed25519"])
    assert claims.headers()["kid"] == keys["keys"][0]["kid"]
    receipt = mine["receipt"]
    assert receipt["event"] == "grant_created"
    assert receipt["grant"]["authorization_details"][0]["actions"] == ["report_on_command"]
    assert receipt["restrictions"] == [
        "no_competing_product_use", "no_profiling_beyond_service", "no_onward_sharing",
    ]  # fmt: skip
    assert receipt["pii_principal"] != linked.login.shopper_id  # the pairwise subject


async def test_a_tampered_receipt_does_not_verify(app: Any, container: Container) -> None:
    """Changing one character of the payload breaks the signature."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    [item] = (await _get(app, container, linked, linked.path + "/receipts"))["items"]
    token = (await _get(app, container, linked, f"{linked.path}/receipts/{item['receipt_id']}"))[
        "jws"
    ]
    head, payload, signature = token.split(".")
    forged = ".".join([head, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1],
                       signature])  # fmt: skip
    try:
        service.verify_receipt(forged, _policy(container))
    except ValueError:
        pass
    else:
        raise AssertionError("a forged receipt verified")


async def test_streaming_reminds_a_week_before_then_pauses_without_deleting(
    app: Any, container: Container
) -> None:
    """Day 83: reminder (audited once); day 90: streaming paused, the maker told with a
    receipt, query mode untouched; reconfirming clears both and streams again."""
    linked = await linked_maker(app, container, "devices.command devices.query devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    start, policy = clock.now(), _policy(container)
    with clock.frozen_at(start + timedelta(days=82)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(0, 0)
        )
    with clock.frozen_at(start + timedelta(days=83, hours=1)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(1, 0)
        )
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(0, 0)
        )
        grant = await _document(container, linked)  # (web sessions last 14 days)
        assert (grant["streaming"]["reminder_due"], grant["streaming"]["paused"]) == (True, False)
    with clock.frozen_at(start + timedelta(days=90, hours=1)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(0, 1)
        )
        grant = await _document(container, linked)
        assert (grant["status"], grant["streaming"]["paused"]) == ("active", True)
        again = await service.reconfirm_streaming(
            uow=container.uow(), policy=policy, shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id,
        )  # fmt: skip
        assert grant_document(again)["streaming"]["paused"] is False
    kinds = await audit_kinds(container, linked)
    assert [k for k in kinds if k.startswith(("stream", "grant"))] == [
        "grant_created", "stream_reminder", "stream_paused", "grant_reconfirmed",
    ]  # fmt: skip
    receipts = await _get(app, container, linked, linked.path + "/receipts")
    assert [r["event"] for r in receipts["items"]][:2] == ["grant_reconfirmed", "stream_paused"]


async def test_both_sides_read_the_same_audit_log_in_plain_words(
    app: Any, container: Container
) -> None:
    """The shopper reads sentences (English or French); the maker reads the same entries and
    hashes through its API; the chain is reported intact."""
    linked = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    english = await _get(app, container, linked, linked.path + "/audit")
    french = await _get(app, container, linked, linked.path + "/audit?lang=fr")
    assert [i["text"] for i in english["items"]] == ["You started sharing (version 1)."]
    assert [i["text"] for i in french["items"]] == ["Vous a commencé le partage (version 1)."]
    async with browser(app) as maker:
        log = (
            await maker.get("/partner/v1/devices/access-log", headers=bearer(linked.token))
        ).json()
    assert [i["hash"] for i in log["items"]] == [i["hash"] for i in english["items"]]
    assert log["chain_intact"] is True


async def test_the_maker_page_lists_accesses_to_its_shoppers_only(
    app: Any, container: Container
) -> None:
    """HTTP Basic with the maker's client credentials: its shoppers' entries, by pairwise
    subject (never the shopper's id); another maker sees none of them; no credentials → the
    browser is asked for them; a partner that is not a device maker is refused."""
    linked = await linked_maker(app, container, "devices.command")
    other = await linked_maker(app, container, "devices.command")
    await put(app, container, linked, detail("report_on_command", "setpoint"))
    async with browser(app) as visitor:
        page = await visitor.get("/partner/devices/access-log", headers=linked.maker.basic())
        elsewhere = await visitor.get("/partner/devices/access-log", headers=other.maker.basic())
        anonymous = await visitor.get("/partner/devices/access-log")
    subject = linking.subject_of(
        _policy(container), partner_id=linked.maker.partner_id,
        shopper_id=linked.login.shopper_id,
    )  # fmt: skip
    assert page.status_code == 200
    assert subject in page.text
    assert linked.login.shopper_id not in page.text
    assert "The shopper started sharing (version 1)." in page.text
    assert subject not in elsewhere.text
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (
        401, 'Basic realm="handshake device makers"',
    )  # fmt: skip


async def test_a_new_streaming_period_gets_its_own_reminder_and_pause(
    app: Any, container: Container
) -> None:
    """Regression: after a pause, ending and sharing again kept the old marks, so the new
    period was never reminded nor announced as paused."""
    linked = await linked_maker(app, container, "devices.command devices.stream")
    await put(app, container, linked, detail("stream_changes", "temperature"))
    start, policy = clock.now(), _policy(container)
    with clock.frozen_at(start + timedelta(days=91)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(0, 1)
        )
        await service.revoke_device_grant(
            uow=container.uow(), policy=policy, shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id, actor="shopper",
        )  # fmt: skip
        await service.set_device_grant(
            uow=container.uow(), policy=policy, shopper_id=linked.login.shopper_id,
            partner_id=linked.maker.partner_id,
            details=[detail("stream_changes", "temperature")],
        )  # fmt: skip
    with clock.frozen_at(start + timedelta(days=91 + 84)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(1, 0)
        )
    with clock.frozen_at(start + timedelta(days=91 + 91)):
        assert await service.review_streaming(uow=container.uow(), policy=policy) == (
            service.StreamingReview(0, 1)
        )
