"""The consent center (/account/links and /api/v1/me/links): what each link is, receipts, and
Unlink, which cuts the partner off at once and tells it with a signed ``link.revoked``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.linking import wording
from handshake.partners import service as partners
from handshake.partners.scopes import SCOPES
from handshake.webhooks import service as webhooks
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    PartnerApp,
    bearer,
    browser,
    link_tokens,
    parse_page,
    register_app,
    row_counts,
    submit,
)
from tests.webhooks_helpers import Receiver, delivery_job, make_worker, running_receiver


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app called Pixfeed."""
    return await register_app(container, name="Pixfeed")


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """Pixfeed's webhook receiver on 127.0.0.1 (the sender's client is closed afterwards)."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


async def _my_link(client: httpx.AsyncClient) -> dict[str, object]:
    links = (await client.get("/api/v1/me/links")).json()
    assert len(links) == 1
    link: dict[str, object] = links[0]
    return link


async def test_links_api_shows_when_linked_scopes_last_use_activity_and_receipts(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="profile offers")
    unused = await _my_link(client)
    assert unused["last_used_at"] is None

    await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))

    link = await _my_link(client)
    assert link["partner"] == {"id": partner.partner_id, "name": "Pixfeed", "kind": "social"}
    assert link["status"] == "active"
    assert link["scopes"] == [
        {"name": "profile", "description": SCOPES["profile"].en},
        {"name": "offers", "description": SCOPES["offers"].en},
    ]
    assert link["purpose"] == {
        "code": "shoppable_ads",
        "description": wording.PURPOSES[wording.PartnerKind.SOCIAL][1].en,
    }
    assert link["last_used_at"] is not None
    assert link["linked_at"] <= link["last_used_at"]  # type: ignore[operator]
    assert [e["kind"] for e in link["activity"]] == ["linked"]  # type: ignore[union-attr]
    (receipt,) = link["receipts"]  # type: ignore[misc]
    assert receipt["download_url"] == f"/api/v1/me/links/{link['id']}/receipts/{receipt['id']}"


async def test_a_call_refused_for_a_missing_scope_is_not_a_use_of_the_link(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    # Regression: the link's "last used" was written before the scope check refused the call.
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="offers")

    refused = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))

    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert refused.json()["missing_scopes"] == ["profile"]
    assert (await _my_link(client))["last_used_at"] is None


async def test_receipt_downloads_as_a_json_attachment_saying_who_what_when_why_and_how_to_revoke(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    login = await signed_in_shopper(client, container)
    await link_tokens(client, partner, scope="profile offers")
    link = await _my_link(client)
    receipt_ref = link["receipts"][0]  # type: ignore[index]

    download = await client.get(receipt_ref["download_url"])

    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="consent-receipt-{receipt_ref["id"]}.json"'
    )
    receipt = json.loads(download.content)
    assert receipt["receipt_id"] == receipt_ref["id"]
    assert receipt["pii_principal_id"] == login.shopper_id
    assert receipt["recipient"] == {
        "partner_id": partner.partner_id,
        "name": "Pixfeed",
        "kind": "social",
    }
    assert [s["scope"] for s in receipt["scopes"]] == ["profile", "offers"]
    assert receipt["consent_timestamp"].startswith(str(link["linked_at"])[:16])
    assert receipt["purpose"]["code"] == "shoppable_ads"
    assert receipt["how_to_revoke"] == {
        "text": wording.HOW_TO_REVOKE.en,
        "url": f"http://127.0.0.1:8000/account/links/{link['id']}",
        "api": f"DELETE /api/v1/me/links/{link['id']}",
    }


async def test_consent_center_page_lists_each_app_with_an_unlink_form(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    await link_tokens(client, partner, scope="profile offers")
    link = await _my_link(client)

    page = await client.get("/account/links")

    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    parsed = parse_page(page.text)
    assert "Pixfeed · social network" in parsed.text
    assert "Status: active" in parsed.text
    assert "Not used yet" in parsed.text
    assert SCOPES["offers"].en in parsed.text
    assert "Recently: You linked the app." in parsed.text
    unlink = parsed.form(f"/account/links/{link['id']}/unlink")
    assert unlink.method == "post"
    assert [i["name"] for i in unlink.inputs] == ["csrf_token"]


async def test_unlinking_from_the_page_cuts_the_partner_off_and_sends_a_signed_webhook(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp, receiver: Receiver
) -> None:
    endpoint = await partners.add_webhook_endpoint(
        uow=container.uow(),
        partner_id=partner.partner_id,
        url=receiver.url,
        event_types=["link.revoked"],
    )
    receiver.trust(endpoint.secret)
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    link = await _my_link(client)
    page = parse_page((await client.get(f"/account/links/{link['id']}")).text)

    done = await submit(client, page.form(f"/account/links/{link['id']}/unlink"))

    assert done.status_code == 303
    assert done.headers["location"] == f"/account/links/{link['id']}?done=unlinked"
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 401
    assert call.json()["code"] == "invalid_token"
    events = await webhooks.list_events(
        uow=container.read_uow(), partner_id=partner.partner_id, event_types=["link.revoked"]
    )
    assert [e.event.event_type for e in events.items] == ["link.revoked"]

    await make_worker(container).run_until_idle()

    (delivered,) = receiver.requests
    assert delivered.verified_with == (endpoint.secret,)
    assert delivered.webhook_id == events.items[0].event.id
    body = json.loads(delivered.body)
    assert body["type"] == "link.revoked"
    assert body["data"]["link_id"] == link["id"]
    assert (body["data"]["revoked_by"], body["data"]["reason"]) == ("shopper", "unlinked")
    assert (await _my_link(client))["status"] == "revoked"


async def test_unlink_form_without_csrf_token_changes_nothing(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    link = await _my_link(client)
    before = await row_counts(container)

    refused = await client.post(f"/account/links/{link['id']}/unlink", data={})

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert await row_counts(container) == before
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 200


async def test_another_shopper_can_neither_see_nor_unlink_nor_download_my_link(
    app: object, client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    link = await _my_link(client)
    receipt_url = link["receipts"][0]["download_url"]  # type: ignore[index]
    async with browser(app) as other:
        mallory = await signed_in_shopper(other, container)
        before = await row_counts(container)

        seen = await other.get(f"/api/v1/me/links/{link['id']}")
        deleted = await other.delete(f"/api/v1/me/links/{link['id']}", headers=mallory.csrf_headers)
        posted = await other.post(
            f"/account/links/{link['id']}/unlink", data={"csrf_token": mallory.csrf_token}
        )
        page = await other.get(f"/account/links/{link['id']}")
        receipt = await other.get(receipt_url)
        listed = await other.get("/api/v1/me/links")

    for response in (seen, deleted):
        assert response.status_code == 404
        assert response.json()["code"] == "link_not_found"
    assert posted.status_code == 303
    assert page.status_code == 404
    assert receipt.status_code == 404
    assert receipt.json()["code"] == "receipt_not_found"
    assert listed.json() == []
    assert await row_counts(container) == before
    assert (await _my_link(client))["status"] == "active"
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 200


async def test_consent_center_needs_a_signed_in_shopper(client: httpx.AsyncClient) -> None:
    page = await client.get("/account/links")
    api = await client.get("/api/v1/me/links")

    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=%2Faccount%2Flinks"
    assert api.status_code == 401
