"""Looking issued tokens up: introspection, revocation, and authenticating partner calls.

Every check reads the token, its grant, its client and its partner in one query, with no
cache, so an unlink, a revocation or a suspension is honoured by the very next call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.linking import secrets_format
from handshake.linking.errors import InvalidAccessToken
from handshake.linking.links import end_link
from handshake.linking.models import Grant, OAuthToken
from handshake.linking.policy import LinkingPolicy
from handshake.linking.repository import LinkingRepository
from handshake.partners.errors import PartnerSuspended
from handshake.partners.kinds import PartnerKind
from handshake.partners.service import PartnerClientPrincipal

INACTIVE: dict[str, Any] = {"active": False}


@dataclass(frozen=True)
class PartnerAccess:
    """A partner call authenticated by an access token."""

    token_id: str
    client_id: str
    partner_id: str
    partner_name: str
    partner_kind: PartnerKind
    scopes: frozenset[str]
    grant_id: str | None
    shopper_id: str | None
    subject: str | None
    touch_due: bool
    # When the token stops working (its own expiry, or its link's when sooner).
    expires_at: datetime

    @property
    def has_shopper(self) -> bool:
        """Whether the token acts for a linked shopper (not client credentials)."""
        return self.shopper_id is not None


class TokenLedger:
    """Token lookups bound to one unit of work."""

    def __init__(self, uow: UnitOfWork, policy: LinkingPolicy) -> None:
        self.uow = uow
        self.policy = policy

    @property
    def repo(self) -> LinkingRepository:
        """The repository bound to the transaction."""
        return self.uow.repo(LinkingRepository)

    def _subject(self, row: OAuthToken) -> str | None:
        if row.shopper_id is None:
            return None
        return secrets_format.pairwise_subject(
            key=self.policy.subject_key, partner_id=row.partner_id, shopper_id=row.shopper_id
        )

    async def authenticate(self, token: str) -> PartnerAccess:
        """The access a bearer token gives, or :class:`InvalidAccessToken`."""
        now = clock.now()
        async with self.uow:
            found = await self.repo.access_context(secrets_format.digest(token))
        if found is None:
            raise InvalidAccessToken("The access token is unknown.")
        row, grant, partner, client = found
        if not row.access_is_live(now) or client.is_revoked:
            raise InvalidAccessToken("The access token has expired or was revoked.")
        if grant is not None and not grant.is_usable(now):
            raise InvalidAccessToken("The shopper's link to this app has ended.")
        if not partner.is_active:
            raise PartnerSuspended(f"Partner {partner.name!r} is suspended; its calls are refused.")
        last_used = grant.last_used_at if grant else None
        return PartnerAccess(
            token_id=row.id,
            client_id=row.client_id,
            partner_id=row.partner_id,
            partner_name=partner.name,
            partner_kind=partner.partner_kind,
            scopes=frozenset(row.scopes),
            grant_id=row.grant_id,
            shopper_id=row.shopper_id,
            subject=self._subject(row),
            touch_due=grant is not None
            and (last_used is None or now - last_used >= self.policy.last_used_resolution),
            expires_at=min(row.expires_at, grant.expires_at) if grant else row.expires_at,
        )

    async def touch(self, grant_id: str) -> None:
        """Record that the link was used now (at most once per resolution period)."""
        now = clock.now()
        async with self.uow:
            await self.repo.touch_grant(
                grant_id, at=now, older_than=now - self.policy.last_used_resolution
            )
            await self.uow.commit()

    async def _find(
        self, token: str, hint: str | None
    ) -> tuple[OAuthToken | None, Grant | None, bool]:
        hashed = secrets_format.digest(token)
        order = (True, False) if hint == "refresh_token" else (False, True)
        for as_refresh in order:
            found = await self.repo.token_with_grant(hashed, refresh=as_refresh)
            if found is not None:
                return found[0], found[1], as_refresh
        return None, None, False

    async def introspect(
        self, caller: PartnerClientPrincipal, token: str, hint: str | None
    ) -> dict[str, Any]:
        """RFC 7662 claims of ``token`` if it is live and belongs to the caller's partner."""
        now = clock.now()
        row, grant, as_refresh = await self._find(token, hint)
        if row is None or row.partner_id != caller.partner_id:
            return INACTIVE
        live = row.refresh_is_live(now) if as_refresh else row.access_is_live(now)
        if not live or (row.grant_id is not None and (grant is None or not grant.is_usable(now))):
            return INACTIVE
        expires = row.refresh_expires_at if as_refresh else row.expires_at
        assert expires is not None  # live implies an expiry
        claims: dict[str, Any] = {
            "active": True,
            "scope": row.scope,
            "client_id": row.client_id,
            "token_type": "refresh_token" if as_refresh else "Bearer",
            "exp": int(expires.timestamp()),
            "iat": int(row.issued_at.timestamp()),
            "iss": self.policy.issuer,
        }
        if grant is not None:
            claims["sub"] = self._subject(row)
            claims["link_id"] = grant.id
        return claims

    async def revoke(self, caller: PartnerClientPrincipal, token: str, hint: str | None) -> None:
        """Revoke the caller's token; a refresh token ends the whole link (RFC 7009 §2.1)."""
        row, grant, as_refresh = await self._find(token, hint)
        if row is None or row.client_id != caller.client_id:
            return  # RFC 7009 §2.2: an invalid token is not an error, and nothing happens
        now = clock.now()
        if as_refresh and grant is not None and grant.is_usable(now):
            await end_link(
                uow=self.uow,
                policy=self.policy,
                grant=grant,
                by="partner",
                reason="revoked_by_partner",
            )
        else:
            await self.repo.revoke_token(row.id, at=now, reason="revoked_by_client")
        await self.uow.commit()
