"""The consent page: honest wording (EN and FR), optional scopes, no JavaScript needed, CSRF,
no framing, and no second question for what the shopper already allowed."""

from __future__ import annotations

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.linking import wording
from handshake.partners.kinds import PartnerKind
from handshake.partners.scopes import SCOPES
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    PartnerApp,
    authorize_params,
    consent,
    exchange_code,
    link_tokens,
    parse_page,
    pkce_pair,
    redirect_query,
    register_app,
    row_count,
    submit,
)

STORED = ("link_grants", "consent_receipts", "oauth_authorization_codes", "link_events")


@pytest.fixture
async def partner(container: Container) -> PartnerApp:
    """A confidential social app called Pixfeed."""
    return await register_app(container, name="Pixfeed")


def _params(partner: PartnerApp, scope: str) -> dict[str, str]:
    _, challenge = pkce_pair()
    return authorize_params(partner, scope=scope, challenge=challenge)


async def _stored(container: Container) -> dict[str, int]:
    return {table: await row_count(container, table) for table in STORED}


async def test_consent_page_says_who_asks_what_for_what_and_what_never_leaves(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)

    page = await client.get("/oauth/authorize", params=_params(partner, "profile offers checkout"))

    assert page.status_code == 200
    text = parse_page(page.text).text
    assert "Link Pixfeed to your account?" in text
    assert "Pixfeed · social network" in text
    assert f"Purpose: {wording.describe_purpose(PartnerKind.SOCIAL, 'en')}." in text
    for name in ("profile", "offers", "checkout"):
        assert SCOPES[name].en in text
    assert SCOPES["orders"].en not in text
    for sentence in wording.never_shared(PartnerKind.SOCIAL, "en"):
        assert sentence in text
    assert wording.HOW_TO_REVOKE.en in text


@pytest.mark.parametrize(
    ("query", "headers"),
    [({"lang": "fr"}, {}), ({}, {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})],
    ids=["lang-parameter", "accept-language"],
)
async def test_consent_page_speaks_french(
    client: httpx.AsyncClient,
    container: Container,
    partner: PartnerApp,
    query: dict[str, str],
    headers: dict[str, str],
) -> None:
    await signed_in_shopper(client, container)
    params = {**_params(partner, "profile offers"), **query}

    page = await client.get("/oauth/authorize", params=params, headers=headers)

    text = parse_page(page.text).text
    assert "Lier Pixfeed à votre compte ?" in text
    assert "Pixfeed · réseau social" in text
    assert f"Finalité : {wording.describe_purpose(PartnerKind.SOCIAL, 'fr')}." in text
    assert SCOPES["profile"].fr in text
    assert SCOPES["offers"].fr in text
    for sentence in wording.never_shared(PartnerKind.SOCIAL, "fr"):
        assert sentence in text
    assert wording.HOW_TO_REVOKE.fr in text
    assert "Autoriser" in text
    assert SCOPES["offers"].en not in text


async def test_consent_form_works_as_plain_html_without_javascript(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    page = await client.get("/oauth/authorize", params=_params(partner, "profile checkout"))
    parsed = parse_page(page.text)
    form = parsed.form("/oauth/authorize")

    assert form.method == "post"
    scripted = [a for a in parsed.element_attributes if any(k.startswith(("hx-", "on")) for k in a)]
    # The layout's only: the body's CSRF header and the header's unread badge; none in the form.
    badge = {"hx-get": "/account/notifications/badge", "hx-trigger": "load", "hx-swap": "outerHTML"}
    assert scripted == [{"hx-headers": scripted[0]["hx-headers"]}, badge]
    choices = [
        (i.get("value"), "disabled" in i) for i in form.inputs if i.get("type") == "checkbox"
    ]
    assert choices == [(None, True), ("checkout", False)]  # profile is needed, checkout optional

    answered = await submit(client, form, "allow")

    assert answered.status_code == 303, answered.text
    assert redirect_query(answered)["scope"] == "profile checkout"


async def test_consent_page_may_not_be_framed_or_cached(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)

    page = await client.get("/oauth/authorize", params=_params(partner, "profile"))

    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("token", [None, "forged.0123456789abcdef0123456789abcdef"])
async def test_consent_answer_without_the_csrf_token_is_refused_and_grants_nothing(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp, token: str | None
) -> None:
    await signed_in_shopper(client, container)
    params = _params(partner, "profile offers")
    await client.get("/oauth/authorize", params=params)
    before = await _stored(container)
    form = {**params, "decision": "allow", "scope_choice": "offers"}
    if token is not None:
        form["csrf_token"] = token

    refused = await client.post("/oauth/authorize", data=form)

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "csrf_failed"
    assert "location" not in refused.headers
    assert await _stored(container) == before


async def test_unticked_optional_scope_is_neither_granted_nor_in_the_token(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    verifier, challenge = pkce_pair()
    params = authorize_params(partner, scope="profile offers checkout", challenge=challenge)
    await client.get("/oauth/authorize", params=params)

    answered = await consent(client, params, chosen=[])

    code = redirect_query(answered)["code"]
    issued = (await exchange_code(client, partner, code, verifier)).json()
    assert issued["scope"] == "profile offers"
    link = (await client.get("/api/v1/me/links")).json()[0]
    assert [s["name"] for s in link["scopes"]] == ["profile", "offers"]


async def test_linking_again_with_granted_scopes_asks_nothing_and_adds_no_receipt(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    await link_tokens(client, partner, scope="profile offers")
    before = await _stored(container)

    for scope in ("profile offers", "offers"):
        again = await client.get("/oauth/authorize", params=_params(partner, scope))
        assert again.status_code == 302
        assert redirect_query(again)["scope"] == scope

    after = await _stored(container)
    assert after["consent_receipts"] == before["consent_receipts"] == 1
    assert after["link_grants"] == 1
    assert after["oauth_authorization_codes"] == before["oauth_authorization_codes"] + 2


async def test_asking_for_more_scopes_asks_only_about_the_new_ones(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    await link_tokens(client, partner, scope="profile offers")
    params = _params(partner, "profile offers checkout")

    page = await client.get("/oauth/authorize", params=params)

    parsed = parse_page(page.text)
    form = parsed.form("/oauth/authorize")
    asked = [i for i in form.inputs if i.get("type") == "checkbox"]
    assert [(i.get("name"), i.get("value")) for i in asked] == [("scope_choice", "checkout")]
    text = parsed.text
    already, _, question = text.partition("The app now also asks to see or do:")
    assert SCOPES["profile"].en in already
    assert SCOPES["offers"].en in already
    assert SCOPES["checkout"].en not in already
    assert SCOPES["checkout"].en in question
    assert SCOPES["profile"].en not in question
    assert SCOPES["offers"].en not in question

    answered = await submit(client, form, "allow")

    assert redirect_query(answered)["scope"] == "profile offers checkout"
    link = (await client.get("/api/v1/me/links")).json()[0]
    assert len(link["receipts"]) == 2
    latest = (await client.get(link["receipts"][1]["download_url"])).json()
    flags = [(s["scope"], s["added_by_this_approval"]) for s in latest["scopes"]]
    assert flags == [("profile", False), ("offers", False), ("checkout", True)]


async def test_consent_given_in_french_yields_a_french_receipt(
    client: httpx.AsyncClient, container: Container, partner: PartnerApp
) -> None:
    await signed_in_shopper(client, container)
    params = _params(partner, "profile")
    await client.get("/oauth/authorize", params={**params, "lang": "fr"})

    await consent(client, params)

    link = (await client.get("/api/v1/me/links")).json()[0]
    receipt = (await client.get(link["receipts"][0]["download_url"])).json()
    assert receipt["language"] == "fr"
    assert receipt["scopes"][0]["text"] == SCOPES["profile"].fr
    assert receipt["how_to_revoke"]["text"] == wording.HOW_TO_REVOKE.fr
