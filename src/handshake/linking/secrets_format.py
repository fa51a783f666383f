"""Opaque OAuth credentials: how they are generated, stored and compared.

Access tokens, refresh tokens and codes are 256-bit random strings with a readable prefix
(so a leaked one is recognisable by secret scanners). Only their SHA-256 digest is stored;
lookups are by digest, so no comparison of secrets happens in Python at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ACCESS_TOKEN_PREFIX = "hsat_"  # noqa: S105  # public prefixes, not secrets
REFRESH_TOKEN_PREFIX = "hsrt_"  # noqa: S105
CODE_PREFIX = "hsac_"


def new_access_token() -> str:
    """A fresh opaque access token."""
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    """A fresh opaque refresh token."""
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_code() -> str:
    """A fresh authorization code."""
    return CODE_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a token or code (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def s256_challenge(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    hashed = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode("ascii")


def pairwise_subject(*, key: bytes, partner_id: str, shopper_id: str) -> str:
    """A stable shopper identifier that differs per partner, so partners cannot join records."""
    mac = hmac.new(key, f"{partner_id}:{shopper_id}".encode(), hashlib.sha256).digest()
    return "sub_" + base64.urlsafe_b64encode(mac[:18]).decode("ascii")
