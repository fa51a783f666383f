"""Every query of the linking domain.

Code redemption and refresh-token rotation are single conditional UPDATEs: of two concurrent
requests presenting the same code or refresh token, exactly one sees its row change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult

from handshake.db.uow import Repository
from handshake.linking.models import (
    AuthorizationCode,
    ConsentReceipt,
    Grant,
    GrantStatus,
    LinkEvent,
    OAuthToken,
)
from handshake.partners.models import Partner, PartnerClient


class LinkingRepository(Repository):
    """Grants, receipts, codes, tokens and link events."""

    async def get_grant(self, grant_id: str) -> Grant | None:
        """The grant ``grant_id``."""
        return await self.session.get(Grant, grant_id)

    async def current_grant(self, shopper_id: str, partner_id: str) -> Grant | None:
        """The shopper's grant to the partner still marked active (it may have expired)."""
        query = (
            select(Grant)
            .where(
                Grant.shopper_id == shopper_id,
                Grant.partner_id == partner_id,
                Grant.status == GrantStatus.ACTIVE,
            )
            .order_by(Grant.created_at.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()

    async def partner_of(self, grant: Grant) -> Partner:
        """The partner of ``grant`` (a foreign key guarantees it exists)."""
        partner = await self.session.get(Partner, grant.partner_id)
        assert partner is not None
        return partner

    async def grants_of_shopper(self, shopper_id: str) -> Sequence[tuple[Grant, Partner]]:
        """Every grant of the shopper with its partner, newest first."""
        query = (
            select(Grant, Partner)
            .join(Partner, Partner.id == Grant.partner_id)
            .where(Grant.shopper_id == shopper_id)
            .order_by(Grant.created_at.desc(), Grant.id.desc())
        )
        return [(grant, partner) for grant, partner in (await self.session.execute(query)).all()]

    async def active_grants_of_shopper(self, shopper_id: str) -> Sequence[Grant]:
        """The shopper's grants still marked active."""
        query = select(Grant).where(
            Grant.shopper_id == shopper_id, Grant.status == GrantStatus.ACTIVE
        )
        return (await self.session.scalars(query)).all()

    async def touch_grant(self, grant_id: str, *, at: datetime, older_than: datetime) -> None:
        """Record a use of the grant unless one was recorded after ``older_than``."""
        await self.session.execute(
            update(Grant)
            .where(
                Grant.id == grant_id,
                (Grant.last_used_at.is_(None)) | (Grant.last_used_at < older_than),
            )
            .values(last_used_at=at)
        )

    async def receipts_of_grant(self, grant_id: str) -> Sequence[ConsentReceipt]:
        """The grant's consent receipts, oldest first."""
        query = (
            select(ConsentReceipt)
            .where(ConsentReceipt.grant_id == grant_id)
            .order_by(ConsentReceipt.issued_at, ConsentReceipt.id)
        )
        return (await self.session.scalars(query)).all()

    async def get_receipt(self, receipt_id: str) -> ConsentReceipt | None:
        """The receipt ``receipt_id``."""
        return await self.session.get(ConsentReceipt, receipt_id)

    async def events_of_grant(self, grant_id: str, *, limit: int) -> Sequence[LinkEvent]:
        """The grant's newest events first."""
        query = (
            select(LinkEvent)
            .where(LinkEvent.grant_id == grant_id)
            .order_by(LinkEvent.at.desc(), LinkEvent.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def get_code(self, code_hash: str) -> AuthorizationCode | None:
        """The authorization code with this digest."""
        return await self.session.get(AuthorizationCode, code_hash)

    async def redeem_code(self, code_hash: str, *, at: datetime) -> bool:
        """Mark the code used; False when it already was (a replay or a lost race)."""
        result = await self.session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == code_hash, AuthorizationCode.redeemed_at.is_(None)
            )
            .values(redeemed_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def token_with_grant(
        self, digest: str, *, refresh: bool
    ) -> tuple[OAuthToken, Grant | None] | None:
        """The issuance holding this access (or refresh) token, with its grant, in one query."""
        column = OAuthToken.refresh_hash if refresh else OAuthToken.access_hash
        query = (
            select(OAuthToken, Grant)
            .outerjoin(Grant, Grant.id == OAuthToken.grant_id)
            .where(column == digest)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def access_context(
        self, access_hash: str
    ) -> tuple[OAuthToken, Grant | None, Partner, PartnerClient] | None:
        """An access token with its grant, partner and client, in one round trip."""
        query = (
            select(OAuthToken, Grant, Partner, PartnerClient)
            .join(Partner, Partner.id == OAuthToken.partner_id)
            .join(PartnerClient, PartnerClient.id == OAuthToken.client_id)
            .outerjoin(Grant, Grant.id == OAuthToken.grant_id)
            .where(OAuthToken.access_hash == access_hash)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def rotate_refresh(self, token_id: str, *, at: datetime) -> bool:
        """Mark a refresh token used; False when it already was (reuse or a lost race)."""
        result = await self.session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.id == token_id,
                OAuthToken.rotated_at.is_(None),
                OAuthToken.revoked_at.is_(None),
            )
            .values(rotated_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def revoke_token(self, token_id: str, *, at: datetime, reason: str) -> int:
        """Revoke one issuance (its access and refresh token)."""
        return await self._revoke_where(OAuthToken.id == token_id, at=at, reason=reason)

    async def revoke_family(self, family_id: str, *, at: datetime, reason: str) -> int:
        """Revoke every live token of a family; returns how many."""
        return await self._revoke_where(OAuthToken.family_id == family_id, at=at, reason=reason)

    async def revoke_tokens_of_code(self, code_hash: str, *, at: datetime, reason: str) -> int:
        """Revoke every live token issued from an authorization code (and its refreshes)."""
        families = select(OAuthToken.family_id).where(OAuthToken.code_hash == code_hash)
        return await self._revoke_where(
            OAuthToken.family_id.in_(families.scalar_subquery()), at=at, reason=reason
        )

    async def revoke_tokens_of_grant(self, grant_id: str, *, at: datetime, reason: str) -> int:
        """Revoke every live token of a grant."""
        return await self._revoke_where(OAuthToken.grant_id == grant_id, at=at, reason=reason)

    async def purge_codes(self, *, expired_before: datetime) -> int:
        """Delete authorization codes that expired before the cutoff."""
        result = await self.session.execute(
            delete(AuthorizationCode).where(AuthorizationCode.expires_at < expired_before)
        )
        return result.rowcount if isinstance(result, CursorResult) else 0

    async def purge_tokens(self, *, dead_before: datetime) -> int:
        """Delete issuances that can no longer be used since before the cutoff."""
        dead = or_(
            OAuthToken.revoked_at < dead_before,
            OAuthToken.refresh_expires_at < dead_before,
            (OAuthToken.refresh_hash.is_(None)) & (OAuthToken.expires_at < dead_before),
        )
        result = await self.session.execute(delete(OAuthToken).where(dead))
        return result.rowcount if isinstance(result, CursorResult) else 0

    async def _revoke_where(self, condition: object, *, at: datetime, reason: str) -> int:
        result = await self.session.execute(
            update(OAuthToken)
            .where(condition, OAuthToken.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=at, revoke_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount if isinstance(result, CursorResult) else 0


def _changed(result: object) -> bool:
    return isinstance(result, CursorResult) and result.rowcount == 1
