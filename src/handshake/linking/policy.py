"""The settings the linking use cases need, as one immutable value built by delivery code."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from handshake.settings import Settings


@dataclass(frozen=True)
class LinkingPolicy:
    """Lifetimes, the issuer, and the keys behind pairwise identifiers and signed receipts."""

    issuer: str
    access_token_lifetime: timedelta
    refresh_token_lifetime: timedelta
    code_lifetime: timedelta
    grant_lifetime: timedelta
    last_used_resolution: timedelta
    subject_key: bytes
    insecure_transport: bool
    # Seed of the Ed25519 key signing device consent receipts (derived, like subject_key).
    receipt_seed: bytes
    controller_name: str = "handshake store"

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkingPolicy:
        """The policy of ``settings``."""
        linking = settings.linking
        insecure = linking.allow_insecure_transport
        if insecure is None:
            insecure = settings.environment in {"development", "test"}
        secret = settings.security.secret_key.get_secret_value().encode()
        return cls(
            issuer=settings.http.public_url.rstrip("/"),
            access_token_lifetime=timedelta(seconds=linking.access_token_seconds),
            refresh_token_lifetime=timedelta(days=linking.refresh_token_days),
            code_lifetime=timedelta(seconds=linking.authorization_code_seconds),
            grant_lifetime=timedelta(days=linking.grant_days),
            last_used_resolution=timedelta(seconds=linking.last_used_resolution_seconds),
            # Derived, not the secret key itself, so the subject key can't sign sessions.
            subject_key=hashlib.sha256(b"handshake pairwise subject:" + secret).digest(),
            insecure_transport=insecure,
            receipt_seed=hashlib.sha256(b"handshake consent receipts:" + secret).digest(),
        )
