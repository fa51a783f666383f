"""The authorization endpoint (RFC 6749 §4.1.1): what is redirected, what is only shown.

While the client or its redirect URI is in doubt, the error is an HTML page with no Location
(never a redirect); once both are good, errors go back to the client with its ``state``.
Nothing is stored for a refused request.
"""

from __future__ import annotations

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.partners import service as partners
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    PartnerApp,
    authorize_params,
    pkce_pair,
    redirect_query,
    register_app,
    row_count,
)

STORED = ("link_grants", "consent_receipts", "oauth_authorization_codes", "oauth_tokens")


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app."""
    return await register_app(container)


async def _stored(container: Container) -> dict[str, int]:
    return {table: await row_count(container, table) for table in STORED}


def _params(partner: PartnerApp, **changes: str | None) -> dict[str, str]:
    _, challenge = pkce_pair()
    params: dict[str, str | None] = {
        **authorize_params(partner, scope="profile", challenge=challenge),
        **changes,
    }
    return {name: value for name, value in params.items() if value is not None}


async def test_a_granted_request_redirects_with_a_code_and_the_same_state(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    params = _params(partner, state="opaque value/with spaces&symbols")
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200

    answered = await client.post(
        "/oauth/authorize",
        data={**params, "decision": "allow", "csrf_token": client.cookies["hs_csrf"]},
    )

    assert answered.status_code == 303
    location = httpx.URL(answered.headers["location"])
    assert (location.scheme, location.host, location.path) == ("https", "app.example", "/callback")
    query = redirect_query(answered)
    assert sorted(query) == ["code", "scope", "state"]
    assert query["state"] == "opaque value/with spaces&symbols"
    assert query["code"].startswith("hsac_")


async def test_signed_out_shopper_is_sent_to_sign_in_and_back(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    params = _params(partner)

    page = await client.get("/oauth/authorize", params=params)

    assert page.status_code == 302
    target = httpx.URL(page.headers["location"])
    assert target.path == "/signin"
    back = httpx.URL(target.params["next"])
    assert back.path == "/oauth/authorize"
    assert dict(back.params) == params


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"scope": "profile unknown.scope"}, "invalid_scope"),
        ({"scope": "devices.stream"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
    ],
    ids=[
        "implicit",
        "hybrid",
        "no-response-type",
        "no-challenge",
        "no-method",
        "plain",
        "unknown-method",
        "unknown-scope",
        "scope-of-another-kind",
        "no-scope",
    ],
)
async def test_errors_of_a_known_client_and_redirect_go_back_with_the_state(
    client: httpx.AsyncClient,
    container: Container,
    partner: PartnerApp,
    changes: dict[str, str | None],
    error: str,
) -> None:
    await signed_in_shopper(client, container)
    before = await _stored(container)

    page = await client.get("/oauth/authorize", params=_params(partner, **changes))

    assert page.status_code == 302, page.text
    assert page.headers["location"].startswith("https://app.example/callback?")
    query = redirect_query(page)
    assert (query["error"], query["state"]) == (error, "st-123")
    assert "code" not in query
    assert await _stored(container) == before


async def test_client_registered_for_fewer_scopes_gets_invalid_scope_for_the_others(
    client: httpx.AsyncClient, container: Container
) -> None:
    narrow = await register_app(container, scopes=["profile"])
    await signed_in_shopper(client, container)

    page = await client.get("/oauth/authorize", params=_params(narrow, scope="profile offers"))

    assert page.status_code == 302
    assert redirect_query(page)["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "cli_does_not_exist"}, "invalid_client"),
        ({"client_id": None}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": "https://app.example/callback/"}, "invalid_request"),
        ({"redirect_uri": "https://app.example/callback?x=1"}, "invalid_request"),
        ({"redirect_uri": "http://app.example/callback"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
    ],
    ids=[
        "unknown-client",
        "no-client",
        "foreign-redirect",
        "trailing-slash",
        "extra-query",
        "other-scheme",
        "no-redirect",
    ],
)
async def test_bad_client_or_redirect_is_an_error_page_and_never_a_redirect(
    client: httpx.AsyncClient,
    container: Container,
    partner: PartnerApp,
    changes: dict[str, str | None],
    error: str,
) -> None:
    await signed_in_shopper(client, container)
    # Even with an unsupported response type, the redirect URI is not trusted.
    params = _params(partner, response_type="token", **changes)
    before = await _stored(container)

    page = await client.get("/oauth/authorize", params=params)

    assert page.status_code == 400
    assert "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")
    assert f"<code>{error}</code>" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert await _stored(container) == before


async def test_revoked_client_is_an_error_page(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await partners.revoke_client(
        uow=container.uow(), partner_id=partner.partner_id, client_id=partner.client_id
    )
    await signed_in_shopper(client, container)

    page = await client.get("/oauth/authorize", params=_params(partner))

    assert page.status_code == 400
    assert "location" not in page.headers
    assert "<code>invalid_client</code>" in page.text


async def test_denying_consent_redirects_access_denied_and_stores_nothing(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    params = _params(partner)
    await client.get("/oauth/authorize", params=params)
    before = await _stored(container)

    denied = await client.post(
        "/oauth/authorize",
        data={**params, "decision": "deny", "csrf_token": client.cookies["hs_csrf"]},
    )

    assert denied.status_code == 303
    assert redirect_query(denied) == {
        "error": "access_denied",
        "error_description": "The shopper did not allow the link.",
        "state": "st-123",
    }
    assert await _stored(container) == before
