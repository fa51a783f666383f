"""Keeps each linked shopper's access token fresh (OAuth 2.0 refresh, one lock per account).

Tokens are refreshed ``margin`` seconds before they expire, and at once after the gateway
answers 401. A refresh refused with ``invalid_grant`` means the link is gone: the account is
marked "relink needed" and nothing more is published for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog

from handshake.connector.accounts import Account, AccountStore
from handshake.kernel import clock

log = structlog.get_logger(__name__)


class RelinkNeeded(Exception):
    """The shopper must link the maker again (refresh refused, or sharing ended)."""


class TokenUnavailable(Exception):
    """No fresh token right now (platform unreachable or erring): try again later."""


class TokenKeeper:
    """Fresh access tokens per subject, refreshing through ``POST /oauth/token``."""

    def __init__(
        self,
        *,
        store: AccountStore,
        http: httpx.AsyncClient,
        platform_url: str,
        client_id: str,
        client_secret: str,
        margin_seconds: float = 300.0,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._store, self._http, self._url = store, http, platform_url + "/oauth/token"
        self._client = (client_id, client_secret)
        self._margin = timedelta(seconds=margin_seconds)
        self._now = now
        self._locks: dict[str, asyncio.Lock] = {}

    def active(self, subject: str) -> bool:
        """Whether the connector may still act for this subject."""
        account = self._store.get(subject)
        return account is not None and not account.relink_needed

    def _account(self, subject: str) -> Account:
        account = self._store.get(subject)
        if account is None or account.relink_needed:
            raise RelinkNeeded(subject)
        return account

    def _lock(self, subject: str) -> asyncio.Lock:
        return self._locks.setdefault(subject, asyncio.Lock())

    async def access_token(self, subject: str) -> str:
        """A token valid for at least the margin (refreshed first when needed)."""
        account = self._account(subject)
        if account.expires_at - self._margin > self._now():
            return account.access_token
        async with self._lock(subject):
            account = self._account(subject)  # another task may have refreshed meanwhile
            if account.expires_at - self._margin > self._now():
                return account.access_token
            return await self._refresh(account)

    async def refreshed(self, subject: str, stale: str) -> str:
        """A new token after ``stale`` was refused (one refresh however many tasks ask)."""
        async with self._lock(subject):
            account = self._account(subject)
            if account.access_token != stale:
                return account.access_token
            return await self._refresh(account)

    async def forget(self, subject: str) -> None:
        """Sharing ended: drop the shopper's tokens; only a new link brings them back."""
        account = self._store.get(subject)
        if account is None:
            return
        account.access_token, account.refresh_token, account.relink_needed = "", "", True
        await self._save()

    async def _refresh(self, account: Account) -> str:
        data = {"grant_type": "refresh_token", "refresh_token": account.refresh_token}
        try:
            answer = await self._http.post(self._url, data=data, auth=self._client)
        except httpx.HTTPError as exc:
            raise TokenUnavailable(f"token endpoint unreachable: {exc!r}") from exc
        body = _json(answer)
        if answer.status_code == 200 and isinstance(body.get("access_token"), str):
            account.access_token = str(body["access_token"])
            # Refresh tokens rotate: keep the new one, or the old when none is given.
            account.refresh_token = str(body.get("refresh_token") or account.refresh_token)
            lifetime = float(body.get("expires_in") or 3600)
            account.expires_at = self._now() + timedelta(seconds=lifetime)
            await self._save()
            return account.access_token
        if body.get("error") == "invalid_grant":
            log.warning("connector.relink_needed", subject=account.subject)
            await self.forget(account.subject)
            raise RelinkNeeded(account.subject)
        status, error = answer.status_code, body.get("error")
        raise TokenUnavailable(f"token refresh answered {status}: {error}")

    async def _save(self) -> None:
        # Snapshot on the loop (no concurrent mutation), write off it (disk may be slow).
        await asyncio.to_thread(self._store.write, self._store.snapshot())


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
