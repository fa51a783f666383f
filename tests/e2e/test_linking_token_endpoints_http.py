"""Revocation (RFC 7009), introspection (RFC 7662), client credentials, public clients and
server metadata (RFC 8414)."""

from __future__ import annotations

import json

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.linking.secrets_format import digest
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    PartnerApp,
    bearer,
    exchange_code,
    link_tokens,
    linked_code,
    refresh,
    register_app,
    token_count,
)
from tests.scope_matrix import database_snapshot


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app."""
    return await register_app(container)


async def _introspect(
    client: httpx.AsyncClient, caller: PartnerApp, token: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/oauth/introspect", data={"token": token, **extra}, headers=caller.basic()
    )


async def _revoke(
    client: httpx.AsyncClient, caller: PartnerApp, token: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/oauth/revoke", data={"token": token, **extra}, headers=caller.basic()
    )


async def test_codes_and_tokens_are_stored_only_as_digests(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, partner)
    tokens = (await exchange_code(client, partner, code, verifier)).json()

    stored = json.dumps(await database_snapshot(container))

    for secret in (code, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in stored
        assert secret.split("_", 1)[1] not in stored
        assert digest(secret) in stored


async def test_partner_revoking_the_refresh_token_ends_the_link_as_the_shopper_sees_it(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    revoked = await _revoke(
        client, partner, tokens["refresh_token"], token_type_hint="refresh_token"
    )

    assert revoked.status_code == 200
    assert revoked.content == b""
    links = (await client.get("/api/v1/me/links")).json()
    assert (links[0]["status"], links[0]["revoked_by"]) == ("revoked", "partner")
    assert links[0]["activity"][0]["kind"] == "revoked_by_partner"
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 401


async def test_revoking_an_access_token_keeps_the_link_active(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    spare = await link_tokens(client, partner)  # another issuance of the same link

    revoked = await _revoke(client, partner, tokens["access_token"], token_type_hint="access_token")

    assert revoked.status_code == 200
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 401
    links = (await client.get("/api/v1/me/links")).json()
    assert (links[0]["status"], links[0]["revoked_by"]) == ("active", None)
    # RFC 7009 §2.1 allows revoking the refresh token issued with it; this server does.
    assert (await refresh(client, partner, tokens["refresh_token"])).status_code == 400
    still = await client.get("/partner/v1/shopper", headers=bearer(spare["access_token"]))
    assert still.status_code == 200


async def test_revoking_another_clients_token_answers_200_and_changes_nothing(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    # RFC 7009 §2.2: an invalid token (here: not the caller's) is not an error.
    stranger = await register_app(container)
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await _revoke(client, stranger, token)).status_code == 200

    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 200
    assert (await client.get("/api/v1/me/links")).json()[0]["status"] == "active"


async def test_revocation_with_an_unknown_token_type_hint_is_unsupported_token_type(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    refused = await _revoke(client, partner, tokens["access_token"], token_type_hint="id_token")

    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_token_type"
    call = await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))
    assert call.status_code == 200


async def test_introspection_of_another_partners_token_is_inactive(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    stranger = await register_app(container)
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    for token in (tokens["access_token"], tokens["refresh_token"]):
        seen = await _introspect(client, stranger, token)
        assert seen.status_code == 200
        assert seen.json() == {"active": False}


async def test_introspection_describes_a_refresh_token_of_its_own_partner(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)
    me = (await client.get("/partner/v1/shopper", headers=bearer(tokens["access_token"]))).json()

    link_id = (await client.get("/api/v1/me/links")).json()[0]["id"]

    seen = (await _introspect(client, partner, tokens["refresh_token"])).json()

    assert seen["active"] is True
    assert (seen["client_id"], seen["link_id"]) == (partner.client_id, link_id)
    assert seen["token_type"] == "refresh_token"
    assert seen["scope"] == "profile offers"
    assert seen["sub"] == me["sub"]
    assert seen["exp"] - seen["iat"] == 30 * 86400


async def test_introspection_needs_client_authentication(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    public = await register_app(container, public=True)
    await signed_in_shopper(client, container)
    tokens = await link_tokens(client, partner)

    anonymous = await client.post("/oauth/introspect", data={"token": tokens["access_token"]})
    as_public = await client.post(
        "/oauth/introspect", data={"token": tokens["access_token"], "client_id": public.client_id}
    )

    for refused in (anonymous, as_public):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"


async def test_client_credentials_token_acts_for_no_shopper(
    client: httpx.AsyncClient, container: Container
) -> None:
    partner = await register_app(container, scopes=["profile", "offers"])

    issued = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=partner.basic()
    )

    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert sorted(body) == ["access_token", "expires_in", "scope", "token_type"]
    assert (body["scope"], body["expires_in"], body["token_type"]) == (
        "profile offers",
        3600,
        "Bearer",
    )
    seen = (await _introspect(client, partner, body["access_token"])).json()
    assert seen["active"] is True
    assert "sub" not in seen
    call = await client.get("/partner/v1/shopper", headers=bearer(body["access_token"]))
    assert call.status_code == 403
    assert call.json()["code"] == "shopper_token_required"


async def test_client_credentials_may_not_ask_for_a_scope_outside_the_partners_kind(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    before = await token_count(container)

    refused = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "devices.stream"},
        headers=partner.basic(),
    )

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"
    assert await token_count(container) == before


async def test_public_client_exchanges_and_refreshes_but_gets_no_client_credentials(
    client: httpx.AsyncClient, container: Container
) -> None:
    public = await register_app(container, public=True)
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, public, scope="profile")
    issued = await exchange_code(client, public, code, verifier)
    assert issued.status_code == 200, issued.text
    rotated = await refresh(client, public, issued.json()["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    before = await token_count(container)

    refused = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": public.client_id}
    )

    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert await token_count(container) == before


async def test_server_metadata_describes_code_flow_with_s256_only(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    meta = response.json()
    issuer = "http://127.0.0.1:8000"
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"] == f"{issuer}/oauth/authorize"
    assert meta["token_endpoint"] == f"{issuer}/oauth/token"
    assert meta["revocation_endpoint"] == f"{issuer}/oauth/revoke"
    assert meta["introspection_endpoint"] == f"{issuer}/oauth/introspect"
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
    ]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["handshake_partner_kinds"]["social"] == ["profile", "offers", "checkout", "orders"]
    assert meta["handshake_partner_kinds"]["device_maker"] == [
        "profile",
        "devices.command",
        "devices.query",
        "devices.stream",
    ]
