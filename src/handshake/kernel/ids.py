"""Prefixed, time-sortable identifiers such as ``prd_01J9...``.

The body is a ULID (48-bit millisecond timestamp + 80 random bits, Crockford base32), so ids sort
by creation time, which keeps keyset pagination and B-tree inserts cheap.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import UTC, datetime

from handshake.kernel import clock

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"^[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}$")
_SHIFTS = tuple(range(125, -1, -5))
_lock = threading.Lock()
_last_ms = -1
_last_random = 0


def _monotonic_parts() -> tuple[int, int]:
    # Within one millisecond the random part is incremented so ids stay strictly increasing.
    global _last_ms, _last_random
    millis = int(clock.now().timestamp() * 1000)
    with _lock:
        if millis <= _last_ms:
            millis = _last_ms
            _last_random = (_last_random + 1) & ((1 << 80) - 1)
        else:
            _last_ms = millis
            _last_random = secrets.randbits(80)
        return millis, _last_random


def new_id(prefix: str) -> str:
    """A new id with ``prefix`` (2–5 lowercase letters), e.g. ``new_id("prd")``."""
    if not (2 <= len(prefix) <= 5 and prefix.isalpha() and prefix.islower()):
        raise ValueError(f"bad id prefix {prefix!r}")
    millis, random_part = _monotonic_parts()
    value = (millis << 80) | random_part
    # Crockford base32 of the 128 bits: 26 five-bit groups, most significant first.
    return prefix + "_" + "".join([_ALPHABET[(value >> shift) & 31] for shift in _SHIFTS])


def id_timestamp(value: str) -> datetime:
    """The creation time encoded in an id (millisecond precision)."""
    body = value.split("_", 1)[1]
    millis = 0
    for char in body[:10]:
        millis = millis * 32 + _ALPHABET.index(char)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def is_id(value: str, prefix: str | None = None) -> bool:
    """Whether ``value`` looks like an id (of ``prefix`` when given)."""
    if not _ID_RE.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")
