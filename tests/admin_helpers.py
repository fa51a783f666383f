"""Shared helpers of the operator dashboard tests: an operator signed in through the form."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from handshake.accounts import service
from handshake.bootstrap import Container
from tests.accounts_helpers import PASSWORD, policy_of

_emails = itertools.count(1)


async def csrf_of(client: httpx.AsyncClient, page: str) -> str:
    """The CSRF token of the form on ``page`` (GET must answer 200)."""
    response = await client.get(page)
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


async def signed_in_operator(client: httpx.AsyncClient, container: Container) -> str:
    """Create an operator and sign in at /admin/signin; the CSRF token for later posts."""
    email = f"admin{next(_emails)}@shop.example"
    await service.create_operator(
        uow=container.uow(), email=email, password=PASSWORD, name="Olga Operator",
        password_policy=policy_of(container),
    )  # fmt: skip
    token = await csrf_of(client, "/admin/signin")
    response = await client.post(
        "/admin/signin", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return token


@asynccontextmanager
async def operator_client(
    app: object, container: Container
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A second client of ``app``, signed in as a new operator, and its CSRF token."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
        yield admin, await signed_in_operator(admin, container)


async def post_form(
    client: httpx.AsyncClient, path: str, token: str, **fields: str | list[str]
) -> httpx.Response:
    """POST a dashboard form with the CSRF token."""
    return await client.post(path, data={"csrf_token": token, **fields})


def text_of(html: str, testid: str) -> str:
    """The text inside the first element with ``data-testid=testid`` (tags stripped)."""
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', html, re.S)
    assert match is not None, f"no {testid}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()
