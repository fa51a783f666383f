"""Account linking from the partner's side: the authorization-code flow with PKCE (S256), a
confidential client, and the shopper's profile once linked."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from handshake.connector.accounts import Account
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.sessions import AppSession
from handshake.kernel import clock

PENDING = "oauth_pending"


class LinkFailed(Exception):
    """The platform refused the link (denied, bad state, code refused)."""


@dataclass(frozen=True)
class LinkedShopper:
    """A freshly linked shopper: their tokens and who they are."""

    account: Account
    name: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_url(config: PartnerAppConfig, session: AppSession) -> str:
    """The platform's consent page for this browser; state and verifier kept in the session."""
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    session.values[PENDING] = {"state": state, "verifier": verifier}
    query = urlencode({
        "response_type": "code", "client_id": config.client_id,
        "redirect_uri": config.redirect_uri, "scope": " ".join(config.scopes), "state": state,
        "code_challenge": _challenge(verifier), "code_challenge_method": "S256",
    })  # fmt: skip
    return f"{config.platform('/oauth/authorize')}?{query}"


async def _tokens(
    http: httpx.AsyncClient, config: PartnerAppConfig, code: str, verifier: str
) -> dict[str, Any]:
    answer = await http.post(
        config.platform("/oauth/token"),
        data={"grant_type": "authorization_code", "code": code,
              "redirect_uri": config.redirect_uri, "code_verifier": verifier},
        auth=(config.client_id, config.client_secret),
    )  # fmt: skip
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
        raise LinkFailed(
            str(body.get("error_description") or body.get("error") or answer.status_code)
        )
    return dict(body)


async def finish_link(
    http: httpx.AsyncClient, config: PartnerAppConfig, session: AppSession, params: Any
) -> LinkedShopper:
    """Check the callback's state, exchange the code, read the shopper's profile."""
    pending = session.values.pop(PENDING, None)
    # The state first, errors too: a forged callback must not put its words on the app's page.
    if not pending or not secrets.compare_digest(str(params.get("state", "")), pending["state"]):
        raise LinkFailed("This link attempt is unknown or expired: start again.")
    if params.get("error"):
        raise LinkFailed(str(params.get("error_description") or params["error"]))
    tokens = await _tokens(http, config, str(params.get("code", "")), pending["verifier"])
    profile = await http.get(
        config.platform("/partner/v1/shopper"),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    if profile.status_code != 200:
        raise LinkFailed(f"The shopper's profile could not be read ({profile.status_code}).")
    me = profile.json()
    expires_at: datetime = clock.now() + timedelta(seconds=float(tokens.get("expires_in") or 3600))
    account = Account(
        subject=str(me["sub"]), access_token=tokens["access_token"],
        refresh_token=str(tokens.get("refresh_token") or ""), expires_at=expires_at,
    )  # fmt: skip
    return LinkedShopper(account, str(me.get("name") or ""))


async def revoke(http: httpx.AsyncClient, config: PartnerAppConfig, refresh_token: str) -> None:
    """End the link on the platform (revoking the refresh token ends the whole link)."""
    if not refresh_token:
        return
    await http.post(
        config.platform("/oauth/revoke"),
        data={"token": refresh_token, "token_type_hint": "refresh_token"},
        auth=(config.client_id, config.client_secret),
    )
