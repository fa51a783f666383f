"""The shopper's grant as the maker must enforce it, cached at most ``ttl`` seconds.

``GET /partner/v1/devices/grant`` with the link's token: 404 or a revoked grant mean nothing is
shared. A failure to read it (platform down) shares nothing either: the caller keeps its data
and asks again later, it never guesses. Told of a revocation (``SKILL_DISABLED``), the cache
forgets the grant at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog

from handshake.connector.tokens import RelinkNeeded, TokenKeeper, TokenUnavailable
from handshake.devices.authorization_details import from_details
from handshake.devices.consent import ConsentError, DeviceGrant
from handshake.kernel import clock

log = structlog.get_logger(__name__)
GRANT_PATH = "/partner/v1/devices/grant"
NOTHING_SHARED = DeviceGrant(())
ENDED = DeviceGrant((), revoked=True)


class GrantUnavailable(Exception):
    """The grant could not be read now: share nothing, try again later."""


@dataclass(frozen=True)
class KnownGrant:
    """A grant as last read, its version (None: none exists) and when it was read."""

    grant: DeviceGrant
    version: int | None
    read_at: float


class GrantCache:
    """Grants per subject, read through the platform and kept at most ``ttl_seconds``."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        platform_url: str,
        tokens: TokenKeeper,
        ttl_seconds: float = 1.0,
        now: Callable[[], datetime] = clock.now,
        monotonic: Callable[[], float] = time.monotonic,
        on_version_change: Callable[[str], None] | None = None,
    ) -> None:
        self._http, self._url, self._tokens = http, platform_url + GRANT_PATH, tokens
        self._ttl, self._now, self._monotonic = ttl_seconds, now, monotonic
        # Told (with the subject) when a grant's version changes, to resend discovery.
        self.on_version_change = on_version_change
        self._known: dict[str, KnownGrant] = {}
        self._versions: dict[str, int | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def invalidate(self, subject: str) -> None:
        """Forget the cached grant: the next read asks the platform."""
        self._known.pop(subject, None)

    async def grant(self, subject: str) -> DeviceGrant:
        """The grant to enforce for ``subject`` now (:class:`GrantUnavailable` on failure)."""
        return (await self.read(subject)).grant

    async def read(self, subject: str) -> KnownGrant:
        """The grant with its version, from the cache when fresh enough."""
        known = self._fresh(subject)
        if known is not None:
            return known
        async with self._locks.setdefault(subject, asyncio.Lock()):
            known = self._fresh(subject)  # one read for every task that waited
            if known is None:
                known = await self._fetch(subject)
                self._known[subject] = known
                self._note_version(subject, known.version)
            return known

    def _fresh(self, subject: str) -> KnownGrant | None:
        known = self._known.get(subject)
        if known is None or self._monotonic() - known.read_at >= self._ttl:
            return None
        return known

    def _note_version(self, subject: str, version: int | None) -> None:
        seen = subject in self._versions
        previous = self._versions.get(subject)
        self._versions[subject] = version
        if seen and previous != version and self.on_version_change is not None:
            self.on_version_change(subject)

    async def _fetch(self, subject: str) -> KnownGrant:
        try:
            response = await self._get(subject)
        except RelinkNeeded:
            return KnownGrant(ENDED, None, self._monotonic())
        if response.status_code == 200:
            return self._parse(subject, response)
        if response.status_code in {401, 403, 404}:
            # 404: nothing shared yet; 401/403 after a fresh token: the link cannot read it.
            return KnownGrant(NOTHING_SHARED, None, self._monotonic())
        raise GrantUnavailable(f"grant read answered {response.status_code}")

    async def _get(self, subject: str) -> httpx.Response:
        try:
            token = await self._tokens.access_token(subject)
            response = await self._http.get(self._url, headers=_bearer(token))
            if response.status_code == 401:
                token = await self._tokens.refreshed(subject, token)
                response = await self._http.get(self._url, headers=_bearer(token))
        except (httpx.HTTPError, TokenUnavailable) as exc:
            raise GrantUnavailable(f"grant read failed: {exc!r}") from exc
        return response

    def _parse(self, subject: str, response: httpx.Response) -> KnownGrant:
        try:
            document: Any = response.json()
        except ValueError as exc:
            raise GrantUnavailable("grant read answered a body that is not JSON") from exc
        version = document.get("version") if isinstance(document, dict) else None
        version = version if isinstance(version, int) else None
        if not isinstance(document, dict) or document.get("status") != "active":
            return KnownGrant(ENDED, version, self._monotonic())
        try:
            grant = from_details(
                document.get("authorization_details") or [], now=self._now(), check=False
            )
        except ConsentError as exc:
            log.warning("connector.grant_unreadable", subject=subject, error=str(exc))
            grant = NOTHING_SHARED
        return KnownGrant(grant, version, self._monotonic())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
