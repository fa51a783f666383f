"""Entities of the partners domain: organisations, their OAuth clients and webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import (
    Base,
    JSONDocument,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)
from handshake.partners.kinds import ClientType, PartnerKind, PartnerStatus


class Partner(Base):
    """A partner organisation (social network, video app, assistant, device maker)."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False)
    website: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PartnerStatus.ACTIVE)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def partner_kind(self) -> PartnerKind:
        """The kind as an enum."""
        return PartnerKind(self.kind)

    @property
    def is_active(self) -> bool:
        """Whether the partner's calls are served."""
        return self.status == PartnerStatus.ACTIVE

    def suspend(self, *, reason: str, at: datetime) -> None:
        """Stop serving the partner; the caller checks it was active."""
        self.status = PartnerStatus.SUSPENDED
        self.suspended_at = at
        self.suspension_reason = reason

    def reactivate(self) -> None:
        """Serve the partner again."""
        self.status = PartnerStatus.ACTIVE
        self.suspended_at = None
        self.suspension_reason = None


class PartnerClient(Base):
    """An OAuth client of a partner; its primary key is the public ``client_id``."""

    __tablename__ = "partner_clients"

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    client_type: Mapped[str] = mapped_column(String(20), nullable=False)
    # SHA-256 of the secret (see credentials.py); None for public clients.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    secret_hint: Mapped[str | None] = mapped_column(String(20))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redirect_uris: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False, default=list)
    allowed_scopes: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False, default=list)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def client_id(self) -> str:
        """The public OAuth client identifier."""
        return self.id

    @property
    def is_public(self) -> bool:
        """Public clients have no secret and must use PKCE."""
        return self.client_type == ClientType.PUBLIC

    @property
    def is_revoked(self) -> bool:
        """Whether the client was revoked."""
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        """``active`` or ``revoked``."""
        return "revoked" if self.is_revoked else "active"

    def set_secret(self, *, secret_hash: str, hint: str, at: datetime | None) -> None:
        """Replace the stored secret; the previous one stops working immediately."""
        self.secret_hash = secret_hash
        self.secret_hint = hint
        self.secret_rotated_at = at

    def revoke(self, *, at: datetime) -> None:
        """Revoke for good; the secret is forgotten too."""
        self.revoked_at = at
        self.secret_hash = None


class SignatureScheme(StrEnum):
    """How deliveries to an endpoint are framed and signed."""

    # ``webhook-id``/``webhook-timestamp``/``webhook-signature``; body {type, timestamp, data}.
    STANDARD_WEBHOOKS = "standard_webhooks"
    # Agentic Commerce Protocol order events: ``Merchant-Signature``; body {type, data}.
    ACP = "acp"


class WebhookEndpoint(Base):
    """A URL of a partner that receives signed event deliveries (Standard Webhooks or ACP)."""

    __tablename__ = "partner_webhook_endpoints"
    __table_args__ = (UniqueConstraint("partner_id", "url"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False, default=list)
    signature_scheme: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        default=SignatureScheme.STANDARD_WEBHOOKS,
        server_default=SignatureScheme.STANDARD_WEBHOOKS.value,
    )
    # Kept in clear on purpose: the sender needs the secret itself to compute HMAC signatures
    # (a hash would be useless). During a rotation the previous secret also signs until
    # ``previous_secret_expires_at``, as Standard Webhooks allows several signatures (and ACP's
    # ``Merchant-Signature`` carries one ``v1=`` per secret). An ACP endpoint's secret may be
    # the one the agent platform issued.
    signing_secret: Mapped[str] = mapped_column(String(100), nullable=False)
    previous_signing_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def scheme(self) -> SignatureScheme:
        """The signature scheme as an enum."""
        return SignatureScheme(self.signature_scheme)

    def rotate_secret(self, *, new_secret: str, previous_valid_until: datetime) -> None:
        """Sign with ``new_secret`` from now on, and with the old one too until the deadline."""
        self.previous_signing_secret = self.signing_secret
        self.previous_secret_expires_at = previous_valid_until
        self.signing_secret = new_secret

    def signing_secrets(self, *, now: datetime) -> list[str]:
        """Secrets to sign a delivery with at ``now``: current first, then the previous one."""
        secrets = [self.signing_secret]
        expires = self.previous_secret_expires_at
        if self.previous_signing_secret and expires is not None and now < expires:
            secrets.append(self.previous_signing_secret)
        return secrets

    def subscribes_to(self, event_type: str) -> bool:
        """Whether deliveries of ``event_type`` go to this endpoint."""
        return self.enabled and event_type in self.event_types
