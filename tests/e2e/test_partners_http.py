"""The partners API over HTTP: operator administration and partner authentication."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from tests.accounts_helpers import operator_headers
from tests.partners_helpers import basic_auth

ADMIN = "/api/v1/admin/partners"
PROBLEM = "application/problem+json"


@pytest.fixture
async def op(container: Container) -> dict[str, str]:
    """Operator API key headers."""
    return await operator_headers(container)


async def _partner(
    client: httpx.AsyncClient, op: dict[str, str], *, name: str = "Pixfeed", kind: str = "social"
) -> dict[str, Any]:
    response = await client.post(
        ADMIN,
        json={"name": name, "kind": kind, "contact_email": "dev@pixfeed.example"},
        headers=op,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _client(
    client: httpx.AsyncClient, op: dict[str, str], partner_id: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(f"{ADMIN}/{partner_id}/clients", json=fields, headers=op)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


async def test_admin_api_requires_an_operator_and_creates_nothing_without_one(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    body = {"name": "Pixfeed", "kind": "social", "contact_email": "dev@pixfeed.example"}
    _problem(await client.post(ADMIN, json=body), 401, "operator_auth_required")
    _problem(await client.get(ADMIN), 401, "operator_auth_required")
    wrong_key = {"Authorization": "Bearer hsk_not_a_key"}
    assert (await client.post(ADMIN, json=body, headers=wrong_key)).status_code == 401
    listed = await client.get(ADMIN, headers=op)
    assert listed.json() == {"items": []}


async def test_partner_lifecycle_through_http(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    created = await _partner(client, op, kind="video")
    assert created["id"].startswith("ptn_")
    assert {k: created[k] for k in ("name", "kind", "status", "contact_email", "website")} == {
        "name": "Pixfeed",
        "kind": "video",
        "status": "active",
        "contact_email": "dev@pixfeed.example",
        "website": None,
    }
    pid = created["id"]
    patched = await client.patch(
        f"{ADMIN}/{pid}",
        json={"contact_name": "Ana", "website": "https://pixfeed.example"},
        headers=op,
    )
    assert (patched.json()["contact_name"], patched.json()["website"]) == (
        "Ana",
        "https://pixfeed.example",
    )
    got = await client.get(f"{ADMIN}/{pid}", headers=op)
    assert got.json()["contact_name"] == "Ana"
    suspended = await client.post(f"{ADMIN}/{pid}/suspend", json={"reason": "fraud"}, headers=op)
    assert (suspended.json()["status"], suspended.json()["suspension_reason"]) == (
        "suspended",
        "fraud",
    )
    again = await client.post(f"{ADMIN}/{pid}/suspend", json={"reason": "x"}, headers=op)
    _problem(again, 409, "partner_already_suspended")
    only_suspended = await client.get(ADMIN, params={"status": "suspended"}, headers=op)
    assert [p["id"] for p in only_suspended.json()["items"]] == [pid]
    reactivated = await client.post(f"{ADMIN}/{pid}/reactivate", headers=op)
    assert reactivated.json()["status"] == "active"
    _problem(
        await client.post(f"{ADMIN}/{pid}/reactivate", headers=op), 409, "partner_not_suspended"
    )


async def test_bad_partner_input_gives_problems_and_creates_nothing(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    base = {"name": "Pixfeed", "kind": "social", "contact_email": "dev@pixfeed.example"}
    for bad in [
        {**base, "kind": "bank"},
        {**base, "contact_email": "nope"},
        {**base, "name": ""},
        {**base, "extra": 1},
    ]:
        _problem(await client.post(ADMIN, json=bad, headers=op), 422, "validation_failed")
    website = await client.post(ADMIN, json={**base, "website": "javascript:x"}, headers=op)
    assert _problem(website, 422, "invalid_partner_field")["field"] == "website"
    assert (await client.get(ADMIN, headers=op)).json() == {"items": []}
    await _partner(client, op)
    _problem(await client.post(ADMIN, json=base, headers=op), 409, "partner_name_taken")
    _problem(await client.get(f"{ADMIN}/ptn_nope", headers=op), 404, "partner_not_found")
    assert len((await client.get(ADMIN, headers=op)).json()["items"]) == 1


async def test_scopes_must_be_allowed_for_the_partner_kind(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op, kind="device_maker"))["id"]
    refused = await client.post(
        f"{ADMIN}/{pid}/clients", json={"scopes": ["profile", "offers"]}, headers=op
    )
    body = _problem(refused, 422, "scope_not_allowed_for_kind")
    assert (body["scope"], body["kind"]) == ("offers", "device_maker")
    assert body["allowed"] == ["profile", "devices.command", "devices.query", "devices.stream"]
    unknown = await client.post(f"{ADMIN}/{pid}/clients", json={"scopes": ["admin"]}, headers=op)
    assert _problem(unknown, 422, "unknown_scope")["scope"] == "admin"
    assert (await client.get(f"{ADMIN}/{pid}/clients", headers=op)).json() == {"items": []}
    ok = await _client(client, op, pid, scopes=["devices.query", "profile"])
    assert ok["client"]["allowed_scopes"] == ["devices.query", "profile"]


@pytest.mark.parametrize(
    ("uris", "client_type"),
    [
        (["http://partner.example/cb"], "confidential"),
        (["https://partner.example/cb#x"], "confidential"),
        (["/cb"], "confidential"),
        (["com.partner.app:/cb"], "confidential"),
        (["myapp://cb"], "public"),
    ],
)
async def test_bad_redirect_uris_are_refused(
    client: httpx.AsyncClient, op: dict[str, str], uris: list[str], client_type: str
) -> None:
    pid = (await _partner(client, op))["id"]
    response = await client.post(
        f"{ADMIN}/{pid}/clients",
        json={"redirect_uris": uris, "client_type": client_type},
        headers=op,
    )
    assert _problem(response, 422, "invalid_redirect_uri")["redirect_uri"] == uris[0]
    assert (await client.get(f"{ADMIN}/{pid}/clients", headers=op)).json() == {"items": []}


async def test_good_redirect_uris_and_public_clients(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op))["id"]
    uris = ["https://pixfeed.example/cb", "http://127.0.0.1:8765/cb", "http://localhost:3000/cb"]
    confidential = await _client(client, op, pid, redirect_uris=uris)
    assert confidential["client"]["redirect_uris"] == uris
    public = await _client(
        client, op, pid, client_type="public", redirect_uris=["com.pixfeed.app:/cb"]
    )
    assert public["client_secret"] is None
    assert public["client"]["client_type"] == "public"
    no_uri = await client.post(f"{ADMIN}/{pid}/clients", json={"client_type": "public"}, headers=op)
    _problem(no_uri, 422, "redirect_uri_required")


async def test_client_secret_is_shown_only_once(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op))["id"]
    response = await client.post(f"{ADMIN}/{pid}/clients", json={}, headers=op)
    secret = response.json()["client_secret"]
    assert secret.startswith("hss_")
    assert response.headers["cache-control"] == "no-store"
    listed = await client.get(f"{ADMIN}/{pid}/clients", headers=op)
    assert secret not in listed.text
    assert "secret_hash" not in listed.text
    assert listed.json()["items"][0]["secret_hint"] == secret[:8] + "…"


async def test_partner_me_with_good_bad_revoked_and_suspended_credentials(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    partner = await _partner(client, op, kind="assistant")
    issued = await _client(client, op, partner["id"], scopes=["offers", "checkout"])
    cid, secret = issued["client"]["client_id"], issued["client_secret"]
    me = await client.get("/partner/v1/me", headers=basic_auth(cid, secret))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "partner": {"id": partner["id"], "name": "Pixfeed", "kind": "assistant"},
        "client": {
            "client_id": cid,
            "name": "Pixfeed app",
            "client_type": "confidential",
            "allowed_scopes": ["offers", "checkout"],
            "redirect_uris": [],
        },
    }
    for headers in [
        {},
        basic_auth(cid, secret + "x"),
        basic_auth("cli_01HZZZZZZZZZZZZZZZZZZZZZZZ", secret),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": f"Bearer {secret}"},
        op,
    ]:
        denied = await client.get("/partner/v1/me", headers=headers)
        _problem(denied, 401, "invalid_client")
        assert denied.headers["www-authenticate"].startswith("Basic")

    suspend = await client.post(
        f"{ADMIN}/{partner['id']}/suspend", json={"reason": "abuse"}, headers=op
    )
    assert suspend.status_code == 200
    blocked = await client.get("/partner/v1/me", headers=basic_auth(cid, secret))
    assert _problem(blocked, 403, "partner_suspended")["partner_id"] == partner["id"]
    await client.post(f"{ADMIN}/{partner['id']}/reactivate", headers=op)
    assert (await client.get("/partner/v1/me", headers=basic_auth(cid, secret))).status_code == 200

    revoked = await client.post(f"{ADMIN}/{partner['id']}/clients/{cid}/revoke", headers=op)
    assert (revoked.json()["status"], revoked.json()["revoked_at"] is not None) == ("revoked", True)
    gone = await client.get("/partner/v1/me", headers=basic_auth(cid, secret))
    _problem(gone, 401, "invalid_client")


async def test_rotating_a_client_secret_through_http(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op))["id"]
    issued = await _client(client, op, pid)
    cid, old = issued["client"]["client_id"], issued["client_secret"]
    rotated = await client.post(f"{ADMIN}/{pid}/clients/{cid}/rotate-secret", headers=op)
    new = rotated.json()["client_secret"]
    assert (rotated.status_code, rotated.headers["cache-control"]) == (200, "no-store")
    assert new not in (None, old)
    _problem(
        await client.get("/partner/v1/me", headers=basic_auth(cid, old)), 401, "invalid_client"
    )
    assert (await client.get("/partner/v1/me", headers=basic_auth(cid, new))).status_code == 200
    other = (await _partner(client, op, name="Other"))["id"]
    _problem(
        await client.post(f"{ADMIN}/{other}/clients/{cid}/rotate-secret", headers=op),
        404,
        "client_not_found",
    )
    assert (await client.get("/partner/v1/me", headers=basic_auth(cid, new))).status_code == 200


async def test_webhook_endpoints_through_http(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op))["id"]
    url = f"{ADMIN}/{pid}/webhook-endpoints"
    created = await client.post(
        url,
        json={"url": "https://pixfeed.example/hooks", "event_types": ["order.created"]},
        headers=op,
    )
    assert created.status_code == 201, created.text
    secret, endpoint = created.json()["secret"], created.json()["endpoint"]
    assert secret.startswith("whsec_")
    assert created.headers["cache-control"] == "no-store"
    assert (endpoint["url"], endpoint["event_types"], endpoint["enabled"]) == (
        "https://pixfeed.example/hooks",
        ["order.created"],
        True,
    )
    bad_url = await client.post(
        url, json={"url": "http://pixfeed.example/h", "event_types": ["order.created"]}, headers=op
    )
    _problem(bad_url, 422, "invalid_webhook_url")
    bad_event = await client.post(
        url, json={"url": "https://pixfeed.example/2", "event_types": ["order.eaten"]}, headers=op
    )
    assert _problem(bad_event, 422, "unknown_event_type")["event_type"] == "order.eaten"
    duplicate = await client.post(
        url,
        json={"url": "https://pixfeed.example/hooks", "event_types": ["link.revoked"]},
        headers=op,
    )
    _problem(duplicate, 409, "webhook_url_taken")
    listed = await client.get(url, headers=op)
    assert [e["id"] for e in listed.json()["items"]] == [endpoint["id"]]
    assert secret not in listed.text

    eid = endpoint["id"]
    patched = await client.patch(
        f"{url}/{eid}", json={"enabled": False, "event_types": ["link.revoked"]}, headers=op
    )
    assert (patched.json()["enabled"], patched.json()["event_types"]) == (False, ["link.revoked"])
    rotated = await client.post(f"{url}/{eid}/rotate-secret", headers=op)
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != secret
    assert (await client.delete(f"{url}/{eid}", headers=op)).status_code == 204
    assert (await client.get(url, headers=op)).json() == {"items": []}
    _problem(await client.delete(f"{url}/{eid}", headers=op), 404, "webhook_endpoint_not_found")


async def test_webhook_admin_needs_an_operator(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    pid = (await _partner(client, op))["id"]
    url = f"{ADMIN}/{pid}/webhook-endpoints"
    body = {"url": "https://pixfeed.example/hooks", "event_types": ["order.created"]}
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.get(url, headers=op)).json() == {"items": []}
