"""Negative matrix of the code exchange: each refusal has RFC 6749's error and issues no token.

Every case counts ``oauth_tokens`` before and after the refused request.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    FROZEN_START,
    PartnerApp,
    bearer,
    exchange_code,
    link_tokens,
    linked_code,
    pkce_pair,
    refresh,
    register_app,
    token_count,
)
from tests.partners_helpers import basic_auth

OTHER_CALLBACK = "https://app.example/other-callback"


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app with a second registered redirect URI."""
    return await register_app(container, other_redirect_uris=(OTHER_CALLBACK,))


def _oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert "access_token" not in body
    assert response.headers["cache-control"] == "no-store"
    return body


async def test_wrong_pkce_verifier_is_invalid_grant(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    wrong, _ = pkce_pair()
    before = await token_count(container)

    refused = await exchange_code(client, partner, code, wrong)

    body = _oauth_error(refused, 400, "invalid_grant")
    assert body["error_description"] == "PKCE verification failed."
    assert await token_count(container) == before
    # Whoever intercepted the code cannot burn it for the client holding the verifier.
    assert (await exchange_code(client, partner, code, verifier)).status_code == 200


async def test_missing_pkce_verifier_is_invalid_grant(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    before = await token_count(container)

    refused = await exchange_code(client, partner, code, "", code_verifier=None)

    body = _oauth_error(refused, 400, "invalid_grant")
    assert body["error_description"] == "code_verifier is required."
    assert await token_count(container) == before
    assert (await exchange_code(client, partner, code, verifier)).status_code == 200


@pytest.mark.parametrize(
    "redirect_uri",
    [OTHER_CALLBACK, "https://app.example/callback/", "https://evil.example/callback"],
    ids=["other-registered", "trailing-slash", "unregistered"],
)
async def test_redirect_uri_differing_from_the_authorization_request_is_invalid_grant(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp, redirect_uri: str
) -> None:
    # RFC 6749 §5.2: a redirect URI not matching the authorization request is invalid_grant.
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    before = await token_count(container)

    refused = await exchange_code(client, partner, code, verifier, redirect_uri=redirect_uri)

    _oauth_error(refused, 400, "invalid_grant")
    assert await token_count(container) == before


async def test_missing_redirect_uri_is_invalid_request(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    before = await token_count(container)

    refused = await exchange_code(client, partner, code, verifier, redirect_uri=None)

    _oauth_error(refused, 400, "invalid_request")
    assert await token_count(container) == before


async def test_reused_code_is_refused_and_revokes_every_token_it_produced(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    first = (await exchange_code(client, partner, code, verifier)).json()
    rotated = (await refresh(client, partner, first["refresh_token"])).json()
    before = await token_count(container)

    replay = await exchange_code(client, partner, code, verifier)

    _oauth_error(replay, 400, "invalid_grant")
    assert await token_count(container) == before
    for token in (first["access_token"], rotated["access_token"]):
        probe = await client.get("/partner/v1/shopper", headers=bearer(token))
        assert probe.status_code == 401
        assert probe.json()["code"] == "invalid_token"
    _oauth_error(await refresh(client, partner, rotated["refresh_token"]), 400, "invalid_grant")
    links = (await client.get("/api/v1/me/links")).json()
    assert links[0]["status"] == "active"
    latest = links[0]["activity"][0]
    assert (latest["kind"], latest["actor"]) == ("tokens_revoked", "system")
    assert latest["detail"] == {"reason": "authorization_code_reused", "tokens_revoked": 2}


async def test_concurrent_exchanges_of_one_code_issue_tokens_once_and_then_revoke_them(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    before = await token_count(container)

    answers = await asyncio.gather(
        exchange_code(client, partner, code, verifier),
        exchange_code(client, partner, code, verifier),
    )

    assert sorted(a.status_code for a in answers) == [200, 400]
    assert await token_count(container) == before + 1
    winner = next(a for a in answers if a.status_code == 200).json()
    probe = await client.get("/partner/v1/shopper", headers=bearer(winner["access_token"]))
    assert probe.status_code == 401


async def test_code_expires_sixty_seconds_after_issue(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    start = FROZEN_START
    with clock.frozen_at(start):
        await signed_in_shopper(client, container)
        late_code, late_verifier = await linked_code(client, partner)
        in_time_code, in_time_verifier = await linked_code(client, partner)
        before = await token_count(container)

        clock.advance(timedelta(seconds=59))
        accepted = await exchange_code(client, partner, in_time_code, in_time_verifier)
        assert accepted.status_code == 200, accepted.text
        clock.advance(timedelta(seconds=1))
        refused = await exchange_code(client, partner, late_code, late_verifier)

    _oauth_error(refused, 400, "invalid_grant")
    assert await token_count(container) == before + 1


async def test_code_of_another_client_is_invalid_grant_and_stays_usable_by_its_owner(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    thief = await register_app(container)
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    before = await token_count(container)

    stolen = await exchange_code(client, thief, code, verifier)

    _oauth_error(stolen, 400, "invalid_grant")
    assert await token_count(container) == before
    owner = await exchange_code(client, partner, code, verifier)
    assert owner.status_code == 200, owner.text


async def test_refresh_token_of_another_client_is_invalid_grant_and_not_rotated(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    thief = await register_app(container)
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    before = await token_count(container)

    stolen = await refresh(client, thief, tokens["refresh_token"])

    _oauth_error(stolen, 400, "invalid_grant")
    assert await token_count(container) == before
    owner = await refresh(client, partner, tokens["refresh_token"])
    assert owner.status_code == 200, owner.text


@pytest.mark.parametrize(
    "credentials",
    [("cli_unknown", "secret"), ("known", "wrong-secret"), ("known", "")],
    ids=["unknown-client", "wrong-secret", "confidential-without-secret"],
)
async def test_unknown_or_unauthenticated_client_is_invalid_client(
    client: httpx.AsyncClient,
    container: Container,
    partner: PartnerApp,
    credentials: tuple[str, str],
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    client_id = partner.client_id if credentials[0] == "known" else credentials[0]
    before = await token_count(container)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": partner.redirect_uri,
        "code_verifier": verifier,
    }

    refused = await client.post(
        "/oauth/token", data=form, headers=basic_auth(client_id, credentials[1])
    )

    _oauth_error(refused, 401, "invalid_client")
    assert refused.headers["www-authenticate"].startswith("Basic ")
    assert await token_count(container) == before


async def test_client_authentication_is_checked_before_the_pkce_verifier(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    # Regression: a missing verifier answered invalid_grant before the client was authenticated.
    await signed_in_shopper(client, container)
    code, _ = await linked_code(client, partner)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": partner.redirect_uri}

    refused = await client.post(
        "/oauth/token", data=form, headers=basic_auth(partner.client_id, "wrong-secret")
    )

    _oauth_error(refused, 401, "invalid_client")


@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:x:unknown"])
async def test_grant_types_other_than_code_refresh_and_client_credentials_are_unsupported(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp, grant_type: str
) -> None:
    before = await token_count(container)
    form = {"grant_type": grant_type, "username": "a@example.com", "password": "pw"}

    refused = await client.post("/oauth/token", data=form, headers=partner.basic())

    _oauth_error(refused, 400, "unsupported_grant_type")
    assert await token_count(container) == before
