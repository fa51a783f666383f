"""Ad events over HTTP: the 202 report, tokens and scopes, shoppers, isolation, personal data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.partners import service as partners
from tests.accounts_helpers import signed_in_shopper
from tests.attribution_helpers import event, make_variants, make_worker, stored_events
from tests.linking_helpers import PartnerApp, bearer, link_tokens, register_app, row_count

EVENTS = "/partner/v1/events"
PROBLEM = "application/problem+json"


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A social partner app, with the catalog's variants imported."""
    await make_variants(container)
    return await register_app(container)


async def app_token(client: httpx.AsyncClient, app: PartnerApp, scope: str = "offers") -> str:
    """A client-credentials token (no shopper) of ``app``."""
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=app.basic(),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def post_events(client: httpx.AsyncClient, token: str, events: list[Any]) -> httpx.Response:
    return await client.post(EVENTS, json={"events": events}, headers=bearer(token))


async def test_a_batch_is_answered_202_with_the_exact_report(
    client: httpx.AsyncClient, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)

    response = await post_events(
        client, token, [event("i1"), event("c1", "click"), event("x1", sku="NOPE")]
    )

    assert response.status_code == 202, response.text
    body = response.json()
    click_id = body["clicks"][0]["click_id"]
    assert click_id.startswith("clk_")
    assert body == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [
            {
                "index": 2,
                "event_id": "x1",
                "code": "unknown_product",
                "reason": "No product has this sku: 'NOPE'.",
            }
        ],
        "clicks": [{"index": 1, "event_id": "c1", "click_id": click_id}],
    }


async def test_a_retried_batch_counts_once_and_returns_the_same_click_id(
    client: httpx.AsyncClient, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)
    batch = [event("i1"), event("c1", "click")]

    first = (await post_events(client, token, batch)).json()
    again = (await post_events(client, token, batch)).json()

    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert again["clicks"] == first["clicks"]


async def test_anonymous_events_are_stored_without_a_shopper(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)
    await post_events(client, token, [event("i1", metadata={"slot": 3})])

    await make_worker(container).run_until_idle()

    [stored] = await stored_events(container)
    assert (stored.shopper_id, stored.grant_id, stored.details) == (None, None, {"slot": 3})


async def test_linked_events_are_stored_with_the_shopper_who_can_export_then_erase_them(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    shopper = await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="offers")
    response = await post_events(client, tokens["access_token"], [event("c1", "click")])
    assert response.status_code == 202
    assert "shopper" not in response.text
    await make_worker(container).run_until_idle()

    [stored] = await stored_events(container)
    assert stored.shopper_id == shopper.shopper_id
    assert stored.grant_id is not None
    export = await accounts.export_personal_data(
        uow=container.read_uow(),
        shopper_id=shopper.shopper_id,
        exporters=container.personal_data.exporters,
    )
    exported = export["sections"]["ad_events"]
    assert [(e["type"], e["click_id"]) for e in exported] == [("click", stored.click_id)]

    await accounts.erase_shopper(
        uow=container.uow(),
        shopper_id=shopper.shopper_id,
        erasers=container.personal_data.erasers,
    )

    [kept] = await stored_events(container)
    assert (kept.event_id, kept.shopper_id, kept.grant_id) == ("c1", None, None)


async def test_a_shopper_erased_while_the_batch_is_queued_is_not_attached(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    shopper = await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="offers")
    await post_events(client, tokens["access_token"], [event("i1")])
    await accounts.erase_shopper(
        uow=container.uow(),
        shopper_id=shopper.shopper_id,
        erasers=container.personal_data.erasers,
    )

    await make_worker(container).run_until_idle()

    [stored] = await stored_events(container)
    assert (stored.shopper_id, stored.grant_id) == (None, None)


async def test_without_a_token_the_call_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(EVENTS, json={"events": [event("i1")]})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "invalid_token"


async def test_a_token_without_the_offers_scope_is_403_and_changes_nothing(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    token = await app_token(client, partner, scope="profile")

    response = await post_events(client, token, [event("i1")])

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert await row_count(container, "ad_event_receipts") == 0


async def test_a_suspended_partner_is_403(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)
    await partners.suspend_partner(
        uow=container.uow(), partner_id=partner.partner_id, reason="fraud review"
    )

    response = await post_events(client, token, [event("i1")])

    assert response.status_code == 403
    assert response.json()["code"] == "partner_suspended"
    assert await row_count(container, "ad_event_receipts") == 0


async def test_a_batch_over_the_limit_is_a_422_problem(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)
    limit = container.settings.attribution.max_batch_events
    events = [event(f"e{i}") for i in range(limit + 1)]

    response = await post_events(client, token, events)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "event_batch_too_large"
    assert response.json()["limit"] == limit
    assert await row_count(container, "ad_event_receipts") == 0


@pytest.mark.parametrize("body", [{"events": []}, {"events": "x"}, {"batch": []}, []])
async def test_a_malformed_body_is_a_422_problem(
    client: httpx.AsyncClient, partner: PartnerApp, body: Any
) -> None:
    token = await app_token(client, partner)

    response = await client.post(EVENTS, json=body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_a_partner_reads_back_its_own_events_only(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    token = await app_token(client, partner)
    other_token = await app_token(client, await register_app(container))
    click_id = (await post_events(client, token, [event("c1", "click")])).json()["clicks"][0][
        "click_id"
    ]

    queued = await client.get(f"{EVENTS}/c1", headers=bearer(token))
    foreign = await client.get(f"{EVENTS}/c1", headers=bearer(other_token))
    missing = await client.get(f"{EVENTS}/nope", headers=bearer(token))
    await make_worker(container).run_until_idle()
    stored = await client.get(f"{EVENTS}/c1", headers=bearer(token))

    assert queued.status_code == 200
    assert (queued.json()["status"], queued.json()["click_id"]) == ("queued", click_id)
    assert queued.json()["occurred_at"] is None
    for refused in (foreign, missing):
        assert refused.status_code == 404
        assert refused.json()["code"] == "ad_event_not_found"
    body = stored.json()
    assert (body["status"], body["type"], body["channel"]) == ("stored", "click", "feed_ad")
    assert "shopper_id" not in body
