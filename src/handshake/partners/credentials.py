"""Generating and checking partner credentials: client secrets and webhook signing secrets.

Client secrets are 256 random bits, so a plain SHA-256 digest is as strong as a slow hash here
(nothing to brute-force) and lets every partner call be checked cheaply; comparisons are
constant-time. Webhook secrets follow Standard Webhooks: ``whsec_`` + base64 of random bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CLIENT_SECRET_PREFIX = "hss_"  # noqa: S105  # a public prefix, not a secret
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105  # a public prefix, not a secret
WEBHOOK_SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 bytes
SECRET_HINT_LENGTH = 8
# Compared against when the client is unknown, so a miss costs the same time as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"no such client").hexdigest()


def new_client_secret() -> str:
    """A fresh client secret, shown to the partner once."""
    return CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_client_secret(secret: str) -> str:
    """The stored form of a client secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_hint(secret: str) -> str:
    """A short, harmless prefix that helps operators tell secrets apart."""
    return secret[: len(CLIENT_SECRET_PREFIX) + SECRET_HINT_LENGTH // 2] + "…"


def client_secret_matches(secret: str, stored_hash: str | None) -> bool:
    """Whether ``secret`` hashes to ``stored_hash``, in constant time (False when no hash)."""
    expected = stored_hash or _DUMMY_HASH
    matches = hmac.compare_digest(hash_client_secret(secret), expected)
    return matches and stored_hash is not None


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    raw = secrets.token_bytes(WEBHOOK_SECRET_BYTES)
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(raw).decode("ascii")
