"""The dashboard's gate: operators only; others are sent to sign in or refused, with no effect."""

from __future__ import annotations

import httpx
import pytest

from handshake.accounts import service
from handshake.bootstrap import Container
from handshake.partners import service as partners
from tests.accounts_helpers import PASSWORD, policy_of, signed_in_shopper
from tests.admin_helpers import csrf_of, signed_in_operator

PAGES = [
    "/admin",
    "/admin/catalog",
    "/admin/orders",
    "/admin/partners",
    "/admin/partners/new",
    "/admin/device-makers",
    "/admin/reports/channels",
    "/admin/reports/channels.csv",
]


@pytest.mark.parametrize("page", PAGES)
async def test_anonymous_visitors_are_sent_to_the_operator_sign_in(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(f"{page}?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/admin/signin?next=" + page.replace("/", "%2F") + "%3Fx%3D1"
    )


async def test_a_shopper_session_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    login = await signed_in_shopper(client, container)
    for page in PAGES:
        assert (await client.get(page)).status_code == 403, page
    posted = await client.post(
        "/admin/partners",
        data={"csrf_token": login.csrf_token, "name": "Sneaky", "kind": "social",
              "contact_email": "a@b.example"},
    )  # fmt: skip
    assert posted.status_code == 403
    assert posted.json()["code"] == "not_an_operator"
    assert await partners.list_partners(uow=container.read_uow()) == []


async def test_anonymous_form_posts_go_to_sign_in_and_change_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await csrf_of(client, "/admin/signin")
    posted = await client.post(
        "/admin/partners",
        data={"csrf_token": token, "name": "Sneaky", "kind": "social", "contact_email": "a@b.ex"},
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/admin/signin?next=%2Fadmin"
    assert await partners.list_partners(uow=container.read_uow()) == []


async def test_an_operator_sees_the_overview_with_the_side_navigation(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_operator(client, container)
    page = await client.get("/admin")
    assert page.status_code == 200, page.text
    labels = ["Overview", "Catalog", "Orders", "Partners", "Device makers", "Channel performance"]
    for label in labels:
        assert f">{label}</a>" in page.text
    assert 'data-testid="nav-overview" aria-current="page"' in page.text
    assert 'data-testid="orders-today">0<' in page.text
    assert 'data-testid="revenue-today">0.00 EUR<' in page.text
    assert 'href="/static/web/css/admin.css"' in page.text
    french = await client.get("/admin?lang=fr")
    assert "Vue d’ensemble" in french.text
    assert 'lang="fr"' in french.text


async def test_operator_sign_in_returns_to_the_page_asked_for_and_defaults_to_the_dashboard(
    client: httpx.AsyncClient, container: Container
) -> None:
    # Regression: operators were always sent to /docs after signing in.
    await service.create_operator(
        uow=container.uow(), email="olga@shop.example", password=PASSWORD, name="Olga",
        password_policy=policy_of(container),
    )  # fmt: skip
    form = await client.get("/admin/signin?next=/admin/orders")
    assert 'name="next" value="/admin/orders"' in form.text
    token = await csrf_of(client, "/admin/signin")
    credentials = {"csrf_token": token, "email": "olga@shop.example", "password": PASSWORD}
    asked = await client.post("/admin/signin", data={**credentials, "next": "/admin/orders"})
    assert (asked.status_code, asked.headers["location"]) == (303, "/admin/orders")
    plain = await client.post("/admin/signin", data=credentials)
    assert (plain.status_code, plain.headers["location"]) == (303, "/admin")
    offsite = await client.post("/admin/signin", data={**credentials, "next": "//evil.example"})
    assert offsite.headers["location"] == "/admin"
