"""Entities of the linking domain: grants, consent receipts, authorization codes, tokens, events.

Codes and tokens are stored only as SHA-256 digests: they are 256-bit random strings, so a
plain digest is as strong as a slow hash, and a leaked table cannot be replayed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, JSONDocument, UTCDateTime, created_at_column, id_column


class GrantStatus(StrEnum):
    """Lifecycle of a link between a shopper and a partner."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Grant(Base):
    """What a shopper allowed one partner to see and do, for which purpose, until when."""

    __tablename__ = "link_grants"
    __table_args__ = (Index("ix_link_grants_shopper_partner", "shopper_id", "partner_id"),)

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(
        ForeignKey("shoppers.id", ondelete="CASCADE"), nullable=False
    )
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    scopes: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False, default=list)
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=GrantStatus.ACTIVE)
    created_at: Mapped[datetime] = created_at_column()
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "shopper", "partner", "operator" or "system" (token reuse, erasure).
    revoked_by: Mapped[str | None] = mapped_column(String(20))
    revoke_reason: Mapped[str | None] = mapped_column(String(60))

    def effective_status(self, now: datetime) -> GrantStatus:
        """The status at ``now``: an active grant past its expiry counts as expired."""
        if self.status == GrantStatus.ACTIVE and self.expires_at <= now:
            return GrantStatus.EXPIRED
        return GrantStatus(self.status)

    def is_usable(self, now: datetime) -> bool:
        """Whether tokens of this grant are honoured at ``now``."""
        return self.effective_status(now) == GrantStatus.ACTIVE

    def covers(self, scopes: list[str]) -> bool:
        """Whether every scope in ``scopes`` is already granted."""
        return set(scopes) <= set(self.scopes)

    def add_scopes(self, scopes: list[str], *, at: datetime) -> list[str]:
        """Grant ``scopes`` too; returns the ones that are new."""
        new = [scope for scope in scopes if scope not in self.scopes]
        if new:
            self.scopes = [*self.scopes, *new]
            self.amended_at = at
        return new

    def revoke(self, *, by: str, reason: str, at: datetime) -> None:
        """End the link; the caller revokes its tokens in the same transaction."""
        self.status = GrantStatus.REVOKED
        self.revoked_at = at
        self.revoked_by = by
        self.revoke_reason = reason


class ConsentReceipt(Base):
    """The record of one approval, downloadable by the shopper (Kantara-style JSON)."""

    __tablename__ = "consent_receipts"

    id: Mapped[str] = id_column()
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("link_grants.id", ondelete="CASCADE"), index=True, nullable=False
    )
    issued_at: Mapped[datetime] = created_at_column()
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False)


class AuthorizationCode(Base):
    """A single-use authorization code (RFC 6749 §4.1.2) bound to PKCE and a redirect URI."""

    __tablename__ = "oauth_authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), nullable=False)
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("link_grants.id", ondelete="CASCADE"), index=True, nullable=False
    )
    redirect_uri: Mapped[str] = mapped_column(String(2000), nullable=False)
    scope: Mapped[str] = mapped_column(String(500), nullable=False)
    code_challenge: Mapped[str] = mapped_column(String(128), nullable=False)
    code_challenge_method: Mapped[str] = mapped_column(String(10), nullable=False)
    nonce: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenKind(StrEnum):
    """How a token pair was obtained (the OAuth grant type)."""

    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105  # a grant type name, not a secret
    CLIENT_CREDENTIALS = "client_credentials"


class OAuthToken(Base):
    """One issuance: an access token and, for shopper grants, its refresh token.

    Every token issued from one authorization code shares a ``family_id``; rotation marks the
    old row ``rotated_at`` and adds a new row in the same family, so presenting a rotated
    refresh token again is detectable and revokes the whole family.
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (Index("ix_oauth_tokens_grant_id", "grant_id"),)

    id: Mapped[str] = id_column()
    access_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    client_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("link_grants.id", ondelete="CASCADE"))
    shopper_id: Mapped[str | None] = mapped_column(String(32))
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(500), nullable=False)
    issued_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(60))

    @property
    def scopes(self) -> list[str]:
        """The granted scopes as a list."""
        return self.scope.split()

    def access_is_live(self, now: datetime) -> bool:
        """Whether the access token is neither revoked nor expired at ``now``."""
        return self.revoked_at is None and self.expires_at > now

    def refresh_is_live(self, now: datetime) -> bool:
        """Whether the refresh token can still be exchanged at ``now``."""
        expires = self.refresh_expires_at
        return (
            self.refresh_hash is not None
            and self.revoked_at is None
            and self.rotated_at is None
            and expires is not None
            and expires > now
        )


class LinkEvent(Base):
    """One entry of a link's history: approvals, revocations, and what the partner did."""

    __tablename__ = "link_events"
    __table_args__ = (Index("ix_link_events_grant_at", "grant_id", "at"),)

    id: Mapped[str] = id_column()
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("link_grants.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = created_at_column()
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    actor: Mapped[str] = mapped_column(String(20), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False, default=dict)
