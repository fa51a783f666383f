"""The linking flow through HTTP: authorize → consent → token → refresh → use → unlink."""

from __future__ import annotations

import httpx

from handshake.bootstrap import Container
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    authorize_params,
    consent,
    exchange_code,
    linked_code,
    pkce_pair,
    redirect_query,
    register_app,
)


async def test_full_flow_issues_rotating_tokens_and_unlink_kills_them(
    client: httpx.AsyncClient, container: Container
) -> None:
    app = await register_app(container, scopes=["profile", "offers", "checkout"])
    await signed_in_shopper(client, container, name="Camille Martin", member=True)
    code, verifier = await linked_code(client, app, scope="profile offers")

    issued = await exchange_code(client, app, code, verifier)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "profile offers"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("hsat_")
    assert body["refresh_token"].startswith("hsrt_")
    assert issued.headers["cache-control"] == "no-store"

    me = await client.get(
        "/partner/v1/shopper", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Camille Martin"
    assert me.json()["is_member"] is True
    assert me.json()["sub"].startswith("sub_")

    refreshed = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers=app.basic(),
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != body["refresh_token"]

    links = (await client.get("/api/v1/me/links")).json()
    assert [link["partner"]["id"] for link in links] == [app.partner_id]
    assert [s["name"] for s in links[0]["scopes"]] == ["profile", "offers"]
    assert len(links[0]["receipts"]) == 1

    gone = await client.delete(
        f"/api/v1/me/links/{links[0]['id']}", headers={"X-CSRF-Token": client.cookies["hs_csrf"]}
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "revoked"
    after = await client.get(
        "/partner/v1/shopper", headers={"Authorization": f"Bearer {new['access_token']}"}
    )
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_token"


async def test_reused_refresh_token_revokes_family(
    client: httpx.AsyncClient, container: Container
) -> None:
    app = await register_app(container)
    await signed_in_shopper(client, container)
    code, verifier = await linked_code(client, app)
    first = (await exchange_code(client, app, code, verifier)).json()
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = (await client.post("/oauth/token", data=form, headers=app.basic())).json()
    replay = await client.post("/oauth/token", data=form, headers=app.basic())
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    again = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        headers=app.basic(),
    )
    assert again.status_code == 400
    probe = await client.get(
        "/partner/v1/shopper", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert probe.status_code == 401


async def test_consent_page_shows_plain_sentences_and_denies(
    client: httpx.AsyncClient, container: Container
) -> None:
    app = await register_app(container, scopes=["profile", "offers", "checkout"])
    await signed_in_shopper(client, container)
    _, challenge = pkce_pair()
    params = authorize_params(app, scope="offers checkout", challenge=challenge)
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert "your prices, stock and delivery estimate to your address" in page.text
    denied = await consent(client, params, decision="deny")
    assert denied.status_code == 303
    assert redirect_query(denied) == {
        "error": "access_denied",
        "error_description": "The shopper did not allow the link.",
        "state": "st-123",
    }
