"""Random tokens and their stored digests: session cookies and operator API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

API_KEY_PREFIX = "hsk"
API_KEY_ID_PREFIX = "opk"


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Hex SHA-256 of ``token`` (what the database keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def digest_matches(token: str, stored_digest: str) -> bool:
    """Constant-time comparison of ``token``'s digest with ``stored_digest``."""
    return hmac.compare_digest(digest(token), stored_digest)


@dataclass(frozen=True)
class ParsedApiKey:
    """The parts of ``hsk_<keyid>_<secret>``."""

    key_id: str
    secret: str


def format_api_key(key_id: str, secret: str) -> str:
    """The plaintext key shown once: ``hsk_<ulid of the key id>_<secret>``."""
    body = key_id.split("_", 1)[1]
    return f"{API_KEY_PREFIX}_{body}_{secret}"


def parse_api_key(value: str) -> ParsedApiKey | None:
    """Split a presented key into its id and secret, or None when it is not one of ours."""
    prefix, _, rest = value.strip().partition("_")
    body, _, secret = rest.partition("_")
    if prefix != API_KEY_PREFIX or len(body) != 26 or not body.isalnum() or len(secret) < 20:
        return None
    return ParsedApiKey(key_id=f"{API_KEY_ID_PREFIX}_{body.upper()}", secret=secret)
