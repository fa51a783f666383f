"""A real third-party OAuth client (Authlib's httpx client) drives the whole linking flow.

The browser part (authorize page, consent form) is a plain httpx client signed in as a shopper;
everything a partner's server does (token, refresh, revoke, introspect) is Authlib's own code
talking to the in-process app. Nobody here wrote that client, so it checks our reading of the
RFCs against someone else's.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # Authlib nudges towards its httpx2 fork at import (its deprecate module forces "always" on
    # import, hence the import above first); the httpx integration is what we test.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from handshake.bootstrap import Container
from handshake.linking.secrets_format import s256_challenge
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import PartnerApp, consent, register_app, token_count

SERVER = "https://testserver"
TOKEN_URL = f"{SERVER}/oauth/token"


@asynccontextmanager
async def authlib_client(
    app: object, partner: PartnerApp, **options: Any
) -> AsyncIterator[AsyncOAuth2Client]:
    """Authlib's client for ``partner`` on the in-process app (PKCE S256)."""
    async with AsyncOAuth2Client(
        client_id=partner.client_id,
        client_secret=partner.client_secret,
        redirect_uri=partner.redirect_uri,
        code_challenge_method="S256",
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        **options,
    ) as oauth:
        yield oauth


async def _authorize_with_authlib(
    browser: httpx.AsyncClient, oauth: AsyncOAuth2Client, *, chosen: list[str] | None = None
) -> tuple[str, str]:
    """Authlib builds the URL, the shopper's browser consents; (callback URL, verifier)."""
    verifier = secrets.token_urlsafe(48)
    url, state = oauth.create_authorization_url(f"{SERVER}/oauth/authorize", code_verifier=verifier)
    params = dict(httpx.URL(url).params)
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == s256_challenge(verifier)
    page = await browser.get(url)
    assert page.status_code == 200, page.text
    answered = await consent(browser, params, chosen=chosen)
    assert answered.status_code == 303, answered.text
    callback = answered.headers["location"]
    assert httpx.URL(callback).params["state"] == state
    return callback, verifier


async def test_authlib_client_links_uses_refreshes_introspects_and_revokes(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    partner = await register_app(container, name="Pixfeed")
    await signed_in_shopper(client, container, name="Camille Martin", member=True)
    async with authlib_client(app, partner, scope="profile offers") as oauth:
        callback, verifier = await _authorize_with_authlib(client, oauth)
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=callback, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "profile offers"
        assert token["expires_in"] == 3600
        assert token["access_token"].startswith("hsat_")
        assert token["refresh_token"].startswith("hsrt_")

        me = await oauth.get(f"{SERVER}/partner/v1/shopper")
        assert me.status_code == 200, me.text
        assert me.json()["name"] == "Camille Martin"
        subject = me.json()["sub"]

        first = dict(token)
        refreshed = await oauth.refresh_token(TOKEN_URL)
        assert refreshed["scope"] == "profile offers"
        assert refreshed["access_token"] not in {first["access_token"]}
        assert refreshed["refresh_token"] != first["refresh_token"]

        seen = await oauth.introspect_token(
            f"{SERVER}/oauth/introspect", token=refreshed["access_token"]
        )
        claims = seen.json()
        assert seen.status_code == 200
        assert claims["active"] is True
        assert claims["scope"] == "profile offers"
        assert claims["client_id"] == partner.client_id
        assert claims["sub"] == subject
        assert claims["token_type"] == "Bearer"
        assert claims["exp"] - claims["iat"] == 3600
        assert claims["iss"] == "http://127.0.0.1:8000"

        revoked = await oauth.revoke_token(
            f"{SERVER}/oauth/revoke",
            token=refreshed["refresh_token"],
            token_type_hint="refresh_token",
        )
        assert revoked.status_code == 200
        after = await oauth.introspect_token(
            f"{SERVER}/oauth/introspect", token=refreshed["access_token"]
        )
        assert after.json() == {"active": False}
        refused = await oauth.get(f"{SERVER}/partner/v1/shopper")
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid_token"

    links = (await client.get("/api/v1/me/links")).json()
    assert [(link["status"], link["revoked_by"]) for link in links] == [("revoked", "partner")]


async def test_authlib_refresh_keeps_the_granted_scope_order(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    # Regression: the refreshed token's scope came from a set, in hash order.
    partner = await register_app(container)
    await signed_in_shopper(client, container)
    scope = "profile offers checkout orders"
    async with authlib_client(app, partner, scope=scope) as oauth:
        callback, verifier = await _authorize_with_authlib(client, oauth)
        await oauth.fetch_token(TOKEN_URL, authorization_response=callback, code_verifier=verifier)
        for _ in range(3):
            refreshed = await oauth.refresh_token(TOKEN_URL)
            assert refreshed["scope"] == scope


async def test_authlib_client_asking_more_than_the_shopper_ticked_refreshes_within_the_grant(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    # Authlib re-sends its configured scope on refresh; the grant (checkout unticked) bounds it.
    partner = await register_app(container)
    await signed_in_shopper(client, container)
    async with authlib_client(app, partner, scope="profile offers checkout") as oauth:
        callback, verifier = await _authorize_with_authlib(client, oauth, chosen=[])
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=callback, code_verifier=verifier
        )
        assert token["scope"] == "profile offers"
        refreshed = await oauth.refresh_token(TOKEN_URL)
        assert refreshed["scope"] == "profile offers"


async def test_authlib_sees_invalid_grant_when_a_rotated_refresh_token_is_replayed(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    partner = await register_app(container)
    await signed_in_shopper(client, container)
    async with authlib_client(app, partner, scope="profile") as oauth:
        callback, verifier = await _authorize_with_authlib(client, oauth)
        first = dict(
            await oauth.fetch_token(
                TOKEN_URL, authorization_response=callback, code_verifier=verifier
            )
        )
        second = dict(await oauth.refresh_token(TOKEN_URL))
        issued = await token_count(container)

        with pytest.raises(OAuthError) as replay:
            await oauth.refresh_token(TOKEN_URL, refresh_token=first["refresh_token"])
        assert replay.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as successor:
            await oauth.refresh_token(TOKEN_URL, refresh_token=second["refresh_token"])
        assert successor.value.error == "invalid_grant"
    assert await token_count(container) == issued


async def test_authlib_public_client_exchanges_and_refreshes_with_pkce_alone(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    partner = await register_app(container, public=True)
    await signed_in_shopper(client, container)
    options = {"scope": "profile", "token_endpoint_auth_method": "none"}
    async with authlib_client(app, partner, **options) as oauth:
        callback, verifier = await _authorize_with_authlib(client, oauth)
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=callback, code_verifier=verifier
        )
        assert token["scope"] == "profile"
        refreshed = await oauth.refresh_token(TOKEN_URL)
        assert refreshed["refresh_token"] != token["refresh_token"]
        with pytest.raises(OAuthError) as refused:
            await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert refused.value.error == "invalid_client"


async def test_authlib_client_credentials_token_has_no_refresh_token_and_no_subject(
    app: object, container: Container
) -> None:
    partner = await register_app(container, scopes=["profile", "offers"])
    async with authlib_client(app, partner) as oauth:
        token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert set(token) == {"access_token", "token_type", "expires_in", "expires_at", "scope"}
        assert token["scope"] == "profile offers"
        seen = await oauth.introspect_token(
            f"{SERVER}/oauth/introspect", token=token["access_token"]
        )
        claims = seen.json()
        assert claims["active"] is True
        assert "sub" not in claims
        assert "link_id" not in claims
        me = await oauth.get(f"{SERVER}/partner/v1/shopper")
        assert me.status_code == 403
        assert me.json()["code"] == "shopper_token_required"
