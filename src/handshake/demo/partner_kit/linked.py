"""Linked shoppers of a partner app: their tokens (refreshed as needed, via the maker
connector's token keeper) and calls to the platform on their behalf."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import httpx

from handshake.connector.accounts import Account, AccountStore
from handshake.connector.tokens import RelinkNeeded, TokenKeeper, TokenUnavailable
from handshake.demo.partner_kit import oauth
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.sessions import AppSession

SUBJECT, NAME = "subject", "shopper_name"


class NotLinked(Exception):
    """The shopper's link is gone (revoked, refused refresh): show the app anonymous."""


class PlatformUnavailable(Exception):
    """The platform did not answer (or refused to refresh a token for now)."""


class LinkedShoppers:
    """Tokens per linked shopper (by the link's pairwise subject), kept in memory."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig) -> None:
        self.http, self.config = http, config
        self.store = AccountStore([])
        self.tokens = TokenKeeper(
            store=self.store, http=http, platform_url=config.platform_url,
            client_id=config.client_id, client_secret=config.client_secret,
        )  # fmt: skip

    def link(self, session: AppSession, account: Account, name: str) -> None:
        """Keep a new link's tokens and tie the browser session to it."""
        self.store.put(account)
        session.values[SUBJECT], session.values[NAME] = account.subject, name

    def subject_of(self, session: AppSession) -> str | None:
        """The session's linked subject (None: anonymous, or the link ended)."""
        subject = session.values.get(SUBJECT)
        if subject is not None and self.tokens.active(subject):
            return str(subject)
        session.values.pop(SUBJECT, None)
        session.values.pop(NAME, None)
        return None

    async def request(self, subject: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A platform call with the shopper's token; one refresh and retry on 401."""
        url, extra = self.config.platform(path), kwargs.pop("headers", None) or {}
        try:
            token = await self.tokens.access_token(subject)
            answer = await self.http.request(method, url, headers=_bearer(token, extra), **kwargs)
            if answer.status_code == 401:
                token = await self.tokens.refreshed(subject, token)
                answer = await self.http.request(
                    method, url, headers=_bearer(token, extra), **kwargs
                )
        except RelinkNeeded:
            raise NotLinked(subject) from None
        except (TokenUnavailable, httpx.HTTPError) as exc:
            raise PlatformUnavailable(str(exc)) from None
        if answer.status_code == 401:
            await self.tokens.forget(subject)
            raise NotLinked(subject)
        return answer

    async def forget(self, subject: str) -> None:
        """The link ended on the platform: drop the tokens at once."""
        await self.tokens.forget(subject)

    async def unlink(self, subject: str) -> None:
        """End the link on the platform (it sends ``link.revoked``), then forget the tokens."""
        account = self.store.get(subject)
        if account is not None and not account.relink_needed:
            # Forgotten here anyway if the platform is away; the shopper can unlink there too.
            with contextlib.suppress(httpx.HTTPError):
                await oauth.revoke(self.http, self.config, account.refresh_token)
        await self.tokens.forget(subject)


def _bearer(token: str, extra: dict[str, str]) -> dict[str, str]:
    return {**extra, "Authorization": f"Bearer {token}"}


class ClientToken:
    """The app's own client-credentials token (offers about no shopper), reused until expiry."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig, scope: str) -> None:
        self.http, self.config, self.scope = http, config, scope
        self._token, self._until = "", 0.0

    async def get(self) -> str:
        """A valid token (a new one a minute before the old expires)."""
        if self._token and time.monotonic() < self._until:
            return self._token
        try:
            answer = await self.http.post(
                self.config.platform("/oauth/token"),
                data={"grant_type": "client_credentials", "scope": self.scope},
                auth=(self.config.client_id, self.config.client_secret),
            )
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(str(exc)) from None
        if answer.status_code != 200:
            raise PlatformUnavailable(f"client credentials refused ({answer.status_code})")
        body = answer.json()
        self._token = str(body["access_token"])
        self._until = time.monotonic() + max(float(body.get("expires_in") or 300) - 60, 5)
        return self._token
