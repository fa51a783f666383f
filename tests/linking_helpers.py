"""Shared helpers of the linking tests: a registered partner app, the OAuth flow by hand, and
row counts that prove a refused request changed nothing."""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy import func, select

from handshake.bootstrap import Container
from handshake.db.base import metadata
from handshake.db.uow import Repository
from handshake.partners import service as partners
from handshake.web.csrf import CSRF_COOKIE

REDIRECT_URI = "https://app.example/callback"
# A start for frozen clocks. Keep frozen times (and what tests advance them to) before 2031: ids
# never go backwards within a process, and the kernel's id test freezes at 2031-01-01.
FROZEN_START = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
_names = itertools.count(1)


@dataclass(frozen=True)
class PartnerApp:
    """A registered partner with one client."""

    partner_id: str
    client_id: str
    client_secret: str | None
    redirect_uri: str

    def basic(self) -> dict[str, str]:
        """HTTP Basic client authentication headers (confidential clients)."""
        assert self.client_secret is not None
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def register_app(
    container: Container,
    *,
    kind: str = "social",
    scopes: list[str] | None = None,
    public: bool = False,
    name: str | None = None,
    other_redirect_uris: tuple[str, ...] = (),
) -> PartnerApp:
    """Register a partner of ``kind`` with one client redirecting to REDIRECT_URI (and more)."""
    partner, issued = await partners.register_partner(
        uow=container.uow(),
        name=name or f"App {next(_names)}",
        kind=kind,
        contact_email="dev@app.example",
        client_type="public" if public else "confidential",
        redirect_uris=[REDIRECT_URI, *other_redirect_uris],
        scopes=scopes,
    )
    return PartnerApp(partner.id, issued.client_id, issued.client_secret, REDIRECT_URI)


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    app: PartnerApp, *, scope: str, challenge: str, state: str = "st-123"
) -> dict[str, str]:
    """Query parameters of an authorization request with PKCE S256."""
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def redirect_query(response: httpx.Response) -> dict[str, str]:
    """The query parameters of a redirect's Location."""
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def consent(
    client: httpx.AsyncClient,
    params: dict[str, str],
    *,
    decision: str = "allow",
    chosen: list[str] | None = None,
) -> httpx.Response:
    """Post the consent form (the browser's answer) for ``params``."""
    form: dict[str, Any] = {
        **params,
        "decision": decision,
        "csrf_token": client.cookies[CSRF_COOKIE],
    }
    if chosen is not None:
        form["scope_choice"] = chosen
    else:
        form["scope_choice"] = params["scope"].split()
    return await client.post("/oauth/authorize", data=form)


async def linked_code(
    client: httpx.AsyncClient, app: PartnerApp, *, scope: str = "profile offers"
) -> tuple[str, str]:
    """Run authorize → consent for a signed-in ``client``; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    params = authorize_params(app, scope=scope, challenge=challenge)
    page = await client.get("/oauth/authorize", params=params)
    if page.status_code == 200:
        page = await consent(client, params)
    assert page.status_code in (302, 303), page.text
    query = redirect_query(page)
    assert query["state"] == "st-123"
    return query["code"], verifier


async def exchange_code(
    client: httpx.AsyncClient,
    app: PartnerApp,
    code: str,
    verifier: str,
    **overrides: str | None,
) -> httpx.Response:
    """POST the code to the token endpoint with the app's credentials.

    ``overrides`` replace form fields; a None value leaves the field out.
    """
    fields: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
        **overrides,
    }
    form = {name: value for name, value in fields.items() if value is not None}
    if app.client_secret is None:
        return await client.post("/oauth/token", data={**form, "client_id": app.client_id})
    return await client.post("/oauth/token", data=form, headers=app.basic())


async def link_tokens(
    client: httpx.AsyncClient, app: PartnerApp, *, scope: str = "profile offers"
) -> dict[str, Any]:
    """Link the signed-in shopper of ``client`` to ``app``; the token response's JSON."""
    code, verifier = await linked_code(client, app, scope=scope)
    issued = await exchange_code(client, app, code, verifier)
    assert issued.status_code == 200, issued.text
    body: dict[str, Any] = issued.json()
    return body


async def refresh(
    client: httpx.AsyncClient, app: PartnerApp, refresh_token: str, **extra: str
) -> httpx.Response:
    """POST a refresh-token grant with the app's credentials."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    if app.client_secret is None:
        return await client.post("/oauth/token", data={**form, "client_id": app.client_id})
    return await client.post("/oauth/token", data=form, headers=app.basic())


def bearer(access_token: str) -> dict[str, str]:
    """``Authorization: Bearer`` headers for a partner call."""
    return {"Authorization": f"Bearer {access_token}"}


def browser(app: object) -> httpx.AsyncClient:
    """A fresh cookie jar on the in-process app (another shopper, or a partner's server)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class RowCounter(Repository):
    """Counts rows of any table, through a unit of work like every other query."""

    async def count(self, table_name: str) -> int:
        """Rows in ``table_name``."""
        table = metadata.tables[table_name]
        return int(
            (await self.session.execute(select(func.count()).select_from(table))).scalar_one()
        )


async def row_count(container: Container, table_name: str) -> int:
    """Rows in ``table_name`` now (a read unit of work)."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(RowCounter).count(table_name)


async def row_counts(container: Container) -> dict[str, int]:
    """Rows in every table of the metadata now."""
    uow = container.read_uow()
    async with uow:
        counter = uow.repo(RowCounter)
        return {name: await counter.count(name) for name in sorted(metadata.tables)}


async def token_count(container: Container) -> int:
    """Rows in ``oauth_tokens``: every issuance, live or not."""
    return await row_count(container, "oauth_tokens")


@dataclass
class HtmlForm:
    """A form as a browser without JavaScript sees it."""

    action: str
    method: str
    attributes: dict[str, str]
    inputs: list[dict[str, str]]
    buttons: list[dict[str, str]]

    def submission(self, button_value: str | None = None) -> list[tuple[str, str]]:
        """The fields a browser posts when a button is pressed (by value; else the first)."""
        fields = []
        for field in self.inputs:
            if "disabled" in field or "name" not in field:
                continue
            if field.get("type") == "checkbox" and "checked" not in field:
                continue
            fields.append((field["name"], field.get("value", "on")))
        pressed = next(b for b in self.buttons if button_value in (None, b.get("value")))
        if "name" in pressed:
            fields.append((pressed["name"], pressed.get("value", "")))
        return fields


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[HtmlForm] = []
        self.text: list[str] = []
        self.element_attributes: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.element_attributes.append(values)
        if tag == "form":
            self.forms.append(
                HtmlForm(values.get("action", ""), values.get("method", "get"), values, [], [])
            )
        elif tag == "input" and self.forms:
            self.forms[-1].inputs.append(values)
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append(values)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def submit(
    client: httpx.AsyncClient, form: HtmlForm, button_value: str | None = None
) -> httpx.Response:
    """Post ``form`` as a browser does when a button is pressed (see ``HtmlForm.submission``)."""
    return await client.post(
        form.action,
        content=urlencode(form.submission(button_value)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


@dataclass(frozen=True)
class HtmlPage:
    """A parsed page: its visible text (entities decoded, spaces collapsed) and its forms."""

    text: str
    forms: list[HtmlForm]
    element_attributes: list[dict[str, str]]

    def form(self, action: str) -> HtmlForm:
        """The form posting to ``action``."""
        return next(form for form in self.forms if form.action == action)


def parse_page(html: str) -> HtmlPage:
    """Parse an HTML page the way a browser without JavaScript would use it."""
    parser = _PageParser()
    parser.feed(html)
    text = " ".join(" ".join(parser.text).split())
    return HtmlPage(text=text, forms=parser.forms, element_attributes=parser.element_attributes)
