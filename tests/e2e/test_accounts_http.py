"""The accounts JSON API over HTTP: sign-up/in/out, cookies, CSRF, lockout, own data, GDPR."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from handshake.accounts import service
from handshake.accounts.models import PrincipalKind
from handshake.accounts.repository import SessionRepository, ShopperRepository
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.accounts_helpers import PASSWORD, ShopperLogin, signed_in_shopper

PROBLEM = "application/problem+json"
CARD = {"provider": "sandbox", "token": "tok_visa_1", "brand": "visa", "last4": "4242"}


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def _as(token: str) -> dict[str, str]:
    """Headers presenting ``token`` as the session cookie (overrides the client's jar)."""
    return {"Cookie": f"hs_session={token}"}


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith(name + "="))


async def test_signup_sets_an_httponly_lax_session_cookie_whose_hash_only_is_stored(
    client: httpx.AsyncClient, container: Container
) -> None:
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": " Ada@Example.COM ", "password": PASSWORD, "name": "Ada", "locale": "fr"},
    )
    assert response.status_code == 201, response.text
    cookie = _set_cookie(response, "hs_session")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # test environment; see the Secure test below
    token = client.cookies["hs_session"]
    async with container.read_uow() as uow:
        row = await uow.repo(SessionRepository).by_token_hash(
            hashlib.sha256(token.encode()).hexdigest()
        )
        assert row is not None
        assert row.principal_id == response.json()["id"]
        assert token not in (row.token_hash, row.id)
        ttl = row.expires_at - row.created_at
    assert ttl == timedelta(hours=container.settings.security.session_ttl_hours)
    me = (await client.get("/api/v1/me")).json()
    assert (me["email"], me["name"], me["locale"], me["is_member"]) == (
        "ada@example.com",
        "Ada",
        "fr",
        False,
    )


async def test_secure_flag_follows_settings(container: Container) -> None:
    from handshake.entrypoints.http import create_app
    from handshake.settings import SecuritySettings

    security = container.settings.security.model_copy(update={"cookie_secure": True})
    container.settings = container.settings.model_copy(update={"security": security})
    assert isinstance(container.settings.security, SecuritySettings)
    app = create_app(container=container, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        response = await http.post(
            "/api/v1/auth/signup", json={"email": "sec@example.com", "password": PASSWORD}
        )
    assert response.status_code == 201
    assert "Secure" in _set_cookie(response, "hs_session")


async def test_signin_rotates_the_session_and_the_old_token_stops_working(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    old_token = login.session_token
    response = await client.post(
        "/api/v1/auth/signin",
        json={"email": login.email, "password": PASSWORD},
        headers=login.csrf_headers,
    )
    assert response.status_code == 200, response.text
    new_token = client.cookies["hs_session"]
    assert new_token != old_token
    stale = await client.get("/api/v1/me", headers=_as(old_token))
    _problem(stale, 401, "not_signed_in")
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_signout_ends_the_session_server_side(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    response = await client.post("/api/v1/auth/signout", headers=login.csrf_headers)
    assert response.status_code == 204
    # Even a client that kept the cookie is signed out: the row is gone.
    replay = await client.get("/api/v1/me", headers=_as(login.session_token))
    _problem(replay, 401, "not_signed_in")


async def test_session_mutations_without_csrf_are_refused_and_change_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container, name="Before")
    response = await client.patch("/api/v1/me", json={"name": "After"})
    _problem(response, 403, "csrf_failed")
    response = await client.post(
        "/api/v1/me/addresses",
        json={"line1": "1 rue X", "city": "Paris", "postal_code": "75001", "country": "FR"},
    )
    _problem(response, 403, "csrf_failed")
    shopper = await service.get_shopper(uow=container.read_uow(), shopper_id=login.shopper_id)
    assert shopper.name == "Before"
    assert await service.list_addresses(uow=container.read_uow(), shopper_id=login.shopper_id) == []
    signout = await client.post("/api/v1/auth/signout")
    _problem(signout, 403, "csrf_failed")
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_lockout_after_max_failures_then_retry_after_the_lockout(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    client.cookies.clear()
    max_failures = container.settings.security.login_max_failures
    start = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        for _ in range(max_failures):
            wrong = await client.post(
                "/api/v1/auth/signin", json={"email": login.email, "password": "wrong password!"}
            )
            _problem(wrong, 401, "invalid_credentials")
        locked = await client.post(
            "/api/v1/auth/signin", json={"email": login.email, "password": PASSWORD}
        )
        body = _problem(locked, 429, "login_locked")
        minutes = container.settings.security.login_lockout_minutes
        assert locked.headers["Retry-After"] == str(minutes * 60)
        retry_at = start + timedelta(minutes=minutes)
        assert body["retry_at"] == retry_at.isoformat()
        assert f"{retry_at:%H:%M} UTC" in body["detail"]
        assert "hs_session" not in client.cookies
        clock.advance(timedelta(minutes=minutes, seconds=1))
        ok = await client.post(
            "/api/v1/auth/signin", json={"email": login.email, "password": PASSWORD}
        )
        assert ok.status_code == 200, ok.text
    async with container.read_uow() as uow:
        assert await uow.repo(SessionRepository).throttle(_key(login.email)) is None


def _key(email: str) -> str:
    return hashlib.sha256(f"{PrincipalKind.SHOPPER.value}:{email}".encode()).hexdigest()


async def test_unknown_emails_are_locked_out_too(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/auth/signin", json={"email": "ghost@example.com", "password": "whatever123"}
        )
        _problem(wrong, 401, "invalid_credentials")
    locked = await client.post(
        "/api/v1/auth/signin", json={"email": "ghost@example.com", "password": "whatever123"}
    )
    _problem(locked, 429, "login_locked")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "invalid_email"),
        ({"email": "short@example.com", "password": "123456789"}, "weak_password"),
        ({"email": "x@example.com", "password": PASSWORD, "role": "operator"}, "validation_failed"),
        ({"email": "x@example.com"}, "validation_failed"),
    ],
)
async def test_bad_signups_are_problems_and_create_nothing(
    client: httpx.AsyncClient, container: Container, payload: dict[str, Any], code: str
) -> None:
    response = await client.post("/api/v1/auth/signup", json=payload)
    _problem(response, 422, code)
    assert "hs_session" not in client.cookies
    async with container.read_uow() as uow:
        email = str(payload.get("email", "")).strip().lower()
        assert await uow.repo(ShopperRepository).by_email(email) is None


async def test_duplicate_signup_is_a_conflict(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/signup", json={"email": login.email.upper(), "password": PASSWORD}
    )
    _problem(response, 409, "email_taken")


async def _add_address(
    client: httpx.AsyncClient, login: ShopperLogin, **fields: Any
) -> dict[str, Any]:
    body = {"line1": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"}
    response = await client.post(
        "/api/v1/me/addresses", json={**body, **fields}, headers=login.csrf_headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_addresses_keep_exactly_one_default(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container, name="Ada")
    first = await _add_address(client, login)
    second = await _add_address(client, login, line1="2 quai", postal_code="69002", city="Lyon")
    assert (first["is_default"], second["is_default"], first["name"]) == (True, False, "Ada")
    made = await client.post(
        f"/api/v1/me/addresses/{second['id']}/default", headers=login.csrf_headers
    )
    assert made.status_code == 200
    listed = (await client.get("/api/v1/me/addresses")).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [
        (first["id"], False),
        (second["id"], True),
    ]
    deleted = await client.delete(
        f"/api/v1/me/addresses/{second['id']}", headers=login.csrf_headers
    )
    assert deleted.status_code == 204
    listed = (await client.get("/api/v1/me/addresses")).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [(first["id"], True)]
    patched = await client.patch(
        f"/api/v1/me/addresses/{first['id']}",
        json={"line2": "Bât. B", "country": "fr"},
        headers=login.csrf_headers,
    )
    assert (patched.json()["line2"], patched.json()["country"]) == ("Bât. B", "FR")


async def test_bad_addresses_and_foreign_ids_are_problems(
    client: httpx.AsyncClient, container: Container
) -> None:
    other = await signed_in_shopper(client, container)
    foreign = await _add_address(client, other)
    client.cookies.clear()
    login = await signed_in_shopper(client, container)
    body = {"line1": "1 rue", "city": "Paris", "postal_code": "75001"}
    bad_country = await client.post(
        "/api/v1/me/addresses", json={**body, "country": "ZZ"}, headers=login.csrf_headers
    )
    assert _problem(bad_country, 422, "invalid_address")["field"] == "country"
    bad_postal = await client.post(
        "/api/v1/me/addresses",
        json={**body, "country": "FR", "postal_code": "7500"},
        headers=login.csrf_headers,
    )
    assert _problem(bad_postal, 422, "invalid_address")["field"] == "postal_code"
    steal = await client.delete(f"/api/v1/me/addresses/{foreign['id']}", headers=login.csrf_headers)
    _problem(steal, 404, "address_not_found")
    assert await service.list_addresses(uow=container.read_uow(), shopper_id=login.shopper_id) == []
    kept = await service.list_addresses(uow=container.read_uow(), shopper_id=other.shopper_id)
    assert [a.id for a in kept] == [foreign["id"]]


async def test_payment_methods_store_only_tokens_and_refuse_card_numbers_and_expired_cards(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    year = clock.now().year
    with_pan = await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "exp_month": 12, "exp_year": year + 1, "number": "4242424242424242"},
        headers=login.csrf_headers,
    )
    assert _problem(with_pan, 422, "validation_failed")["errors"][0]["field"] == "body.number"
    pan_as_token = await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "token": "4242 4242 4242 4242", "exp_month": 12, "exp_year": year + 1},
        headers=login.csrf_headers,
    )
    _problem(pan_as_token, 422, "invalid_payment_method")
    expired = await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "exp_month": 1, "exp_year": year - 1},
        headers=login.csrf_headers,
    )
    _problem(expired, 422, "card_expired")
    assert (await client.get("/api/v1/me/payment-methods")).json() == []
    added = await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "exp_month": 12, "exp_year": year + 1},
        headers=login.csrf_headers,
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert "token" not in body
    assert "provider_token" not in body
    assert (body["brand"], body["last4"], body["is_default"]) == ("visa", "4242", True)
    second = await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "token": "tok_2", "last4": "0005", "exp_month": 1, "exp_year": year + 2},
        headers=login.csrf_headers,
    )
    made = await client.post(
        f"/api/v1/me/payment-methods/{second.json()['id']}/default", headers=login.csrf_headers
    )
    assert made.json()["id"] == second.json()["id"]
    listed = (await client.get("/api/v1/me/payment-methods")).json()
    assert [(m["last4"], m["is_default"]) for m in listed] == [("4242", False), ("0005", True)]
    gone = await client.delete(
        f"/api/v1/me/payment-methods/{second.json()['id']}", headers=login.csrf_headers
    )
    assert gone.status_code == 204
    listed = (await client.get("/api/v1/me/payment-methods")).json()
    assert [(m["last4"], m["is_default"]) for m in listed] == [("4242", True)]


async def test_export_is_one_document_with_every_section(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container, name="Ada", member=True)
    await _add_address(client, login)
    year = clock.now().year
    await client.post(
        "/api/v1/me/payment-methods",
        json={**CARD, "exp_month": 12, "exp_year": year + 1},
        headers=login.csrf_headers,
    )
    document = (await client.get("/api/v1/me/export")).json()
    assert document["shopper_id"] == login.shopper_id
    sections = document["sections"]
    assert set(sections) >= {"profile", "addresses", "membership", "payment_methods", "sessions"}
    assert sections["profile"]["email"] == login.email
    assert sections["profile"]["name"] == "Ada"
    assert [a["postal_code"] for a in sections["addresses"]] == ["75001"]
    assert sections["membership"]["active"] is True
    assert sections["payment_methods"][0]["card"] == "•••• 4242"
    assert "tok_visa_1" not in str(document)
    assert len(sections["sessions"]) == 1
    assert login.session_token not in str(document)


async def test_erasure_removes_personal_data_and_ends_every_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container, name="Ada")
    await _add_address(client, login)
    second_device = await client.post(
        "/api/v1/auth/signin",
        json={"email": login.email, "password": PASSWORD},
        headers=login.csrf_headers,
    )
    other_token = client.cookies["hs_session"]
    assert second_device.status_code == 200
    denied = await client.delete("/api/v1/me")  # no CSRF header: nothing happens
    _problem(denied, 403, "csrf_failed")
    assert (await client.get("/api/v1/me")).json()["email"] == login.email
    response = await client.delete("/api/v1/me", headers=login.csrf_headers)
    assert response.status_code == 204
    for token in (login.session_token, other_token):
        _problem(await client.get("/api/v1/me", headers=_as(token)), 401, "not_signed_in")
    async with container.read_uow() as uow:
        repo = uow.repo(ShopperRepository)
        row = await repo.get(login.shopper_id)
        assert row is not None
        assert (row.email, row.name) == (f"erased+{login.shopper_id}@invalid", None)
        assert row.erased_at is not None
        assert await repo.addresses(login.shopper_id) == []
        sessions = uow.repo(SessionRepository)
        assert await sessions.of_principal("shopper", login.shopper_id) == []
    client.cookies.clear()
    again = await client.post(
        "/api/v1/auth/signin", json={"email": login.email, "password": PASSWORD}
    )
    _problem(again, 401, "invalid_credentials")


async def test_signing_up_again_from_a_signed_in_client_replaces_the_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    first = await signed_in_shopper(client, container)
    second = await signed_in_shopper(client, container)
    assert first.shopper_id != second.shopper_id
    assert (await client.get("/api/v1/me")).json()["id"] == second.shopper_id
    _problem(await client.get("/api/v1/me", headers=_as(first.session_token)), 401, "not_signed_in")
