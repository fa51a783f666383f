"""aioauth's storage port implemented over the linking repository.

One instance serves one OAuth request inside one unit of work; the caller commits only when the
response is a success. Detected replays (a used code, a rotated refresh token) are the
exception: their revocations are committed at once, before the error is answered, so an
attacker's failed attempt still kills the stolen family.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from aioauth.errors import InvalidGrantError, InvalidScopeError, UnauthorizedClientError
from aioauth.models import AuthorizationCode as OAuthCode
from aioauth.models import Client, Token
from aioauth.requests import Request as OAuthRequest
from aioauth.storage import BaseStorage
from aioauth.types import CodeChallengeMethod, GrantType, TokenType

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking import secrets_format
from handshake.linking.events import TokenFamilyRevoked
from handshake.linking.links import add_link_event
from handshake.linking.models import AuthorizationCode, Grant, OAuthToken, TokenKind
from handshake.linking.policy import LinkingPolicy
from handshake.linking.repository import LinkingRepository
from handshake.partners import service as partners
from handshake.partners.errors import InvalidClient, PartnerSuspended
from handshake.partners.kinds import ClientType
from handshake.partners.scopes import SCOPES
from handshake.partners.service import PartnerClientPrincipal

CONFIDENTIAL_GRANTS: list[GrantType] = ["authorization_code", "refresh_token", "client_credentials"]
PUBLIC_GRANTS: list[GrantType] = ["authorization_code", "refresh_token"]


def _seconds(delta_end: datetime, now: datetime) -> int:
    return max(1, int((delta_end - now).total_seconds()))


class LinkingStorage(BaseStorage):
    """Clients from ``partners``; codes, tokens and grants from the linking tables."""

    def __init__(self, uow: UnitOfWork, policy: LinkingPolicy) -> None:
        self.uow = uow
        self.policy = policy

    @property
    def repo(self) -> LinkingRepository:
        """The repository bound to the request's transaction."""
        return self.uow.repo(LinkingRepository)

    async def get_client(
        self, *, request: OAuthRequest, client_id: str, client_secret: str | None = None
    ) -> Client | None:
        """The client, authenticated by its secret when one is presented (never cached)."""
        try:
            if client_secret:
                principal = await partners.authenticate_client(
                    uow=self.uow, client_id=client_id, client_secret=client_secret
                )
            else:
                principal = await partners.get_active_client(uow=self.uow, client_id=client_id)
        except InvalidClient:
            return None
        except PartnerSuspended as error:
            raise UnauthorizedClientError(request=request, description=error.detail) from None
        if client_secret == "" and principal.client_type == ClientType.CONFIDENTIAL:
            return None  # a confidential client must authenticate at the token endpoint
        request.extra["client"] = principal
        return _as_oauth_client(principal, client_secret)

    async def create_authorization_code(
        self,
        *,
        request: OAuthRequest,
        client_id: str,
        scope: str,
        response_type: str,
        redirect_uri: str,
        code: str,
        code_challenge_method: CodeChallengeMethod | None = None,
        code_challenge: str | None = None,
        nonce: str | None = None,
    ) -> OAuthCode:
        """Store a code for the grant the consent step put in ``request.extra``."""
        del code  # aioauth's random string; ours carries a recognisable prefix
        # The authorize step refused requests without PKCE S256.
        assert code_challenge
        assert code_challenge_method
        plain = secrets_format.new_code()
        self.repo.add(
            AuthorizationCode(
                code_hash=secrets_format.digest(plain),
                client_id=client_id,
                grant_id=request.extra["grant_id"],
                redirect_uri=redirect_uri,
                scope=scope,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
                nonce=nonce,
                expires_at=clock.now() + self.policy.code_lifetime,
            )
        )
        return OAuthCode(
            code=plain,
            client_id=client_id,
            redirect_uri=redirect_uri,
            response_type=response_type,
            scope=scope,
            auth_time=int(time.time()),
            expires_in=int(self.policy.code_lifetime.total_seconds()),
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            nonce=nonce,
        )

    async def get_authorization_code(
        self, *, request: OAuthRequest, client_id: str, code: str
    ) -> OAuthCode | None:
        """Redeem the code atomically; a second redemption revokes what the first obtained."""
        row = await self.repo.get_code(secrets_format.digest(code))
        if row is None or row.client_id != client_id:
            return None
        now = clock.now()
        if row.redeemed_at is not None:
            await self._revoke_after_replay(
                row.code_hash, row.grant_id, "authorization_code_reused"
            )
            return None
        grant = await self.repo.get_grant(row.grant_id)
        usable = grant is not None and grant.is_usable(now)
        if row.expires_at <= now or row.redirect_uri != request.post.redirect_uri or not usable:
            return None
        if not await self.repo.redeem_code(row.code_hash, at=now):
            await self._revoke_after_replay(
                row.code_hash, row.grant_id, "authorization_code_reused"
            )
            return None
        request.extra.update(code_row=row, grant=grant)
        # aioauth re-checks expiry against the wall clock: give it the remaining lifetime.
        return OAuthCode(
            code=code,
            client_id=client_id,
            redirect_uri=row.redirect_uri,
            response_type="code",
            scope=row.scope,
            auth_time=int(time.time()),
            expires_in=_seconds(row.expires_at, now),
            code_challenge=row.code_challenge,
            code_challenge_method=row.code_challenge_method,  # type: ignore[arg-type]
            nonce=row.nonce,
        )

    async def delete_authorization_code(
        self, *, request: OAuthRequest, client_id: str, code: str
    ) -> None:
        """Keep the redeemed row: it is how a replay of the code is recognised."""

    async def create_token(
        self,
        *,
        request: OAuthRequest,
        client_id: str,
        scope: str,
        access_token: str,
        refresh_token: str | None = None,
    ) -> Token:
        """Issue an access token (and a refresh token for shopper grants) for the grant type."""
        del access_token, refresh_token  # aioauth's strings; ours are prefixed
        principal: PartnerClientPrincipal = request.extra["client"]
        grant: Grant | None = request.extra.get("grant")
        kind = TokenKind(str(request.post.grant_type))
        if kind == TokenKind.CLIENT_CREDENTIALS and not scope:
            scope = " ".join(_allowed_scopes(principal))
        old: OAuthToken | None = request.extra.get("old_token")
        if kind == TokenKind.REFRESH_TOKEN and old is not None:
            # aioauth narrows the scope through a set: keep the order it was granted in.
            kept = set(scope.split())
            scope = " ".join(name for name in old.scopes if name in kept)
        now = clock.now()
        row = OAuthToken(
            id=new_id("tok"),
            family_id=_family_of(request, kind),
            kind=kind,
            client_id=client_id,
            partner_id=principal.partner_id,
            grant_id=grant.id if grant else None,
            shopper_id=grant.shopper_id if grant else None,
            code_hash=_origin_code(request),
            scope=scope,
            # Expiries count from the same instant, so introspection's exp - iat is exact.
            issued_at=now,
            expires_at=now + self.policy.access_token_lifetime,
        )
        plain_access = secrets_format.new_access_token()
        row.access_hash = secrets_format.digest(plain_access)
        plain_refresh = None
        if grant is not None:
            plain_refresh = secrets_format.new_refresh_token()
            row.refresh_hash = secrets_format.digest(plain_refresh)
            row.refresh_expires_at = min(now + self.policy.refresh_token_lifetime, grant.expires_at)
        self.repo.add(row)
        return Token(
            access_token=plain_access,
            refresh_token=plain_refresh,
            scope=scope,
            issued_at=int(time.time()),
            expires_in=int(self.policy.access_token_lifetime.total_seconds()),
            refresh_token_expires_in=(
                _seconds(row.refresh_expires_at, now) if row.refresh_expires_at else 0
            ),
            client_id=client_id,
        )

    async def get_token(
        self,
        *,
        request: OAuthRequest,
        client_id: str,
        token_type: TokenType | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> Token | None:
        """The live refresh token presented to the refresh grant (a rotated one is a replay)."""
        if refresh_token is None:
            return None
        found = await self.repo.token_with_grant(secrets_format.digest(refresh_token), refresh=True)
        if found is None or found[0].client_id != client_id:
            return None
        row, grant = found
        now = clock.now()
        if row.rotated_at is not None and row.revoked_at is None:
            await self._revoke_family_after_replay(row)
            return None
        if not row.refresh_is_live(now) or grant is None or not grant.is_usable(now):
            return None
        asked = request.post.scope.split() if request.post.scope else []
        if asked and not set(asked) & set(row.scopes):
            # aioauth would issue a token with no scope at all and rotate this one away.
            raise InvalidScopeError(request=request, description="None of these scopes is granted.")
        request.extra.update(old_token=row, grant=grant)
        assert row.refresh_expires_at is not None  # refresh_is_live checked it
        return Token(
            access_token="",
            refresh_token=refresh_token,
            scope=row.scope,
            issued_at=int(time.time()),
            expires_in=0,
            refresh_token_expires_in=_seconds(row.refresh_expires_at, now),
            client_id=client_id,
        )

    async def revoke_token(
        self,
        *,
        request: OAuthRequest,
        client_id: str,
        refresh_token: str | None = None,
        token_type: TokenType | None = None,
        access_token: str | None = None,
    ) -> None:
        """Rotation: mark the old refresh token used, or treat a lost race as a replay."""
        row: OAuthToken = request.extra["old_token"]
        if not await self.repo.rotate_refresh(row.id, at=clock.now()):
            await self._revoke_family_after_replay(row)
            raise InvalidGrantError(request=request, description="Refresh token already used.")

    async def _revoke_after_replay(self, code_hash: str, grant_id: str, reason: str) -> None:
        now = clock.now()
        revoked = await self.repo.revoke_tokens_of_code(code_hash, at=now, reason=reason)
        detail: dict[str, Any] = {"reason": reason, "tokens_revoked": revoked}
        add_link_event(self.uow, grant_id, kind="tokens_revoked", actor="system", detail=detail)
        await self.uow.commit()

    async def _revoke_family_after_replay(self, row: OAuthToken) -> None:
        reason = "refresh_token_reused"
        now = clock.now()
        revoked = await self.repo.revoke_family(row.family_id, at=now, reason=reason)
        if row.grant_id is not None:
            detail = {"reason": reason, "tokens_revoked": revoked, "family_id": row.family_id}
            add_link_event(
                self.uow, row.grant_id, kind="tokens_revoked", actor="system", detail=detail
            )
        self.uow.record(
            TokenFamilyRevoked(
                family_id=row.family_id,
                partner_id=row.partner_id,
                grant_id=row.grant_id,
                reason=reason,
            )
        )
        await self.uow.commit()


def _allowed_scopes(principal: PartnerClientPrincipal) -> list[str]:
    kind = principal.partner_kind
    return [s for s in principal.allowed_scopes if s in SCOPES and SCOPES[s].allowed_for(kind)]


def _as_oauth_client(principal: PartnerClientPrincipal, secret: str | None) -> Client:
    public = principal.client_type == ClientType.PUBLIC
    return Client(
        client_id=principal.client_id,
        client_secret=secret or "",
        grant_types=PUBLIC_GRANTS if public else CONFIDENTIAL_GRANTS,
        response_types=["code"],
        redirect_uris=list(principal.redirect_uris),
        scope=" ".join(_allowed_scopes(principal)),
    )


def _family_of(request: OAuthRequest, kind: TokenKind) -> str:
    old: OAuthToken | None = request.extra.get("old_token")
    if kind == TokenKind.REFRESH_TOKEN and old is not None:
        return old.family_id
    return new_id("tfm")


def _origin_code(request: OAuthRequest) -> str | None:
    code_row: AuthorizationCode | None = request.extra.get("code_row")
    if code_row is not None:
        return code_row.code_hash
    old: OAuthToken | None = request.extra.get("old_token")
    return old.code_hash if old is not None else None
