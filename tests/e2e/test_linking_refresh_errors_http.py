"""Negative matrix of refresh and of dead links: reuse, scope, suspension, revoked grants.

Every refused request leaves ``oauth_tokens`` with as many rows as before.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.partners import service as partners
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    FROZEN_START,
    PartnerApp,
    authorize_params,
    bearer,
    exchange_code,
    link_tokens,
    linked_code,
    pkce_pair,
    refresh,
    register_app,
    token_count,
)


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app."""
    return await register_app(container)


def _oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert "access_token" not in body
    return body


async def _shopper_call(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/partner/v1/shopper", headers=bearer(access_token))


async def test_reused_refresh_token_revokes_its_family_only_and_records_why(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    stolen = await link_tokens(client, partner)
    other_device = await link_tokens(client, partner)  # same link, a second token family
    rotated = (await refresh(client, partner, stolen["refresh_token"])).json()
    before = await token_count(container)

    replay = await refresh(client, partner, stolen["refresh_token"])

    _oauth_error(replay, 400, "invalid_grant")
    assert await token_count(container) == before
    assert (await _shopper_call(client, rotated["access_token"])).status_code == 401
    _oauth_error(await refresh(client, partner, rotated["refresh_token"]), 400, "invalid_grant")
    assert (await _shopper_call(client, other_device["access_token"])).status_code == 200
    links = (await client.get("/api/v1/me/links")).json()
    assert links[0]["status"] == "active"
    latest = links[0]["activity"][0]
    assert (latest["kind"], latest["actor"]) == ("tokens_revoked", "system")
    assert latest["detail"]["reason"] == "refresh_token_reused"
    assert latest["detail"]["tokens_revoked"] == 2


async def test_refresh_may_narrow_the_scope_keeping_its_order(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="profile offers checkout")

    narrowed = await refresh(client, partner, tokens["refresh_token"], scope="checkout profile")

    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "profile checkout"


async def test_refresh_asking_only_for_ungranted_scopes_is_invalid_scope_and_keeps_the_token(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    # Regression: aioauth issued a token with an empty scope and rotated the old one away.
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner, scope="profile")
    before = await token_count(container)

    refused = await refresh(client, partner, tokens["refresh_token"], scope="checkout")

    _oauth_error(refused, 400, "invalid_scope")
    assert await token_count(container) == before
    again = await refresh(client, partner, tokens["refresh_token"])
    assert again.status_code == 200, again.text
    assert again.json()["scope"] == "profile"


async def test_suspended_partner_gets_no_token_and_its_live_tokens_stop_working(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    code, verifier = await linked_code(client, partner)
    await partners.suspend_partner(
        uow=container.uow(), partner_id=partner.partner_id, reason="fraud review"
    )
    before = await token_count(container)

    by_refresh = await refresh(client, partner, tokens["refresh_token"])
    by_code = await exchange_code(client, partner, code, verifier)
    by_credentials = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=partner.basic()
    )

    for refused in (by_refresh, by_code, by_credentials):
        _oauth_error(refused, 400, "unauthorized_client")
    assert await token_count(container) == before
    call = await _shopper_call(client, tokens["access_token"])
    assert call.status_code == 403
    assert call.json()["code"] == "partner_suspended"
    _, challenge = pkce_pair()
    page = await client.get(
        "/oauth/authorize", params=authorize_params(partner, scope="profile", challenge=challenge)
    )
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "unauthorized_client" in page.text


async def test_revoked_grant_refuses_refresh_and_outstanding_codes(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    login = await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    code, verifier = await linked_code(client, partner)
    link_id = (await client.get("/api/v1/me/links")).json()[0]["id"]
    unlinked = await client.delete(f"/api/v1/me/links/{link_id}", headers=login.csrf_headers)
    assert unlinked.status_code == 200, unlinked.text
    before = await token_count(container)

    _oauth_error(await refresh(client, partner, tokens["refresh_token"]), 400, "invalid_grant")
    _oauth_error(await exchange_code(client, partner, code, verifier), 400, "invalid_grant")

    assert await token_count(container) == before
    call = await _shopper_call(client, tokens["access_token"])
    assert call.status_code == 401
    assert call.json()["code"] == "invalid_token"
    seen = await client.post(
        "/oauth/introspect", data={"token": tokens["access_token"]}, headers=partner.basic()
    )
    assert seen.json() == {"active": False}


async def test_unlinking_twice_is_link_already_ended(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    login = await signed_in_shopper(client, container)
    await link_tokens(client, partner)
    link_id = (await client.get("/api/v1/me/links")).json()[0]["id"]
    first = await client.delete(f"/api/v1/me/links/{link_id}", headers=login.csrf_headers)
    assert first.status_code == 200

    second = await client.delete(f"/api/v1/me/links/{link_id}", headers=login.csrf_headers)

    assert second.status_code == 422
    assert second.json()["code"] == "link_already_ended"


async def test_concurrent_refreshes_with_one_token_let_one_through_then_kill_the_family(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    answers = await asyncio.gather(
        refresh(client, partner, tokens["refresh_token"]),
        refresh(client, partner, tokens["refresh_token"]),
    )

    assert sorted(a.status_code for a in answers) == [200, 400]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 400)
    assert loser.json()["error"] == "invalid_grant"
    assert (await _shopper_call(client, winner["access_token"])).status_code == 401
    _oauth_error(await refresh(client, partner, winner["refresh_token"]), 400, "invalid_grant")


async def test_access_token_lives_one_hour(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    with clock.frozen_at(FROZEN_START):
        await signed_in_shopper(client, container)
        tokens = await link_tokens(client, partner)
        clock.advance(timedelta(seconds=3599))
        last_second = await _shopper_call(client, tokens["access_token"])
        clock.advance(timedelta(seconds=1))
        expired = await _shopper_call(client, tokens["access_token"])
        renewed = await refresh(client, partner, tokens["refresh_token"])

    assert last_second.status_code == 200
    assert expired.status_code == 401
    assert expired.json()["code"] == "invalid_token"
    assert renewed.status_code == 200, renewed.text


async def test_revoked_client_gets_no_token_and_its_tokens_stop_working(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    await partners.revoke_client(
        uow=container.uow(), partner_id=partner.partner_id, client_id=partner.client_id
    )
    before = await token_count(container)

    _oauth_error(await refresh(client, partner, tokens["refresh_token"]), 401, "invalid_client")

    assert await token_count(container) == before
    call = await _shopper_call(client, tokens["access_token"])
    assert call.status_code == 401
    assert call.json()["code"] == "invalid_token"
