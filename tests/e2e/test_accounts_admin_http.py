"""Operator side of accounts over HTTP: API key lifecycle, operator sessions, memberships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from handshake.accounts import service
from handshake.accounts.repository import OperatorRepository
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.accounts_helpers import PASSWORD, operator_headers, signed_in_shopper

KEYS = "/api/v1/admin/operators/api-keys"
PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


async def test_api_key_is_shown_once_used_listed_and_revoked_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    bootstrap = await operator_headers(container)
    issued = await client.post(KEYS, json={"label": "feeds"}, headers=bootstrap)
    assert issued.status_code == 201, issued.text
    key = issued.json()["key"]
    key_id = issued.json()["id"]
    assert key.startswith("hsk_")
    assert key.split("_")[1] == key_id.split("_")[1]
    mine = {"Authorization": f"Bearer {key}"}
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with clock.frozen_at(moment):
        listed = await client.get(KEYS, headers=mine)
    assert listed.status_code == 200
    rows = {row["id"]: row for row in listed.json()}
    assert rows[key_id]["label"] == "feeds"
    assert rows[key_id]["last_used_at"] == moment.isoformat().replace("+00:00", "Z")
    assert key not in listed.text  # the plaintext is never shown again
    async with container.read_uow() as uow:
        found = await uow.repo(OperatorRepository).key_with_operator(key_id)
        assert found is not None
        assert key.split("_", 2)[2] not in found[0].secret_hash
    revoked = await client.delete(f"{KEYS}/{key_id}", headers=bootstrap)
    assert revoked.status_code == 204
    refused = await client.get(KEYS, headers=mine)
    _problem(refused, 401, "operator_auth_required")
    assert (await client.get(KEYS, headers=bootstrap)).status_code == 200


async def test_bad_keys_and_missing_credentials_are_refused(client: httpx.AsyncClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Bearer hsk_01ARZ3NDEKTSV4RRFFQ69G5FAV_wrongsecretwrongsecret"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
    ):
        _problem(await client.get(KEYS, headers=headers), 401, "operator_auth_required")


async def test_tampered_secret_of_a_real_key_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await operator_headers(container)
    tampered = headers["Authorization"][:-3] + "xyz"
    _problem(
        await client.get(KEYS, headers={"Authorization": tampered}), 401, "operator_auth_required"
    )


async def test_revoking_someone_elses_key_is_not_found(
    client: httpx.AsyncClient, container: Container
) -> None:
    alice = await operator_headers(container)
    bob = await operator_headers(container)
    bobs_keys = (await client.get(KEYS, headers=bob)).json()
    response = await client.delete(f"{KEYS}/{bobs_keys[0]['id']}", headers=alice)
    _problem(response, 404, "api_key_not_found")
    assert (await client.get(KEYS, headers=bob)).status_code == 200


async def test_a_shopper_session_is_not_an_operator(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_shopper(client, container)
    _problem(await client.get(KEYS), 403, "not_an_operator")


async def test_operator_web_session_works_on_the_admin_api(
    client: httpx.AsyncClient, container: Container
) -> None:
    await operator_headers(container, email="boss@shop.example")
    signin = await client.post(
        "/api/v1/admin/auth/signin", json={"email": "boss@shop.example", "password": PASSWORD}
    )
    assert signin.status_code == 200, signin.text
    assert signin.json()["kind"] == "operator"
    listed = await client.get(KEYS)
    assert listed.status_code == 200
    assert len(listed.json()) == 1
    csrf = {"X-CSRF-Token": client.cookies["hs_csrf"]}
    created = await client.post(KEYS, json={"label": "web"}, headers=csrf)
    assert created.status_code == 201
    # An operator session is not a shopper session.
    _problem(await client.get("/api/v1/me"), 401, "not_signed_in")
    # Shopper sign-in does not accept operator accounts (separate tables).
    client.cookies.clear()
    wrong_door = await client.post(
        "/api/v1/auth/signin", json={"email": "boss@shop.example", "password": PASSWORD}
    )
    _problem(wrong_door, 401, "invalid_credentials")


async def test_operators_grant_and_end_memberships(
    client: httpx.AsyncClient, container: Container
) -> None:
    op = await operator_headers(container)
    login = await signed_in_shopper(client, container)
    url = f"/api/v1/admin/shoppers/{login.shopper_id}/membership"
    until = (clock.now() + timedelta(days=30)).replace(microsecond=0)
    granted = await client.post(url, json={"ends_at": until.isoformat()}, headers=op)
    assert granted.status_code == 200, granted.text
    assert granted.json()["active"] is True
    assert granted.json()["tier"] == "member"
    assert (await client.get("/api/v1/me")).json()["is_member"] is True
    ended = await client.post(url, json={"action": "end"}, headers=op)
    assert ended.json()["active"] is False
    assert (await client.get("/api/v1/me")).json()["is_member"] is False
    assert not await service.is_shopper_member(
        uow=container.read_uow(), shopper_id=login.shopper_id
    )
    backwards = await client.post(
        url,
        json={"starts_at": until.isoformat(), "ends_at": clock.now().isoformat()},
        headers=op,
    )
    _problem(backwards, 422, "invalid_membership")
    unknown = await client.post(
        "/api/v1/admin/shoppers/shp_01ARZ3NDEKTSV4RRFFQ69G5FAV/membership", json={}, headers=op
    )
    _problem(unknown, 404, "shopper_not_found")
    no_auth = await client.post(url, json={}, headers={"Authorization": "Bearer x"})
    _problem(no_auth, 401, "operator_auth_required")
