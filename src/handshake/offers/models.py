"""Entities of the offers domain: the keys that sign offer tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, created_at_column


class OfferSigningKey(Base):
    """An Ed25519 key pair; the newest unretired one signs, every unexpired one verifies.

    The private key is stored wrapped (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived
    from ``security.secret_key``, so a database dump alone cannot mint offer tokens. The public
    key is stored in clear as a JWK: partners fetch it from ``/.well-known/jwks.json``.
    """

    __tablename__ = "offer_signing_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(nullable=False)
    wrapped_private_key: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    # Set when a newer key takes over signing; tokens it signed still verify until expires_at.
    retired_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()

    def signs_at(self, now: datetime) -> bool:
        """Whether the key may sign new tokens at ``now``."""
        return self.retired_at is None or now < self.retired_at

    def verifies_at(self, now: datetime) -> bool:
        """Whether tokens signed by the key are still accepted at ``now``."""
        return self.expires_at is None or now < self.expires_at
