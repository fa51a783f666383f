"""Click ids: compact HMAC-signed references to an ad click, checked without a database.

``clk_<key>.<mac>``: ``key`` is a keyed hash of (partner, client event id), so a retried click
gets the same id; ``mac`` binds the key to the partner, so checkout can tell a click id of the
calling partner from a forged one or another partner's. Both halves are lowercase base32.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "clk_"
MAX_LENGTH = 64
_KEY_BYTES = 16
_MAC_BYTES = 10
_KEY_LABEL = b"handshake click id key v1"
_MAC_LABEL = b"handshake click id mac v1"
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


@dataclass(frozen=True)
class ClickReference:
    """A verified click id: the partner it belongs to and the key ad events store it under."""

    click_id: str
    partner_id: str
    key: str


def derive_click_secret(secret_key: str | bytes) -> bytes:
    """The click-id secret derived from the platform secret (never the raw secret itself)."""
    raw = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, b"handshake click ids", hashlib.sha256).digest()


def _subkey(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def _mac(secret: bytes, partner_id: str, key: str) -> str:
    message = f"{partner_id}\x1f{key}".encode()
    digest = hmac.new(_subkey(secret, _MAC_LABEL), message, hashlib.sha256).digest()
    return _encode(digest[:_MAC_BYTES])


def new_click_id(*, secret: bytes, partner_id: str, event_id: str) -> str:
    """The click id of the partner's event ``event_id`` (the same on every call)."""
    message = f"{partner_id}\x1f{event_id}".encode("utf-8", "surrogatepass")
    digest = hmac.new(_subkey(secret, _KEY_LABEL), message, hashlib.sha256).digest()
    key = _encode(digest[:_KEY_BYTES])
    return f"{PREFIX}{key}.{_mac(secret, partner_id, key)}"


def _parts(click_id: str) -> tuple[str, str] | None:
    if len(click_id) > MAX_LENGTH or not click_id.startswith(PREFIX):
        return None
    key, dot, mac = click_id[len(PREFIX) :].partition(".")
    if not dot or not key or not mac or not set(key + mac) <= _ALPHABET:
        return None
    return key, mac


def verify_click_id(click_id: str, *, secret: bytes, partner_id: str) -> ClickReference | None:
    """The reference of a genuine click id of ``partner_id``; None if forged, altered, foreign."""
    parts = _parts(click_id)
    if parts is None:
        return None
    key, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, partner_id, key)):
        return None
    return ClickReference(click_id=click_id, partner_id=partner_id, key=key)
