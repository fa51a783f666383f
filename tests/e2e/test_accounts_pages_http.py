"""Accounts HTML pages: forms with CSRF, accessible errors, lockout message, account page."""

from __future__ import annotations

import re

import httpx

from handshake.accounts import service
from handshake.bootstrap import Container
from tests.accounts_helpers import PASSWORD, signed_in_shopper

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _csrf(client: httpx.AsyncClient, page: str) -> str:
    response = await client.get(page)
    assert response.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


async def test_signup_form_creates_the_account_and_signs_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await _csrf(client, "/signup")
    response = await client.post(
        "/signup",
        data={"csrf_token": token, "email": "web@example.com", "password": PASSWORD, "name": "Wes"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    page = await client.get("/account")
    assert page.status_code == 200
    assert "web@example.com" in page.text
    assert 'action="/signout"' in page.text  # the header knows who is signed in
    shopper = await service.find_shopper_by_email(uow=container.read_uow(), email="web@example.com")
    assert shopper.name == "Wes"


async def test_form_posts_without_csrf_are_refused_and_create_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    response = await client.post(
        "/signup", data={"email": "nocsrf@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    async with container.read_uow() as uow:
        from handshake.accounts.repository import ShopperRepository

        assert await uow.repo(ShopperRepository).by_email("nocsrf@example.com") is None


async def test_form_errors_rerender_the_form_with_a_linked_message(
    client: httpx.AsyncClient,
) -> None:
    token = await _csrf(client, "/signup")
    response = await client.post(
        "/signup", data={"csrf_token": token, "email": "short@example.com", "password": "short"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="form-error"' in response.text
    assert "at least 10 characters" in response.text
    assert re.search(r'id="password"[^>]*aria-invalid="true"', response.text, re.S)
    assert re.search(
        r'id="password"[^>]*aria-describedby="password-hint form-error"', response.text, re.S
    )
    assert 'value="short@example.com"' in response.text
    assert 'short"' not in response.text.split('id="password"')[1].split(">")[0]


async def test_french_page_and_french_error(client: httpx.AsyncClient) -> None:
    token = await _csrf(client, "/signin?lang=fr")
    page = await client.get("/signin")
    assert "Se connecter" in page.text
    assert 'lang="fr"' in page.text
    response = await client.post(
        "/signin", data={"csrf_token": token, "email": "who@example.com", "password": "x" * 12}
    )
    assert response.status_code == 400
    assert "E-mail ou mot de passe incorrect." in response.text


async def test_lockout_page_says_when_to_retry(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    client.cookies.delete("hs_session")
    token = await _csrf(client, "/signin")
    data = {"csrf_token": token, "email": login.email, "password": "wrong password"}
    for _ in range(container.settings.security.login_max_failures):
        assert (await client.post("/signin", data=data)).status_code == 400
    locked = await client.post("/signin", data={**data, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Try again after" in locked.text
    assert "UTC" in locked.text
    assert "hs_session" not in client.cookies


async def test_signin_redirects_only_to_local_paths(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    client.cookies.delete("hs_session")
    token = await _csrf(client, "/signin")
    data = {"csrf_token": token, "email": login.email, "password": PASSWORD}
    response = await client.post("/signin", data={**data, "next": "//evil.example/x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


async def test_account_page_adds_addresses_and_signout_ends_the_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert (await client.get("/account")).headers["location"] == "/signin?next=/account"
    login = await signed_in_shopper(client, container, name="Ada")
    token = await _csrf(client, "/account")
    bad = await client.post(
        "/account/addresses",
        data={"csrf_token": token, "line1": "1 rue", "city": "Paris", "postal_code": "1",
              "country": "FR"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "The postal code is not valid." in bad.text
    ok = await client.post(
        "/account/addresses",
        data={"csrf_token": token, "line1": "1 rue", "city": "Paris", "postal_code": "75001",
              "country": "fr"},
    )  # fmt: skip
    assert ok.status_code == 303
    page = await client.get("/account")
    assert "75001 Paris, FR" in page.text
    out = await client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 303
    gone = await client.get("/api/v1/me", headers={"Cookie": f"hs_session={login.session_token}"})
    assert gone.status_code == 401
